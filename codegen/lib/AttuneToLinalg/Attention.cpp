//===- Attention.cpp - attune.attention(_tile) -> flash-style linalg ------===//
//
// attune.attention (when attune-tile-and-fuse did not run first):
//   kt = transpose(expand(k) [B,Skv,H,D], [0,2,3,1])            [B,H,D,Skv]
//   -> attune.attention_tile q, kt, v, (Skv - Sq) (lowered below)
//
// attune.attention_tile q [B,Sq,H*D], kt [B,H,D,Skv], v [B,Skv,H*D]:
//   q4 = expand(q) [B,Sq,H,D], v4 = expand(v) [B,Skv,H,D]
//   for each key tile [j0, j0+n) (n = key_tile; the first tile peeled, an
//   scf.for over the full tiles carrying (m, l, acc), a static tail tile):
//     s[b,h,i,j]   = sum_d q4[b,i,h,d] kt[b,h,d,j0+j]         (contraction)
//     s            = masked(scale * s (+ additive mask))       (elementwise)
//                    masked (padding == 0, causal j0+j > i + query_offset)
//                    -> the lowest finite float, as Hugging Face does
//     mt[b,h,i]    = max_j s                                   (reduction)
//     m', alpha    = max(m, mt), exp(m - m')          (2-result elementwise,
//                                                      m' in place on m)
//     p            = exp(s - m')                               (in place on s)
//     l            = alpha * l + sum_j p                       (reduction)
//     acc[b,i,h,d] = alpha * acc + sum_j p[b,h,i,j] v4[b,j0+j,h,d]
//   out = collapse(acc / l) [B,Sq,H*D]
// The first tile starts from m = max_j s, l = 0, acc = 0 (no rescale).
// A fully masked row keeps m = lowest, so p = exp(0) = 1 for every key: a
// uniform softmax, as the reference interpreter computes.
//
// Both contractions have their n dim (keys, head dim) innermost in B and C,
// so the register-blocked micro-kernel takes them (codegen/lib/LLVMCPU/
// MicroKernel.cpp) when n is a multiple of the vector width; no [Sq, Skv]
// buffer exists, only [Sq, key_tile] per step (docs/tiling.md).
//
//===----------------------------------------------------------------------===//
#include "PopulatePatterns.h"
#include "Utils.h"

#include "attune/IR/AttuneOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::attune {
namespace {

using utils::IteratorType;

/// Lowers attune.attention to an attention_tile over transposed keys.
struct AttentionLowering : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto qt = op.getQ().getType(), kt = op.getK().getType();
    Type elem = qt.getElementType();
    int64_t B = qt.getDimSize(0), Sq = qt.getDimSize(1), H = op.getNumHeads(),
            D = qt.getDimSize(2) / H, Skv = kt.getDimSize(1);
    Value k = rewriter.create<tensor::ExpandShapeOp>(
        loc, RankedTensorType::get({B, Skv, H, D}, elem), op.getK(),
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    Value kT = rewriter
                   .create<linalg::TransposeOp>(
                       loc, k, rewriter.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{B, H, D, Skv}, elem),
                       ArrayRef<int64_t>{0, 2, 3, 1})
                   .getResult()[0];
    IntegerAttr keyTile;
    if (auto sizes = op->getAttrOfType<DenseI64ArrayAttr>("attune.tile_sizes");
        sizes && sizes.size() > 1 && sizes[1] > 0)
      keyTile = rewriter.getI64IntegerAttr(sizes[1]);
    Value offset = rewriter.create<arith::ConstantIndexOp>(loc, Skv - Sq);
    rewriter.replaceOpWithNewOp<AttentionTileOp>(
        op, qt, op.getQ(), kT, op.getV(), offset, op.getMask(), op.getNumHeadsAttr(),
        rewriter.getF32FloatAttr(op.getScaleOrDefault()), op.getCausalAttr(), keyTile);
    return success();
  }
};

