//===- FuseEpilogue.cpp - matmul epilogues -> attune.fused_matmul ---------===//
//
//   %y = matmul(%a, %w)  [%y = add(%y, %bias)]  [%y = gelu|relu(%y)]
//   [%y = add(%y, %residual)]
//     ==>  %y = attune.fused_matmul %a, %w [bias %bias] [residual %residual]
//               {activation = ..., transpose_b}
//
// Anchor: a matmul; every step must be the only user of the previous value.
// One reshape keeping N last may sit in the chain (GPT-2's Conv1D exported as
// Gemm on [B·S, K] + view): the fused op keeps the matmul's shape, bias and
// residual are reshaped to it, and its result is reshaped back.
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
    // One reshape that keeps N last may sit anywhere in the chain (GPT-2's
    // Conv1D computes [B·S, K] x [K, N] and views the result as [B, S, N]):
    // the epilogue is elementwise, so it is applied before the reshape.
    ReshapeOp reshape;
    auto throughReshape = [&]() {
      if (reshape)
        return;
      auto rs = dyn_cast_or_null<ReshapeOp>(onlyUser(cur));
      if (rs && rs.getType().getRank() > 0 && rs.getType().getShape().back() == out.getShape().back()) {
        reshape = rs;
        cur = rs.getResult();
      }
    };
    auto curType = [&]() { return cast<RankedTensorType>(cur.getType()); };

    if (!cur.hasOneUse()) {
      for (Operation *u : cur.getUsers())
        if (isa<AddOp, GeluOp, ReluOp>(u))
          return rec.miss(mm, kPattern, mm,
                          "the matmul result has " +
                              Twine(std::distance(cur.use_begin(), cur.use_end())) +
                              " users; its epilogue (" + describe(u) + ") needs it to have one");
      return failure();
    }
    throughReshape();
    // + bias
    if (auto add = dyn_cast_or_null<AddOp>(onlyUser(cur)); add && add.getType() == curType()) {
      Value o = otherOperand(add, cur);
      if (o != cur && isBias(o, curType())) {
        bias = o;
        root = add;
        cur = add.getResult();
      }
    }
    throughReshape();
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
    throughReshape();
    // + residual (with a reshape in the chain: only a full-shape residual)
    if (auto add = dyn_cast_or_null<AddOp>(onlyUser(cur)); add && add.getType() == curType()) {
      Value o = otherOperand(add, cur);
      auto ot = cast<RankedTensorType>(o.getType());
      if (o != cur && (reshape ? ot == curType()
                               : broadcastsTo(ot.getShape(), out.getShape()))) {
        residual = o;
        root = add;
        cur = add.getResult();
      }
    }
    if (!root)
      return failure();
    rec.clear(mm, kPattern);
    rec.fused(root->getLoc(), kPattern);
    rewriter.setInsertionPoint(root);
    Location loc = root->getLoc();
    if (reshape) {
      // Operands in the matmul's shape: a bias as [N], a residual reshaped.
      int64_t n = out.getShape().back();
      auto biasType = RankedTensorType::get({n}, out.getElementType());
      if (bias && bias.getType() != biasType)
        bias = rewriter.create<ReshapeOp>(loc, biasType, bias);
      if (residual)
        residual = rewriter.create<ReshapeOp>(loc, out, residual);
    }
    Value fused = rewriter.create<FusedMatmulOp>(
        loc, out, mm.getLhs(), mm.getRhs(), bias, residual,
        mm.getTransposeB() ? rewriter.getUnitAttr() : UnitAttr(),
        rewriter.getStringAttr(activation));
    Type rootType = root->getResult(0).getType();
    if (fused.getType() != rootType)
      fused = rewriter.create<ReshapeOp>(loc, rootType, fused);
    rewriter.replaceOp(root, fused);
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
