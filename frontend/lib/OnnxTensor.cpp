//===- OnnxTensor.cpp - ONNX tensors on the host --------------------------===//
//
// Decoding onnx.TensorProto (raw_data, the typed repeated fields, external
// data files), the host tensors the importer folds shape arithmetic with,
// and their conversion to DenseElementsAttr. Sizes are checked before any
// byte is read: a TensorProto whose data does not match its dims and type is
// an error naming the tensor, never an out-of-bounds read.
//
//===----------------------------------------------------------------------===//
#include "OnnxInternal.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;

namespace attune::onnx_import {

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

std::string dtypeName(int32_t dt) {
  if (onnx::TensorProto_DataType_IsValid(dt))
    return onnx::TensorProto_DataType_Name(static_cast<DT>(dt));
  return "data type " + std::to_string(dt);
}

size_t dtypeSize(int32_t dt) {
  switch (dt) {
  case DT::TensorProto_DataType_FLOAT: case DT::TensorProto_DataType_INT32:
  case DT::TensorProto_DataType_UINT32: return 4;
  case DT::TensorProto_DataType_DOUBLE: case DT::TensorProto_DataType_INT64:
  case DT::TensorProto_DataType_UINT64: return 8;
  case DT::TensorProto_DataType_FLOAT16: case DT::TensorProto_DataType_BFLOAT16:
  case DT::TensorProto_DataType_INT16: case DT::TensorProto_DataType_UINT16: return 2;
  case DT::TensorProto_DataType_INT8: case DT::TensorProto_DataType_UINT8:
  case DT::TensorProto_DataType_BOOL: return 1;
  default: return 0;
  }
}

bool isFloatDT(int32_t dt) {
  return dt == DT::TensorProto_DataType_FLOAT || dt == DT::TensorProto_DataType_FLOAT16 ||
         dt == DT::TensorProto_DataType_BFLOAT16 || dt == DT::TensorProto_DataType_DOUBLE;
}

bool isIntDT(int32_t dt) {
  switch (dt) {
  case DT::TensorProto_DataType_INT8: case DT::TensorProto_DataType_INT16:
  case DT::TensorProto_DataType_INT32: case DT::TensorProto_DataType_INT64:
  case DT::TensorProto_DataType_UINT8: case DT::TensorProto_DataType_UINT16:
  case DT::TensorProto_DataType_UINT32: case DT::TensorProto_DataType_UINT64: return true;
  default: return false;
  }
}

Type irElementType(MLIRContext *ctx, int32_t dt) {
  switch (dt) {
  case DT::TensorProto_DataType_FLOAT: return Float32Type::get(ctx);
  case DT::TensorProto_DataType_FLOAT16: return Float16Type::get(ctx);
  case DT::TensorProto_DataType_BFLOAT16: return BFloat16Type::get(ctx);
  case DT::TensorProto_DataType_INT64: return IntegerType::get(ctx, 64);
  case DT::TensorProto_DataType_INT32: return IntegerType::get(ctx, 32);
  case DT::TensorProto_DataType_BOOL: return IntegerType::get(ctx, 1);
  default: return {};
  }
}

int32_t dtypeOf(Type e) {
  if (e.isF32()) return DT::TensorProto_DataType_FLOAT;
  if (e.isF16()) return DT::TensorProto_DataType_FLOAT16;
  if (e.isBF16()) return DT::TensorProto_DataType_BFLOAT16;
  if (e.isInteger(64)) return DT::TensorProto_DataType_INT64;
  if (e.isInteger(32)) return DT::TensorProto_DataType_INT32;
  if (e.isInteger(1)) return DT::TensorProto_DataType_BOOL;
  return DT::TensorProto_DataType_UNDEFINED;
}

std::string shapeStr(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

std::optional<int64_t> numElementsChecked(llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      return std::nullopt;
    if (d != 0 && n > (int64_t(1) << 40) / d)
      return std::nullopt;
    n *= d;
  }
  return n;
}

//===----------------------------------------------------------------------===//
// f16 / bf16 bits
//===----------------------------------------------------------------------===//

static float bitsToFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
static uint32_t floatToBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

static float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  if (exp == 0) {
    float v = std::ldexp(static_cast<float>(man), -24);
    return sign ? -v : v;
  }
  if (exp == 31)
    return bitsToFloat(sign | 0x7f800000u | (man << 13));
  return bitsToFloat(sign | ((exp + 112) << 23) | (man << 13));
}