/// Builds the flash loop of one attention_tile.
struct FlashBuilder {
  FlashBuilder(OpBuilder &b, Location loc, Type elem)
      : b(b), loc(loc), ctx(b.getContext()), elem(elem) {}
  OpBuilder &b;
  Location loc;
  MLIRContext *ctx;
  Type elem;
  int64_t B = 0, Sq = 0, H = 0, D = 0, Skv = 0;
  Value q4, kt, v4, mask, offset;
  bool additive = false, causal = false;
  float scale = 1;

  AffineExpr d(unsigned i) { return getAffineDimExpr(i, ctx); }
  AffineMap map(unsigned n, ArrayRef<AffineExpr> r) { return AffineMap::get(n, 0, r, ctx); }
  AffineMap id(unsigned n) { return AffineMap::getMultiDimIdentityMap(n, ctx); }
  Value cst(TypedAttr a) { return b.create<arith::ConstantOp>(loc, a); }
  RankedTensorType rowType() { return RankedTensorType::get({B, H, Sq}, elem); }

  Value generic(TypeRange results, ValueRange ins, ValueRange outs, ArrayRef<AffineMap> maps,
                ArrayRef<IteratorType> iters,
                function_ref<void(OpBuilder &, Location, ValueRange)> body) {
    return b.create<linalg::GenericOp>(loc, results, ins, outs, maps, iters, body).getResult(0);
  }

