//===- Utils.h - Builders shared by the attune -> linalg patterns -*- C++ -*-===//
#ifndef ATTUNE_CODEGEN_ATTUNETOLINALG_UTILS_H
#define ATTUNE_CODEGEN_ATTUNETOLINALG_UTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include <functional>

namespace mlir::attune {

using BodyBuilder = std::function<Value(OpBuilder &, Location, ValueRange)>;

/// Map from the loops of a `outShape`-shaped iteration space to the indices of
/// an operand of shape `inShape` broadcast NumPy-style (trailing dims aligned,
/// size-1 dims read at index 0).
AffineMap broadcastMap(ArrayRef<int64_t> inShape, ArrayRef<int64_t> outShape,
                       MLIRContext *ctx);

/// linalg.generic over `resultType`'s shape, all loops parallel, inputs
/// broadcast to it; `body` gets the input scalars and returns the result.
Value buildElementwise(OpBuilder &b, Location loc, ValueRange inputs,
                       RankedTensorType resultType, const BodyBuilder &body);

/// The same with one explicit indexing map per input (over the result's loops).
Value buildElementwise(OpBuilder &b, Location loc, ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                       RankedTensorType resultType, const BodyBuilder &body);

/// The map from the loops of a `reduced.size()`-dim iteration space to the
/// indices of buildReduction's result (the dims that are not reduced): how an
/// elementwise op over the input's shape reads a per-row statistic without
/// reshaping it to keep-dims first. Tiling can then fuse the reduction into
/// the elementwise consumer's row loop (attune-tile-and-distribute).
AffineMap keptDimsMap(ArrayRef<bool> reduced, MLIRContext *ctx);

/// tensor.empty + linalg.fill with `value`.
Value buildFilled(OpBuilder &b, Location loc, RankedTensorType type, TypedAttr value);

/// Reduction of `input` over `reduced` dims (true = reduced) with `combine`
/// (acc, x) -> acc from `init`; result has the non-reduced dims only.
Value buildReduction(OpBuilder &b, Location loc, Value input, ArrayRef<bool> reduced,
                     TypedAttr init,
                     const std::function<Value(OpBuilder &, Location, Value x, Value acc)> &combine);

/// Reshape by collapse to 1-D and expand to `resultType` (static shapes).
Value buildReshape(OpBuilder &b, Location loc, Value input, RankedTensorType resultType);

/// Largest float of the type (for max-reductions' init use its negation).
TypedAttr floatLowest(Type elementType);
TypedAttr zeroAttr(Type elementType);
TypedAttr floatNegInf(Type elementType);

/// GELU of one float scalar, the formulas of attune.gelu:
///   erf:  0.5 x (1 + erf(x / sqrt(2)))
///   tanh: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
Value buildGeluScalar(OpBuilder &b, Location loc, Value x, bool tanhApprox);

} // namespace mlir::attune

#endif

namespace mlir::attune {
/// Numerically stable softmax along `axis` (normalized): four generics
/// (max, exp(x - max), sum, divide).
Value buildSoftmax(OpBuilder &b, Location loc, Value x, int64_t axis);
/// Layer norm of `x` over dims [axis, rank) (normalized axis) with gamma/beta:
/// sum, centered, sum of squares, normalize generics.
Value buildLayerNorm(OpBuilder &b, Location loc, Value x, Value gamma, Value beta, float eps,
                     int64_t axis);
/// Contraction of attune.matmul's semantics (fill 0 + generic over
/// (batch..., m, n, k)) producing `out`.
Value buildMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs, bool transposeB,
                  RankedTensorType out);
} // namespace mlir::attune
