//===- Normalization.cpp - reductions, softmax, layer norm -> linalg ------===//
//
//   attune.reduce_{sum,mean,max} -> reduction generic (+ scale, + expand for keepdims)
//   attune.softmax               -> max / exp(x-max) / sum / divide generics
//   attune.layer_norm            -> sum, centered, sum of squares, normalize generics
//   attune.skip_layer_norm       -> add generic (input + skip + bias) + layer_norm's
//
//===----------------------------------------------------------------------===//
#include "PopulatePatterns.h"
#include "Utils.h"

#include "attune/IR/AttuneOps.h"
#include "attune/IR/ShapeUtils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

namespace mlir::attune {

static Value addF(OpBuilder &b, Location l, Value x, Value acc) {
  return b.create<arith::AddFOp>(l, x, acc);
}

// Softmax and layer norm read their per-row statistics (reduction results,
// without the reduced dims) through keptDimsMap instead of reshaping them to
// keep-dims: every op of the group is then row-local, and
// attune-tile-and-distribute fuses the whole group into one loop over rows.
Value buildSoftmax(OpBuilder &b, Location loc, Value x, int64_t axis) {
  auto type = cast<RankedTensorType>(x.getType());
  Type elem = type.getElementType();
  SmallVector<bool> reduced(type.getRank(), false);
  reduced[axis] = true;
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(type.getRank(), ctx);
  AffineMap row = keptDimsMap(reduced, ctx);
  Value max = buildReduction(b, loc, x, reduced, floatNegInf(elem),
                             [](OpBuilder &nb, Location l, Value v, Value acc) {
                               return nb.create<arith::MaximumFOp>(l, v, acc);
                             });
  Value e = buildElementwise(b, loc, {x, max}, {id, row}, type,
                             [](OpBuilder &nb, Location l, ValueRange a) {
                               return nb.create<math::ExpOp>(l, nb.create<arith::SubFOp>(l, a[0], a[1]));
                             });
  Value sum = buildReduction(b, loc, e, reduced, zeroAttr(elem), addF);
  return buildElementwise(b, loc, {e, sum}, {id, row}, type,
                          [](OpBuilder &nb, Location l, ValueRange a) {
                            return nb.create<arith::DivFOp>(l, a[0], a[1]);
                          });
}

Value buildLayerNorm(OpBuilder &rw, Location loc, Value x, Value gamma, Value beta, float eps,
                     int64_t axis) {
  auto type = cast<RankedTensorType>(x.getType());
  Type elem = type.getElementType();
  SmallVector<bool> reduced(type.getRank(), false);
  int64_t count = 1;
  for (int64_t i = axis; i < type.getRank(); ++i) {
    reduced[i] = true;
    count *= type.getDimSize(i);
  }
  MLIRContext *ctx = rw.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(type.getRank(), ctx);
  AffineMap row = keptDimsMap(reduced, ctx);
  auto cst = [&](OpBuilder &b, Location l, double v) {
    return b.create<arith::ConstantOp>(l, FloatAttr::get(elem, v));
  };
  Value sum = buildReduction(rw, loc, x, reduced, zeroAttr(elem), addF);
  Value mean = buildElementwise(
      rw, loc, {sum}, cast<RankedTensorType>(sum.getType()),
      [&](OpBuilder &b, Location l, ValueRange a) {
        return b.create<arith::DivFOp>(l, a[0], cst(b, l, (double)count));
      });
  Value centered = buildElementwise(rw, loc, {x, mean}, {id, row}, type,
                                    [](OpBuilder &b, Location l, ValueRange a) {
                                      return b.create<arith::SubFOp>(l, a[0], a[1]);
                                    });
  Value sq = buildReduction(rw, loc, centered, reduced, zeroAttr(elem),
                            [](OpBuilder &b, Location l, Value v, Value acc) {
                              return b.create<arith::AddFOp>(
                                  l, b.create<arith::MulFOp>(l, v, v), acc);
                            });
  auto param = [&](Value v) {
    return broadcastMap(cast<RankedTensorType>(v.getType()).getShape(), type.getShape(), ctx);
  };
  return buildElementwise(
      rw, loc, {centered, sq, gamma, beta}, {id, row, param(gamma), param(beta)}, type,
      [&](OpBuilder &b, Location l, ValueRange a) {
        Value var = b.create<arith::DivFOp>(l, a[1], cst(b, l, (double)count));
        Value denom = b.create<math::SqrtOp>(l, b.create<arith::AddFOp>(l, var, cst(b, l, eps)));
        Value norm = b.create<arith::DivFOp>(l, a[0], denom);
        return b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, norm, a[2]), a[3]);
      });
}

