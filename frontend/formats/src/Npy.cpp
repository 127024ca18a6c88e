//===- Npy.cpp - Reading and writing NumPy .npy files ---------------------===//
//
// parseNpy checks, in order: the magic and version (1.0, 2.0, 3.0), that
// the header length fits in the file (and a 1 MiB limit), the header dict
// (parsed by detail::parsePyLiteral; exactly the keys 'descr',
// 'fortran_order' and 'shape'), the descr (supported little-endian types;
// big-endian, structured and other types are refused with a hint), the
// shape (non-negative, rank <= 64, byte size without overflow), that the
// data is exactly as long as the shape requires, and that bool elements are
// 0 or 1. readNpy maps the file and calls parseNpy. writeNpy reproduces
// numpy's own header layout: keys in sorted order, repr() of the shape,
// numpy's spare "growth" spaces, padding so that the data starts at a
// multiple of 64, and a final '\n'.
//===----------------------------------------------------------------------===//
#include "attune/formats/Npy.h"

#include "Common.h"
#include "FileUtil.h"
#include "PyLiteral.h"

#include <cstring>

namespace attune {
namespace formats {

using detail::checkedByteSize;
using detail::PyValue;
using detail::quoteForError;

static const char kMagic[] = "\x93NUMPY";
static constexpr size_t kMagicLen = 6;
static constexpr size_t kMaxHeaderBytes = 1 << 20;
static constexpr size_t kMaxRank = 64;
static constexpr size_t kArrayAlign = 64;
static constexpr size_t kGrowthAxisMaxDigits = 21; // numpy's constant
static constexpr const char *kSupported = "'<f4', '<f8', '<i4', '<i8', '|b1'";

const char *npyDescr(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::F32: return "<f4";
  case NpyDType::F64: return "<f8";
  case NpyDType::I32: return "<i4";
  case NpyDType::I64: return "<i8";
  case NpyDType::Bool: return "|b1";
  }
  return "?";
}

size_t npyDTypeSize(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::F32: return 4;
  case NpyDType::F64: return 8;
  case NpyDType::I32: return 4;
  case NpyDType::I64: return 8;
  case NpyDType::Bool: return 1;
  }
  return 0;
}

std::optional<NpyDType> parseNpyDescr(const std::string &descr) {
  for (NpyDType d : {NpyDType::F32, NpyDType::F64, NpyDType::I32,
                     NpyDType::I64, NpyDType::Bool})
    if (descr == npyDescr(d))
      return d;
  return std::nullopt;
}

int64_t NpyArray::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// Python's repr() of a shape tuple: (), (3,), (2, 3).
static std::string shapeRepr(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

/// Index of the first bool byte that is not 0 or 1, or -1.
static int64_t findBadBool(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] > 1)
      return static_cast<int64_t>(i);
  return -1;
}

