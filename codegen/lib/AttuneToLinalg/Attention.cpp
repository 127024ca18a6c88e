//===- Attention.cpp - attune.attention -> linalg -------------------------===//
//
//   q [B,Sq,H*D] --expand--> [B,Sq,H,D]     (k, v likewise with Skv)
//   kt[b,h,d,j] = k[b,j,h,d]                                (transpose: keys innermost)
//   scores[b,h,i,j] = sum_d q[b,i,h,d] kt[b,h,d,j]         (contraction generic)
//   scores = masked(scale * scores (+ additive mask))      (elementwise generic)
//            masked positions (padding mask == 0, causal j > i + Skv - Sq)
//            are set to the lowest finite float, as Hugging Face does
//   p = softmax(scores, axis 3)
//   out[b,i,h,d] = sum_j p[b,h,i,j] v[b,j,h,d]              (contraction generic)
//   out --collapse--> [B,Sq,H*D]
//
// Both contractions have their n dim (keys, head dim) innermost in B and C,
// so the register-blocked micro-kernel takes them (codegen/lib/LLVMCPU/
// MicroKernel.cpp); the transpose of k costs one pass over k.
// This materializes the [B,H,Sq,Skv] scores: correct, not yet flash-style
// (online softmax over key tiles comes with the tiling issue).
//
//===----------------------------------------------------------------------===//
#include "PopulatePatterns.h"
#include "Utils.h"

#include "attune/IR/AttuneOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::attune {
namespace {

struct AttentionLowering : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op, PatternRewriter &rewriter) const override {
    MLIRContext *ctx = op.getContext();
    Location loc = op.getLoc();
    auto qt = cast<RankedTensorType>(op.getQ().getType());
    auto kt = cast<RankedTensorType>(op.getK().getType());
    Type elem = qt.getElementType();
    int64_t B = qt.getDimSize(0), Sq = qt.getDimSize(1), H = op.getNumHeads(),
            D = qt.getDimSize(2) / H, Skv = kt.getDimSize(1);
    auto split = [&](Value v, int64_t s) {
      return rewriter
          .create<tensor::ExpandShapeOp>(loc, RankedTensorType::get({B, s, H, D}, elem), v,
                                         SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}})
          .getResult();
    };
    Value q = split(op.getQ(), Sq), k = split(op.getK(), Skv), v = split(op.getV(), Skv);
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };

    // kt[b,h,dd,j] = k[b,j,h,dd]
    auto ktType = RankedTensorType::get({B, H, D, Skv}, elem);
    Value kT = rewriter
                   .create<linalg::TransposeOp>(
                       loc, k, rewriter.create<tensor::EmptyOp>(loc, ktType.getShape(), elem),
                       ArrayRef<int64_t>{0, 2, 3, 1})
                   .getResult()[0];

    // scores[b,h,i,j] over loops (b,h,i,j,dd)
    auto scoresType = RankedTensorType::get({B, H, Sq, Skv}, elem);
    Value acc = buildFilled(rewriter, loc, scoresType, zeroAttr(elem));
    SmallVector<AffineMap> qkMaps{AffineMap::get(5, 0, {d(0), d(2), d(1), d(4)}, ctx),
                                  AffineMap::get(5, 0, {d(0), d(1), d(4), d(3)}, ctx),
                                  AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)};
    SmallVector<utils::IteratorType> qkIters(4, utils::IteratorType::parallel);
    qkIters.push_back(utils::IteratorType::reduction);
    auto mulAdd = [](OpBuilder &b, Location l, ValueRange a) {
      Value prod = b.create<arith::MulFOp>(l, a[0], a[1]);
      b.create<linalg::YieldOp>(l, ValueRange{b.create<arith::AddFOp>(l, a[2], prod)});
    };
    Value scores = rewriter
                       .create<linalg::GenericOp>(loc, scoresType, ValueRange{q, kT},
                                                  ValueRange{acc}, qkMaps, qkIters, mulAdd)
                       .getResult(0);

    // scale, mask, causal
    float scale = op.getScaleOrDefault();
    bool causal = op.getCausal();
    Value mask = op.getMask();
    bool additive = mask && isa<FloatType>(cast<RankedTensorType>(mask.getType()).getElementType());
    SmallVector<Value> ins{scores};
    SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(4, ctx)};
    if (mask) {
      ins.push_back(mask);
      if (additive)
        maps.push_back(broadcastMap(cast<RankedTensorType>(mask.getType()).getShape(),
                                    scoresType.getShape(), ctx));
      else // key padding [B, Skv]
        maps.push_back(AffineMap::get(4, 0, {d(0), d(3)}, ctx));
    }
    maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
    Value init = rewriter.create<tensor::EmptyOp>(loc, scoresType.getShape(), elem);
    SmallVector<utils::IteratorType> par(4, utils::IteratorType::parallel);
    TypedAttr lowest = floatLowest(elem);
    scores =
        rewriter
            .create<linalg::GenericOp>(
                loc, scoresType, ins, ValueRange{init}, maps, par,
                [&](OpBuilder &b, Location l, ValueRange a) {
                  Value s = b.create<arith::MulFOp>(
                      l, a[0], b.create<arith::ConstantOp>(l, FloatAttr::get(elem, scale)));
                  Value keep;
                  if (mask && additive)
                    s = b.create<arith::AddFOp>(l, s, a[1]);
                  if (mask && !additive) {
                    Value m = a[1];
                    Value zero = b.create<arith::ConstantOp>(l, IntegerAttr::get(m.getType(), 0));
                    keep = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, m, zero);
                  }
                  if (causal) {
                    Value i = b.create<linalg::IndexOp>(l, 2);
                    Value j = b.create<linalg::IndexOp>(l, 3);
                    Value lim = b.create<arith::AddIOp>(
                        l, i, b.create<arith::ConstantIndexOp>(l, Skv - Sq));
                    Value ok = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sle, j, lim);
                    keep = keep ? b.create<arith::AndIOp>(l, keep, ok).getResult() : ok;
                  }
                  if (keep)
                    s = b.create<arith::SelectOp>(l, keep, s,
                                                  b.create<arith::ConstantOp>(l, lowest));
                  b.create<linalg::YieldOp>(l, s);
                })
            .getResult(0);

    Value p = buildSoftmax(rewriter, loc, scores, 3);

    // out[b,i,h,dd] over loops (b,i,h,dd,j)
    auto outType = RankedTensorType::get({B, Sq, H, D}, elem);
    Value outAcc = buildFilled(rewriter, loc, outType, zeroAttr(elem));
    SmallVector<AffineMap> pvMaps{AffineMap::get(5, 0, {d(0), d(2), d(1), d(4)}, ctx),
                                  AffineMap::get(5, 0, {d(0), d(4), d(2), d(3)}, ctx),
                                  AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)};
    Value out = rewriter
                    .create<linalg::GenericOp>(loc, outType, ValueRange{p, v},
                                               ValueRange{outAcc}, pvMaps, qkIters, mulAdd)
                    .getResult(0);
    Value merged = rewriter.create<tensor::CollapseShapeOp>(
        loc, op.getType(), out, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    rewriter.replaceOp(op, merged);
    return success();
  }
};

} // namespace

void populateAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<AttentionLowering>(patterns.getContext());
}

} // namespace mlir::attune
