//===- MicroKernel.cpp - register-blocked f32 GEMM micro-kernels ----------===//
//
// See MicroKernel.h. The loops are built directly with scf/vector/memref ops
// (no linalg::vectorize, no vector.contract lowering): every vector is a 1-D
// vector<W x f32>, accumulators are scf.for iter_args, A elements are scalar
// loads broadcast to a vector, B rows are unit-stride vector loads.
//
//===----------------------------------------------------------------------===//
#include "attune/Codegen/MicroKernel.h"
#include "attune/Codegen/KernelConfig.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include <functional>

namespace mlir::attune {

namespace {

/// yield(c + a * b) with a, b, c the block arguments (operands in any order).
bool isMultiplyAccumulate(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  if (body->getNumArguments() != 3 || body->getOperations().size() != 3)
    return false;
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!yield || yield.getNumOperands() != 1)
    return false;
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value a = body->getArgument(0), b = body->getArgument(1), c = body->getArgument(2);
  Value prod = add.getLhs() == c ? add.getRhs() : add.getRhs() == c ? add.getLhs() : Value();
  auto mul = prod ? prod.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul)
    return false;
  return (mul.getLhs() == a && mul.getRhs() == b) || (mul.getLhs() == b && mul.getRhs() == a);
}

/// Position of loop dim `d` among the results of `map`, or -1.
int resultPos(AffineMap map, unsigned d) {
  for (unsigned i = 0; i < map.getNumResults(); ++i)
    if (cast<AffineDimExpr>(map.getResult(i)).getPosition() == d)
      return static_cast<int>(i);
  return -1;
}

/// The value a chain of memref.subview ops views.
Value getRootValue(Value v) {
  while (auto sv = v.getDefiningOp<memref::SubViewOp>())
    v = sv.getSource();
  return v;
}

bool unitInnerStride(Value v) {
  auto t = dyn_cast<MemRefType>(v.getType());
  if (!t)
    return true; // tensors: decided after bufferization
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(getStridesAndOffset(t, strides, offset)) || strides.empty())
    return false;
  return strides.back() == 1;
}

} // namespace

int64_t weightLayoutWidth(Value v, StringRef marker) {
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg)
    return 0;
  auto fn = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
  if (!fn)
    return 0;
  auto name = fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "attune.weight");
  if (!name)
    return 0;
  StringRef s = name.getValue();
  size_t at = s.rfind(marker);
  int64_t nr = 0;
  if (at == StringRef::npos || s.substr(at + marker.size()).getAsInteger(10, nr) || nr <= 0)
    return 0;
  return nr;
}

int64_t packedPanelWidth(Value v) { return weightLayoutWidth(v, "@P"); }

std::optional<PanelWeight> findPanelWeight(OpBuilder &b, Location loc, Value v,
                                           StringRef marker) {
  SmallVector<memref::SubViewOp> chain;
  while (auto sv = v.getDefiningOp<memref::SubViewOp>()) {
    chain.push_back(sv);
    v = sv.getSource();
  }
  auto arg = dyn_cast<BlockArgument>(v);
  int64_t nr = arg ? weightLayoutWidth(arg, marker) : 0;
  if (nr <= 0 || cast<MemRefType>(arg.getType()).getRank() != 2)
    return std::nullopt;
  for (memref::SubViewOp sv : chain) { // validate first: a refusal builds nothing
    if (sv.getSourceType().getRank() != 2 || sv.getType().getRank() != 2 ||
        getConstantIntValue(sv.getMixedOffsets()[0]) != 0)
      return std::nullopt;
    for (OpFoldResult st : sv.getMixedStrides())
      if (getConstantIntValue(st) != 1)
        return std::nullopt;
  }
  PanelWeight p{arg, nr, b.create<arith::ConstantIndexOp>(loc, 0)};
  for (memref::SubViewOp sv : chain) {
    Value off = getValueOrCreateConstantIndexOp(b, loc, sv.getMixedOffsets()[1]);
    p.n0 = b.create<arith::AddIOp>(loc, p.n0, off);
  }
  return p;
}

