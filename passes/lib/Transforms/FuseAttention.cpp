//===- FuseAttention.cpp - multi-head attention subgraph -> attune.attention ===//
//
//   q3 [B,Sq,H·D] -reshape-> [B,Sq,H,D] -transpose [0,2,1,3]-> qh   (k, v alike)
//   s  = matmul(qh, kh) {transpose_b}                 | matmul(qh, transpose(kh, [0,1,3,2]))
//                                                     | matmul(qh, transpose(k4, [0,2,3,1]))
//                                                     | matmul(qh, reshape(transpose(reshape(kh)
//                                                         -> [B·H,S,D], [0,2,1]) -> [B,H,D,S]))
//   s  = s · c | s / c  (and/or q·c, k·c: one scale) ; s = s + mask ... | where(cond, s, fill)
//   p  = softmax(s, -1) [p = where(isnan(p), 0, p)] ; o = matmul(p, vh)
//   o  -transpose [0,2,1,3]-> [B,Sq,H,D] -reshape-> [B,Sq,H·D] (or [B·Sq, H·D]:
//      then the attention result is reshaped to it)
//     ==>  attune.attention %q3, %k3, %v3 [mask %m] {num_heads = H, scale, [causal]}
//
// Anchor: a softmax whose input comes (through scales and masks) from a
// matmul. Masks stay additive (their values untouched); a constant
// lower-triangular mask becomes `causal`.
//
//===----------------------------------------------------------------------===//
#include "FusionUtils.h"

#include "attune/IR/AttuneOps.h"
#include "attune/IR/ShapeUtils.h"
#include "attune/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include <cmath>

#define DEBUG_TYPE "attune-fuse-attention"