  /// c += a * b over (b.., m, n, k) for the given maps.
  Value contract(Value a, Value bb, Value c, ArrayRef<AffineMap> maps) {
    SmallVector<IteratorType> iters(4, IteratorType::parallel);
    iters.push_back(IteratorType::reduction);
    return generic(c.getType(), ValueRange{a, bb}, ValueRange{c}, maps, iters,
                   [](OpBuilder &nb, Location l, ValueRange x) {
                     Value prod = nb.create<arith::MulFOp>(l, x[0], x[1]);
                     nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::AddFOp>(l, x[2], prod)});
                   });
  }

  Value slice(Value src, ArrayRef<OpFoldResult> offs, ArrayRef<int64_t> sizes) {
    SmallVector<OpFoldResult> sz, st;
    for (int64_t s : sizes) {
      sz.push_back(b.getIndexAttr(s));
      st.push_back(b.getIndexAttr(1));
    }
    return b.create<tensor::ExtractSliceOp>(loc, src, offs, sz, st);
  }

  struct State {
    Value m, l, acc;
  };

  /// One key tile [j0, j0 + n); `prev` empty for the first tile.
  State step(Value j0, int64_t n, std::optional<State> prev) {
    Attribute zero = b.getIndexAttr(0);
    Value ktile = slice(kt, {zero, zero, zero, j0}, {B, H, D, n});
    Value vtile = slice(v4, {zero, j0, zero, zero}, {B, n, H, D});
    auto sType = RankedTensorType::get({B, H, Sq, n}, elem);

    // s = q . k^T
    Value s = buildFilled(b, loc, sType, zeroAttr(elem));
    s = contract(q4, ktile, s,
                 {map(5, {d(0), d(2), d(1), d(4)}), map(5, {d(0), d(1), d(4), d(3)}),
                  map(5, {d(0), d(1), d(2), d(3)})});

    // scale, mask, causal
    SmallVector<Value> ins;
    SmallVector<AffineMap> maps;
    if (mask) {
      auto mt = cast<RankedTensorType>(mask.getType());
      if (!additive) { // [B, Skv]
        ins.push_back(slice(mask, {zero, j0}, {B, n}));
        maps.push_back(map(4, {d(0), d(3)}));
      } else {
        SmallVector<int64_t> shape(mt.getShape());
        SmallVector<OpFoldResult> offs(shape.size(), zero);
        if (!shape.empty() && shape.back() != 1) {
          shape.back() = n;
          offs.back() = j0;
        }
        ins.push_back(slice(mask, offs, shape));
        maps.push_back(broadcastMap(shape, sType.getShape(), ctx));
      }
    }
    maps.push_back(id(4));
    SmallVector<IteratorType> par4(4, IteratorType::parallel);
    TypedAttr lowest = floatLowest(elem);
    s = generic(sType, ins, ValueRange{s}, maps, par4, [&](OpBuilder &nb, Location l, ValueRange a) {
      Value x = nb.create<arith::MulFOp>(l, a.back(), nb.create<arith::ConstantOp>(l, FloatAttr::get(elem, scale)));
      Value keep;
      if (mask && additive)
        x = nb.create<arith::AddFOp>(l, x, a[0]);
      if (mask && !additive) {
        Value z = nb.create<arith::ConstantOp>(l, IntegerAttr::get(a[0].getType(), 0));
        keep = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, a[0], z);
      }
      if (causal) {
        Value i = nb.create<linalg::IndexOp>(l, 2);
        Value j = nb.create<arith::AddIOp>(l, nb.create<linalg::IndexOp>(l, 3), j0);
        Value lim = nb.create<arith::AddIOp>(l, i, offset);
        Value ok = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::sle, j, lim);
        keep = keep ? nb.create<arith::AndIOp>(l, keep, ok).getResult() : ok;
      }
      if (keep)
        x = nb.create<arith::SelectOp>(l, keep, x, nb.create<arith::ConstantOp>(l, lowest));
      nb.create<linalg::YieldOp>(l, x);
    });

    // m' = max(m, max_j s); alpha = exp(m - m') (m' in place on m, so the
    // key loop's iter_args bufferize in place)
    SmallVector<IteratorType> red4{IteratorType::parallel, IteratorType::parallel,
                                   IteratorType::parallel, IteratorType::reduction};
    SmallVector<IteratorType> par3(3, IteratorType::parallel);
    AffineMap rows4 = map(4, {d(0), d(1), d(2)});
    Value m = generic(rowType(), ValueRange{s}, ValueRange{buildFilled(b, loc, rowType(), lowest)},
                      {id(4), rows4}, red4, [](OpBuilder &nb, Location l, ValueRange a) {
                        nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::MaximumFOp>(l, a[0], a[1])});
                      });
    Value alpha;
    if (prev) {
      auto upd = b.create<linalg::GenericOp>(
          loc, TypeRange{rowType(), rowType()}, ValueRange{m},
          ValueRange{prev->m, b.create<tensor::EmptyOp>(loc, rowType().getShape(), elem)},
          ArrayRef<AffineMap>{id(3), id(3), id(3)}, par3, [](OpBuilder &nb, Location l, ValueRange a) {
            Value mNew = nb.create<arith::MaximumFOp>(l, a[1], a[0]);
            Value e = nb.create<math::ExpOp>(l, nb.create<arith::SubFOp>(l, a[1], mNew));
            nb.create<linalg::YieldOp>(l, ValueRange{mNew, e});
          });
      m = upd.getResult(0);
      alpha = upd.getResult(1);
    }
    // p = exp(s - m'), in place on s
    s = generic(sType, ValueRange{m}, ValueRange{s}, {rows4, id(4)}, par4,
                [](OpBuilder &nb, Location l, ValueRange a) {
                  Value e = nb.create<math::ExpOp>(l, nb.create<arith::SubFOp>(l, a[1], a[0]));
                  nb.create<linalg::YieldOp>(l, e);
                });

    Value lInit, accInit;
    auto accType = RankedTensorType::get({B, Sq, H, D}, elem);
    if (!prev) {
      lInit = buildFilled(b, loc, rowType(), zeroAttr(elem));
      accInit = buildFilled(b, loc, accType, zeroAttr(elem));
    } else {
      // l *= alpha; acc *= alpha (in place)
      auto scaleBy = [](OpBuilder &nb, Location l, ValueRange a) {
        nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::MulFOp>(l, a[1], a[0])});
      };
      lInit = generic(rowType(), ValueRange{alpha}, ValueRange{prev->l}, {id(3), id(3)}, par3, scaleBy);
      accInit = generic(accType, ValueRange{alpha}, ValueRange{prev->acc},
                        {map(4, {d(0), d(2), d(1)}), id(4)}, par4, scaleBy);
    }
    // l += sum_j p
    Value l = generic(rowType(), ValueRange{s}, ValueRange{lInit}, {id(4), rows4}, red4,
                      [](OpBuilder &nb, Location loc2, ValueRange a) {
                        nb.create<linalg::YieldOp>(loc2, ValueRange{nb.create<arith::AddFOp>(loc2, a[1], a[0])});
                      });
    // acc += p . v
    Value acc = contract(s, vtile, accInit,
                         {map(5, {d(0), d(2), d(1), d(4)}), map(5, {d(0), d(4), d(2), d(3)}),
                          map(5, {d(0), d(1), d(2), d(3)})});
    return {m, l, acc};
  }
};

