//===- FuseEpilogue.cpp - matmul epilogues -> attune.fused_matmul ---------===//
//
//   %y = matmul(%a, %w)  [%y = add(%y, %bias)]  [%y = gelu|relu(%y)]
//   [%y = add(%y, %residual)]
//     ==>  %y = attune.fused_matmul %a, %w [bias %bias] [residual %residual]
//               {activation = ..., transpose_b}
//
// Anchor: a matmul; every step must be the only user of the previous value.
// A bias varies only along N (e.g. [N] or [1,1,N]); an operand that varies
// along other dims is a residual. An activation needs a bias before it (or
// nothing: matmul + activation alone fuses too).
//
//===----------------------------------------------------------------------===//
#include "FusionUtils.h"

#include "attune/IR/AttuneOps.h"
#include "attune/IR/ShapeUtils.h"
#include "attune/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "attune-fuse-epilogue"

namespace mlir::attune {
#define GEN_PASS_DEF_FUSEEPILOGUEPASS
#include "attune/Transforms/Passes.h.inc"

using namespace fusion;

namespace {
constexpr StringLiteral kPattern = "fused_matmul";

/// Whether `b` broadcasts to `out` and varies only along its last dim.
bool isBias(Value b, RankedTensorType out) {
  auto t = cast<RankedTensorType>(b.getType());
  if (!broadcastsTo(t.getShape(), out.getShape()))
    return false;
  ArrayRef<int64_t> s = t.getShape();
  for (size_t i = 0; i + 1 < s.size(); ++i)
    if (s[i] != 1)
      return false;
  return true;
}

/// The single user of `v` (null if none or several).
Operation *onlyUser(Value v) { return v.hasOneUse() ? *v.getUsers().begin() : nullptr; }

struct EpiloguePattern : OpRewritePattern<MatmulOp> {
  EpiloguePattern(MLIRContext *ctx, SiteRecorder &rec) : OpRewritePattern(ctx), rec(rec) {}
  SiteRecorder &rec;

  LogicalResult matchAndRewrite(MatmulOp mm, PatternRewriter &rewriter) const override {
    auto out = cast<RankedTensorType>(mm.getType());
    Value cur = mm.getResult(), bias, residual;
    StringRef activation = "none";
    Operation *root = nullptr;
    auto sameType = [&](Operation *op) { return op->getResult(0).getType() == out; };

    if (!cur.hasOneUse()) {
      for (Operation *u : cur.getUsers())
        if (isa<AddOp, GeluOp, ReluOp>(u))
          return rec.miss(mm, kPattern, mm,
                          "the matmul result has " +
                              Twine(std::distance(cur.use_begin(), cur.use_end())) +
                              " users; its epilogue (" + describe(u) + ") needs it to have one");
      return failure();
    }
    // + bias
    if (auto add = dyn_cast<AddOp>(onlyUser(cur)); add && sameType(add)) {
      Value o = otherOperand(add, cur);
      if (o != cur && isBias(o, out)) {
        bias = o;
        root = add;
        cur = add.getResult();
      }
    }
    // activation
    if (Operation *u = onlyUser(cur)) {
      if (auto gelu = dyn_cast<GeluOp>(u)) {
        activation = gelu.getApproximate() == "tanh" ? "gelu_tanh" : "gelu";
        root = gelu;
        cur = gelu.getResult();
      } else if (auto relu = dyn_cast<ReluOp>(u)) {
        activation = "relu";
        root = relu;
        cur = relu.getResult();
      }
    }
    // + residual
    if (auto add = dyn_cast_or_null<AddOp>(onlyUser(cur)); add && sameType(add)) {
      Value o = otherOperand(add, cur);
      if (o != cur && broadcastsTo(cast<RankedTensorType>(o.getType()).getShape(),
                                   out.getShape())) {
        residual = o;
        root = add;
      }
    }
    if (!root)
      return failure();
    rec.clear(mm, kPattern);
    rec.fused(root->getLoc(), kPattern);
    rewriter.setInsertionPoint(root);
    auto fused = rewriter.create<FusedMatmulOp>(
        root->getLoc(), out, mm.getLhs(), mm.getRhs(), bias, residual,
        mm.getTransposeB() ? rewriter.getUnitAttr() : UnitAttr(),
        rewriter.getStringAttr(activation));
    rewriter.replaceOp(root, fused.getResult());
    return success();
  }
};

struct FuseEpiloguePass : impl::FuseEpiloguePassBase<FuseEpiloguePass> {
  using FuseEpiloguePassBase::FuseEpiloguePassBase;
  void runOnOperation() override {
    SiteRecorder rec(report);
    RewritePatternSet patterns(&getContext());
    patterns.add<EpiloguePattern>(&getContext(), rec);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    rec.emit(getOperation());
  }
};
} // namespace
} // namespace mlir::attune