namespace {

template <typename OpT>
struct ReduceLowering : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto in = cast<RankedTensorType>(op.getInput().getType());
    Type elem = in.getElementType();
    SmallVector<bool> reduced(in.getRank(), false);
    int64_t count = 1;
    for (int64_t a : op.getAxes()) {
      int64_t ax = *normalizeAxis(a, in.getRank());
      reduced[ax] = true;
      count *= in.getDimSize(ax);
    }
    Value r;
    if constexpr (std::is_same_v<OpT, ReduceMaxOp>)
      r = buildReduction(rewriter, loc, op.getInput(), reduced, floatNegInf(elem),
                         [](OpBuilder &b, Location l, Value v, Value acc) {
                           return b.create<arith::MaximumFOp>(l, v, acc);
                         });
    else
      r = buildReduction(rewriter, loc, op.getInput(), reduced, zeroAttr(elem), addF);
    if constexpr (std::is_same_v<OpT, ReduceMeanOp>) {
      auto rt = cast<RankedTensorType>(r.getType());
      r = buildElementwise(rewriter, loc, {r}, rt, [&](OpBuilder &b, Location l, ValueRange a) {
        Value c = b.create<arith::ConstantOp>(l, FloatAttr::get(elem, (double)count));
        return b.create<arith::DivFOp>(l, a[0], c);
      });
    }
    rewriter.replaceOp(op, buildReshape(rewriter, loc, r, cast<RankedTensorType>(op.getType())));
    return success();
  }
};

struct SoftmaxLowering : OpRewritePattern<SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SoftmaxOp op, PatternRewriter &rewriter) const override {
    int64_t axis = *normalizeAxis(op.getAxis(), op.getType().getRank());
    rewriter.replaceOp(op, buildSoftmax(rewriter, op.getLoc(), op.getInput(), axis));
    return success();
  }
};

struct LayerNormLowering : OpRewritePattern<LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LayerNormOp op, PatternRewriter &rewriter) const override {
    int64_t axis = *normalizeAxis(op.getAxis(), op.getType().getRank());
    rewriter.replaceOp(op, buildLayerNorm(rewriter, op.getLoc(), op.getInput(), op.getGamma(),
                                          op.getBeta(), op.getEps().convertToFloat(), axis));
    return success();
  }
};

/// sum = input + skip (+ bias) in one generic, then layer_norm's generics.
struct SkipLayerNormLowering : OpRewritePattern<SkipLayerNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SkipLayerNormOp op, PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getResult().getType());
    SmallVector<Value> terms{op.getInput(), op.getSkip()};
    if (op.getBias())
      terms.push_back(op.getBias());
    Value sum = buildElementwise(rewriter, op.getLoc(), terms, type,
                                 [](OpBuilder &b, Location l, ValueRange a) {
                                   Value s = b.create<arith::AddFOp>(l, a[0], a[1]);
                                   if (a.size() > 2)
                                     s = b.create<arith::AddFOp>(l, s, a[2]);
                                   return s;
                                 });
    int64_t axis = *normalizeAxis(op.getAxis(), type.getRank());
    Value y = buildLayerNorm(rewriter, op.getLoc(), sum, op.getGamma(), op.getBeta(),
                             op.getEps().convertToFloat(), axis);
    rewriter.replaceOp(op, ValueRange{y, sum});
    return success();
  }
};

} // namespace

void populateNormalizationPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceLowering<ReduceSumOp>, ReduceLowering<ReduceMeanOp>,
               ReduceLowering<ReduceMaxOp>, SoftmaxLowering, LayerNormLowering,
               SkipLayerNormLowering>(
      patterns.getContext());
}

} // namespace mlir::attune
