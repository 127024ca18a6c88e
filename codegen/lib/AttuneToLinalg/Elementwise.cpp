//===- Elementwise.cpp - attune elementwise ops -> linalg.generic ---------===//
//
//   attune.add/sub/mul/div/pow/maximum/minimum/equal/where  -> linalg.generic (broadcast maps)
//   attune.exp/sqrt/erf/tanh/relu/gelu      -> linalg.generic + math/arith
//   attune.cast / attune.expand / isnan     -> linalg.generic
//   attune.constant                         -> arith.constant
//
//===----------------------------------------------------------------------===//
#include "PopulatePatterns.h"
#include "Utils.h"

#include "attune/IR/AttuneOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"
#include <cmath>

namespace mlir::attune {
namespace {

Value floatConst(OpBuilder &b, Location loc, Type t, double v) {
  return b.create<arith::ConstantOp>(loc, FloatAttr::get(t, v));
}

/// Binary ops: one body builder per op, chosen by element type.
template <typename OpT>
struct BinaryLowering : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rewriter) const override {
    Type elem = cast<RankedTensorType>(op.getLhs().getType()).getElementType();
    bool isFloat = isa<FloatType>(elem);
    if constexpr (std::is_same_v<OpT, PowOp>)
      if (!isFloat)
        return op.emitOpError("lhs: integer pow is not supported by the CPU backend; expected a "
                              "float element type, found ")
               << elem;
    Value r = buildElementwise(
        rewriter, op.getLoc(), {op.getLhs(), op.getRhs()}, op.getType(),
        [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
          if constexpr (std::is_same_v<OpT, AddOp>)
            return isFloat ? b.create<arith::AddFOp>(loc, a[0], a[1]).getResult()
                           : b.create<arith::AddIOp>(loc, a[0], a[1]).getResult();
          if constexpr (std::is_same_v<OpT, SubOp>)
            return isFloat ? b.create<arith::SubFOp>(loc, a[0], a[1]).getResult()
                           : b.create<arith::SubIOp>(loc, a[0], a[1]).getResult();
          if constexpr (std::is_same_v<OpT, MulOp>)
            return isFloat ? b.create<arith::MulFOp>(loc, a[0], a[1]).getResult()
                           : b.create<arith::MulIOp>(loc, a[0], a[1]).getResult();
          if constexpr (std::is_same_v<OpT, DivOp>)
            return isFloat ? b.create<arith::DivFOp>(loc, a[0], a[1]).getResult()
                           : b.create<arith::DivSIOp>(loc, a[0], a[1]).getResult();
          if constexpr (std::is_same_v<OpT, PowOp>)
            return b.create<math::PowFOp>(loc, a[0], a[1]);
          if constexpr (std::is_same_v<OpT, MaximumOp>)
            return isFloat ? b.create<arith::MaximumFOp>(loc, a[0], a[1]).getResult()
                           : b.create<arith::MaxSIOp>(loc, a[0], a[1]).getResult();
          if constexpr (std::is_same_v<OpT, MinimumOp>)
            return isFloat ? b.create<arith::MinimumFOp>(loc, a[0], a[1]).getResult()
                           : b.create<arith::MinSIOp>(loc, a[0], a[1]).getResult();
          if constexpr (std::is_same_v<OpT, EqualOp>)
            return isFloat ? b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, a[0], a[1])
                                 .getResult()
                           : b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, a[0], a[1])
                                 .getResult();
          llvm_unreachable("unhandled binary op");
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct WhereLowering : OpRewritePattern<WhereOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(WhereOp op, PatternRewriter &rewriter) const override {
    Value r = buildElementwise(rewriter, op.getLoc(), {op.getCond(), op.getLhs(), op.getRhs()},
                               op.getType(), [](OpBuilder &b, Location loc, ValueRange a) {
                                 return b.create<arith::SelectOp>(loc, a[0], a[1], a[2]);
                               });
    rewriter.replaceOp(op, r);
    return success();
  }
};

template <typename OpT>
struct UnaryLowering : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rewriter) const override {
    Value r = buildElementwise(
        rewriter, op.getLoc(), {op.getInput()}, cast<RankedTensorType>(op.getType()),
        [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
          Value x = a[0];
          Type t = x.getType();
          if constexpr (std::is_same_v<OpT, ExpOp>)
            return b.create<math::ExpOp>(loc, x);
          if constexpr (std::is_same_v<OpT, SqrtOp>)
            return b.create<math::SqrtOp>(loc, x);
          if constexpr (std::is_same_v<OpT, ErfOp>)
            return b.create<math::ErfOp>(loc, x);
          if constexpr (std::is_same_v<OpT, TanhOp>)
            return b.create<math::TanhOp>(loc, x);
          if constexpr (std::is_same_v<OpT, ReluOp>)
            return b.create<arith::MaximumFOp>(loc, x, floatConst(b, loc, t, 0.0));
          if constexpr (std::is_same_v<OpT, GeluOp>)
            return buildGeluScalar(b, loc, x, op.getApproximate() == "tanh");
          llvm_unreachable("unhandled unary op");
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Scalar conversion between any two Attune element types.
Value convertScalar(OpBuilder &b, Location loc, Value x, Type to) {
  Type from = x.getType();
  if (from == to)
    return x;
  auto fromF = dyn_cast<FloatType>(from), toF = dyn_cast<FloatType>(to);
  auto fromI = dyn_cast<IntegerType>(from), toI = dyn_cast<IntegerType>(to);
  if (toI && toI.getWidth() == 1) {
    if (fromF)
      return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, x,
                                     floatConst(b, loc, from, 0.0));
    return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, x,
                                   b.create<arith::ConstantOp>(loc, IntegerAttr::get(from, 0)));
  }
  if (fromI && fromI.getWidth() == 1) {
    if (toF)
      return b.create<arith::UIToFPOp>(loc, to, x);
    return b.create<arith::ExtUIOp>(loc, to, x);
  }
  if (fromF && toF && fromF.getWidth() == toF.getWidth()) // f16 <-> bf16 through f32
    return b.create<arith::TruncFOp>(loc, to,
                                     b.create<arith::ExtFOp>(loc, b.getF32Type(), x));
  if (fromF && toF)
    return fromF.getWidth() < toF.getWidth() ? b.create<arith::ExtFOp>(loc, to, x).getResult()
                                             : b.create<arith::TruncFOp>(loc, to, x).getResult();
  if (fromI && toI)
    return fromI.getWidth() < toI.getWidth() ? b.create<arith::ExtSIOp>(loc, to, x).getResult()
                                             : b.create<arith::TruncIOp>(loc, to, x).getResult();
  if (fromI && toF)
    return b.create<arith::SIToFPOp>(loc, to, x);
  // float -> int: truncation toward zero, saturating at the integer range,
  // NaN -> 0 (arith.fptosi alone is undefined there; the reference agrees).
  unsigned bits = toI.getWidth();
  Value xf = fromF.getWidth() < 32 ? b.create<arith::ExtFOp>(loc, b.getF32Type(), x).getResult() : x;
  Type ft = xf.getType();
  double lim = std::ldexp(1.0, bits - 1); // 2^(bits-1), exact in f32
  Value hiF = floatConst(b, loc, ft, lim), loF = floatConst(b, loc, ft, -lim);
  Value raw = b.create<arith::FPToSIOp>(loc, to, xf);
  auto intConst = [&](llvm::APInt v) {
    return b.create<arith::ConstantOp>(loc, IntegerAttr::get(to, v));
  };
  Value maxI = intConst(llvm::APInt::getSignedMaxValue(bits));
  Value minI = intConst(llvm::APInt::getSignedMinValue(bits));
  Value zero = intConst(llvm::APInt(bits, 0));
  Value r = b.create<arith::SelectOp>(
      loc, b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGE, xf, hiF), maxI, raw);
  r = b.create<arith::SelectOp>(
      loc, b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, xf, loF), minI, r);
  return b.create<arith::SelectOp>(
      loc, b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNO, xf, xf), zero, r);
}

