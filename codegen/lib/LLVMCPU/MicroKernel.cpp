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

/// B when it is read through unit-stride subviews of a weight argument stored
/// in panel layout ("NAME@P<nr>"): the argument, nr, and the N offset of the
/// subview (a Value built at the current insertion point).
struct PackedB {
  BlockArgument arg;
  int64_t nr = 0;
  Value n0;
};

std::optional<PackedB> findPackedB(OpBuilder &b, Location loc, Value v) {
  SmallVector<memref::SubViewOp> chain;
  while (auto sv = v.getDefiningOp<memref::SubViewOp>()) {
    chain.push_back(sv);
    v = sv.getSource();
  }
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg)
    return std::nullopt;
  int64_t nr = packedPanelWidth(arg);
  if (nr <= 0 || cast<MemRefType>(arg.getType()).getRank() != 2)
    return std::nullopt;
  PackedB p{arg, nr, b.create<arith::ConstantIndexOp>(loc, 0)};
  for (memref::SubViewOp sv : chain) {
    if (sv.getSourceType().getRank() != 2 || sv.getType().getRank() != 2)
      return std::nullopt;
    for (OpFoldResult st : sv.getMixedStrides())
      if (getConstantIntValue(st) != 1)
        return std::nullopt;
    SmallVector<OpFoldResult> offsets = sv.getMixedOffsets();
    if (getConstantIntValue(offsets[0]) != 0)
      return std::nullopt;
    Value off = getValueOrCreateConstantIndexOp(b, loc, offsets[1]);
    p.n0 = b.create<arith::AddIOp>(loc, p.n0, off);
  }
  return p;
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
  std::optional<PackedB> packed;
  Value panels;
  if (packedPanelWidth(getRootValue(B)) > 0) {
    OpBuilder pb(op);
    packed = findPackedB(pb, loc, B);
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
  }
  SmallVector<Value> iv(ranges.size());
  auto indices = [&](AffineMap map) {
    SmallVector<Value> out;
    for (AffineExpr e : map.getResults())
      out.push_back(iv[cast<AffineDimExpr>(e).getPosition()]);
    return out;
  };

  // K blocking (heuristic: the largest divisor of K up to 384 when K > 1024).
  int64_t kc = cfg && cfg->kc > 0 && K % cfg->kc == 0 ? cfg->kc : heuristicKc(K);
  Value kBegin;

  // One block of `rows` rows starting at row `i0`, all panels of N, over
  // k in [kBegin, kBegin + kc).
  auto emitRows = [&](OpBuilder &b, Value i0, int64_t rows) {
    auto jLoop = b.create<scf::ForOp>(loc, cst(b, 0), cst(b, N), cst(b, rt.nr));
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
    SmallVector<Value> init;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        iv[dims->m] = rowIdx[r];
        iv[dims->n] = colIdx[c];
        init.push_back(jb.create<vector::LoadOp>(loc, vecType, C, indices(maps[2])));
      }
    auto kLoop = jb.create<scf::ForOp>(
        loc, kBegin, jb.create<arith::AddIOp>(loc, kBegin, cst(jb, kc)), cst(jb, 1), init,
        [&](OpBuilder &kb, Location, Value k, ValueRange acc) {
          iv[dims->k] = k;
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
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        iv[dims->m] = rowIdx[r];
        iv[dims->n] = colIdx[c];
        jb.create<vector::StoreOp>(loc, kLoop.getResult(r * cols + c), C, indices(maps[2]));
      }
  };

  // Batch loops, then full row blocks, then the tail rows.
  OpBuilder top(op);
  buildMicroKernelLoops(top, loc, dims->batch, ranges, iv, M, K, kc, rt.mr, kBegin, emitRows);
  rewriter.eraseOp(op);
  return success();
}

void buildMicroKernelLoops(OpBuilder &b, Location loc, ArrayRef<unsigned> batchDims,
                           ArrayRef<int64_t> ranges, SmallVectorImpl<Value> &iv, int64_t M,
                           int64_t K, int64_t kc, int64_t mr, Value &kBegin,
                           function_ref<void(OpBuilder &, Value, int64_t)> emitRows) {
  auto cst = [&](OpBuilder &bb, int64_t v) -> Value {
    return bb.create<arith::ConstantIndexOp>(loc, v);
  };
  if (!batchDims.empty()) {
    unsigned d = batchDims.front();
    auto loop = b.create<scf::ForOp>(loc, cst(b, 0), cst(b, ranges[d]), cst(b, 1));
    OpBuilder inner = OpBuilder::atBlockBegin(loop.getBody());
    iv[d] = loop.getInductionVar();
    buildMicroKernelLoops(inner, loc, batchDims.drop_front(), ranges, iv, M, K, kc, mr, kBegin,
                          emitRows);
    return;
  }
  // Deep K: blocks of kc so that a block of B panels (kc x NR) and of A
  // rows stay in L1/L2 while every row block of the tile uses them.
  OpBuilder kbld = b;
  if (kc < K) {
    auto k0Loop = b.create<scf::ForOp>(loc, cst(b, 0), cst(b, K), cst(b, kc));
    kbld = OpBuilder::atBlockBegin(k0Loop.getBody());
    kBegin = k0Loop.getInductionVar();
  } else {
    kBegin = cst(b, 0);
  }
  int64_t full = M - M % mr;
  if (full > 0) {
    auto iLoop = kbld.create<scf::ForOp>(loc, cst(kbld, 0), cst(kbld, full), cst(kbld, mr));
    OpBuilder ib = OpBuilder::atBlockBegin(iLoop.getBody());
    emitRows(ib, iLoop.getInductionVar(), mr);
  }
  if (M % mr)
    emitRows(kbld, cst(kbld, full), M % mr);
}

} // namespace mlir::attune
