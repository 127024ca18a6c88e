//===- Kernels.h - Per-op evaluators of the reference interpreter -*- C++ -*-===//
//
// Private to reference/lib. Interpreter.cpp checks operand/result types
// (static shapes, supported element types) before calling an evaluator, so
// evaluators may rely on the verified shape rules of each op. Each returns
// the op's results or an error made with opError().
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_REFERENCE_KERNELS_H
#define ATTUNE_REFERENCE_KERNELS_H

#include "attune/IR/AttuneOps.h"
#include "attune/Reference/Interpreter.h"

#include "llvm/ADT/Twine.h"

namespace attune::ref {

using Operands = llvm::ArrayRef<const Tensor *>;

//===- Support (Support.cpp) ----------------------------------------------===//

/// The element type of an MLIR type (f32, f16, bf16, i64, i32, i1), if any.
std::optional<ElementType> toElementType(mlir::Type t);
/// "f32[1,8]" for a ranked tensor type, else the MLIR spelling.
std::string typeString(mlir::Type t);
/// "f32[1,8]".
std::string typeString(ElementType type, llvm::ArrayRef<int64_t> shape);
/// The location as MLIR prints it, without the `loc(...)` wrapper.
std::string locString(mlir::Location loc);
/// "<op name> at <loc>: <msg>".
llvm::Error opError(mlir::Operation *op, const llvm::Twine &msg);
/// A tensor of `op`'s result `i` type (zero-filled).
Tensor resultTensor(mlir::Operation *op, unsigned i = 0);

/// Row-major strides of `shape` (in elements).
std::vector<int64_t> rowMajorStrides(llvm::ArrayRef<int64_t> shape);
/// For every index of `shape` in row-major order: base + sum(idx[d] * strides[d]).
std::vector<int64_t> stridedOffsets(llvm::ArrayRef<int64_t> shape,
                                    llvm::ArrayRef<int64_t> strides, int64_t base = 0);
/// For every element of `out` (row-major): its offset in a tensor of shape
/// `in` broadcast NumPy-style to `out` (trailing dims aligned; a size-1 dim is
/// read at index 0).
std::vector<int64_t> broadcastOffsets(llvm::ArrayRef<int64_t> in, llvm::ArrayRef<int64_t> out);
/// out.element[i] = in.element[offsets[i]] for every i (byte copies).
void gatherInto(const Tensor &in, llvm::ArrayRef<int64_t> offsets, Tensor &out);

/// Typed view of a tensor's elements (T must match t.type: float, int64_t,
/// int32_t, uint8_t for i1).
template <typename T>
T *elems(Tensor &t) {
  return reinterpret_cast<T *>(t.data.data());
}
template <typename T>
const T *elems(const Tensor &t) {
  return reinterpret_cast<const T *>(t.data.data());
}

/// IEEE-754 maximum (arith.maximumf): NaN if either is NaN, +0 > -0.
float maximumf(float a, float b);

//===- Elementwise.cpp ----------------------------------------------------===//

/// add, sub, mul, div, pow, equal.
llvm::Expected<Tensor> evalBinary(mlir::Operation *op, const Tensor &lhs, const Tensor &rhs);
llvm::Expected<Tensor> evalWhere(mlir::attune::WhereOp op, Operands in);
/// exp, sqrt, erf, tanh, relu, gelu.
llvm::Expected<Tensor> evalUnary(mlir::Operation *op, const Tensor &x);
llvm::Expected<Tensor> evalCast(mlir::attune::CastOp op, const Tensor &x);
llvm::Expected<Tensor> evalIsNan(mlir::attune::IsNanOp op, const Tensor &x);
/// attune.gelu of one element (erf form, or the tanh approximation).
float geluScalar(float v, bool tanhApprox);

//===- Reductions.cpp -----------------------------------------------------===//

/// reduce_sum, reduce_mean, reduce_max.
llvm::Expected<Tensor> evalReduce(mlir::Operation *op, const Tensor &x,
                                  llvm::ArrayRef<int64_t> axes);
llvm::Expected<Tensor> evalSoftmax(mlir::attune::SoftmaxOp op, const Tensor &x);
llvm::Expected<Tensor> evalLayerNorm(mlir::attune::LayerNormOp op, Operands in);
/// Layer norm of `outer` rows of `count` floats (attune.layer_norm's
/// formulas): y[o, k] = (x - mean) / sqrt(var + eps) * gamma[k] + beta[k].
void layerNormRows(const float *x, int64_t outer, int64_t count, const float *gamma,
                   const float *beta, float eps, float *y);
/// Softmax of `n` floats in place: m = max, e = exp(x - m), e / sum(e).
void softmaxRow(float *x, int64_t n, int64_t stride);

//===- Linalg.cpp ---------------------------------------------------------===//

llvm::Expected<Tensor> evalMatmul(mlir::attune::MatmulOp op, const Tensor &lhs,
                                  const Tensor &rhs);
/// attune.matmul's product into `out` (already shaped like the result);
/// errors name `op`.
llvm::Error matmulInto(mlir::Operation *op, const Tensor &lhs, const Tensor &rhs, bool transposeB,
                       Tensor &out);
llvm::Expected<Tensor> evalEmbedding(mlir::attune::EmbeddingOp op, const Tensor &table,
                                     const Tensor &ids);
llvm::Expected<Tensor> evalAttention(mlir::attune::AttentionOp op, Operands in);

//===- Fused.cpp ----------------------------------------------------------===//

llvm::Expected<Tensor> evalFusedMatmul(mlir::attune::FusedMatmulOp op, Operands in);
llvm::Expected<std::vector<Tensor>> evalSkipLayerNorm(mlir::attune::SkipLayerNormOp op,
                                                      Operands in);

//===- Shape.cpp ----------------------------------------------------------===//

llvm::Expected<Tensor> evalReshape(mlir::attune::ReshapeOp op, const Tensor &x);
llvm::Expected<Tensor> evalTranspose(mlir::attune::TransposeOp op, const Tensor &x);
llvm::Expected<Tensor> evalSlice(mlir::attune::SliceOp op, const Tensor &x);
llvm::Expected<std::vector<Tensor>> evalSplit(mlir::attune::SplitOp op, const Tensor &x);
llvm::Expected<Tensor> evalConcat(mlir::attune::ConcatOp op, Operands in);
llvm::Expected<Tensor> evalExpand(mlir::attune::ExpandOp op, const Tensor &x);

//===- Sources.cpp --------------------------------------------------------===//

llvm::Expected<Tensor> evalConstant(mlir::attune::ConstantOp op);
llvm::Expected<Tensor> evalWeight(mlir::attune::WeightOp op, const WeightTable *weights);

} // namespace attune::ref

#endif // ATTUNE_REFERENCE_KERNELS_H