struct AttentionTileLowering : OpRewritePattern<AttentionTileOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionTileOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto qt = op.getQ().getType();
    Type elem = qt.getElementType();
    FlashBuilder f(rewriter, loc, elem);
    f.B = qt.getDimSize(0);
    f.Sq = qt.getDimSize(1);
    f.H = op.getNumHeads();
    f.D = qt.getDimSize(2) / f.H;
    f.Skv = op.getKt().getType().getDimSize(3);
    auto split = [&](Value v, int64_t s) {
      return rewriter
          .create<tensor::ExpandShapeOp>(loc, RankedTensorType::get({f.B, s, f.H, f.D}, elem), v,
                                         SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}})
          .getResult();
    };
    f.q4 = split(op.getQ(), f.Sq);
    f.v4 = split(op.getV(), f.Skv);
    f.kt = op.getKt();
    f.mask = op.getMask();
    f.additive = f.mask && isa<FloatType>(cast<RankedTensorType>(f.mask.getType()).getElementType());
    f.causal = op.getCausal();
    f.offset = op.getQueryOffset();
    f.scale = op.getScale().convertToFloat();

    int64_t tk = op.getKeyTileOrDefault(), full = f.Skv / tk, tail = f.Skv % tk;
    auto idx = [&](int64_t v) { return rewriter.create<arith::ConstantIndexOp>(loc, v).getResult(); };
    FlashBuilder::State st = f.step(idx(0), full > 0 ? tk : tail, std::nullopt);
    if (full > 1) {
      auto loop = rewriter.create<scf::ForOp>(
          loc, idx(tk), idx(full * tk), idx(tk), ValueRange{st.m, st.l, st.acc},
          [&](OpBuilder &nb, Location l, Value j0, ValueRange iter) {
            // scf::ForOp::build hands its own builder (the rewriter, now
            // inside the body) to this callback, so `f` builds there too.
            FlashBuilder::State next =
                f.step(j0, tk, FlashBuilder::State{iter[0], iter[1], iter[2]});
            nb.create<scf::YieldOp>(l, ValueRange{next.m, next.l, next.acc});
          });
      st = {loop.getResult(0), loop.getResult(1), loop.getResult(2)};
    }
    if (full > 0 && tail > 0)
      st = f.step(idx(full * tk), tail, st);

    // out = acc / l
    SmallVector<IteratorType> par4(4, IteratorType::parallel);
    Value out = f.generic(st.acc.getType(), ValueRange{st.l}, ValueRange{st.acc},
                          {f.map(4, {f.d(0), f.d(2), f.d(1)}), f.id(4)}, par4,
                          [](OpBuilder &nb, Location l, ValueRange a) {
                            nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::DivFOp>(l, a[1], a[0])});
                          });
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        op, qt, out, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    return success();
  }
};

} // namespace

void populateAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<AttentionLowering, AttentionTileLowering>(patterns.getContext());
}

} // namespace mlir::attune