/// Validates the parsed header dict and fills dtype and shape.
static bool checkHeader(const PyValue &dict, const std::string &file,
                        NpyDType &dtype, std::vector<int64_t> &shape,
                        std::string &error) {
  std::string pre = file + ": ";
  if (dict.kind != PyValue::Kind::Dict) {
    error = pre + "header is a " + dict.kindName() + ", expected a dict";
    return false;
  }
  const PyValue *descr = nullptr, *fortran = nullptr, *shapeVal = nullptr;
  for (size_t i = 0; i < dict.keys.size(); ++i) {
    const std::string &k = dict.keys[i];
    if (k == "descr")
      descr = &dict.items[i];
    else if (k == "fortran_order")
      fortran = &dict.items[i];
    else if (k == "shape")
      shapeVal = &dict.items[i];
    else {
      error = pre + "header has unexpected key '" + quoteForError(k) +
              "' (expected 'descr', 'fortran_order', 'shape')";
      return false;
    }
  }
  for (auto [ptr, name] : {std::pair{descr, "descr"},
                           std::pair{fortran, "fortran_order"},
                           std::pair{shapeVal, "shape"}}) {
    if (!ptr) {
      error = pre + "header has no '" + name + "' key";
      return false;
    }
  }

  pre = file + ": header field 'descr': ";
  if (descr->kind != PyValue::Kind::String) {
    error = pre + "expected a string but found " + descr->kindName() +
            (descr->kind == PyValue::Kind::List
                 ? " (structured dtypes are not supported)"
                 : "");
    return false;
  }
  std::optional<NpyDType> dt = parseNpyDescr(descr->str);
  if (!dt) {
    const std::string &d = descr->str;
    if (!d.empty() && d[0] == '>' && parseNpyDescr("<" + d.substr(1)))
      error = pre + "big-endian dtype '" + quoteForError(d) +
              "' is not supported (save with arr.astype('<" +
              quoteForError(d.substr(1)) + "'))";
    else
      error = pre + "unsupported dtype '" + quoteForError(d) +
              "' (supported: " + kSupported + ")";
    return false;
  }

  pre = file + ": header field 'fortran_order': ";
  if (fortran->kind != PyValue::Kind::Bool) {
    error = pre + "expected True or False but found " + fortran->repr();
    return false;
  }
  if (fortran->b) {
    error = pre + "fortran_order arrays are not supported (save with "
                  "np.ascontiguousarray)";
    return false;
  }

  pre = file + ": header field 'shape': ";
  if (shapeVal->kind != PyValue::Kind::Tuple) {
    error = pre + "expected a tuple of integers but found " +
            shapeVal->kindName() + " " + shapeVal->repr();
    return false;
  }
  if (shapeVal->items.size() > kMaxRank) {
    error = pre + "rank " + std::to_string(shapeVal->items.size()) +
            " is more than the supported " + std::to_string(kMaxRank);
    return false;
  }
  std::vector<int64_t> dims;
  for (size_t i = 0; i < shapeVal->items.size(); ++i) {
    const PyValue &v = shapeVal->items[i];
    if (v.kind != PyValue::Kind::Int) {
      error = pre + "dimension " + std::to_string(i) + " is a " +
              v.kindName() + " (" + v.repr() + "), expected an integer";
      return false;
    }
    if (v.i < 0) {
      error = pre + "dimension " + std::to_string(i) + " is negative (" +
              std::to_string(v.i) + ") in " + shapeVal->repr();
      return false;
    }
    dims.push_back(v.i);
  }
  dtype = *dt;
  shape = std::move(dims);
  return true;
}

bool parseNpy(const uint8_t *data, size_t size, const std::string &nameForErrors,
              NpyArray &out, std::string &error) {
  const std::string &file = nameForErrors;
  try {
    if (size < kMagicLen + 2 || !data ||
        std::memcmp(data, kMagic, kMagicLen) != 0) {
      error = file + ": not a .npy file (" +
              (size < kMagicLen + 2 || !data
                   ? "only " + std::to_string(size) + " bytes"
                   : std::string("bad magic bytes")) +
              ", expected \\x93NUMPY and a version)";
      return false;
    }
    unsigned major = data[6], minor = data[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0) {
      error = file + ": unsupported .npy version " + std::to_string(major) +
              "." + std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)";
      return false;
    }
    size_t lenBytes = major == 1 ? 2 : 4;
    size_t prefix = kMagicLen + 2 + lenBytes;
    if (size < prefix) {
      error = file + ": file is " + std::to_string(size) +
              " bytes, too short for the header length field";
      return false;
    }
    uint64_t headerLen = 0;
    for (size_t i = lenBytes; i-- > 0;)
      headerLen = (headerLen << 8) | data[kMagicLen + 2 + i];
    if (headerLen > size - prefix) {
      error = file + ": header length " + std::to_string(headerLen) +
              " runs past the end of the file (" +
              std::to_string(size - prefix) + " bytes available)";
      return false;
    }
    if (headerLen > kMaxHeaderBytes) {
      error = file + ": header length " + std::to_string(headerLen) +
              " exceeds the limit of " + std::to_string(kMaxHeaderBytes);
      return false;
    }
    const char *headerText = reinterpret_cast<const char *>(data + prefix);
    PyValue dict;
    std::string why;
    if (!detail::parsePyLiteral(headerText, static_cast<size_t>(headerLen),
                                dict, why)) {
      error = file + ": malformed header dict: " + why + " (header: " +
              quoteForError(std::string(headerText, headerLen), 120) + ")";
      return false;
    }
    NpyArray result;
    if (!checkHeader(dict, file, result.dtype, result.shape, error))
      return false;

    std::string what = "shape " + shapeRepr(result.shape) + " of " +
                       npyDescr(result.dtype);
    uint64_t needed = 0;
    if (!checkedByteSize(result.shape, npyDTypeSize(result.dtype), needed)) {
      error = file + ": header field 'shape': " + what +
              " is too large (byte size overflows 64 bits)";
      return false;
    }
    const uint8_t *body = data + prefix + headerLen;
    size_t found = size - prefix - static_cast<size_t>(headerLen);
    if (found < needed) {
      error = file + ": data is truncated: " + what + " needs " +
              std::to_string(needed) + " bytes but found " +
              std::to_string(found);
      return false;
    }
    if (found > needed) {
      error = file + ": " + std::to_string(found - needed) +
              " trailing bytes after the array data: " + what + " needs " +
              std::to_string(needed) + " bytes but found " +
              std::to_string(found);
      return false;
    }
    if (result.dtype == NpyDType::Bool) {
      int64_t bad = findBadBool(body, found);
      if (bad >= 0) {
        error = file + ": bool element " + std::to_string(bad) +
                " has value " + std::to_string(body[bad]) +
                " (expected 0 or 1)";
        return false;
      }
    }
    result.data.assign(body, body + found);
    out = std::move(result);
    return true;
  } catch (const std::exception &e) {
    error = file + ": cannot read .npy file: " + e.what();
  } catch (...) {
    error = file + ": cannot read .npy file: unknown error";
  }
  return false;
}

