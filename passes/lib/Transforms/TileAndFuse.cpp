//===- TileAndFuse.cpp - attention -> scf.forall of attention tiles -------===//
//
//   attune.attention q, k, v [mask]
//     │  kt = transpose(reshape(k, [B,Skv,H,D]), [0,2,3,1])      once, [B,H,D,Skv]
//     ▼
//   attune.attention_tile q, kt, v, (Skv - Sq) [mask] {key_tile = Tk}
//     │  scf::tileUsingSCF, TilingInterface, tile [1, 1, Tq] over (b, h, i)
//     ▼
//   scf.forall (b, h, i0) { attention_tile on slices, query_offset + i0 }
//     (+ a second forall for the Sq % Tq tail rows)
//
// attune-convert-to-linalg then lowers every tile to the flash loop
// (codegen/lib/AttuneToLinalg/Attention.cpp). Tile sizes: pass options,
// else the op's attune.tile_sizes, else the heuristic (docs/tiling.md).
//
//===----------------------------------------------------------------------===//
#include "attune/IR/AttuneOps.h"
#include "attune/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include <algorithm>

#define DEBUG_TYPE "attune-tile-and-fuse"

namespace mlir::attune {
#define GEN_PASS_DEF_TILEANDFUSEPASS
#include "attune/Transforms/Passes.h.inc"

int64_t heuristicAttentionQueryTile(int64_t B, int64_t H, int64_t Sq, int64_t chunks) {
  int64_t t = std::min<int64_t>(Sq, 64);
  for (int64_t d = 64; d >= 32; --d)
    if (d <= Sq && Sq % d == 0) {
      t = d;
      break;
    }
  auto iters = [&](int64_t tq) { return B * H * ((Sq + tq - 1) / tq); };
  while (iters(t) < chunks && t >= 32)
    t /= 2;
  return t;
}

namespace {

/// The op attribute tuning records set: [query_tile, key_tile], 0 = choose.
constexpr llvm::StringLiteral kTileSizesAttr = "attune.tile_sizes";

struct TileAndFusePass : impl::TileAndFusePassBase<TileAndFusePass> {
  using Base::Base;

  /// [query_tile, key_tile] for `op`, each clamped to [1, dim].
  std::pair<int64_t, int64_t> tileSizes(AttentionOp op) {
    auto q = op.getQ().getType(), k = op.getK().getType();
    int64_t B = q.getDimSize(0), Sq = q.getDimSize(1), Skv = k.getDimSize(1),
            H = op.getNumHeads();
    int64_t tq = queryTile, tk = keyTile;
    if (auto attr = op->getAttrOfType<DenseI64ArrayAttr>(kTileSizesAttr)) {
      if (tq <= 0 && attr.size() > 0)
        tq = attr[0];
      if (tk <= 0 && attr.size() > 1)
        tk = attr[1];
    }
    if (tq <= 0)
      tq = heuristicAttentionQueryTile(B, H, Sq, chunks);
    if (tk <= 0)
      tk = AttentionTileOp::defaultKeyTile(Skv);
    return {std::clamp<int64_t>(tq, 1, Sq), std::clamp<int64_t>(tk, 1, Skv)};
  }

  LogicalResult tileAttention(IRRewriter &rewriter, AttentionOp op) {
    Location loc = op.getLoc();
    auto q = op.getQ().getType(), k = op.getK().getType();
    Type elem = q.getElementType();
    int64_t B = q.getDimSize(0), Sq = q.getDimSize(1), Skv = k.getDimSize(1),
            H = op.getNumHeads(), D = q.getDimSize(2) / H;
    auto [tq, tk] = tileSizes(op);

    rewriter.setInsertionPoint(op);
    Value kh = rewriter.create<ReshapeOp>(loc, RankedTensorType::get({B, Skv, H, D}, elem),
                                          op.getK());
    Value kt = rewriter.create<TransposeOp>(loc, RankedTensorType::get({B, H, D, Skv}, elem), kh,
                                            rewriter.getDenseI64ArrayAttr({0, 2, 3, 1}));
    Value offset = rewriter.create<arith::ConstantIndexOp>(loc, Skv - Sq);
    auto whole = rewriter.create<AttentionTileOp>(
        loc, q, op.getQ(), kt, op.getV(), offset, op.getMask(), op.getNumHeadsAttr(),
        rewriter.getF32FloatAttr(op.getScaleOrDefault()), op.getCausalAttr(),
        rewriter.getI64IntegerAttr(tk));

    // Rows [0, main) in tiles of tq; the tail rows [main, Sq) as one tile.
    int64_t main = Sq - Sq % tq;
    SmallVector<std::pair<TilingInterface, int64_t>> parts;
    Value result = whole.getResult();
    if (main == Sq) {
      parts.push_back({whole, tq});
    } else {
      Value init = rewriter.create<tensor::EmptyOp>(loc, q.getShape(), elem);
      Attribute zero = rewriter.getIndexAttr(0), one = rewriter.getIndexAttr(1);
      for (auto [off, rows] : {std::pair<int64_t, int64_t>{0, main}, {main, Sq - main}}) {
        if (rows == 0)
          continue;
        FailureOr<TilingResult> part = whole.getTiledImplementation(
            rewriter, {zero, zero, rewriter.getIndexAttr(off)},
            {rewriter.getIndexAttr(B), rewriter.getIndexAttr(H), rewriter.getIndexAttr(rows)});
        if (failed(part))
          return failure();
        parts.push_back({cast<TilingInterface>(part->tiledOps.front()), off == 0 ? tq : rows});
        SmallVector<OpFoldResult> offs{zero, rewriter.getIndexAttr(off), zero},
            sizes{rewriter.getIndexAttr(B), rewriter.getIndexAttr(rows),
                  rewriter.getIndexAttr(H * D)},
            strides(3, one);
        init = rewriter.create<tensor::InsertSliceOp>(loc, part->tiledValues.front(), init, offs,
                                                      sizes, strides);
      }
      result = init;
      rewriter.eraseOp(whole);
    }
    rewriter.replaceOp(op, result);

    for (auto [part, rows] : parts) {
      scf::SCFTilingOptions options;
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      options.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), {1, 1, rows}));
      rewriter.setInsertionPoint(part);
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(rewriter, part, options);
      if (failed(tiled))
        return part->emitError("attune-tile-and-fuse: tiling failed");
      rewriter.replaceOp(part, tiled->replacements);
    }
    return success();
  }

  void runOnOperation() override {
    SmallVector<AttentionOp> targets;
    getOperation().walk([&](AttentionOp op) { targets.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (AttentionOp op : targets)
      if (failed(tileAttention(rewriter, op)))
        return signalPassFailure();
  }
};

} // namespace
} // namespace mlir::attune