static uint16_t floatToHalf(float f) {
  uint32_t u = floatToBits(f);
  uint16_t sign = (u >> 16) & 0x8000;
  if (std::isnan(f))
    return sign | 0x7e00;
  float a = std::fabs(f);
  if (a >= 65520.0f)
    return sign | 0x7c00;
  if (a < std::ldexp(1.0f, -14)) { // subnormal: units of 2^-24, round to even
    float q = std::nearbyint(a * std::ldexp(1.0f, 24));
    return sign | static_cast<uint16_t>(q);
  }
  uint32_t au = floatToBits(a);
  uint32_t exp = (au >> 23) - 112, man = au & 0x7fffff;
  uint32_t h = (exp << 10) | (man >> 13);
  uint32_t rest = man & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
    ++h;
  return sign | static_cast<uint16_t>(h);
}

static float bf16ToFloat(uint16_t h) { return bitsToFloat(uint32_t(h) << 16); }

static uint16_t floatToBf16(float f) {
  if (std::isnan(f))
    return static_cast<uint16_t>((floatToBits(f) >> 16) | 0x40);
  uint32_t u = floatToBits(f);
  u += 0x7fff + ((u >> 16) & 1);
  return static_cast<uint16_t>(u >> 16);
}

//===----------------------------------------------------------------------===//
// HostTensor
//===----------------------------------------------------------------------===//

int64_t HostTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

