//===- Sources.cpp - attune.constant and attune.weight --------------------===//
//
//   constant : the values of its ElementsAttr (dense, splat, or a
//              dense_resource blob of raw little-endian elements)
//   weight   : the bytes of the WeightTable entry of that name, whose dtype
//              and shape must be exactly the op's result type
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;
using namespace mlir::attune;

namespace attune::ref {

llvm::Expected<Tensor> evalConstant(ConstantOp op) {
  Tensor out = resultTensor(op);
  ElementsAttr value = op.getValue();
  int64_t n = out.numElements();
  if (value.getNumElements() != n)
    return opError(op, "value: expected " + llvm::Twine(n) + " elements, found " +
                           llvm::Twine(value.getNumElements()));
  if (out.type == ElementType::F32) {
    if (auto it = value.try_value_begin<llvm::APFloat>()) {
      for (int64_t i = 0; i < n; ++i, ++*it)
        out.f32()[i] = (**it).convertToFloat();
      return out;
    }
  } else if (auto it = value.try_value_begin<llvm::APInt>()) {
    for (int64_t i = 0; i < n; ++i, ++*it) {
      const llvm::APInt &v = **it;
      switch (out.type) {
      case ElementType::I64: out.i64()[i] = v.getSExtValue(); break;
      case ElementType::I32: out.i32()[i] = static_cast<int32_t>(v.getSExtValue()); break;
      default: out.i1()[i] = v.isZero() ? 0 : 1; break;
      }
    }
    return out;
  }
  if (auto res = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return opError(op, "value: the dense_resource blob is not available");
    llvm::ArrayRef<char> bytes = blob->getData();
    if (bytes.size() != out.byteSize())
      return opError(op, "value: expected a " + llvm::Twine(out.byteSize()) +
                             "-byte dense_resource blob for " + out.typeString() + ", found " +
                             llvm::Twine(bytes.size()) + " bytes");
    std::memcpy(out.data.data(), bytes.data(), bytes.size());
    if (out.type == ElementType::Bool)
      for (uint8_t &b : out.data)
        b = b ? 1 : 0;
    return out;
  }
  return opError(op, "value: cannot read the elements of this attribute kind");
}

llvm::Expected<Tensor> evalWeight(WeightOp op, const WeightTable *weights) {
  std::string name = op.getName().str();
  if (!weights)
    return opError(op, "weight \"" + name + "\": no weight table was given");
  const WeightTable::Entry *e = weights->find(name);
  if (!e)
    return opError(op, "weight \"" + name + "\" is not in the weight table" +
                           (weights->source.empty() ? "" : " (" + weights->source + ")"));
  Tensor out = resultTensor(op);
  if (e->type != out.type || e->shape != out.shape)
    return opError(op, "weight \"" + name + "\": expected " + out.typeString() +
                           ", found " + typeString(e->type, e->shape) +
                           " in the weight table");
  if (e->nbytes != out.byteSize() || (!e->data && e->nbytes != 0))
    return opError(op, "weight \"" + name + "\": expected " + llvm::Twine(out.byteSize()) +
                           " bytes for " + out.typeString() + ", found " +
                           llvm::Twine(e->nbytes));
  if (e->nbytes)
    std::memcpy(out.data.data(), e->data, e->nbytes);
  if (out.type == ElementType::Bool)
    for (uint8_t &b : out.data)
      b = b ? 1 : 0;
  return out;
}

} // namespace attune::ref
