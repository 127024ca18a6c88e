//===- OnnxTestUtil.h - Helpers shared by the ONNX tests ---------*- C++ -*-===//
//
// Reading serialized onnx.TensorProto files (ONNX's node tests) into
// reference tensors, and comparing outputs.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TESTS_ONNX_ONNXTESTUTIL_H
#define ATTUNE_TESTS_ONNX_ONNXTESTUTIL_H

#include "attune/Reference/Interpreter.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace attune::onnxtest {

inline std::optional<std::string> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The reference tensor of a TensorProto (FLOAT, FLOAT16, BFLOAT16, INT64,
/// INT32, BOOL); std::nullopt for other types, with `why` set.
inline std::optional<ref::Tensor> toTensor(const onnx::TensorProto &t, std::string &why) {
  ref::Tensor r;
  size_t es = 0;
  switch (t.data_type()) {
  case onnx::TensorProto_DataType_FLOAT: r.type = ElementType::F32; es = 4; break;
  case onnx::TensorProto_DataType_FLOAT16: r.type = ElementType::F16; es = 2; break;
  case onnx::TensorProto_DataType_BFLOAT16: r.type = ElementType::BF16; es = 2; break;
  case onnx::TensorProto_DataType_INT64: r.type = ElementType::I64; es = 8; break;
  case onnx::TensorProto_DataType_INT32: r.type = ElementType::I32; es = 4; break;
  case onnx::TensorProto_DataType_BOOL: r.type = ElementType::Bool; es = 1; break;
  default:
    why = "element type " + onnx::TensorProto_DataType_Name(
                                static_cast<onnx::TensorProto_DataType>(t.data_type()));
    return std::nullopt;
  }
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    r.shape.push_back(d);
    n *= d;
  }
  r.data.resize(static_cast<size_t>(n) * es);
  if (t.has_raw_data()) {
    if (t.raw_data().size() != r.data.size()) {
      why = "raw_data size mismatch";
      return std::nullopt;
    }
    std::memcpy(r.data.data(), t.raw_data().data(), r.data.size());
    return r;
  }
  int64_t have = t.data_type() == onnx::TensorProto_DataType_FLOAT   ? t.float_data_size()
                 : t.data_type() == onnx::TensorProto_DataType_INT64 ? t.int64_data_size()
                                                                     : t.int32_data_size();
  if (have != n) {
    why = "a TensorProto whose data does not match its dims (not a plain tensor)";
    return std::nullopt;
  }
  for (int64_t i = 0; i < n; ++i) {
    uint8_t *p = r.data.data() + i * es;
    switch (t.data_type()) {
    case onnx::TensorProto_DataType_FLOAT: {
      float v = t.float_data(i);
      std::memcpy(p, &v, 4);
      break;
    }
    case onnx::TensorProto_DataType_INT64: {
      int64_t v = t.int64_data(i);
      std::memcpy(p, &v, 8);
      break;
    }
    default: {
      int32_t v = t.int32_data(i);
      std::memcpy(p, &v, es);
      break;
    }
    }
  }
  return r;
}

inline double elementAsDouble(const ref::Tensor &t, int64_t i) {
  auto bitsToFloat = [](uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  };
  switch (t.type) {
  case ElementType::F32: return t.f32()[i];
  case ElementType::I64: return static_cast<double>(t.i64()[i]);
  case ElementType::I32: return t.i32()[i];
  case ElementType::Bool: return t.i1()[i] ? 1 : 0;
  case ElementType::BF16: {
    uint16_t h;
    std::memcpy(&h, t.data.data() + 2 * i, 2);
    return bitsToFloat(uint32_t(h) << 16);
  }
  case ElementType::F16: {
    uint16_t h;
    std::memcpy(&h, t.data.data() + 2 * i, 2);
    uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    double v = exp == 0    ? std::ldexp(static_cast<double>(man), -24)
               : exp == 31 ? (man ? NAN : INFINITY)
                           : std::ldexp(1.0 + man / 1024.0, static_cast<int>(exp) - 15);
    return sign ? -v : v;
  }
  }
  return 0;
}

/// Compares `got` with `want`: same type and shape; floats within
/// atol + rtol * |want| (NaN matches NaN, infinities must match), integers
/// and bools exactly. Returns "" or the first difference.
inline std::string compare(const ref::Tensor &got, const ref::Tensor &want, double atol,
                           double rtol, double *maxAbs = nullptr) {
  if (got.type != want.type)
    return "type " + got.typeString() + ", expected " + want.typeString();
  if (got.shape != want.shape)
    return "shape " + got.typeString() + ", expected " + want.typeString();
  bool isFloat =
      got.type == ElementType::F32 || got.type == ElementType::F16 || got.type == ElementType::BF16;
  double worst = 0;
  for (int64_t i = 0; i < want.numElements(); ++i) {
    double a = elementAsDouble(got, i), b = elementAsDouble(want, i);
    if (!isFloat) {
      if (a != b)
        return "element " + std::to_string(i) + ": " + std::to_string(a) + ", expected " +
               std::to_string(b);
      continue;
    }
    if (std::isnan(b) && std::isnan(a))
      continue;
    if (std::isinf(b) || std::isinf(a)) {
      if (a != b)
        return "element " + std::to_string(i) + ": " + std::to_string(a) + ", expected " +
               std::to_string(b);
      continue;
    }
    double d = std::fabs(a - b);
    worst = std::max(worst, d);
    if (!(d <= atol + rtol * std::fabs(b)))
      return "element " + std::to_string(i) + ": " + std::to_string(a) + ", expected " +
             std::to_string(b) + " (|diff| " + std::to_string(d) + ")";
  }
  if (maxAbs)
    *maxAbs = worst;
  return "";
}

} // namespace attune::onnxtest

#endif // ATTUNE_TESTS_ONNX_ONNXTESTUTIL_H