template <typename T> static T load(const uint8_t *p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

double HostTensor::getF(int64_t i) const {
  const uint8_t *p = data() + i * dtypeSize(dtype);
  switch (dtype) {
  case DT::TensorProto_DataType_FLOAT: return load<float>(p);
  case DT::TensorProto_DataType_DOUBLE: return load<double>(p);
  case DT::TensorProto_DataType_FLOAT16: return halfToFloat(load<uint16_t>(p));
  case DT::TensorProto_DataType_BFLOAT16: return bf16ToFloat(load<uint16_t>(p));
  case DT::TensorProto_DataType_INT64: return static_cast<double>(load<int64_t>(p));
  case DT::TensorProto_DataType_INT32: return load<int32_t>(p);
  case DT::TensorProto_DataType_INT16: return load<int16_t>(p);
  case DT::TensorProto_DataType_INT8: return load<int8_t>(p);
  case DT::TensorProto_DataType_UINT8: return load<uint8_t>(p);
  case DT::TensorProto_DataType_UINT16: return load<uint16_t>(p);
  case DT::TensorProto_DataType_UINT32: return load<uint32_t>(p);
  case DT::TensorProto_DataType_UINT64: return static_cast<double>(load<uint64_t>(p));
  case DT::TensorProto_DataType_BOOL: return load<uint8_t>(p) ? 1.0 : 0.0;
  default: return 0;
  }
}

int64_t toInt64(double d) {
  if (std::isnan(d))
    return 0;
  if (d >= 9.2e18)
    return std::numeric_limits<int64_t>::max();
  if (d <= -9.2e18)
    return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}

int64_t HostTensor::getI(int64_t i) const {
  const uint8_t *p = data() + i * dtypeSize(dtype);
  switch (dtype) {
  case DT::TensorProto_DataType_INT64: return load<int64_t>(p);
  case DT::TensorProto_DataType_UINT64: return static_cast<int64_t>(load<uint64_t>(p));
  case DT::TensorProto_DataType_INT32: return load<int32_t>(p);
  case DT::TensorProto_DataType_UINT32: return load<uint32_t>(p);
  case DT::TensorProto_DataType_BOOL: return load<uint8_t>(p) ? 1 : 0;
  default:
    if (isIntDT(dtype))
      return static_cast<int64_t>(getF(i));
    return toInt64(getF(i));
  }
}

std::vector<int64_t> HostTensor::ints() const {
  std::vector<int64_t> out(numel());
  for (int64_t i = 0; i < numel(); ++i)
    out[i] = getI(i);
  return out;
}

static void store(int32_t dtype, uint8_t *p, double v, int64_t iv, bool useInt) {
  switch (dtype) {
  case DT::TensorProto_DataType_FLOAT: {
    float f = useInt ? static_cast<float>(iv) : static_cast<float>(v);
    std::memcpy(p, &f, 4);
    return;
  }
  case DT::TensorProto_DataType_DOUBLE: {
    double d = useInt ? static_cast<double>(iv) : v;
    std::memcpy(p, &d, 8);
    return;
  }
  case DT::TensorProto_DataType_FLOAT16: {
    uint16_t h = floatToHalf(useInt ? static_cast<float>(iv) : static_cast<float>(v));
    std::memcpy(p, &h, 2);
    return;
  }
  case DT::TensorProto_DataType_BFLOAT16: {
    uint16_t h = floatToBf16(useInt ? static_cast<float>(iv) : static_cast<float>(v));
    std::memcpy(p, &h, 2);
    return;
  }
  case DT::TensorProto_DataType_BOOL:
    *p = (useInt ? iv != 0 : v != 0.0) ? 1 : 0;
    return;
  default: {
    int64_t x = useInt ? iv : toInt64(v);
    size_t n = dtypeSize(dtype);
    // Two's complement truncation (little-endian).
    std::memcpy(p, &x, n);
    return;
  }
  }
}

HostTensor makeHost(int32_t dtype, std::vector<int64_t> shape,
                    const std::function<double(int64_t)> &f) {
  HostTensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  int64_t n = t.numel();
  size_t es = dtypeSize(dtype);
  auto bytes = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(n) * es);
  for (int64_t i = 0; i < n; ++i)
    store(dtype, bytes->data() + i * es, f(i), 0, false);
  t.bytes = std::move(bytes);
  return t;
}

HostTensor makeHostInts(int32_t dtype, std::vector<int64_t> shape,
                        const std::function<int64_t(int64_t)> &f) {
  HostTensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  int64_t n = t.numel();
  size_t es = dtypeSize(dtype);
  auto bytes = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(n) * es);
  for (int64_t i = 0; i < n; ++i)
    store(dtype, bytes->data() + i * es, 0, f(i), true);
  t.bytes = std::move(bytes);
  return t;
}

HostTensor makeI64(const std::vector<int64_t> &values, std::vector<int64_t> shape) {
  return makeHostInts(DT::TensorProto_DataType_INT64, std::move(shape),
                      [&](int64_t i) { return values[i]; });
}

HostTensor reshaped(const HostTensor &t, std::vector<int64_t> shape) {
  HostTensor r = t;
  r.shape = std::move(shape);
  return r;
}

HostTensor gatherHost(const HostTensor &t, std::vector<int64_t> shape,
                      const std::function<int64_t(int64_t)> &index) {
  HostTensor r;
  r.dtype = t.dtype;
  r.shape = std::move(shape);
  int64_t n = r.numel();
  size_t es = dtypeSize(t.dtype);
  auto bytes = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(n) * es);
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(bytes->data() + i * es, t.data() + index(i) * es, es);
  r.bytes = std::move(bytes);
  return r;
}

std::vector<int64_t> stridesOf(llvm::ArrayRef<int64_t> shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    s[i - 1] = s[i] * shape[i];
  return s;
}