RegisterTile chooseRegisterTile(int64_t n, int64_t w) {
  bool wide = w >= 16; // 32 vector registers (AVX-512) vs 16 (AVX2)
  if (n % (3 * w) == 0)
    return {wide ? 8 : 4, 3 * w};
  if (n % (2 * w) == 0)
    return {wide ? 12 : 6, 2 * w};
  return {wide ? 16 : 12, w};
}

std::optional<ContractionDims> matchMicroKernelContraction(linalg::LinalgOp op,
                                                           int64_t w) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 || op.hasDynamicShape())
    return std::nullopt;
  bool f32 = llvm::all_of(op->getOpOperands(), [](OpOperand &operand) {
    return getElementTypeOrSelf(operand.get().getType()).isF32();
  });
  if (!(f32 && isMultiplyAccumulate(op)) && !isBF16DotAccumulate(op))
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (AffineMap m : maps)
    if (!m.isProjectedPermutation(/*allowZeroInResults=*/false))
      return std::nullopt;
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  ContractionDims d{};
  int reductions = 0;
  for (unsigned i = 0; i < iters.size(); ++i)
    if (iters[i] == utils::IteratorType::reduction) {
      d.k = i;
      ++reductions;
    }
  if (reductions != 1)
    return std::nullopt;
  AffineMap a = maps[0], b = maps[1], c = maps[2];
  if (c.getNumResults() < 2 || b.getNumResults() < 2 || a.getNumResults() < 2)
    return std::nullopt;
  d.n = cast<AffineDimExpr>(c.getResults().back()).getPosition();
  // n: innermost in B and C, absent from A; m: the one dim of C (besides n)
  // in A but not in B; k: in A and B, not in C; every other dim is a batch
  // dim present in C (and in A and/or B).
  if (cast<AffineDimExpr>(b.getResults().back()).getPosition() != d.n ||
      resultPos(a, d.n) >= 0 || resultPos(a, d.k) < 0 || resultPos(b, d.k) < 0 ||
      resultPos(c, d.k) >= 0)
    return std::nullopt;
  // (With a B shared by every batch, batch dims qualify too: then m is the
  // candidate that is C's second-to-last dim.)
  SmallVector<unsigned> candidates;
  for (unsigned i = 0; i < iters.size(); ++i)
    if (i != d.n && i != d.k && resultPos(c, i) >= 0 && resultPos(a, i) >= 0 &&
        resultPos(b, i) < 0)
      candidates.push_back(i);
  unsigned cRow = cast<AffineDimExpr>(c.getResult(c.getNumResults() - 2)).getPosition();
  if (candidates.size() == 1)
    d.m = candidates.front();
  else if (llvm::is_contained(candidates, cRow))
    d.m = cRow;
  else
    return std::nullopt;
  for (unsigned i = 0; i < iters.size(); ++i) {
    if (i == d.m || i == d.n || i == d.k)
      continue;
    if (resultPos(c, i) < 0)
      return std::nullopt;
    d.batch.push_back(i);
  }
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ranges[d.n] % w != 0 || ranges[d.k] < 1 || ranges[d.m] < 1)
    return std::nullopt;
  if (!unitInnerStride(op.getDpsInputOperand(1)->get()) ||
      !unitInnerStride(op.getDpsInitOperand(0)->get()))
    return std::nullopt;
  return d;
}

