//===- FuseGelu.cpp - decomposed GELU -> attune.gelu ----------------------===//
//
//   erf:  0.5 · x · (1 + erf(x · 0.7071…  |  x / 1.4142…))
//   tanh: 0.5 · x · (1 + tanh(0.7978… · (x + 0.044715 · x³)))
//         x³ = pow(x, 3) | x·x·x | x·(x·x)
//     ==>  attune.gelu %x {approximate = "none" | "tanh"}
//
// Anchor: an erf/tanh whose result feeds `1 + ·`. The product with 0.5 and x
// may be associated and ordered in any way.
//
//===----------------------------------------------------------------------===//
#include "FusionUtils.h"

#include "attune/IR/AttuneOps.h"
#include "attune/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include <cmath>

#define DEBUG_TYPE "attune-fuse-gelu"

namespace mlir::attune {
#define GEN_PASS_DEF_FUSEGELUPASS
#include "attune/Transforms/Passes.h.inc"

using namespace fusion;

namespace {
constexpr StringLiteral kPattern = "gelu";

/// For `a · c` or `c · a` with the constant c ≈ `value`, returns a.
Value mulByConstant(Value v, double value) {
  auto mul = def<MulOp>(v);
  if (!mul)
    return {};
  if (isSplat(mul.getRhs(), value))
    return mul.getLhs();
  if (isSplat(mul.getLhs(), value))
    return mul.getRhs();
  return {};
}

/// x from x/√2 written as x·(1/√2) or x/√2.
Value erfArgument(Value u) {
  if (Value x = mulByConstant(u, M_SQRT1_2))
    return x;
  if (auto div = def<DivOp>(u))
    if (isSplat(div.getRhs(), M_SQRT2))
      return div.getLhs();
  return {};
}

/// Whether `v` is x³: pow(x, 3), (x·x)·x or x·(x·x).
bool isCube(Value v, Value x) {
  if (auto pow = def<PowOp>(v))
    return pow.getLhs() == x && isSplat(pow.getRhs(), 3.0);
  auto mul = def<MulOp>(v);
  if (!mul)
    return false;
  auto isSquare = [&](Value s) {
    auto m = def<MulOp>(s);
    return m && m.getLhs() == x && m.getRhs() == x;
  };
  return (mul.getRhs() == x && isSquare(mul.getLhs())) ||
         (mul.getLhs() == x && isSquare(mul.getRhs()));
}

/// x from √(2/π)·(x + 0.044715·x³); `why` says what differs otherwise.
Value tanhArgument(Value v, std::string &why) {
  Value inner = mulByConstant(v, std::sqrt(2.0 / M_PI));
  if (!inner) {
    why = "the tanh argument is not √(2/π)·(…): found " + describe(v);
    return {};
  }
  auto add = def<AddOp>(inner);
  if (!add) {
    why = "expected x + 0.044715·x³ inside the tanh, found " + describe(inner);
    return {};
  }
  for (auto [x, term] : {std::pair{add.getLhs(), add.getRhs()}, std::pair{add.getRhs(), add.getLhs()}})
    if (Value cube = mulByConstant(term, 0.044715); cube && isCube(cube, x))
      return x;
  why = "expected x + 0.044715·x³ (x³ as pow(x, 3) or x·x·x) at " + describe(add.getOperation());
  return {};
}

/// Whether `v` is 0.5·x (either order) or x/2.
bool isHalfOf(Value v, Value x) {
  if (mulByConstant(v, 0.5) == x && x)
    return true;
  if (auto div = def<DivOp>(v))
    return div.getLhs() == x && isSplat(div.getRhs(), 2.0);
  return false;
}

struct GeluPattern : RewritePattern {
  GeluPattern(MLIRContext *ctx, SiteRecorder &rec)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx), rec(rec) {}
  SiteRecorder &rec;

  LogicalResult matchAndRewrite(Operation *anchor, PatternRewriter &rewriter) const override {
    bool isErf = isa<ErfOp>(anchor);
    if (!isErf && !isa<TanhOp>(anchor))
      return failure();
    Value t = anchor->getResult(0);
    // 1 + erf(...) / 1 + tanh(...)
    AddOp onePlus = userOf<AddOp>(t, [&](AddOp a) { return isSplat(otherOperand(a, t), 1.0); });
    if (!onePlus)
      return failure();
    // Anchor matched.
    Value x;
    if (isErf) {
      x = erfArgument(anchor->getOperand(0));
      if (!x)
        return rec.miss(anchor, kPattern, anchor,
                        "the erf argument is not x/√2 (x·0.7071 or x/1.4142): found " +
                            describe(anchor->getOperand(0)));
    } else {
      std::string why;
      x = tanhArgument(anchor->getOperand(0), why);
      if (!x)
        return rec.miss(anchor, kPattern, anchor, why);
    }
    // The product 0.5 · x · (1 + f).
    Value p = onePlus.getResult();
    Operation *root = nullptr;
    for (Operation *u : p.getUsers()) {
      auto m1 = dyn_cast<MulOp>(u);
      if (!m1)
        continue;
      Value o = otherOperand(m1, p);
      if (isHalfOf(o, x)) { // (0.5·x) · (1 + f)
        root = m1;
      } else if (o == x || isSplat(o, 0.5)) { // x·(1+f) · 0.5  or  0.5·(1+f) · x
        Value want = o == x ? Value() : x;
        for (Operation *u2 : m1->getUsers())
          if (auto m2 = dyn_cast<MulOp>(u2)) {
            Value o2 = otherOperand(m2, m1.getResult());
            if (want ? o2 == want : isSplat(o2, 0.5))
              root = m2;
          }
        if (!root)
          return rec.miss(anchor, kPattern, m1,
                          Twine(o == x ? "x·(1+f) is not multiplied by 0.5"
                                       : "0.5·(1+f) is not multiplied by the same x") +
                              " (f = " + (isErf ? "erf" : "tanh") + ")");
      } else {
        continue;
      }
      if (root)
        break;
    }
    if (!root)
      return rec.miss(anchor, kPattern, onePlus,
                      "1 + " + Twine(isErf ? "erf" : "tanh") +
                          "(…) is not multiplied by 0.5 and x (" + describe(x) + ")");
    if (root->getResult(0).getType() != x.getType())
      return rec.miss(anchor, kPattern, root,
                      "the product broadcasts to " + shapeOf(root->getResult(0)) +
                          ", not the shape of x " + shapeOf(x));
    rec.clear(anchor, kPattern);
    rec.fused(root->getLoc(), kPattern);
    rewriter.setInsertionPoint(root);
    auto gelu = rewriter.create<GeluOp>(root->getLoc(), x.getType(), x,
                                        rewriter.getStringAttr(isErf ? "none" : "tanh"));
    rewriter.replaceOp(root, gelu.getResult());
    return success();
  }
};

struct FuseGeluPass : impl::FuseGeluPassBase<FuseGeluPass> {
  using FuseGeluPassBase::FuseGeluPassBase;
  void runOnOperation() override {
    SiteRecorder rec(report);
    RewritePatternSet patterns(&getContext());
    patterns.add<GeluPattern>(&getContext(), rec);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    rec.emit(getOperation());
  }
};
} // namespace
} // namespace mlir::attune