std::optional<std::vector<int64_t>> broadcast(llvm::ArrayRef<int64_t> a,
                                              llvm::ArrayRef<int64_t> b) {
  size_t r = std::max(a.size(), b.size());
  std::vector<int64_t> out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1)
      return std::nullopt;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int64_t broadcastIndex(int64_t o, llvm::ArrayRef<int64_t> out, llvm::ArrayRef<int64_t> in) {
  int64_t idx = 0, stride = 1;
  size_t off = out.size() - in.size();
  for (size_t d = out.size(); d-- > 0;) {
    int64_t coord = o % out[d];
    o /= out[d];
    if (d >= off) {
      int64_t size = in[d - off];
      if (size != 1)
        idx += coord * stride;
      stride *= size;
    }
  }
  return idx;
}

HostTensor foldBinary(const HostTensor &a, const HostTensor &b, int32_t outType,
                      const std::function<double(double, double)> &f) {
  std::vector<int64_t> shape = *broadcast(a.shape, b.shape);
  bool ints = isIntDT(a.dtype) && isIntDT(b.dtype) && !isFloatDT(outType);
  std::vector<int64_t> sa = a.shape, sb = b.shape;
  if (ints) // exact int64 arithmetic goes through double only for small values
    return makeHostInts(outType, shape, [&](int64_t i) {
      double r = f(static_cast<double>(a.getI(broadcastIndex(i, shape, sa))),
                   static_cast<double>(b.getI(broadcastIndex(i, shape, sb))));
      return toInt64(r);
    });
  return makeHost(outType, shape, [&](int64_t i) {
    return f(a.getF(broadcastIndex(i, shape, sa)), b.getF(broadcastIndex(i, shape, sb)));
  });
}

//===----------------------------------------------------------------------===//
// TensorProto
//===----------------------------------------------------------------------===//

static std::shared_ptr<std::vector<uint8_t>> readExternal(const onnx::TensorProto &t,
                                                          const std::string &baseDir,
                                                          const std::string &what,
                                                          size_t expected) {
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const auto &kv : t.external_data()) {
    auto num = [&](const std::string &s) -> uint64_t {
      if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos)
        raise(what + ": external data '" + kv.key() + "': expected a non-negative integer, found '" +
              s + "'");
      return std::stoull(s);
    };
    if (kv.key() == "location")
      location = kv.value();
    else if (kv.key() == "offset")
      offset = num(kv.value());
    else if (kv.key() == "length")
      length = num(kv.value());
  }
  if (location.empty())
    raise(what + ": external data without a 'location'");
  if (llvm::sys::path::is_absolute(location))
    raise(what + ": external data location '" + location +
          "' is absolute; ONNX requires a path relative to the model's directory");
  for (auto it = llvm::sys::path::begin(location), e = llvm::sys::path::end(location); it != e;
       ++it)
    if (*it == "..")
      raise(what + ": external data location '" + location +
            "' leaves the model's directory ('..')");
  llvm::SmallString<256> file(baseDir);
  llvm::sys::path::append(file, location);
  if (length && *length != expected)
    raise(what + ": expected " + std::to_string(expected) + " bytes of external data, found length " +
          std::to_string(*length) + " in its external_data");
  auto buf = llvm::MemoryBuffer::getFile(file, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buf)
    raise(what + ": cannot read external data file '" + file.str().str() +
          "': " + buf.getError().message());
  uint64_t size = (*buf)->getBufferSize();
  if (offset > size || size - offset < expected)
    raise(what + ": external data file '" + file.str().str() + "' has " + std::to_string(size) +
          " bytes; expected " + std::to_string(expected) + " bytes at offset " +
          std::to_string(offset));
  const uint8_t *p = reinterpret_cast<const uint8_t *>((*buf)->getBufferStart()) + offset;
  return std::make_shared<std::vector<uint8_t>>(p, p + expected);
}