namespace mlir::attune {
#define GEN_PASS_DEF_FUSEATTENTIONPASS
#include "attune/Transforms/Passes.h.inc"

using namespace fusion;

namespace {
constexpr StringLiteral kPattern = "attention";

SmallVector<int64_t> shape(Value v) {
  return SmallVector<int64_t>(cast<RankedTensorType>(v.getType()).getShape());
}

bool isPerm(Operation *op, ArrayRef<int64_t> perm) {
  auto t = dyn_cast_or_null<TransposeOp>(op);
  return t && t.getPerm() == perm;
}

/// Strips multiplications / divisions by constants, folding them into `scale`.
Value stripScale(Value v, double &scale) {
  for (int i = 0; i < 4; ++i) {
    if (auto mul = def<MulOp>(v)) {
      if (auto c = splatValue(mul.getRhs()); c && mul.getType() == mul.getLhs().getType()) {
        scale *= *c;
        v = mul.getLhs();
        continue;
      }
      if (auto c = splatValue(mul.getLhs()); c && mul.getType() == mul.getRhs().getType()) {
        scale *= *c;
        v = mul.getRhs();
        continue;
      }
    }
    if (auto div = def<DivOp>(v))
      if (auto c = splatValue(div.getRhs()); c && *c != 0 && div.getType() == div.getLhs().getType()) {
        scale /= *c;
        v = div.getLhs();
        continue;
      }
    break;
  }
  return v;
}

/// Whether `v` is computed from a rank-4 matmul through add/sub/mul/div/where.
bool reachesScores(Value v, int depth = 0) {
  Operation *op = v ? v.getDefiningOp() : nullptr;
  if (!op || depth > 8)
    return false;
  if (auto mm = dyn_cast<MatmulOp>(op))
    return mm.getType().getRank() == 4;
  if (isa<AddOp, SubOp, MulOp, DivOp, WhereOp>(op))
    return llvm::any_of(op->getOperands(), [&](Value o) { return reachesScores(o, depth + 1); });
  return false;
}

/// [B,S,H·D] value behind a head split `transpose(reshape(x3), [0,2,1,3])`
/// (scales folded into `scale`); `why` explains a mismatch.
Value headSplit(Value heads, double &scale, int64_t &numHeads, std::string &why) {
  Value t = stripScale(heads, scale);
  auto tr = def<TransposeOp>(t);
  if (!tr || tr.getPerm() != ArrayRef<int64_t>{0, 2, 1, 3}) {
    why = "expected a head transpose [0,2,1,3] of [B,S,H,D], found " + describe(t);
    return {};
  }
  Value r = stripScale(tr.getInput(), scale);
  auto rs = def<ReshapeOp>(r);
  if (!rs) {
    why = "expected a reshape [B,S,H·D] -> [B,S,H,D] before the head transpose, found " +
          describe(r);
    return {};
  }
  auto in = shape(rs.getInput()), out = shape(rs.getResult());
  if (in.size() != 3 || out.size() != 4 || in[0] != out[0] || in[1] != out[1] ||
      in[2] != out[2] * out[3]) {
    why = "the head split reshapes " + formatShape(in) + " to " + formatShape(out) +
          ", expected [B,S,H·D] -> [B,S,H,D]";
    return {};
  }
  numHeads = out[2];
  return stripScale(rs.getInput(), scale);
}

/// x for `reshape(transpose(reshape(x [B,H,S,D] -> [B·H,S,D]), [0,2,1]) ->
/// [B,H,D,S])`: the key transpose the dynamo exporter writes for SDPA.
Value flattenedKeyTranspose(Value v) {
  auto r2 = def<ReshapeOp>(v);
  auto tr = r2 ? def<TransposeOp>(r2.getInput()) : TransposeOp();
  auto r1 = tr ? def<ReshapeOp>(tr.getInput()) : ReshapeOp();
  if (!r1 || tr.getPerm() != ArrayRef<int64_t>{0, 2, 1})
    return {};
  auto x = shape(r1.getInput()), flat = shape(r1.getResult()), out = shape(r2.getResult());
  if (x.size() != 4 || flat.size() != 3 || out.size() != 4 || flat[0] != x[0] * x[1] ||
      flat[1] != x[2] || flat[2] != x[3] || out[0] != x[0] || out[1] != x[1] ||
      out[2] != x[3] || out[3] != x[2])
    return {};
  return r1.getInput();
}

/// Whether the constant `m` (after reshape/expand/cast) is a causal mask
/// over the last two dims [Sq, Skv]: `attend(i, j)` iff j <= i + Skv - Sq.
/// Additive: 0 where attended, <= -1e4 elsewhere. Boolean: true where attended.
bool isCausalConstant(Value m, int64_t sq, int64_t skv, bool boolean) {
  SmallVector<int64_t> s;
  auto values = constantValues(m, s);
  if (!values || s.size() < 2)
    return false;
  int64_t rows = s[s.size() - 2], cols = s[s.size() - 1];
  if (rows != sq || cols != skv || static_cast<int64_t>(values->size()) != rows * cols)
    return false; // leading dims must be 1
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      double v = (*values)[i * cols + j];
      bool attend = j <= i + skv - sq;
      if (boolean ? (attend != (v != 0)) : (attend ? v != 0 : v > -1e4))
        return false;
    }
  return true;
}

struct AttentionPattern : OpRewritePattern<SoftmaxOp> {
  AttentionPattern(MLIRContext *ctx, SiteRecorder &rec) : OpRewritePattern(ctx), rec(rec) {}
  SiteRecorder &rec;

  struct MaskTerm {
    Value value;              // additive mask, or the where's condition
    Value fill;               // where: the fill value; null for additive
    bool fillWhereTrue = false;
    Operation *at = nullptr;  // for messages
  };

