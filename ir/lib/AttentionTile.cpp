//===- AttentionTile.cpp - attune.attention_tile: verifier, TilingInterface ===//
//
// The iteration domain of an attention tile is (b, h, i): batch, head, query
// row, all parallel. A tile [ob, oh, oi] x [sb, sh, si] is again an
// attention_tile on slices of its operands:
//
//   q    [B, Sq, H*D]      -> q[ob:+sb, oi:+si, oh*D:+sh*D]
//   kt   [B, H, D, Skv]    -> kt[ob:+sb, oh:+sh, :, :]
//   v    [B, Skv, H*D]     -> v[ob:+sb, :, oh*D:+sh*D]
//   mask [B, Skv]          -> mask[ob:+sb, :]
//   mask (additive)        -> sliced along b/h/i where not broadcast (size 1)
//   query_offset           -> query_offset + oi   (keeps causal masking exact)
//   num_heads              -> sh
//
// and its result is the slice [ob:+sb, oi:+si, oh*D:+sh*D] of the result.
// Tile sizes must be static (the tiled op needs static types); the tiling
// pass (attune-tile-and-fuse) only uses divisors of each dimension.
//
//===----------------------------------------------------------------------===//
#include "attune/IR/AttuneOps.h"
#include "attune/IR/ShapeUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include <algorithm>

using namespace mlir;
using namespace mlir::attune;

namespace {

std::string shapeStr(ArrayRef<int64_t> s) { return formatShape(s); }

/// a * c as an OpFoldResult (folded when a is a constant).
OpFoldResult mulConst(OpBuilder &b, Location loc, OpFoldResult a, int64_t c) {
  if (auto v = getConstantIntValue(a))
    return b.getIndexAttr(*v * c);
  if (c == 1)
    return a;
  return b
      .create<arith::MulIOp>(loc, getValueOrCreateConstantIndexOp(b, loc, a),
                             b.create<arith::ConstantIndexOp>(loc, c))
      .getResult();
}

Value slice(OpBuilder &b, Location loc, Value src, ArrayRef<OpFoldResult> offsets,
            ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
  return b.create<tensor::ExtractSliceOp>(loc, src, offsets, sizes, strides);
}

} // namespace

LogicalResult AttentionTileOp::verify() {
  auto q = getQ().getType(), kt = getKt().getType(), v = getV().getType();
  int64_t heads = getNumHeads();
  if (q.getRank() != 3 || heads <= 0 || q.getDimSize(2) % heads != 0)
    return emitOpError("q: expected [B, Sq, H*D] with num_heads = H dividing dim 2, found ")
           << shapeStr(q.getShape()) << " and num_heads = " << heads;
  int64_t B = q.getDimSize(0), Sq = q.getDimSize(1), D = q.getDimSize(2) / heads;
  if (kt.getRank() != 4 || kt.getDimSize(0) != B || kt.getDimSize(1) != heads ||
      kt.getDimSize(2) != D)
    return emitOpError("kt: expected [") << B << ", " << heads << ", " << D << ", Skv], found "
                                         << shapeStr(kt.getShape());
  int64_t Skv = kt.getDimSize(3);
  SmallVector<int64_t> vShape{B, Skv, heads * D};
  if (v.getShape() != ArrayRef<int64_t>(vShape))
    return emitOpError("v: expected ") << shapeStr(vShape) << ", found " << shapeStr(v.getShape());
  if (kt.getElementType() != q.getElementType() || v.getElementType() != q.getElementType())
    return emitOpError("kt, v: expected the element type of q");
  if (getResult().getType() != q)
    return emitOpError("result: expected the type of q");
  if (Value mask = getMask()) {
    auto m = cast<RankedTensorType>(mask.getType());
    SmallVector<int64_t> pad{B, Skv}, full{B, heads, Sq, Skv};
    if (isa<FloatType>(m.getElementType()) ? !broadcastsTo(m.getShape(), full)
                                           : m.getShape() != ArrayRef<int64_t>(pad))
      return emitOpError("mask: expected a key-padding mask ")
             << shapeStr(pad) << " or an additive mask broadcastable to " << shapeStr(full)
             << ", found " << shapeStr(m.getShape());
  }
  if (auto t = getKeyTile(); t && *t <= 0)
    return emitOpError("key_tile: expected > 0, found ") << *t;
  return success();
}

SmallVector<utils::IteratorType> AttentionTileOp::getLoopIteratorTypes() {
  return SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel);
}

