//===- Shape.cpp - Reference semantics of the shape ops -------------------===//
//
//   reshape   : same row-major data, the result type's shape
//   transpose : out[i0, ..., in] = in[...] with out.shape[k] = in.shape[perm[k]]
//   slice     : out[i...] = in[starts + i * steps]
//   split     : consecutive slices of `sizes[p]` along `axis`
//   concat    : inputs placed one after another along `axis`
//   expand    : NumPy broadcast to the result shape
//
// All of them are byte copies through strided offset walks (Support.cpp), so
// they work for every element type.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "attune/IR/ShapeUtils.h"

#include <cstring>

using namespace mlir;
using namespace mlir::attune;

namespace attune::ref {

llvm::Expected<Tensor> evalReshape(ReshapeOp op, const Tensor &x) {
  Tensor out = resultTensor(op);
  if (out.numElements() != x.numElements())
    return opError(op, "result: expected " + llvm::Twine(x.numElements()) +
                           " elements (input " + x.typeString() + "), found " +
                           out.typeString());
  out.data = x.data;
  return out;
}

llvm::Expected<Tensor> evalTranspose(TransposeOp op, const Tensor &x) {
  llvm::ArrayRef<int64_t> perm = op.getPerm();
  if (perm.size() != x.shape.size())
    return opError(op, "perm: expected " + llvm::Twine(x.shape.size()) + " entries, found " +
                           llvm::Twine(perm.size()));
  Tensor out = resultTensor(op);
  std::vector<int64_t> inStrides = rowMajorStrides(x.shape);
  std::vector<int64_t> strides;
  for (int64_t p : perm)
    strides.push_back(inStrides[p]);
  gatherInto(x, stridedOffsets(out.shape, strides), out);
  return out;
}

llvm::Expected<Tensor> evalSlice(SliceOp op, const Tensor &x) {
  llvm::ArrayRef<int64_t> starts = op.getStarts(), steps = op.getSteps();
  if (starts.size() != x.shape.size() || steps.size() != x.shape.size())
    return opError(op, "starts/steps: expected " + llvm::Twine(x.shape.size()) +
                           " entries (input rank)");
  Tensor out = resultTensor(op);
  std::vector<int64_t> inStrides = rowMajorStrides(x.shape);
  std::vector<int64_t> strides;
  int64_t base = 0;
  for (size_t d = 0; d < x.shape.size(); ++d) {
    base += starts[d] * inStrides[d];
    strides.push_back(steps[d] * inStrides[d]);
  }
  gatherInto(x, stridedOffsets(out.shape, strides, base), out);
  return out;
}

llvm::Expected<std::vector<Tensor>> evalSplit(SplitOp op, const Tensor &x) {
  std::optional<int64_t> axis = normalizeAxis(op.getAxis(), x.shape.size());
  if (!axis)
    return opError(op, "axis: " + llvm::Twine(op.getAxis()) +
                           " is out of range for input " + x.typeString());
  std::vector<int64_t> inStrides = rowMajorStrides(x.shape);
  std::vector<Tensor> pieces;
  int64_t offset = 0;
  for (unsigned p = 0; p < op->getNumResults(); ++p) {
    Tensor out = resultTensor(op, p);
    gatherInto(x, stridedOffsets(out.shape, inStrides, offset * inStrides[*axis]), out);
    offset += out.shape[*axis];
    pieces.push_back(std::move(out));
  }
  return pieces;
}

llvm::Expected<Tensor> evalConcat(ConcatOp op, Operands in) {
  Tensor out = resultTensor(op);
  std::optional<int64_t> axis = normalizeAxis(op.getAxis(), out.shape.size());
  if (!axis)
    return opError(op, "axis: " + llvm::Twine(op.getAxis()) +
                           " is out of range for result " + out.typeString());
  std::vector<int64_t> outStrides = rowMajorStrides(out.shape);
  size_t es = elementSize(out.type);
  int64_t offset = 0;
  for (const Tensor *t : in) {
    // Where each element of this input lands in the result.
    std::vector<int64_t> dst = stridedOffsets(t->shape, outStrides, offset * outStrides[*axis]);
    for (size_t i = 0; i < dst.size(); ++i)
      std::memcpy(out.data.data() + dst[i] * es, t->data.data() + i * es, es);
    offset += t->shape[*axis];
  }
  return out;
}

llvm::Expected<Tensor> evalExpand(ExpandOp op, const Tensor &x) {
  Tensor out = resultTensor(op);
  if (!broadcastsTo(x.shape, out.shape))
    return opError(op, "input " + x.typeString() + " does not broadcast to the result " +
                           out.typeString());
  gatherInto(x, broadcastOffsets(x.shape, out.shape), out);
  return out;
}

} // namespace attune::ref
