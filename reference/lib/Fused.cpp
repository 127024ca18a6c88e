//===- Fused.cpp - Reference semantics of the fused ops -------------------===//
//
//   fused_matmul    : acc = matmul(lhs, rhs) (Linalg.cpp, sums in double),
//                     then per element in float: y = acc + bias;
//                     y = relu/gelu(y); y = y + residual
//   skip_layer_norm : sum = (input + skip) + bias per element in float,
//                     result = layer_norm(sum) (Reductions.cpp)
//
// Written as the CPU lowering computes them
// (codegen/lib/AttuneToLinalg/Contraction.cpp and Normalization.cpp), and
// equal to the unfused op sequence up to float rounding.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "attune/IR/ShapeUtils.h"

using namespace mlir;
using namespace mlir::attune;

namespace attune::ref {

llvm::Expected<Tensor> evalFusedMatmul(FusedMatmulOp op, Operands in) {
  Tensor out = resultTensor(op);
  if (llvm::Error err = matmulInto(op, *in[0], *in[1], op.getTransposeB(), out))
    return std::move(err);
  size_t next = 2;
  const Tensor *bias = op.getBias() ? in[next++] : nullptr;
  const Tensor *residual = op.getResidual() ? in[next++] : nullptr;
  std::vector<int64_t> bo, ro;
  if (bias)
    bo = broadcastOffsets(bias->shape, out.shape);
  if (residual)
    ro = broadcastOffsets(residual->shape, out.shape);
  llvm::StringRef act = op.getActivation();
  float *y = out.f32();
  for (int64_t i = 0, n = out.numElements(); i < n; ++i) {
    float v = y[i];
    if (bias)
      v = v + bias->f32()[bo[i]];
    if (act == "relu")
      v = maximumf(v, 0.0f);
    else if (act == "gelu" || act == "gelu_tanh")
      v = geluScalar(v, act == "gelu_tanh");
    else if (act != "none")
      return opError(op, "activation: unknown \"" + act + "\"");
    if (residual)
      v = v + residual->f32()[ro[i]];
    y[i] = v;
  }
  return out;
}

llvm::Expected<std::vector<Tensor>> evalSkipLayerNorm(SkipLayerNormOp op, Operands in) {
  const Tensor &x = *in[0], &skip = *in[1], &gamma = *in[2], &beta = *in[3];
  const Tensor *bias = op.getBias() ? in[4] : nullptr;
  int64_t rank = static_cast<int64_t>(x.shape.size());
  std::optional<int64_t> axis = normalizeAxis(op.getAxis(), rank);
  if (!axis)
    return opError(op, "axis: " + llvm::Twine(op.getAxis()) +
                           " is out of range for input of rank " + llvm::Twine(rank));
  int64_t outer = 1, count = 1;
  for (int64_t d = 0; d < *axis; ++d)
    outer *= x.shape[d];
  for (int64_t d = *axis; d < rank; ++d)
    count *= x.shape[d];
  if (gamma.numElements() != count || beta.numElements() != count)
    return opError(op, "gamma/beta: expected " + llvm::Twine(count) + " elements, found " +
                           gamma.typeString() + " and " + beta.typeString());
  Tensor sum = resultTensor(op, 1);
  std::vector<int64_t> so = broadcastOffsets(skip.shape, x.shape), bo;
  if (bias)
    bo = broadcastOffsets(bias->shape, x.shape);
  for (int64_t i = 0, n = x.numElements(); i < n; ++i) {
    float v = x.f32()[i] + skip.f32()[so[i]];
    if (bias)
      v = v + bias->f32()[bo[i]];
    sum.f32()[i] = v;
  }
  Tensor out = resultTensor(op, 0);
  layerNormRows(sum.f32(), outer, count, gamma.f32(), beta.f32(), op.getEps().convertToFloat(),
                out.f32());
  std::vector<Tensor> results;
  results.push_back(std::move(out));
  results.push_back(std::move(sum));
  return results;
}

} // namespace attune::ref
