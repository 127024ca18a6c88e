//===- Safetensors.cpp - Reading .safetensors files -----------------------===//
//
// The reader validates a whole file image before anything is exposed: the
// 8-byte header length, the JSON header (parsed by nlohmann::json with a
// callback that refuses duplicate keys and deep nesting), each entry's
// fields, the byte size implied by dtype and shape (checked multiplication),
// the bounds of every data range and that no two non-empty ranges overlap.
// nlohmann exceptions are caught here and turned into messages; nothing
// escapes the public API. The writer is in SafetensorsWriter.cpp.
//===----------------------------------------------------------------------===//
#include "attune/formats/Safetensors.h"

#include "FileUtil.h"
#include "Common.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>
#include <sys/mman.h>

namespace attune {
namespace formats {

using detail::checkedByteSize;
using detail::formatShape;
using detail::quoteForError;
using json = nlohmann::json;

static constexpr uint64_t kMaxHeaderBytes = 100ull * 1000 * 1000; // 100 MB
static constexpr size_t kMaxRank = 8;
static constexpr int kMaxJsonDepth = 16;
static constexpr const char *kMetadataKey = "__metadata__";
static constexpr const char *kSupported = "F32, F16, BF16, I64, I32";

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32: return "F32";
  case DType::F16: return "F16";
  case DType::BF16: return "BF16";
  case DType::I64: return "I64";
  case DType::I32: return "I32";
  }
  return "?";
}

size_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F32: return 4;
  case DType::F16: return 2;
  case DType::BF16: return 2;
  case DType::I64: return 8;
  case DType::I32: return 4;
  }
  return 0;
}

std::optional<DType> parseDType(const std::string &name) {
  for (DType d : {DType::F32, DType::F16, DType::BF16, DType::I64, DType::I32})
    if (name == dtypeName(d))
      return d;
  return std::nullopt;
}

int64_t TensorInfo::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

namespace {

/// Thrown by the parse callback; converted to a message in parseHeader.
struct HeaderShapeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// "[json.exception.parse_error.101] parse error at ..." -> "parse error at".
std::string stripJsonPrefix(const char *what) {
  std::string s = what;
  if (!s.empty() && s[0] == '[') {
    size_t close = s.find("] ");
    if (close != std::string::npos)
      s = s.substr(close + 2);
  }
  return quoteForError(s, 400);
}

/// Parses `text` into `out`, refusing duplicate keys and nesting deeper than
/// kMaxJsonDepth. On failure sets `detail` (without the file prefix).
bool parseHeader(const char *text, size_t len, json &out, std::string &detail) {
  if (const void *nul = std::memchr(text, '\0', len)) {
    detail = "header is not valid JSON: NUL byte at header offset " +
             std::to_string(static_cast<const char *>(nul) - text);
    return false;
  }
  std::vector<std::set<std::string>> keyStack;
  auto callback = [&](int depth, json::parse_event_t event, json &value) {
    switch (event) {
    case json::parse_event_t::object_start:
    case json::parse_event_t::array_start:
      if (depth >= kMaxJsonDepth)
        throw HeaderShapeError("header JSON nests deeper than " +
                               std::to_string(kMaxJsonDepth) + " levels");
      if (event == json::parse_event_t::object_start)
        keyStack.emplace_back();
      break;
    case json::parse_event_t::object_end:
      if (!keyStack.empty())
        keyStack.pop_back();
      break;
    case json::parse_event_t::key:
      if (!keyStack.empty() && value.is_string() &&
          !keyStack.back().insert(value.get<std::string>()).second)
        throw HeaderShapeError("header has duplicate key '" +
                               quoteForError(value.get<std::string>()) + "'");
      break;
    default:
      break;
    }
    return true;
  };
  try {
    out = json::parse(text, text + len, callback, /*allow_exceptions=*/true);
  } catch (const HeaderShapeError &e) {
    detail = e.what();
    return false;
  } catch (const json::exception &e) {
    detail = "header is not valid JSON: " + stripJsonPrefix(e.what());
    return false;
  }
  return true;
}

/// Reads a non-negative JSON integer into `v`; describes the problem in
/// `why` otherwise.
bool getNonNegative(const json &j, uint64_t &v, std::string &why) {
  if (j.is_number_unsigned()) {
    v = j.get<uint64_t>();
    return true;
  }
  if (j.is_number_integer()) {
    why = "is negative (" + std::to_string(j.get<int64_t>()) + ")";
    return false;
  }
  if (j.is_number_float()) {
    why = "is not an integer (" + quoteForError(j.dump()) + ")";
    return false;
  }
  why = std::string("is a ") + j.type_name() + ", expected an integer";
  return false;
}

struct Entry {
  TensorInfo info;
  uint64_t begin = 0, end = 0;
};

} // namespace

