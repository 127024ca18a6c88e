//===- Utils.cpp - Builders shared by the attune -> linalg patterns -------===//
#include "Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "llvm/ADT/APFloat.h"
#include <cmath>

namespace mlir::attune {

AffineMap broadcastMap(ArrayRef<int64_t> inShape, ArrayRef<int64_t> outShape,
                       MLIRContext *ctx) {
  SmallVector<AffineExpr> exprs;
  size_t lead = outShape.size() - inShape.size();
  for (size_t i = 0; i < inShape.size(); ++i) {
    if (inShape[i] == 1 && outShape[lead + i] != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(lead + i, ctx));
  }
  return AffineMap::get(outShape.size(), 0, exprs, ctx);
}

Value buildElementwise(OpBuilder &b, Location loc, ValueRange inputs,
                       RankedTensorType resultType, const BodyBuilder &body) {
  SmallVector<AffineMap> maps;
  for (Value in : inputs)
    maps.push_back(broadcastMap(cast<RankedTensorType>(in.getType()).getShape(),
                                resultType.getShape(), b.getContext()));
  return buildElementwise(b, loc, inputs, maps, resultType, body);
}

AffineMap keptDimsMap(ArrayRef<bool> reduced, MLIRContext *ctx) {
  SmallVector<AffineExpr> exprs;
  for (size_t i = 0; i < reduced.size(); ++i)
    if (!reduced[i])
      exprs.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(reduced.size(), 0, exprs, ctx);
}

Value buildElementwise(OpBuilder &b, Location loc, ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                       RankedTensorType resultType, const BodyBuilder &body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(AffineMap::getMultiDimIdentityMap(resultType.getRank(), ctx));
  Value init = b.create<tensor::EmptyOp>(loc, resultType.getShape(), resultType.getElementType());
  SmallVector<utils::IteratorType> iters(resultType.getRank(), utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, resultType, inputs, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value r = body(nb, nloc, args.drop_back());
        nb.create<linalg::YieldOp>(nloc, r);
      });
  return generic.getResult(0);
}

Value buildFilled(OpBuilder &b, Location loc, RankedTensorType type, TypedAttr value) {
  Value init = b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType());
  Value cst = b.create<arith::ConstantOp>(loc, value);
  return b.create<linalg::FillOp>(loc, cst, init).getResult(0);
}

Value buildReduction(OpBuilder &b, Location loc, Value input, ArrayRef<bool> reduced,
                     TypedAttr init,
                     const std::function<Value(OpBuilder &, Location, Value, Value)> &combine) {
  MLIRContext *ctx = b.getContext();
  auto inType = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> outShape;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iters;
  for (int64_t i = 0; i < inType.getRank(); ++i) {
    iters.push_back(reduced[i] ? utils::IteratorType::reduction : utils::IteratorType::parallel);
    if (!reduced[i]) {
      outShape.push_back(inType.getDimSize(i));
      outExprs.push_back(getAffineDimExpr(i, ctx));
    }
  }
  auto outType = RankedTensorType::get(outShape, inType.getElementType());
  Value acc = buildFilled(b, loc, outType, init);
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(inType.getRank(), ctx),
                              AffineMap::get(inType.getRank(), 0, outExprs, ctx)};
  auto generic = b.create<linalg::GenericOp>(
      loc, outType, ValueRange{input}, ValueRange{acc}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        nb.create<linalg::YieldOp>(nloc, combine(nb, nloc, args[0], args[1]));
      });
  return generic.getResult(0);
}

Value buildReshape(OpBuilder &b, Location loc, Value input, RankedTensorType resultType) {
  auto inType = cast<RankedTensorType>(input.getType());
  if (inType == resultType)
    return input;
  auto fullReassoc = [](int64_t rank) {
    SmallVector<ReassociationIndices> r;
    if (rank == 0)
      return r;
    ReassociationIndices all;
    for (int64_t i = 0; i < rank; ++i)
      all.push_back(i);
    r.push_back(all);
    return r;
  };
  Value flat = input;
  int64_t n = inType.getNumElements();
  if (inType.getRank() == 0 || resultType.getRank() == 0) {
    // rank-0 <-> all-ones shapes: one step with empty reassociation.
    if (inType.getRank() == 0)
      return b.create<tensor::ExpandShapeOp>(loc, resultType, input,
                                             SmallVector<ReassociationIndices>{});
    return b.create<tensor::CollapseShapeOp>(loc, resultType, input,
                                             SmallVector<ReassociationIndices>{});
  }
  if (inType.getRank() != 1)
    flat = b.create<tensor::CollapseShapeOp>(
        loc, RankedTensorType::get({n}, inType.getElementType()), input,
        fullReassoc(inType.getRank()));
  if (resultType.getRank() == 1)
    return flat;
  return b.create<tensor::ExpandShapeOp>(loc, resultType, flat, fullReassoc(resultType.getRank()));
}

TypedAttr floatLowest(Type elementType) {
  auto ft = cast<FloatType>(elementType);
  return FloatAttr::get(ft, llvm::APFloat::getLargest(ft.getFloatSemantics(), /*Negative=*/true));
}

TypedAttr floatNegInf(Type elementType) {
  auto ft = cast<FloatType>(elementType);
  return FloatAttr::get(ft, llvm::APFloat::getInf(ft.getFloatSemantics(), /*Negative=*/true));
}

TypedAttr zeroAttr(Type elementType) {
  if (auto ft = dyn_cast<FloatType>(elementType))
    return FloatAttr::get(ft, 0.0);
  return IntegerAttr::get(elementType, 0);
}

Value buildGeluScalar(OpBuilder &b, Location loc, Value x, bool tanhApprox) {
  Type t = x.getType();
  auto cst = [&](double v) { return b.create<arith::ConstantOp>(loc, FloatAttr::get(t, v)); };
  Value inner;
  if (tanhApprox) {
    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    Value x3 = b.create<arith::MulFOp>(loc, b.create<arith::MulFOp>(loc, x, x), x);
    Value poly = b.create<arith::AddFOp>(loc, x, b.create<arith::MulFOp>(loc, cst(0.044715), x3));
    Value arg = b.create<arith::MulFOp>(loc, cst(std::sqrt(2.0 / M_PI)), poly);
    inner = b.create<math::TanhOp>(loc, arg);
  } else {
    // 0.5 x (1 + erf(x / sqrt(2)))
    Value arg = b.create<arith::MulFOp>(loc, x, cst(M_SQRT1_2));
    inner = b.create<math::ErfOp>(loc, arg);
  }
  Value onePlus = b.create<arith::AddFOp>(loc, cst(1.0), inner);
  return b.create<arith::MulFOp>(loc, b.create<arith::MulFOp>(loc, cst(0.5), x), onePlus);
}

} // namespace mlir::attune
