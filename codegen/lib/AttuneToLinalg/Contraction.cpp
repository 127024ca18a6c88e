//===- Contraction.cpp - attune.matmul / attune.embedding -> linalg -------===//
//
//   attune.matmul    -> linalg.fill(0) + linalg.generic contraction over
//                       (batch..., m, n, k); broadcast batch dims read index 0
//   attune.fused_matmul -> the same contraction + one epilogue generic
//                       (bias, relu/gelu, residual) updating it in place
//   mixed f32 x bf16 -> linalg.generic truncf(lhs) to a bf16 tensor, then the
//                       contraction c + extf(a) * extf(b) (f32 accumulator;
//                       the bf16 micro-kernel, MicroKernel.h)
//   attune.embedding -> linalg.generic with tensor.extract from the table
//                       (ids clamped into range: the runtime rejects bad ids
//                       before they get here; the clamp keeps every load in
//                       bounds regardless)
//
//===----------------------------------------------------------------------===//
#include "PopulatePatterns.h"
#include "Utils.h"

#include "attune/Codegen/KernelConfig.h"
#include "attune/IR/AttuneOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::attune {

/// An elementwise generic rounding the f32 tensor `v` to bf16.
static Value buildTruncateToBF16(OpBuilder &rw, Location loc, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  auto bt = RankedTensorType::get(t.getShape(), rw.getBF16Type());
  Value init = rw.create<tensor::EmptyOp>(loc, bt.getShape(), bt.getElementType());
  auto id = AffineMap::getMultiDimIdentityMap(t.getRank(), rw.getContext());
  SmallVector<utils::IteratorType> iters(t.getRank(), utils::IteratorType::parallel);
  return rw
      .create<linalg::GenericOp>(
          loc, bt, ValueRange{v}, ValueRange{init}, ArrayRef<AffineMap>{id, id}, iters,
          [](OpBuilder &b, Location l, ValueRange a) {
            b.create<linalg::YieldOp>(l, ValueRange{b.create<arith::TruncFOp>(l, b.getBF16Type(), a[0])});
          })
      .getResult(0);
}

Value buildMatmul(OpBuilder &rw, Location loc, Value lhsV, Value rhsV, bool transposeB,
                  RankedTensorType out) {
  MLIRContext *ctx = rw.getContext();
  auto lhs = cast<RankedTensorType>(lhsV.getType());
  auto rhs = cast<RankedTensorType>(rhsV.getType());
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
  if (transposeB)
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
  Value acc = buildFilled(rw, loc, out, zeroAttr(out.getElementType()));
  // f32 x bf16 (attune.matmul's mixed form): round lhs to bf16 once, here,
  // so the contraction reads two bf16 operands and accumulates in f32.
  bool mixed = lhs.getElementType().isF32() && rhs.getElementType().isBF16();
  if (mixed)
    lhsV = buildTruncateToBF16(rw, loc, lhsV);
  auto generic = rw.create<linalg::GenericOp>(
      loc, out, ValueRange{lhsV, rhsV}, ValueRange{acc}, maps, iters,
      [&](OpBuilder &b, Location l, ValueRange a) {
        Value x = a[0], y = a[1];
        if (mixed) {
          x = b.create<arith::ExtFOp>(l, b.getF32Type(), x);
          y = b.create<arith::ExtFOp>(l, b.getF32Type(), y);
        }
        Value prod = b.create<arith::MulFOp>(l, x, y);
        b.create<linalg::YieldOp>(l, ValueRange{b.create<arith::AddFOp>(l, a[2], prod)});
      });
  return generic.getResult(0);
}

namespace {

/// The tuned config of an attune matmul (KernelConfig.h) goes with its
/// contraction, where attune-tile-and-distribute reads it.
void copyKernelConfig(Operation *from, Value contraction) {
  if (Attribute c = from->getAttr(kConfigAttr))
    contraction.getDefiningOp()->setAttr(kConfigAttr, c);
}

struct MatmulLowering : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatmulOp op, PatternRewriter &rewriter) const override {
    Value acc = buildMatmul(rewriter, op.getLoc(), op.getLhs(), op.getRhs(), op.getTransposeB(),
                            cast<RankedTensorType>(op.getType()));
    copyKernelConfig(op, acc);
    rewriter.replaceOp(op, acc);
    return success();
  }
};

/// The contraction of attune.matmul, then one epilogue generic that updates
/// the accumulator in place (outs = the contraction's result, so
/// bufferization reuses its buffer): y = act(acc + bias) + residual.
struct FusedMatmulLowering : OpRewritePattern<FusedMatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(FusedMatmulOp op, PatternRewriter &rewriter) const override {
    MLIRContext *ctx = op.getContext();
    Location loc = op.getLoc();
    auto out = cast<RankedTensorType>(op.getType());
    Value acc = buildMatmul(rewriter, loc, op.getLhs(), op.getRhs(), op.getTransposeB(), out);
    copyKernelConfig(op, acc);
    StringRef act = op.getActivation();
    Value bias = op.getBias(), residual = op.getResidual();
    if (!bias && !residual && act == "none") {
      rewriter.replaceOp(op, acc);
      return success();
    }
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    for (Value v : {bias, residual})
      if (v) {
        inputs.push_back(v);
        maps.push_back(broadcastMap(cast<RankedTensorType>(v.getType()).getShape(),
                                    out.getShape(), ctx));
      }
    maps.push_back(AffineMap::getMultiDimIdentityMap(out.getRank(), ctx));
    SmallVector<utils::IteratorType> iters(out.getRank(), utils::IteratorType::parallel);
    bool hasBias = static_cast<bool>(bias), hasResidual = static_cast<bool>(residual);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, out, inputs, ValueRange{acc}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value y = a.back();
          if (hasBias)
            y = b.create<arith::AddFOp>(l, y, a[0]);
          if (act == "relu")
            y = b.create<arith::MaximumFOp>(
                l, y, b.create<arith::ConstantOp>(l, FloatAttr::get(y.getType(), 0.0)));
          else if (act == "gelu" || act == "gelu_tanh")
            y = buildGeluScalar(b, l, y, act == "gelu_tanh");
          if (hasResidual)
            y = b.create<arith::AddFOp>(l, y, a[hasBias ? 1 : 0]);
          b.create<linalg::YieldOp>(l, y);
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
  patterns.add<MatmulLowering, FusedMatmulLowering, EmbeddingLowering>(patterns.getContext());
}

} // namespace mlir::attune
