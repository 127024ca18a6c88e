//===- Reductions.cpp - Reference semantics of reductions and norms -------===//
//
//   reduce_sum/mean/max : over `axes` (negative allowed), keepdims or not
//   softmax             : m = max, e = exp(x - m), e / sum(e) along `axis`
//   layer_norm          : over dims [axis, rank), biased variance
//
// Sums accumulate in double (in row-major order of the input) and are
// rounded to float once; everything else is float math written as the CPU
// lowering builds it (codegen/lib/AttuneToLinalg/Normalization.cpp).
// max is IEEE maximum (NaN propagates) starting from -inf.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "attune/IR/ShapeUtils.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attune;

namespace attune::ref {

llvm::Expected<Tensor> evalReduce(Operation *op, const Tensor &x, llvm::ArrayRef<int64_t> axes) {
  int64_t rank = static_cast<int64_t>(x.shape.size());
  std::vector<int64_t> keepShape = x.shape;
  std::vector<bool> seen(rank, false);
  int64_t count = 1;
  for (int64_t a : axes) {
    std::optional<int64_t> ax = normalizeAxis(a, rank);
    if (!ax)
      return opError(op, "axes: axis " + llvm::Twine(a) + " is out of range for input of rank " +
                             llvm::Twine(rank));
    if (seen[*ax])
      return opError(op, "axes: axis " + llvm::Twine(a) + " appears twice");
    seen[*ax] = true;
    count *= x.shape[*ax];
    keepShape[*ax] = 1;
  }
  Tensor out = resultTensor(op);
  // For every input element, the flat index of the output element it reduces into.
  std::vector<int64_t> dst = broadcastOffsets(keepShape, x.shape);
  const float *in = x.f32();
  float *r = out.f32();
  int64_t nOut = out.numElements();
  if (isa<ReduceMaxOp>(op)) {
    for (int64_t o = 0; o < nOut; ++o)
      r[o] = -std::numeric_limits<float>::infinity();
    for (size_t i = 0; i < dst.size(); ++i)
      r[dst[i]] = maximumf(r[dst[i]], in[i]);
    return out;
  }
  std::vector<double> acc(nOut, 0.0);
  for (size_t i = 0; i < dst.size(); ++i)
    acc[dst[i]] += static_cast<double>(in[i]);
  bool mean = isa<ReduceMeanOp>(op);
  for (int64_t o = 0; o < nOut; ++o) {
    float sum = static_cast<float>(acc[o]);
    r[o] = mean ? sum / static_cast<float>(count) : sum;
  }
  return out;
}

void softmaxRow(float *x, int64_t n, int64_t stride) {
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < n; ++j)
    m = maximumf(m, x[j * stride]);
  double acc = 0.0;
  for (int64_t j = 0; j < n; ++j) {
    float e = std::exp(x[j * stride] - m);
    x[j * stride] = e;
    acc += static_cast<double>(e);
  }
  float sum = static_cast<float>(acc);
  for (int64_t j = 0; j < n; ++j)
    x[j * stride] = x[j * stride] / sum;
}

llvm::Expected<Tensor> evalSoftmax(SoftmaxOp op, const Tensor &x) {
  int64_t rank = static_cast<int64_t>(x.shape.size());
  std::optional<int64_t> axis = normalizeAxis(op.getAxis(), rank);
  if (!axis)
    return opError(op, "axis: " + llvm::Twine(op.getAxis()) +
                           " is out of range for input of rank " + llvm::Twine(rank));
  Tensor out = x; // softmax in place on a copy
  int64_t outer = 1, n = x.shape[*axis], inner = 1;
  for (int64_t d = 0; d < *axis; ++d)
    outer *= x.shape[d];
  for (int64_t d = *axis + 1; d < rank; ++d)
    inner *= x.shape[d];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i)
      softmaxRow(out.f32() + o * n * inner + i, n, inner);
  return out;
}

void layerNormRows(const float *x, int64_t outer, int64_t count, const float *g,
                   const float *b, float eps, float *yOut) {
  const float n = static_cast<float>(count);
  std::vector<float> c(count);
  for (int64_t o = 0; o < outer; ++o) {
    const float *row = x + o * count;
    float *y = yOut + o * count;
    double sum = 0.0;
    for (int64_t k = 0; k < count; ++k)
      sum += static_cast<double>(row[k]);
    float mean = static_cast<float>(sum) / n;
    double sq = 0.0;
    for (int64_t k = 0; k < count; ++k) {
      c[k] = row[k] - mean;
      sq += static_cast<double>(c[k]) * static_cast<double>(c[k]);
    }
    float var = static_cast<float>(sq) / n;
    float denom = std::sqrt(var + eps);
    for (int64_t k = 0; k < count; ++k)
      y[k] = (c[k] / denom) * g[k] + b[k];
  }
}

llvm::Expected<Tensor> evalLayerNorm(LayerNormOp op, Operands in) {
  const Tensor &x = *in[0], &gamma = *in[1], &beta = *in[2];
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
  Tensor out = resultTensor(op);
  layerNormRows(x.f32(), outer, count, gamma.f32(), beta.f32(), op.getEps().convertToFloat(),
                out.f32());
  return out;
}

} // namespace attune::ref
