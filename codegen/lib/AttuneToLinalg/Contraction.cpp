//===- Contraction.cpp - attune.matmul / attune.embedding -> linalg -------===//
//
//   attune.matmul    -> linalg.fill(0) + linalg.generic contraction over
//                       (batch..., m, n, k); broadcast batch dims read index 0
//   attune.embedding -> linalg.generic with tensor.extract from the table
//                       (ids clamped into range: the runtime rejects bad ids
//                       before they get here; the clamp keeps every load in
//                       bounds regardless)
//
//===----------------------------------------------------------------------===//
#include "PopulatePatterns.h"
#include "Utils.h"

#include "attune/IR/AttuneOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::attune {
namespace {

struct MatmulLowering : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatmulOp op, PatternRewriter &rewriter) const override {
    MLIRContext *ctx = op.getContext();
    Location loc = op.getLoc();
    auto lhs = cast<RankedTensorType>(op.getLhs().getType());
    auto rhs = cast<RankedTensorType>(op.getRhs().getType());
    auto out = cast<RankedTensorType>(op.getType());
    int64_t nb = out.getRank() - 2; // batch loops
    int64_t numLoops = nb + 3;      // batch..., m, n, k
    AffineExpr m = getAffineDimExpr(nb, ctx), n = getAffineDimExpr(nb + 1, ctx),
               k = getAffineDimExpr(nb + 2, ctx);
    auto batchExprs = [&](RankedTensorType t) {
      SmallVector<AffineExpr> e;
      int64_t tb = t.getRank() - 2, lead = nb - tb;
      for (int64_t i = 0; i < tb; ++i)
        e.push_back(t.getDimSize(i) == 1 && out.getDimSize(lead + i) != 1
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(lead + i, ctx));
      return e;
    };
    SmallVector<AffineExpr> le = batchExprs(lhs), re = batchExprs(rhs), oe;
    le.append({m, k});
    if (op.getTransposeB())
      re.append({n, k});
    else
      re.append({k, n});
    for (int64_t i = 0; i < nb; ++i)
      oe.push_back(getAffineDimExpr(i, ctx));
    oe.append({m, n});
    SmallVector<AffineMap> maps{AffineMap::get(numLoops, 0, le, ctx),
                                AffineMap::get(numLoops, 0, re, ctx),
                                AffineMap::get(numLoops, 0, oe, ctx)};
    SmallVector<utils::IteratorType> iters(numLoops - 1, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    Value acc = buildFilled(rewriter, loc, out, zeroAttr(out.getElementType()));
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, out, ValueRange{op.getLhs(), op.getRhs()}, ValueRange{acc}, maps, iters,
        [](OpBuilder &b, Location l, ValueRange a) {
          Value prod = b.create<arith::MulFOp>(l, a[0], a[1]);
          b.create<linalg::YieldOp>(l, ValueRange{b.create<arith::AddFOp>(l, a[2], prod)});
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct EmbeddingLowering : OpRewritePattern<EmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EmbeddingOp op, PatternRewriter &rewriter) const override {
    MLIRContext *ctx = op.getContext();
    Location loc = op.getLoc();
    auto out = cast<RankedTensorType>(op.getType());
    auto table = cast<RankedTensorType>(op.getTable().getType());
    int64_t rank = out.getRank();
    SmallVector<AffineExpr> idExprs;
    for (int64_t i = 0; i + 1 < rank; ++i)
      idExprs.push_back(getAffineDimExpr(i, ctx));
    SmallVector<AffineMap> maps{AffineMap::get(rank, 0, idExprs, ctx),
                                AffineMap::getMultiDimIdentityMap(rank, ctx)};
    Value init = rewriter.create<tensor::EmptyOp>(loc, out.getShape(), out.getElementType());
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    Value tableV = op.getTable();
    int64_t vocab = table.getDimSize(0);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, out, ValueRange{op.getIds()}, ValueRange{init}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value id = b.create<arith::IndexCastOp>(l, b.getIndexType(), a[0]);
          Value zero = b.create<arith::ConstantIndexOp>(l, 0);
          Value last = b.create<arith::ConstantIndexOp>(l, vocab - 1);
          id = b.create<arith::MaxSIOp>(l, id, zero);
          id = b.create<arith::MinSIOp>(l, id, last);
          Value col = b.create<linalg::IndexOp>(l, rank - 1);
          Value v = b.create<tensor::ExtractOp>(l, tableV, ValueRange{id, col});
          b.create<linalg::YieldOp>(l, v);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateContractionPatterns(RewritePatternSet &patterns) {
  patterns.add<MatmulLowering, EmbeddingLowering>(patterns.getContext());
}

} // namespace mlir::attune
