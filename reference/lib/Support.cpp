//===- Support.cpp - Tensor helpers, index walks, error messages ----------===//
//
// Everything the evaluators share: the Tensor methods, conversions between
// MLIR types and ElementType, row-major / strided / broadcast offset walks,
// and the "<op> at <loc>: <msg>" error format.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "attune/IR/ShapeUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>

namespace attune::ref {

//===----------------------------------------------------------------------===//
// Tensor
//===----------------------------------------------------------------------===//

int64_t Tensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string Tensor::typeString() const { return ref::typeString(type, shape); }

Tensor Tensor::zeros(ElementType type, std::vector<int64_t> shape) {
  Tensor t;
  t.type = type;
  t.shape = std::move(shape);
  t.data.assign(t.byteSize(), 0);
  return t;
}

Tensor Tensor::fromF32(std::vector<int64_t> shape, llvm::ArrayRef<float> values) {
  Tensor t = zeros(ElementType::F32, std::move(shape));
  std::memcpy(t.data.data(), values.data(), std::min(t.byteSize(), values.size() * 4));
  return t;
}

Tensor Tensor::fromI64(std::vector<int64_t> shape, llvm::ArrayRef<int64_t> values) {
  Tensor t = zeros(ElementType::I64, std::move(shape));
  std::memcpy(t.data.data(), values.data(), std::min(t.byteSize(), values.size() * 8));
  return t;
}

Tensor Tensor::fromI32(std::vector<int64_t> shape, llvm::ArrayRef<int32_t> values) {
  Tensor t = zeros(ElementType::I32, std::move(shape));
  std::memcpy(t.data.data(), values.data(), std::min(t.byteSize(), values.size() * 4));
  return t;
}

Tensor Tensor::fromBool(std::vector<int64_t> shape, llvm::ArrayRef<bool> values) {
  Tensor t = zeros(ElementType::Bool, std::move(shape));
  for (size_t i = 0; i < t.data.size() && i < values.size(); ++i)
    t.data[i] = values[i] ? 1 : 0;
  return t;
}

//===----------------------------------------------------------------------===//
// Types, locations, errors
//===----------------------------------------------------------------------===//

std::optional<ElementType> toElementType(mlir::Type t) {
  if (t.isF32())
    return ElementType::F32;
  if (t.isF16())
    return ElementType::F16;
  if (t.isBF16())
    return ElementType::BF16;
  if (t.isSignlessInteger(64))
    return ElementType::I64;
  if (t.isSignlessInteger(32))
    return ElementType::I32;
  if (t.isSignlessInteger(1))
    return ElementType::Bool;
  return std::nullopt;
}

std::string typeString(ElementType type, llvm::ArrayRef<int64_t> shape) {
  const char *name = type == ElementType::Bool ? "i1" : elementTypeName(type);
  return std::string(name) + mlir::attune::formatShape(shape);
}

std::string typeString(mlir::Type t) {
  if (auto rt = llvm::dyn_cast<mlir::RankedTensorType>(t))
    if (auto et = toElementType(rt.getElementType()))
      return typeString(*et, rt.getShape());
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return os.str();
}

std::string locString(mlir::Location loc) {
  std::string s;
  llvm::raw_string_ostream os(s);
  loc.print(os);
  os.flush();
  llvm::StringRef r(s);
  if (r.consume_front("loc(") && r.consume_back(")"))
    return r.str();
  return s;
}

llvm::Error opError(mlir::Operation *op, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 op->getName().getStringRef() + " at " +
                                     locString(op->getLoc()) + ": " + msg);
}

Tensor resultTensor(mlir::Operation *op, unsigned i) {
  auto rt = llvm::cast<mlir::RankedTensorType>(op->getResult(i).getType());
  return Tensor::zeros(*toElementType(rt.getElementType()),
                       std::vector<int64_t>(rt.getShape().begin(), rt.getShape().end()));
}

//===----------------------------------------------------------------------===//
// Index walks
//===----------------------------------------------------------------------===//

std::vector<int64_t> rowMajorStrides(llvm::ArrayRef<int64_t> shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

std::vector<int64_t> stridedOffsets(llvm::ArrayRef<int64_t> shape,
                                    llvm::ArrayRef<int64_t> strides, int64_t base) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  std::vector<int64_t> offsets;
  if (n == 0)
    return offsets;
  offsets.reserve(n);
  size_t rank = shape.size();
  std::vector<int64_t> idx(rank, 0);
  int64_t off = base;
  for (int64_t i = 0; i < n; ++i) {
    offsets.push_back(off);
    // Odometer increment of idx, keeping `off` in step.
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < shape[d]) {
        off += strides[d];
        break;
      }
      off -= (shape[d] - 1) * strides[d];
      idx[d] = 0;
    }
  }
  return offsets;
}

std::vector<int64_t> broadcastOffsets(llvm::ArrayRef<int64_t> in, llvm::ArrayRef<int64_t> out) {
  std::vector<int64_t> inStrides = rowMajorStrides(in);
  std::vector<int64_t> strides(out.size(), 0);
  size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i)
    strides[lead + i] = in[i] == 1 ? 0 : inStrides[i];
  return stridedOffsets(out, strides);
}

void gatherInto(const Tensor &in, llvm::ArrayRef<int64_t> offsets, Tensor &out) {
  size_t es = elementSize(in.type);
  for (size_t i = 0; i < offsets.size(); ++i)
    std::memcpy(out.data.data() + i * es, in.data.data() + offsets[i] * es, es);
}

float maximumf(float a, float b) {
  if (std::isnan(a))
    return a;
  if (std::isnan(b))
    return b;
  if (a == b) // only +0 vs -0 can differ here
    return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

} // namespace attune::ref