std::unique_ptr<SafetensorsFile>
SafetensorsFile::openFromMemory(const uint8_t *data, size_t size,
                                const std::string &nameForErrors,
                                std::string &error) {
  const std::string &file = nameForErrors;
  try {
    if (size < 8 || !data) {
      error = file + ": file is " + std::to_string(size) +
              " bytes, too short for a safetensors header (needs at least 8)";
      return nullptr;
    }
    uint64_t headerLen = 0;
    for (int i = 7; i >= 0; --i)
      headerLen = (headerLen << 8) | data[i];
    if (headerLen > size - 8) {
      error = file + ": header length " + std::to_string(headerLen) +
              " runs past the end of the file (file is " +
              std::to_string(size) + " bytes, at most " +
              std::to_string(size - 8) + " available for the header)";
      return nullptr;
    }
    if (headerLen > kMaxHeaderBytes) {
      error = file + ": header length " + std::to_string(headerLen) +
              " exceeds the limit of " + std::to_string(kMaxHeaderBytes) +
              " bytes";
      return nullptr;
    }
    const uint8_t *dataSection = data + 8 + headerLen;
    uint64_t dataSize = size - 8 - headerLen;

    json header;
    std::string detail;
    if (!parseHeader(reinterpret_cast<const char *>(data + 8),
                     static_cast<size_t>(headerLen), header, detail)) {
      error = file + ": " + detail;
      return nullptr;
    }
    if (!header.is_object()) {
      error = file + ": header is a JSON " + std::string(header.type_name()) +
              ", expected an object";
      return nullptr;
    }

    std::unique_ptr<SafetensorsFile> result(new SafetensorsFile());
    result->path_ = file;
    std::vector<Entry> entries;
    for (auto it = header.begin(); it != header.end(); ++it) {
      const std::string &key = it.key();
      const json &value = it.value();
      if (key == kMetadataKey) {
        if (!value.is_object()) {
          error = file + ": __metadata__ is a " +
                  std::string(value.type_name()) + ", expected an object";
          return nullptr;
        }
        for (auto m = value.begin(); m != value.end(); ++m) {
          if (!m.value().is_string()) {
            error = file + ": __metadata__ entry '" + quoteForError(m.key()) +
                    "' is a " + m.value().type_name() + ", expected a string";
            return nullptr;
          }
          result->metadata_[m.key()] = m.value().get<std::string>();
        }
        continue;
      }
      std::string where = file + ": tensor '" + quoteForError(key) + "': ";
      if (!value.is_object()) {
        error = where + "entry is a " + std::string(value.type_name()) +
                ", expected an object with dtype, shape and data_offsets";
        return nullptr;
      }
      for (auto f = value.begin(); f != value.end(); ++f) {
        if (f.key() != "dtype" && f.key() != "shape" &&
            f.key() != "data_offsets") {
          error = where + "unknown field '" + quoteForError(f.key()) +
                  "' (expected dtype, shape, data_offsets)";
          return nullptr;
        }
      }
      for (const char *field : {"dtype", "shape", "data_offsets"}) {
        if (!value.contains(field)) {
          error = where + "missing field '" + field + "'";
          return nullptr;
        }
      }
      Entry e;
      e.info.name = key;

      // dtype
      const json &dt = value["dtype"];
      if (!dt.is_string()) {
        error = where + "field 'dtype' is a " + std::string(dt.type_name()) +
                ", expected a string";
        return nullptr;
      }
      std::optional<DType> dtype = parseDType(dt.get<std::string>());
      if (!dtype) {
        error = where + "unsupported dtype '" +
                quoteForError(dt.get<std::string>()) + "' (supported: " +
                kSupported + ")";
        return nullptr;
      }
      e.info.dtype = *dtype;

      // shape
      const json &sh = value["shape"];
      if (!sh.is_array()) {
        error = where + "field 'shape' is a " + std::string(sh.type_name()) +
                ", expected an array of non-negative integers";
        return nullptr;
      }
      if (sh.size() > kMaxRank) {
        error = where + "shape has rank " + std::to_string(sh.size()) +
                ", more than the supported " + std::to_string(kMaxRank);
        return nullptr;
      }
      for (size_t i = 0; i < sh.size(); ++i) {
        uint64_t dim = 0;
        std::string why;
        if (!getNonNegative(sh[i], dim, why)) {
          error = where + "shape dimension " + std::to_string(i) + " " + why;
          return nullptr;
        }
        if (dim > static_cast<uint64_t>(INT64_MAX)) {
          error = where + "shape dimension " + std::to_string(i) + " (" +
                  std::to_string(dim) + ") does not fit in int64";
          return nullptr;
        }
        e.info.shape.push_back(static_cast<int64_t>(dim));
      }

      // data_offsets
      const json &off = value["data_offsets"];
      if (!off.is_array() || off.size() != 2) {
        error = where + "field 'data_offsets' must be an array [begin, end]" +
                (off.is_array() ? " (found " + std::to_string(off.size()) +
                                      " elements)"
                                : " (found a " +
                                      std::string(off.type_name()) + ")");
        return nullptr;
      }
      std::string why;
      if (!getNonNegative(off[0], e.begin, why)) {
        error = where + "data_offsets begin " + why;
        return nullptr;
      }
      if (!getNonNegative(off[1], e.end, why)) {
        error = where + "data_offsets end " + why;
        return nullptr;
      }
      std::string offsetsText = "data_offsets [" + std::to_string(e.begin) +
                                "," + std::to_string(e.end) + "]";
      if (e.begin > e.end) {
        error = where + offsetsText + " have begin > end";
        return nullptr;
      }
      if (e.end > dataSize) {
        error = where + offsetsText + " run past the end of the data section (" +
                std::to_string(dataSize) + " bytes)";
        return nullptr;
      }

      // Byte size implied by the shape (see detail::checkedByteSize).
      uint64_t needed = 0;
      if (!checkedByteSize(e.info.shape, dtypeSize(e.info.dtype), needed)) {
        error = where + "shape " + formatShape(e.info.shape) +
                " has too many elements (byte size overflows 64 bits)";
        return nullptr;
      }
      if (needed != e.end - e.begin) {
        error = where + "shape " + formatShape(e.info.shape) + " needs " +
                std::to_string(needed) + " bytes (" + dtypeName(e.info.dtype) +
                ") but data_offsets span " + std::to_string(e.end - e.begin);
        return nullptr;
      }
      e.info.data = dataSection + e.begin;
      e.info.nbytes = needed;
      e.info.offset = e.begin;
      entries.push_back(std::move(e));
    }

    std::sort(entries.begin(), entries.end(),
              [](const Entry &a, const Entry &b) {
                if (a.begin != b.begin)
                  return a.begin < b.begin;
                if (a.end != b.end)
                  return a.end < b.end;
                return a.info.name < b.info.name;
              });
    const Entry *widest = nullptr; // non-empty entry with the largest end
    for (const Entry &e : entries) {
      if (e.begin == e.end)
        continue;
      if (widest && widest->end > e.begin) {
        error = file + ": tensors '" + quoteForError(widest->info.name) +
                "' (bytes [" + std::to_string(widest->begin) + "," +
                std::to_string(widest->end) + ")) and '" +
                quoteForError(e.info.name) + "' (bytes [" +
                std::to_string(e.begin) + "," + std::to_string(e.end) +
                ")) overlap";
        return nullptr;
      }
      if (!widest || e.end > widest->end)
        widest = &e;
    }

    for (Entry &e : entries) {
      result->index_[e.info.name] = result->tensors_.size();
      result->names_.push_back(e.info.name);
      result->tensors_.push_back(std::move(e.info));
    }
    return result;
  } catch (const std::exception &e) {
    error = file + ": cannot read safetensors file: " + e.what();
  } catch (...) {
    error = file + ": cannot read safetensors file: unknown error";
  }
  return nullptr;
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::string &path,
                                                       std::string &error) {
  try {
    detail::MappedFile mapped;
    if (!mapped.map(path, error))
      return nullptr;
    std::unique_ptr<SafetensorsFile> file =
        openFromMemory(mapped.data(), mapped.size(), path, error);
    if (!file)
      return nullptr;
    file->mapping_ = mapped.addr();
    file->mappingSize_ = mapped.size();
    mapped.release();
    return file;
  } catch (const std::exception &e) {
    error = path + ": cannot read safetensors file: " + e.what();
  } catch (...) {
    error = path + ": cannot read safetensors file: unknown error";
  }
  return nullptr;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_)
    ::munmap(mapping_, mappingSize_);
}

const TensorInfo *SafetensorsFile::find(const std::string &name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

} // namespace formats
} // namespace attune
