//===- FuseLayerNorm.cpp - decomposed layer norm -> attune.(skip_)layer_norm ===//
//
//   %m = reduce_mean(%x, trailing axes)   %d = sub(%x, %m)
//   %v = reduce_mean(pow(%d, 2) | mul(%d, %d))   %a = add(%v, eps)
//   %n = div(%d, sqrt(%a)) | mul(%d, div(1, sqrt(%a))) | mul(%d, pow(%a, -0.5))
//      | div(%d, pow(%a, 0.5))
//   %y = add(mul(%n, %gamma), %beta)                 (gamma, beta optional)
//     ==>  %y = attune.layer_norm %x, %gamma, %beta {eps, axis}
//
//   attune.layer_norm(add(%a, %b)), %a and %b of the full shape
//     ==>  attune.skip_layer_norm %a, %b, ... (the add's later users take #1)
//
// Anchor: a reduce_mean whose result is subtracted from its own input.
//
//===----------------------------------------------------------------------===//
#include "FusionUtils.h"

#include "attune/IR/AttuneOps.h"
#include "attune/IR/ShapeUtils.h"
#include "attune/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "attune-fuse-layer-norm"

namespace mlir::attune {
#define GEN_PASS_DEF_FUSELAYERNORMPASS
#include "attune/Transforms/Passes.h.inc"

using namespace fusion;

namespace {
constexpr StringLiteral kPattern = "layer_norm";

/// gamma/beta candidates: same element type, shape equal to the normalized
/// dims after dropping leading 1s, no more dims than x.
bool isAffineParam(Value p, RankedTensorType x, int64_t axis) {
  auto t = dyn_cast<RankedTensorType>(p.getType());
  if (!t || t.getElementType() != x.getElementType() || t.getRank() > x.getRank())
    return false;
  ArrayRef<int64_t> s = t.getShape();
  ArrayRef<int64_t> norm = x.getShape().drop_front(axis);
  while (s.size() > norm.size() && s.front() == 1)
    s = s.drop_front();
  return s == norm;
}

/// The users of `a = var + eps` that compute `d / sqrt(a)`; returns the op
/// producing the normalized value, or null.
Operation *findNormalize(Value a, Value d) {
  auto divBy = [&](Value denom) -> Operation * {
    return userOf<DivOp>(denom, [&](DivOp div) { return div.getLhs() == d && div.getRhs() == denom; });
  };
  auto mulBy = [&](Value inv) -> Operation * {
    return userOf<MulOp>(inv, [&](MulOp m) { return otherOperand(m, inv) == d; });
  };
  for (Operation *u : a.getUsers()) {
    if (auto sqrt = dyn_cast<SqrtOp>(u)) {
      if (Operation *n = divBy(sqrt.getResult()))
        return n;
      for (Operation *u2 : sqrt->getUsers())
        if (auto inv = dyn_cast<DivOp>(u2); inv && inv.getRhs() == sqrt.getResult() &&
                                            isSplat(inv.getLhs(), 1.0))
          if (Operation *n = mulBy(inv.getResult()))
            return n;
    } else if (auto pow = dyn_cast<PowOp>(u); pow && pow.getLhs() == a) {
      if (isSplat(pow.getRhs(), -0.5))
        if (Operation *n = mulBy(pow.getResult()))
          return n;
      if (isSplat(pow.getRhs(), 0.5))
        if (Operation *n = divBy(pow.getResult()))
          return n;
    }
  }
  return nullptr;
}

struct LayerNormPattern : OpRewritePattern<ReduceMeanOp> {
  LayerNormPattern(MLIRContext *ctx, SiteRecorder &rec) : OpRewritePattern(ctx), rec(rec) {}
  SiteRecorder &rec;

