//===- FuseSoftmax.cpp - exp / reduce_sum / div -> attune.softmax ---------===//
//
//   %m = reduce_max(%x, axis)  %d = sub(%x, %m)    (optional)
//   %e = exp(%d)  %s = reduce_sum(%e, axis)  %p = div(%e, %s)
//     ==>  %p = attune.softmax %x {axis}
//
// Anchor: an exp reduced by a reduce_sum. Reductions keep dims or are
// reshaped back to the keep-dims shape.
//
//===----------------------------------------------------------------------===//
#include "FusionUtils.h"

#include "attune/IR/AttuneOps.h"
#include "attune/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "attune-fuse-softmax"

namespace mlir::attune {
#define GEN_PASS_DEF_FUSESOFTMAXPASS
#include "attune/Transforms/Passes.h.inc"

using namespace fusion;

namespace {
constexpr StringLiteral kPattern = "softmax";

struct SoftmaxPattern : OpRewritePattern<ExpOp> {
  SoftmaxPattern(MLIRContext *ctx, SiteRecorder &rec) : OpRewritePattern(ctx), rec(rec) {}
  SiteRecorder &rec;

  LogicalResult matchAndRewrite(ExpOp exp, PatternRewriter &rewriter) const override {
    Value e = exp.getResult();
    auto sum = userOf<ReduceSumOp>(e, [&](ReduceSumOp s) { return s.getInput() == e; });
    if (!sum)
      return failure();
    // Anchor matched: exp(...) reduced by a sum.
    int64_t rank = exp.getType().getRank();
    SmallVector<int64_t> axes = normalizedAxes(sum.getAxes(), rank);
    if (axes.size() != 1)
      return rec.miss(exp, kPattern, sum,
                      "the sum reduces over axes " + formatList(sum.getAxes()) +
                          "; softmax needs exactly one axis");
    int64_t axis = axes[0];
    Value keep = keepDimsValue(sum, e, sum.getAxes(), sum.getKeepdims());
    if (!keep)
      return rec.miss(exp, kPattern, sum,
                      "the sum drops the reduced dimension and is not reshaped back to the "
                      "keep-dims shape");
    auto div = userOf<DivOp>(keep, [&](DivOp d) { return d.getLhs() == e && d.getRhs() == keep; });
    if (!div)
      return rec.miss(exp, kPattern, sum, "the sum is not the divisor of the exp it reduces");
    if (div.getType() != exp.getType())
      return rec.miss(exp, kPattern, div,
                      "the division broadcasts to " + shapeOf(div.getResult()) +
                          ", not the shape of exp " + shapeOf(e));

    // exp(x - max(x)): absorb the max subtraction; anything else is the
    // softmax input as is (softmax is shift invariant).
    Value x = exp.getInput();
    if (auto sub = def<SubOp>(x)) {
      if (auto max = reductionBehind<ReduceMaxOp>(sub.getRhs());
          max && max.getInput() == sub.getLhs()) {
        if (normalizedAxes(max.getAxes(), rank) != axes)
          return rec.miss(exp, kPattern, max,
                          "the max reduces over axes " + formatList(max.getAxes()) +
                              " but the sum over " + formatList(sum.getAxes()));
        x = sub.getLhs();
      }
    }
    rec.clear(exp, kPattern);
    rec.fused(div.getLoc(), kPattern);
    rewriter.setInsertionPoint(div);
    auto softmax = rewriter.create<SoftmaxOp>(div.getLoc(), div.getType(), x,
                                              rewriter.getI64IntegerAttr(axis - rank));
    rewriter.replaceOp(div, softmax.getResult());
    return success();
  }
};

struct FuseSoftmaxPass : impl::FuseSoftmaxPassBase<FuseSoftmaxPass> {
  using FuseSoftmaxPassBase::FuseSoftmaxPassBase;
  void runOnOperation() override {
    SiteRecorder rec(report);
    RewritePatternSet patterns(&getContext());
    patterns.add<SoftmaxPattern>(&getContext(), rec);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    rec.emit(getOperation());
  }
};
} // namespace
} // namespace mlir::attune