LogicalResult lowerToMicroKernel(RewriterBase &rewriter, linalg::LinalgOp op, int64_t w) {
  if (!op.hasPureBufferSemantics())
    return failure();
  // Tuned or heuristic: TileAndDistribute attaches the config it tiled for.
  std::optional<MicroKernelConfig> cfg = getMicroKernelConfig(op);
  if (cfg)
    w = cfg->vectorWidth;
  auto dims = matchMicroKernelContraction(op, w);
  if (!dims)
    return failure();
  if (isBF16DotAccumulate(op))
    return lowerToBF16MicroKernel(rewriter, op, *dims, w);
  Location loc = op.getLoc();
  Value A = op.getDpsInputOperand(0)->get(), B = op.getDpsInputOperand(1)->get(),
        C = op.getDpsInitOperand(0)->get();
  // The tile's fill (attune-tile-and-distribute leaves it whole, right
  // before the contraction, on the same C view): the accumulators of the
  // first K block start at its value instead of loading C, and the fill
  // goes away -- no pass writing the C tile and reading it back.
  linalg::FillOp fill;
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    if (auto f = dyn_cast<linalg::FillOp>(prev)) {
      if (f.hasPureBufferSemantics() && f.getDpsInitOperand(0)->get() == C &&
          isa<FloatType>(f.getInputs()[0].getType()))
        fill = f;
      break;
    }
    if (!isMemoryEffectFree(prev)) // views and index arithmetic only
      break;
  }
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t M = ranges[dims->m], N = ranges[dims->n], K = ranges[dims->k];
  RegisterTile rt = cfg ? RegisterTile{cfg->mr, cfg->nr} : chooseRegisterTile(N, w);
  int64_t cols = rt.nr / w;
  auto vecType = VectorType::get({w}, rewriter.getF32Type());

  rewriter.setInsertionPoint(op);
  auto cst = [&](OpBuilder &b, int64_t v) -> Value {
    return b.create<arith::ConstantIndexOp>(loc, v);
  };
  // Weights in panel layout: B[k, n] lives at P[n / nr][k][n % nr].
  std::optional<PanelWeight> packed;
  Value panels, flat;
  int64_t totalK = 0, totalN = 0;
  if (packedPanelWidth(getRootValue(B)) > 0) {
    OpBuilder pb(op);
    packed = findPanelWeight(pb, loc, B, "@P");
    if (!packed || packed->nr != rt.nr || maps[1].getNumResults() != 2)
      return failure(); // attune-vectorize reports the unlowered packed weight
    auto argType = cast<MemRefType>(packed->arg.getType());
    int64_t kk = argType.getDimSize(0), nn = argType.getDimSize(1);
    auto pType = MemRefType::get({nn / rt.nr, kk, rt.nr}, rewriter.getF32Type());
    auto view = pb.create<memref::ReinterpretCastOp>(
        loc, pType, packed->arg, /*offset=*/0, ArrayRef<int64_t>{nn / rt.nr, kk, rt.nr},
        ArrayRef<int64_t>{kk * rt.nr, rt.nr, 1});
    view->setAttr("attune.packed_view", rewriter.getUnitAttr());
    panels = view;
    // The same bytes as one flat array, for the prefetches (plain index
    // arithmetic instead of a division by nr per k step).
    auto flatType = MemRefType::get({kk * nn}, rewriter.getF32Type());
    auto flatView = pb.create<memref::ReinterpretCastOp>(
        loc, flatType, packed->arg, /*offset=*/0, ArrayRef<int64_t>{kk * nn},
        ArrayRef<int64_t>{1});
    flatView->setAttr("attune.packed_view", rewriter.getUnitAttr());
    flat = flatView;
    totalK = kk;
    totalN = nn;
  }
  SmallVector<Value> iv(ranges.size());
  auto indices = [&](AffineMap map) {
    SmallVector<Value> out;
    for (AffineExpr e : map.getResults())
      out.push_back(iv[cast<AffineDimExpr>(e).getPosition()]);
    return out;
  };

  // K blocking: the config's, else the heuristic's for this tile's rows.
  int64_t kc = cfg && cfg->kc > 0 && K % cfg->kc == 0 ? cfg->kc : heuristicKc(M, K);
  Value kBegin;

  // Column blocks: the config's, else the heuristic's for this tile.
  int64_t nc = cfg && cfg->nc > 0 && N % cfg->nc == 0 && cfg->nc % rt.nr == 0
                   ? cfg->nc
                   : heuristicNc(N, rt.nr, kc, 4);

  // Prefetching the next block of B. Weights are used once per run and a
  // model's weights do not fit in cache, so the row block that first reads a
  // block of B would wait on memory (the kernel consumes 16 bytes per cycle;
  // memory delivers a few). Instead, while the row blocks of this tile run
  // over block (kBegin, jc), they prefetch block (kBegin, jc + nc) — or
  // (kBegin + kc, 0) after the last column block, or the first block of the
  // columns after the tile after its last block — into L2, spread evenly:
  // the kc x nr slice of the next block's panel at the current panel's
  // position has L = kc * nr / 16 cache lines; row block b's k loop
  // prefetches lines [b * S * P, (b + 1) * S * P) with P lines in each of its
  // first S steps, where S * P * rowBlocks >= L. Only for panels whose rows
  // are whole cache lines (nr a multiple of 16 floats).
  constexpr int64_t kLineFloats = 16; // 64-byte lines
  int64_t sliceLines = packed && rt.nr % kLineFloats == 0 ? kc * rt.nr / kLineFloats : 0;
  int64_t rowBlocks = (M + rt.mr - 1) / rt.mr;
  int64_t perBlock = (sliceLines + rowBlocks - 1) / rowBlocks;
  int64_t pfPerStep = (perBlock + kc - 1) / kc;
  int64_t pfSteps = pfPerStep ? (perBlock + pfPerStep - 1) / pfPerStep : 0;
  // Flat index of the first line row block `i0 / mr` prefetches.
  auto nextBlockPrefetchBase = [&](OpBuilder &b, Value i0, Value jc, int64_t ncols,
                                   Value j0) -> Value {
    Value rowBlock = b.create<arith::DivUIOp>(loc, i0, cst(b, rt.mr));
    Value jcNext = b.create<arith::AddIOp>(loc, jc, cst(b, ncols));
    Value kNext = b.create<arith::AddIOp>(loc, kBegin, cst(b, kc));
    Value moreCols = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, jcNext, cst(b, N));
    Value moreK = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, kNext, cst(b, K));
    // After the tile's last block: the first block of the columns that
    // follow the tile (the next N chunk, which the same task runs next when
    // the pool hands it several); none at the end of the weight, then the
    // current block again.
    Value after = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult,
                                          b.create<arith::AddIOp>(loc, packed->n0, cst(b, N)),
                                          cst(b, totalN));
    Value lastK = b.create<arith::SelectOp>(loc, after, cst(b, 0), kBegin);
    Value lastJc = b.create<arith::SelectOp>(loc, after, cst(b, N), jc);
    // (k, column) of the next block, relative to the tile.
    Value nk = b.create<arith::SelectOp>(loc, moreCols, kBegin,
                                         b.create<arith::SelectOp>(loc, moreK, kNext, lastK));
    Value njc = b.create<arith::SelectOp>(loc, moreCols, jcNext,
                                          b.create<arith::SelectOp>(loc, moreK, cst(b, 0), lastJc));
    Value col = b.create<arith::AddIOp>(
        loc, packed->n0, b.create<arith::AddIOp>(loc, njc, b.create<arith::SubIOp>(loc, j0, jc)));
    Value panelIdx = b.create<arith::DivUIOp>(loc, col, cst(b, rt.nr));
    // Line rowBlock * S * P of the slice at panel panelIdx, row nk.
    // (clamped so the last row blocks stay inside the slice)
    Value line = b.create<arith::MinUIOp>(
        loc, b.create<arith::MulIOp>(loc, rowBlock, cst(b, pfSteps * pfPerStep)),
        cst(b, std::max<int64_t>(sliceLines - pfSteps * pfPerStep, 0)));
    Value base = b.create<arith::AddIOp>(
        loc, b.create<arith::MulIOp>(loc, panelIdx, cst(b, totalK * rt.nr)),
        b.create<arith::MulIOp>(loc, nk, cst(b, rt.nr)));
    return b.create<arith::AddIOp>(loc, base,
                                   b.create<arith::MulIOp>(loc, line, cst(b, kLineFloats)));
  };

  // One block of `rows` rows starting at row `i0`, the panels of the column
  // block [jc, jc + ncols), over k in [kBegin, kBegin + kc).
  auto emitRows = [&](OpBuilder &b, Value i0, int64_t rows, Value jc, int64_t ncols) {
    auto jLoop = b.create<scf::ForOp>(loc, jc, b.create<arith::AddIOp>(loc, jc, cst(b, ncols)),
                                      cst(b, rt.nr));
    OpBuilder jb = OpBuilder::atBlockBegin(jLoop.getBody());
    Value j0 = jLoop.getInductionVar();
    SmallVector<Value> rowIdx, colIdx;
    for (int64_t r = 0; r < rows; ++r)
      rowIdx.push_back(r == 0 ? i0 : jb.create<arith::AddIOp>(loc, i0, cst(jb, r)).getResult());
    for (int64_t c = 0; c < cols; ++c)
      colIdx.push_back(c == 0 ? j0
                              : jb.create<arith::AddIOp>(loc, j0, cst(jb, c * w)).getResult());
    Value panel;
    if (packed)
      panel = jb.create<arith::DivUIOp>(loc, jb.create<arith::AddIOp>(loc, packed->n0, j0),
                                        cst(jb, rt.nr));
    // Software prefetch of the next kc x nc block of B into L2 (see
    // nextBlockPrefetchBase): P lines in each of the first S k steps.
    Value prefetchBase;
    if (pfSteps > 0)
      prefetchBase = nextBlockPrefetchBase(jb, i0, jc, ncols, j0);
    auto loadC = [&](OpBuilder &lb) {
      SmallVector<Value> v;
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
          iv[dims->m] = rowIdx[r];
          iv[dims->n] = colIdx[c];
          v.push_back(lb.create<vector::LoadOp>(loc, vecType, C, indices(maps[2])));
        }
      return v;
    };
    SmallVector<Value> init;
    if (!fill) {
      init = loadC(jb);
    } else {
      Value splat = jb.create<vector::BroadcastOp>(loc, vecType, fill.getInputs()[0]);
      SmallVector<Value> splats(rows * cols, splat);
      std::optional<int64_t> k0 = getConstantIntValue(kBegin);
      if (k0 && *k0 == 0) {
        init = splats;
      } else {
        // K blocks: the first starts from the fill value, the others from C.
        Value first = jb.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, kBegin, cst(jb, 0));
        SmallVector<Type> types(rows * cols, vecType);
        auto ifOp = jb.create<scf::IfOp>(loc, types, first, /*withElseRegion=*/true);
        OpBuilder tb = ifOp.getThenBodyBuilder();
        tb.create<scf::YieldOp>(loc, splats);
        OpBuilder eb = ifOp.getElseBodyBuilder();
        eb.create<scf::YieldOp>(loc, loadC(eb));
        init.assign(ifOp.getResults().begin(), ifOp.getResults().end());
      }
    }
    // k in [from, to): one rank-1 update of the accumulators per step.
    auto kLoop = [&](Value from, Value to, ValueRange accInit, bool prefetch) {
      return jb.create<scf::ForOp>(
          loc, from, to, cst(jb, 1), accInit,
          [&](OpBuilder &kb, Location, Value k, ValueRange acc) {
            iv[dims->k] = k;
            if (prefetch) {
              // line (k - kBegin) * P + p of this row block's share
              Value at = kb.create<arith::AddIOp>(
                  loc, prefetchBase,
                  kb.create<arith::MulIOp>(loc, kb.create<arith::SubIOp>(loc, k, kBegin),
                                           cst(kb, pfPerStep * kLineFloats)));
              for (int64_t p = 0; p < pfPerStep; ++p) {
                Value atP = p ? kb.create<arith::AddIOp>(loc, at, cst(kb, p * kLineFloats))
                                    .getResult()
                              : at;
                kb.create<memref::PrefetchOp>(loc, flat, ValueRange{atP}, /*isWrite=*/false,
                                              /*localityHint=*/2, /*isDataCache=*/true);
              }
            }
            SmallVector<Value> bv;
            for (int64_t c = 0; c < cols; ++c) {
              iv[dims->n] = colIdx[c];
              if (packed)
                bv.push_back(kb.create<vector::LoadOp>(
                    loc, vecType, panels, ValueRange{panel, k, cst(kb, c * w)}));
              else
                bv.push_back(kb.create<vector::LoadOp>(loc, vecType, B, indices(maps[1])));
            }
            SmallVector<Value> next;
            for (int64_t r = 0; r < rows; ++r) {
              iv[dims->m] = rowIdx[r];
              // A 1-element vector load broadcast to W lanes: LLVM emits one
              // broadcast load (a scalar load + splat costs four instructions).
              Value a = kb.create<vector::LoadOp>(
                  loc, VectorType::get({1}, rewriter.getF32Type()), A, indices(maps[0]));
              Value av = kb.create<vector::BroadcastOp>(loc, vecType, a);
              for (int64_t c = 0; c < cols; ++c)
                next.push_back(
                    kb.create<vector::FMAOp>(loc, av, bv[c], acc[r * cols + c]).getResult());
            }
            kb.create<scf::YieldOp>(loc, next);
          });
    };
    Value kEnd = jb.create<arith::AddIOp>(loc, kBegin, cst(jb, kc));
    SmallVector<Value> acc(init);
    int64_t split = prefetchBase ? std::min(pfSteps, kc) : 0;
    if (split > 0) {
      Value mid = jb.create<arith::AddIOp>(loc, kBegin, cst(jb, split));
      auto first = kLoop(kBegin, mid, acc, /*prefetch=*/true);
      acc.assign(first.getResults().begin(), first.getResults().end());
      if (split < kc) {
        auto rest = kLoop(mid, kEnd, acc, /*prefetch=*/false);
        acc.assign(rest.getResults().begin(), rest.getResults().end());
      }
    } else {
      auto all = kLoop(kBegin, kEnd, acc, /*prefetch=*/false);
      acc.assign(all.getResults().begin(), all.getResults().end());
    }
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        iv[dims->m] = rowIdx[r];
        iv[dims->n] = colIdx[c];
        jb.create<vector::StoreOp>(loc, acc[r * cols + c], C, indices(maps[2]));
      }
  };

  // Batch loops, then full row blocks, then the tail rows.
  OpBuilder top(op);
  buildMicroKernelLoops(top, loc, dims->batch, ranges, iv, M, N, K, kc, nc, rt.mr, kBegin,
                        emitRows);
  rewriter.eraseOp(op);
  if (fill)
    rewriter.eraseOp(fill);
  return success();
}