  LogicalResult matchAndRewrite(ReduceMeanOp mean, PatternRewriter &rewriter) const override {
    Value x = mean.getInput();
    auto xt = cast<RankedTensorType>(x.getType());
    int64_t rank = xt.getRank();
    Value m = keepDimsValue(mean, x, mean.getAxes(), mean.getKeepdims());
    if (!m)
      return failure();
    auto sub = userOf<SubOp>(m, [&](SubOp s) { return s.getLhs() == x && s.getRhs() == m; });
    if (!sub)
      return failure();
    // Anchor matched: d = x - mean(x).
    Value d = sub.getResult();
    SmallVector<int64_t> axes = normalizedAxes(mean.getAxes(), rank);
    int64_t axis = axes.empty() ? rank : axes.front();
    for (size_t i = 0; i < axes.size(); ++i)
      if (axes[i] != axis + static_cast<int64_t>(i) || axes.back() != rank - 1)
        return rec.miss(mean, kPattern, mean,
                        "the mean reduces over axes " + formatList(mean.getAxes()) +
                            ", not the trailing dimensions of " + shapeOf(x));
    if (d.getType() != xt)
      return rec.miss(mean, kPattern, sub, "x - mean broadcasts to " + shapeOf(d));
    // variance = mean(d²)
    Operation *square = nullptr;
    for (Operation *u : d.getUsers()) {
      if (auto pow = dyn_cast<PowOp>(u); pow && pow.getLhs() == d && isSplat(pow.getRhs(), 2.0))
        square = pow;
      if (auto mul = dyn_cast<MulOp>(u); mul && mul.getLhs() == d && mul.getRhs() == d)
        square = mul;
    }
    if (!square)
      return rec.miss(mean, kPattern, sub,
                      "x - mean is not squared (expected pow(d, 2) or d·d among its users)");
    auto var = userOf<ReduceMeanOp>(square->getResult(0));
    if (!var)
      return rec.miss(mean, kPattern, square, "the square of x - mean is not averaged");
    if (normalizedAxes(var.getAxes(), rank) != axes)
      return rec.miss(mean, kPattern, var,
                      "the variance reduces over axes " + formatList(var.getAxes()) +
                          ", the mean over " + formatList(mean.getAxes()));
    Value v = keepDimsValue(var, var.getInput(), var.getAxes(), var.getKeepdims());
    if (!v)
      return rec.miss(mean, kPattern, var, "the variance does not keep the reduced dimensions");
    std::optional<double> eps;
    AddOp addEps;
    for (Operation *u : v.getUsers())
      if (auto add = dyn_cast<AddOp>(u))
        if (auto e = splatValue(otherOperand(add, v)); e && *e >= 0) {
          eps = e;
          addEps = add;
        }
    if (!addEps)
      return rec.miss(mean, kPattern, var,
                      "the variance is not increased by a constant eps >= 0 (found " +
                          (v.use_empty() ? std::string("no users")
                                         : describe(*v.getUsers().begin())) +
                          ")");
    Operation *normalize = findNormalize(addEps.getResult(), d);
    if (!normalize)
      return rec.miss(mean, kPattern, addEps,
                      "x - mean is not divided by sqrt(var + eps) (nor multiplied by "
                      "1/sqrt or pow(·, -0.5))");
    if (normalize->getResult(0).getType() != xt)
      return rec.miss(mean, kPattern, normalize,
                      "the normalized value broadcasts to " + shapeOf(normalize->getResult(0)));

    // Optional affine part: · gamma + beta.
    Value n = normalize->getResult(0), gamma, beta;
    Operation *root = normalize;
    if (auto mul = userOf<MulOp>(n, [&](MulOp m) {
          Value g = otherOperand(m, n);
          return g != n && isAffineParam(g, xt, axis);
        })) {
      gamma = otherOperand(mul, n);
      root = mul;
      if (auto add = userOf<AddOp>(mul.getResult(), [&](AddOp a) {
            Value b = otherOperand(a, mul.getResult());
            return b != mul.getResult() && isAffineParam(b, xt, axis);
          })) {
        beta = otherOperand(add, mul.getResult());
        root = add;
      }
    }
    rec.clear(mean, kPattern);
    rec.fused(root->getLoc(), kPattern);
    rewriter.setInsertionPoint(root);
    Location loc = root->getLoc();
    auto normType = RankedTensorType::get(xt.getShape().drop_front(axis), xt.getElementType());
    auto param = [&](Value p, double fill) -> Value {
      if (!p)
        return rewriter.create<ConstantOp>(
            loc, DenseElementsAttr::get(normType, rewriter.getFloatAttr(xt.getElementType(), fill)));
      if (p.getType() != normType)
        return rewriter.create<ReshapeOp>(loc, normType, p);
      return p;
    };
    Value g = param(gamma, 1.0), b = param(beta, 0.0);
    auto ln = rewriter.create<LayerNormOp>(loc, xt, x, g, b,
                                           rewriter.getF32FloatAttr(static_cast<float>(*eps)),
                                           rewriter.getI64IntegerAttr(axis - rank));
    rewriter.replaceOp(root, ln.getResult());
    return success();
  }
};

struct SkipLayerNormPattern : OpRewritePattern<LayerNormOp> {
  SkipLayerNormPattern(MLIRContext *ctx, SiteRecorder &rec) : OpRewritePattern(ctx), rec(rec) {}
  SiteRecorder &rec;

  LogicalResult matchAndRewrite(LayerNormOp ln, PatternRewriter &rewriter) const override {
    auto add = def<AddOp>(ln.getInput());
    if (!add || add.getLhs().getType() != add.getType() || add.getRhs().getType() != add.getType())
      return failure();
    if (add->getBlock() != ln->getBlock())
      return failure();
    rec.fused(ln.getLoc(), "skip_layer_norm");
    rewriter.setInsertionPoint(ln);
    Type t = ln.getType();
    auto skip = rewriter.create<SkipLayerNormOp>(ln.getLoc(), TypeRange{t, t}, add.getLhs(),
                                                 add.getRhs(), ln.getGamma(), ln.getBeta(),
                                                 Value(), ln.getEpsAttr(), ln.getAxisAttr());
    Operation *skipOp = skip.getOperation();
    rewriter.replaceUsesWithIf(add.getResult(), skip.getSum(), [&](OpOperand &use) {
      return use.getOwner() != ln && use.getOwner()->getBlock() == skipOp->getBlock() &&
             skipOp->isBeforeInBlock(use.getOwner());
    });
    rewriter.replaceOp(ln, skip.getResult());
    return success();
  }
};

struct FuseLayerNormPass : impl::FuseLayerNormPassBase<FuseLayerNormPass> {
  using FuseLayerNormPassBase::FuseLayerNormPassBase;
  void runOnOperation() override {
    SiteRecorder rec(report);
    {
      RewritePatternSet patterns(&getContext());
      patterns.add<LayerNormPattern>(&getContext(), rec);
      if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
        return signalPassFailure();
    }
    // Skip connections after every decomposed layer norm is one op.
    RewritePatternSet patterns(&getContext());
    patterns.add<SkipLayerNormPattern>(&getContext(), rec);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    rec.emit(getOperation());
  }
};
} // namespace
} // namespace mlir::attune
