//===- SafetensorsWeights.cpp - .safetensors tensors -> WeightTable -------===//
//
// F32/I64/I32 tensors become views of the mapped file (kept alive by the
// table); F16/BF16 tensors are converted to F32 into owned buffers, so every
// float weight the compiler sees is f32.
//
//===----------------------------------------------------------------------===//
#include "ImporterInternal.h"

#include "attune/Frontend/JsonGraphImporter.h"
#include "attune/formats/Safetensors.h"

#include <cstring>

namespace attune {
namespace detail {
namespace {

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign; // +-0
    } else {       // subnormal: renormalize
      exp = 127 - 15 + 1;
      while ((mant & 0x400) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3ff;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13); // inf / nan
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

float bf16ToFloat(uint16_t h) {
  uint32_t bits = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

} // namespace

mlir::Type weightElementType(mlir::MLIRContext *ctx, const formats::TensorInfo &t) {
  switch (t.dtype) {
  case formats::DType::F32:
  case formats::DType::F16:
  case formats::DType::BF16:
    return mlir::Float32Type::get(ctx);
  case formats::DType::I64:
    return mlir::IntegerType::get(ctx, 64);
  case formats::DType::I32:
    return mlir::IntegerType::get(ctx, 32);
  }
  return mlir::Float32Type::get(ctx);
}

void addWeightToTable(WeightTable &table, const formats::TensorInfo &t,
                      const std::shared_ptr<formats::SafetensorsFile> &file) {
  WeightTable::Entry e;
  e.name = t.name;
  e.shape = t.shape;
  switch (t.dtype) {
  case formats::DType::F32:
  case formats::DType::I64:
  case formats::DType::I32:
    e.type = t.dtype == formats::DType::F32   ? ElementType::F32
             : t.dtype == formats::DType::I64 ? ElementType::I64
                                              : ElementType::I32;
    e.data = t.data;
    e.nbytes = static_cast<size_t>(t.nbytes);
    table.addView(std::move(e), file);
    return;
  case formats::DType::F16:
  case formats::DType::BF16: {
    e.type = ElementType::F32;
    size_t n = static_cast<size_t>(t.nbytes / 2);
    std::vector<uint8_t> bytes(n * sizeof(float));
    bool isHalf = t.dtype == formats::DType::F16;
    for (size_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, t.data + 2 * i, sizeof h); // data may be unaligned
      float f = isHalf ? halfToFloat(h) : bf16ToFloat(h);
      std::memcpy(bytes.data() + i * sizeof(float), &f, sizeof f);
    }
    table.addOwned(std::move(e), std::move(bytes));
    return;
  }
  }
}

} // namespace detail

llvm::Expected<WeightTable> loadSafetensorsWeights(const std::string &path) {
  try {
    std::string error;
    std::unique_ptr<formats::SafetensorsFile> opened = formats::SafetensorsFile::open(path, error);
    if (!opened)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     error.empty() ? path + ": cannot read safetensors file"
                                                   : error);
    std::shared_ptr<formats::SafetensorsFile> file(std::move(opened));
    WeightTable table;
    table.source = path;
    for (const formats::TensorInfo &t : file->tensors())
      detail::addWeightToTable(table, t, file);
    return std::move(table);
  } catch (const std::bad_alloc &) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": out of memory while loading weights");
  } catch (const std::exception &e) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), path + ": " + e.what());
  }
}

} // namespace attune