void buildMicroKernelLoops(OpBuilder &b, Location loc, ArrayRef<unsigned> batchDims,
                           ArrayRef<int64_t> ranges, SmallVectorImpl<Value> &iv, int64_t M,
                           int64_t N, int64_t K, int64_t kc, int64_t nc, int64_t mr,
                           Value &kBegin, EmitRowsFn emitRows) {
  auto cst = [&](OpBuilder &bb, int64_t v) -> Value {
    return bb.create<arith::ConstantIndexOp>(loc, v);
  };
  if (!batchDims.empty()) {
    unsigned d = batchDims.front();
    auto loop = b.create<scf::ForOp>(loc, cst(b, 0), cst(b, ranges[d]), cst(b, 1));
    OpBuilder inner = OpBuilder::atBlockBegin(loop.getBody());
    iv[d] = loop.getInductionVar();
    buildMicroKernelLoops(inner, loc, batchDims.drop_front(), ranges, iv, M, N, K, kc, nc, mr,
                          kBegin, emitRows);
    return;
  }
  // Deep K: blocks of kc, so that the C tile is updated once per block.
  OpBuilder kbld = b;
  if (kc < K) {
    auto k0Loop = b.create<scf::ForOp>(loc, cst(b, 0), cst(b, K), cst(b, kc));
    kbld = OpBuilder::atBlockBegin(k0Loop.getBody());
    kBegin = k0Loop.getInductionVar();
  } else {
    kBegin = cst(b, 0);
  }
  // Wide N: column blocks of nc, so that one kc x nc block of B stays in L2
  // while every row block streams over it (without it, each row block reads
  // the whole kc x N slice of B from L3 or memory again).
  OpBuilder nbld = kbld;
  Value jc;
  if (nc > 0 && nc < N) {
    auto jcLoop = kbld.create<scf::ForOp>(loc, cst(kbld, 0), cst(kbld, N), cst(kbld, nc));
    nbld = OpBuilder::atBlockBegin(jcLoop.getBody());
    jc = jcLoop.getInductionVar();
  } else {
    nc = N;
    jc = cst(kbld, 0);
  }
  int64_t full = M - M % mr;
  if (full > 0) {
    auto iLoop = nbld.create<scf::ForOp>(loc, cst(nbld, 0), cst(nbld, full), cst(nbld, mr));
    OpBuilder ib = OpBuilder::atBlockBegin(iLoop.getBody());
    emitRows(ib, iLoop.getInductionVar(), mr, jc, nc);
  }
  if (M % mr)
    emitRows(nbld, cst(nbld, full), M % mr, jc, nc);
}

} // namespace mlir::attune