bool readNpy(const std::string &path, NpyArray &out, std::string &error) {
  try {
    detail::MappedFile mapped;
    if (!mapped.map(path, error))
      return false;
    return parseNpy(mapped.data(), mapped.size(), path, out, error);
  } catch (const std::exception &e) {
    error = path + ": cannot read .npy file: " + e.what();
  } catch (...) {
    error = path + ": cannot read .npy file: unknown error";
  }
  return false;
}

bool writeNpy(const std::string &path, const NpyArray &a, std::string &error) {
  try {
    size_t itemSize = npyDTypeSize(a.dtype);
    if (itemSize == 0) {
      error = path + ": invalid dtype value " +
              std::to_string(static_cast<int>(a.dtype));
      return false;
    }
    if (a.shape.size() > kMaxRank) {
      error = path + ": rank " + std::to_string(a.shape.size()) +
              " is more than the supported " + std::to_string(kMaxRank);
      return false;
    }
    for (int64_t d : a.shape) {
      if (d < 0) {
        error = path + ": shape " + shapeRepr(a.shape) +
                " has a negative dimension";
        return false;
      }
    }
    uint64_t needed = 0;
    if (!checkedByteSize(a.shape, itemSize, needed)) {
      error = path + ": shape " + shapeRepr(a.shape) +
              " is too large (byte size overflows 64 bits)";
      return false;
    }
    if (a.data.size() != needed) {
      error = path + ": shape " + shapeRepr(a.shape) + " of " +
              npyDescr(a.dtype) + " needs " + std::to_string(needed) +
              " bytes but data has " + std::to_string(a.data.size());
      return false;
    }
    if (a.dtype == NpyDType::Bool) {
      int64_t bad = findBadBool(a.data.data(), a.data.size());
      if (bad >= 0) {
        error = path + ": bool element " + std::to_string(bad) +
                " has value " + std::to_string(a.data[bad]) +
                " (expected 0 or 1)";
        return false;
      }
    }
    std::string header = std::string("{'descr': '") + npyDescr(a.dtype) +
                         "', 'fortran_order': False, 'shape': " +
                         shapeRepr(a.shape) + ", }";
    if (!a.shape.empty())
      header.append(kGrowthAxisMaxDigits -
                        std::to_string(a.shape[0]).size(), ' ');
    // Version 1.0 has a 2-byte length; fall back to 2.0 if it overflows.
    unsigned major = 1;
    size_t lenBytes = 2;
    size_t hlen = header.size() + 1; // + '\n'
    size_t pad = kArrayAlign - (kMagicLen + 2 + lenBytes + hlen) % kArrayAlign;
    if (hlen + pad > 0xffff) {
      major = 2;
      lenBytes = 4;
      pad = kArrayAlign - (kMagicLen + 2 + lenBytes + hlen) % kArrayAlign;
    }
    header.append(pad, ' ');
    header += '\n';
    std::string prefix(kMagic, kMagicLen);
    prefix += static_cast<char>(major);
    prefix += '\0';
    for (size_t i = 0; i < lenBytes; ++i)
      prefix += static_cast<char>((header.size() >> (8 * i)) & 0xff);
    prefix += header;
    std::vector<std::pair<const void *, size_t>> chunks = {
        {prefix.data(), prefix.size()}};
    if (!a.data.empty())
      chunks.emplace_back(a.data.data(), a.data.size());
    return detail::writeChunks(path, chunks, error);
  } catch (const std::exception &e) {
    error = path + ": cannot write .npy file: " + e.what();
  } catch (...) {
    error = path + ": cannot write .npy file: unknown error";
  }
  return false;
}

} // namespace formats
} // namespace attune