  LogicalResult matchAndRewrite(SoftmaxOp softmax, PatternRewriter &rewriter) const override {
    // Walk back from the softmax input to the scores matmul.
    double scale = 1.0;
    bool sawScale = false, maskInsideScale = false;
    SmallVector<MaskTerm> masks;
    Value cur = softmax.getInput();
    MatmulOp qk;
    for (int step = 0; step < 12 && !qk; ++step) {
      Operation *op = cur.getDefiningOp();
      if (!op)
        break;
      if (auto mm = dyn_cast<MatmulOp>(op)) {
        qk = mm;
      } else if (isa<MulOp, DivOp>(op)) {
        Value in = stripScale(cur, scale);
        if (in == cur)
          break;
        sawScale = true;
        cur = in;
      } else if (auto add = dyn_cast<AddOp>(op)) {
        bool l = reachesScores(add.getLhs()), r = reachesScores(add.getRhs());
        if (l == r)
          break;
        if (sawScale)
          maskInsideScale = true;
        masks.push_back({l ? add.getRhs() : add.getLhs(), Value(), false, op});
        cur = l ? add.getLhs() : add.getRhs();
      } else if (auto where = dyn_cast<WhereOp>(op)) {
        bool l = reachesScores(where.getLhs()), r = reachesScores(where.getRhs());
        if (l == r)
          break;
        if (sawScale)
          maskInsideScale = true;
        masks.push_back({where.getCond(), l ? where.getRhs() : where.getLhs(), r, op});
        cur = l ? where.getLhs() : where.getRhs();
      } else {
        break;
      }
    }
    if (!qk || qk.getType().getRank() != 4)
      return failure();
    // Anchor matched: a softmax over (scaled, masked) matmul scores.
    auto miss = [&](Operation *at, const Twine &why) {
      return rec.miss(softmax, kPattern, at, why);
    };
    int64_t rank = softmax.getType().getRank();
    auto axis = normalizeAxis(softmax.getAxis(), rank);
    if (rank != 4 || !axis || *axis != 3)
      // (I64Attr getters return uint64_t: print the signed, normalized axis.)
      return miss(softmax, "the softmax runs over axis " +
                               Twine(axis ? *axis : static_cast<int64_t>(softmax.getAxis())) +
                               "; attention needs the last axis (keys) of [B,H,Sq,Skv]");
    if (maskInsideScale)
      return miss(softmax, "a mask is added before the scaling (scale·(q·kᵀ + mask))");

    // q·kᵀ
    std::string why;
    int64_t hq = 0, hk = 0, hv = 0;
    Value q3 = headSplit(qk.getLhs(), scale, hq, why);
    if (!q3)
      return miss(qk, "q: " + why);
    Value k3;
    if (qk.getTransposeB()) {
      k3 = headSplit(qk.getRhs(), scale, hk, why);
    } else {
      Value kt = stripScale(qk.getRhs(), scale);
      auto tr = def<TransposeOp>(kt);
      if (tr && tr.getPerm() == ArrayRef<int64_t>{0, 1, 3, 2}) {
        k3 = headSplit(tr.getInput(), scale, hk, why);
      } else if (Value kh = flattenedKeyTranspose(kt)) {
        k3 = headSplit(kh, scale, hk, why);
      } else if (tr && tr.getPerm() == ArrayRef<int64_t>{0, 2, 3, 1}) {
        auto rs = def<ReshapeOp>(stripScale(tr.getInput(), scale));
        auto in = rs ? shape(rs.getInput()) : SmallVector<int64_t>();
        auto out = rs ? shape(rs.getResult()) : SmallVector<int64_t>();
        if (rs && in.size() == 3 && out.size() == 4 && in[0] == out[0] && in[1] == out[1] &&
            in[2] == out[2] * out[3]) {
          hk = out[2];
          k3 = stripScale(rs.getInput(), scale);
        } else {
          why = "expected a reshape [B,S,H·D] -> [B,S,H,D] before the key transpose [0,2,3,1]";
        }
      } else {
        why = "expected kᵀ as transpose_b, a transpose [0,1,3,2] of the key heads or [0,2,3,1] "
              "of [B,S,H,D], found " + describe(kt);
      }
    }
    if (!k3)
      return miss(qk, "k: " + why);

    // SDPA's safe softmax: where(isnan(p), 0, p) (only rows whose every key
    // is masked with -inf differ: NaN there, 0 in PyTorch).
    Value p = softmax.getResult();
    Value probs = p;
    if (auto guard = userOf<WhereOp>(p, [&](WhereOp w) {
          auto nan = def<IsNanOp>(w.getCond());
          return nan && nan.getInput() == p && w.getRhs() == p && isSplat(w.getLhs(), 0.0) &&
                 w.getType() == p.getType();
        })) {
      bool onlyGuard = llvm::all_of(p.getUsers(), [&](Operation *u) {
        return u == guard || (isa<IsNanOp>(u) && u->hasOneUse() && *u->getUsers().begin() == guard);
      });
      if (onlyGuard)
        probs = guard.getResult();
    }
    // p·v and the head merge.
    auto pv = userOf<MatmulOp>(probs, [&](MatmulOp m) {
      return m.getLhs() == probs && !m.getTransposeB();
    });
    if (!pv || !probs.hasOneUse())
      return miss(softmax, "the probabilities are not only multiplied by v (users: " +
                               Twine(std::distance(probs.use_begin(), probs.use_end())) + ")");
    double vScale = 1.0;
    Value v3 = headSplit(pv.getRhs(), vScale, hv, why);
    if (!v3)
      return miss(pv, "v: " + why);
    if (vScale != 1.0)
      return miss(pv, "v is scaled by " + Twine(std::to_string(vScale)));
    // Shapes.
    auto qs = shape(q3), ks = shape(k3), vs = shape(v3);
    if (qs.size() != 3 || ks.size() != 3 || vs.size() != 3)
      return miss(qk, "q, k, v must be [B,S,H·D]");
    if (hq != hk || hq != hv)
      return miss(qk, "q, k, v are split into " + Twine(hq) + ", " + Twine(hk) + ", " + Twine(hv) +
                          " heads");
    if (ks != vs || ks[0] != qs[0] || ks[2] != qs[2])
      return miss(pv, "k " + formatShape(ks) + " and v " + formatShape(vs) +
                          " do not match q " + formatShape(qs) + " as [B,Skv,H·D]");
    if (!std::isfinite(scale) || scale == 0)
      return miss(qk, "the combined scale " + Twine(std::to_string(scale)) + " is not a finite nonzero number");
    int64_t b = qs[0], sq = qs[1], skv = ks[1];
    SmallVector<int64_t> full{b, hq, sq, skv};
    Type elem = cast<RankedTensorType>(q3.getType()).getElementType();

    // Masks: causal constants become the attribute; the others are summed.
    bool causal = false;
    SmallVector<MaskTerm> additive;
    for (const MaskTerm &m : masks) {
      bool isWhere = static_cast<bool>(m.fill);
      if (isWhere && !m.fillWhereTrue && isCausalConstant(m.value, sq, skv, /*boolean=*/true) &&
          splatValue(m.fill) && *splatValue(m.fill) <= -1e4) {
        causal = true;
        continue;
      }
      if (!isWhere && isCausalConstant(m.value, sq, skv, /*boolean=*/false)) {
        causal = true;
        continue;
      }
      auto mt = cast<RankedTensorType>(m.value.getType());
      if (!broadcastsTo(mt.getShape(), full))
        return miss(m.at, (isWhere ? "mask condition: shape " : "mask: shape ") +
                              formatShape(mt.getShape()) +
                              " is not broadcastable to [B,H,Sq,Skv] = " + formatShape(full));
      if (isWhere) {
        if (!splatValue(m.fill))
          return miss(m.at, "the masked fill value is not a constant: " + describe(m.fill));
        if (cast<RankedTensorType>(m.fill.getType()).getRank() > 4)
          return miss(m.at, "the masked fill value has rank > 4");
      } else if (mt.getElementType() != elem) {
        return miss(m.at, "mask: element type must be the scores' float type");
      }
      additive.push_back(m);
    }
    if (causal && sq > skv)
      return miss(softmax, "causal mask with Sq = " + Twine(sq) + " > Skv = " + Twine(skv));
    auto merge = pv->hasOneUse() ? dyn_cast<TransposeOp>(*pv->getUsers().begin()) : TransposeOp();
    if (!merge || merge.getPerm() != ArrayRef<int64_t>{0, 2, 1, 3})
      return miss(pv, "the attention output is not merged back with a transpose [0,2,1,3] "
                      "(found " + Twine(pv->hasOneUse() ? describe(*pv->getUsers().begin())
                                                         : std::string("several users")) + ")");
    // The merge reshape gives [B,Sq,H·D], or folds a following view into it
    // (GPT-2's Conv1D: [B·Sq, H·D]); then the attention result is reshaped.
    auto root = merge->hasOneUse() ? dyn_cast<ReshapeOp>(*merge->getUsers().begin()) : ReshapeOp();
    auto qType = cast<RankedTensorType>(q3.getType());
    if (!root || root.getType().getElementType() != qType.getElementType() ||
        root.getType().getNumElements() != qType.getNumElements() ||
        root.getType().getShape().back() != qType.getShape().back())
      return miss(merge, "the merged heads are not reshaped back to q's shape " + shapeOf(q3) +
                             " (or a reshape of it keeping H·D last)");


    rec.clear(softmax, kPattern);
    rec.fused(root.getLoc(), kPattern);
    rewriter.setInsertionPoint(root);
    Location loc = root.getLoc();
    Value mask;
    for (const MaskTerm &m : additive) {
      Value term = m.value;
      if (m.fill) {
        // where(cond, scores, fill) == scores + where(cond, 0, fill)
        auto scalar = RankedTensorType::get({}, elem);
        Value zero = rewriter.create<ConstantOp>(
            loc, DenseElementsAttr::get(scalar, rewriter.getFloatAttr(elem, 0.0)));
        Value fill = rewriter.create<ConstantOp>(
            loc, DenseElementsAttr::get(scalar, rewriter.getFloatAttr(elem, *splatValue(m.fill))));
        auto ct = cast<RankedTensorType>(m.value.getType());
        auto tt = RankedTensorType::get(ct.getShape(), elem);
        term = m.fillWhereTrue ? rewriter.create<WhereOp>(loc, tt, m.value, fill, zero).getResult()
                               : rewriter.create<WhereOp>(loc, tt, m.value, zero, fill).getResult();
      }
      if (!mask) {
        mask = term;
        continue;
      }
      auto sum = *attune::broadcastShapes(shape(mask), shape(term));
      mask = rewriter.create<AddOp>(loc, RankedTensorType::get(sum, elem), mask, term);
    }
    auto attn = rewriter.create<AttentionOp>(
        loc, qType, q3, k3, v3, mask, rewriter.getI64IntegerAttr(hq),
        rewriter.getF32FloatAttr(static_cast<float>(scale)),
        causal ? rewriter.getUnitAttr() : UnitAttr());
    Value result = attn.getResult();
    if (root.getType() != qType)
      result = rewriter.create<ReshapeOp>(loc, root.getType(), result);
    rewriter.replaceOp(root, result);
    return success();
  }
};

struct FuseAttentionPass : impl::FuseAttentionPassBase<FuseAttentionPass> {
  using FuseAttentionPassBase::FuseAttentionPassBase;
  void runOnOperation() override {
    SiteRecorder rec(report);
    RewritePatternSet patterns(&getContext());
    patterns.add<AttentionPattern>(&getContext(), rec);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    rec.emit(getOperation());
  }
};
} // namespace
} // namespace mlir::attune