HostTensor decodeTensor(const onnx::TensorProto &t, const std::string &baseDir,
                        const std::string &what) {
  HostTensor h;
  h.dtype = t.data_type();
  size_t es = dtypeSize(h.dtype);
  if (es == 0)
    raise(what + ": element type " + dtypeName(h.dtype) + " is not supported");
  if (t.dims_size() > 32)
    raise(what + ": not supported: rank " + std::to_string(t.dims_size()) + " (at most 32)");
  for (int64_t d : t.dims()) {
    if (d < 0)
      raise(what + ": expected non-negative dims, found " + std::to_string(d));
    h.shape.push_back(d);
  }
  auto n = numElementsChecked(h.shape);
  if (!n)
    raise(what + ": shape " + shapeStr(h.shape) + " has too many elements");
  size_t expected = static_cast<size_t>(*n) * es;
  std::string desc = dtypeName(h.dtype) + " " + shapeStr(h.shape);

  if (t.has_data_location() && t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL) {
    h.bytes = readExternal(t, baseDir, what, expected);
    return h;
  }
  if (t.has_raw_data()) {
    if (t.raw_data().size() != expected)
      raise(what + ": expected " + std::to_string(expected) + " bytes of raw_data for " + desc +
            ", found " + std::to_string(t.raw_data().size()));
    const uint8_t *p = reinterpret_cast<const uint8_t *>(t.raw_data().data());
    h.bytes = std::make_shared<std::vector<uint8_t>>(p, p + expected);
    return h;
  }
  auto bytes = std::make_shared<std::vector<uint8_t>>(expected);
  auto check = [&](int64_t found, const char *field) {
    if (found != *n)
      raise(what + ": expected " + std::to_string(*n) + " values in " + field + " for " + desc +
            ", found " + std::to_string(found));
  };
  uint8_t *out = bytes->data();
  switch (h.dtype) {
  case DT::TensorProto_DataType_FLOAT:
    check(t.float_data_size(), "float_data");
    if (*n)
      std::memcpy(out, t.float_data().data(), expected);
    break;
  case DT::TensorProto_DataType_DOUBLE:
    check(t.double_data_size(), "double_data");
    if (*n)
      std::memcpy(out, t.double_data().data(), expected);
    break;
  case DT::TensorProto_DataType_INT64:
    check(t.int64_data_size(), "int64_data");
    if (*n)
      std::memcpy(out, t.int64_data().data(), expected);
    break;
  case DT::TensorProto_DataType_UINT32: case DT::TensorProto_DataType_UINT64:
    check(t.uint64_data_size(), "uint64_data");
    for (int64_t i = 0; i < *n; ++i) {
      uint64_t v = t.uint64_data(i);
      std::memcpy(out + i * es, &v, es);
    }
    break;
  default: // INT32, INT16, INT8, UINT16, UINT8, BOOL, FLOAT16, BFLOAT16: int32_data
    check(t.int32_data_size(), "int32_data");
    for (int64_t i = 0; i < *n; ++i) {
      int32_t v = t.int32_data(i);
      std::memcpy(out + i * es, &v, es);
    }
    break;
  }
  h.bytes = std::move(bytes);
  return h;
}

DenseElementsAttr toAttr(MLIRContext *ctx, const HostTensor &t) {
  Type elem = irElementType(ctx, t.dtype);
  auto type = RankedTensorType::get(t.shape, elem);
  int64_t n = t.numel();
  size_t es = dtypeSize(t.dtype);
  bool splat = n > 0;
  for (int64_t i = 1; i < n && splat; ++i)
    splat = std::memcmp(t.data(), t.data() + i * es, es) == 0;
  if (elem.isInteger(1)) {
    if (splat)
      return DenseElementsAttr::get(type, t.getI(0) != 0);
    llvm::SmallVector<bool> v(n);
    for (int64_t i = 0; i < n; ++i)
      v[i] = t.getI(i) != 0;
    return DenseElementsAttr::get(type, llvm::ArrayRef<bool>(v));
  }
  llvm::ArrayRef<char> raw(reinterpret_cast<const char *>(t.data()), splat ? es : n * es);
  return DenseElementsAttr::getFromRawBuffer(type, raw);
}

} // namespace attune::onnx_import