SmallVector<Range> AttentionTileOp::getIterationDomain(OpBuilder &b) {
  auto q = getQ().getType();
  Attribute zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  return {Range{zero, b.getIndexAttr(q.getDimSize(0)), one},
          Range{zero, b.getIndexAttr(getNumHeads()), one},
          Range{zero, b.getIndexAttr(q.getDimSize(1)), one}};
}

LogicalResult AttentionTileOp::getResultTilePosition(OpBuilder &b, unsigned resultNumber,
                                                     ArrayRef<OpFoldResult> offsets,
                                                     ArrayRef<OpFoldResult> sizes,
                                                     SmallVector<OpFoldResult> &resultOffsets,
                                                     SmallVector<OpFoldResult> &resultSizes) {
  int64_t D = getQ().getType().getDimSize(2) / getNumHeads();
  Location loc = getLoc();
  resultOffsets = {offsets[0], offsets[2], mulConst(b, loc, offsets[1], D)};
  resultSizes = {sizes[0], sizes[2], mulConst(b, loc, sizes[1], D)};
  return success();
}

FailureOr<TilingResult> AttentionTileOp::getTiledImplementation(OpBuilder &b,
                                                               ArrayRef<OpFoldResult> offsets,
                                                               ArrayRef<OpFoldResult> sizes) {
  auto sb = getConstantIntValue(sizes[0]), sh = getConstantIntValue(sizes[1]),
       si = getConstantIntValue(sizes[2]);
  if (!sb || !sh || !si)
    return emitOpError("tiling: expected static tile sizes");
  Location loc = getLoc();
  auto qType = getQ().getType();
  int64_t D = qType.getDimSize(2) / getNumHeads(), Skv = getKt().getType().getDimSize(3);
  OpFoldResult col = mulConst(b, loc, offsets[1], D), width = b.getIndexAttr(*sh * D);
  Attribute zero = b.getIndexAttr(0);

  Value q = slice(b, loc, getQ(), {offsets[0], offsets[2], col}, {sizes[0], sizes[2], width});
  Value kt = slice(b, loc, getKt(), {offsets[0], offsets[1], zero, zero},
                   {sizes[0], sizes[1], b.getIndexAttr(D), b.getIndexAttr(Skv)});
  Value v = slice(b, loc, getV(), {offsets[0], zero, col},
                  {sizes[0], b.getIndexAttr(Skv), width});
  Value mask = getMask();
  if (mask) {
    auto mt = cast<RankedTensorType>(mask.getType());
    int64_t r = mt.getRank();
    SmallVector<OpFoldResult> mo, ms;
    if (!isa<FloatType>(mt.getElementType())) { // [B, Skv]
      mo = {offsets[0], zero};
      ms = {sizes[0], b.getIndexAttr(Skv)};
    } else { // right-aligned against [B, H, Sq, Skv]
      for (int64_t d = 0; d < r; ++d) {
        int64_t full = 4 - r + d; // 0 b, 1 h, 2 i, 3 j
        if (full == 3 || mt.getDimSize(d) == 1) {
          mo.push_back(zero);
          ms.push_back(b.getIndexAttr(mt.getDimSize(d)));
        } else {
          mo.push_back(offsets[full]);
          ms.push_back(sizes[full]);
        }
      }
    }
    mask = slice(b, loc, mask, mo, ms);
  }
  Value off = getQueryOffset();
  if (getConstantIntValue(offsets[2]) != 0)
    off = b.createOrFold<arith::AddIOp>(loc, getValueOrCreateConstantIndexOp(b, loc, offsets[2]), off);

  auto resultType = RankedTensorType::get({*sb, *si, *sh * D}, qType.getElementType());
  auto tiled = b.create<AttentionTileOp>(loc, resultType, q, kt, v, off, mask,
                                         b.getI64IntegerAttr(*sh), getScaleAttr(),
                                         getCausalAttr(), getKeyTileAttr());
  tiled->setDiscardableAttrs(getOperation()->getDiscardableAttrDictionary());
  return TilingResult{{tiled.getOperation()}, {tiled.getResult()}};
}

int64_t AttentionTileOp::defaultKeyTile(int64_t skv) {
  for (int64_t t = 256; t >= 16; t -= 16)
    if (skv % t == 0)
      return t;
  return std::min<int64_t>(skv, 256);
}

int64_t AttentionTileOp::getKeyTileOrDefault() {
  int64_t skv = getKt().getType().getDimSize(3);
  if (auto t = getKeyTile())
    return std::clamp<int64_t>(static_cast<int64_t>(*t), 1, skv);
  return defaultKeyTile(skv);
}