struct CastLowering : OpRewritePattern<CastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CastOp op, PatternRewriter &rewriter) const override {
    Type to = op.getType().getElementType();
    Value r = buildElementwise(rewriter, op.getLoc(), {op.getInput()}, op.getType(),
                               [&](OpBuilder &b, Location loc, ValueRange a) {
                                 return convertScalar(b, loc, a[0], to);
                               });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// isnan(x) = x unordered-compared with itself.
struct IsNanLowering : OpRewritePattern<IsNanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(IsNanOp op, PatternRewriter &rewriter) const override {
    Value r = buildElementwise(rewriter, op.getLoc(), {op.getInput()},
                               cast<RankedTensorType>(op.getType()),
                               [](OpBuilder &b, Location loc, ValueRange a) -> Value {
                                 return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNO,
                                                                a[0], a[0]);
                               });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct ExpandLowering : OpRewritePattern<ExpandOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ExpandOp op, PatternRewriter &rewriter) const override {
    Value r = buildElementwise(rewriter, op.getLoc(), {op.getInput()}, op.getType(),
                               [](OpBuilder &, Location, ValueRange a) { return a[0]; });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct ConstantLowering : OpRewritePattern<ConstantOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConstantOp op, PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, cast<TypedAttr>(op.getValue()));
    return success();
  }
};

} // namespace

void populateElementwisePatterns(RewritePatternSet &patterns) {
  patterns.add<BinaryLowering<AddOp>, BinaryLowering<SubOp>, BinaryLowering<MulOp>,
               BinaryLowering<DivOp>, BinaryLowering<PowOp>, BinaryLowering<EqualOp>,
               BinaryLowering<MaximumOp>, BinaryLowering<MinimumOp>,
               WhereLowering, UnaryLowering<ExpOp>, UnaryLowering<SqrtOp>,
               UnaryLowering<ErfOp>, UnaryLowering<TanhOp>, UnaryLowering<ReluOp>,
               UnaryLowering<GeluOp>, CastLowering, ExpandLowering, ConstantLowering,
               IsNanLowering>(
      patterns.getContext());
}

} // namespace mlir::attune
