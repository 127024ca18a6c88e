//===- MicroKernelBF16.cpp - avx512_bf16 GEMM micro-kernel ----------------===//
//
// The bf16 variant of MicroKernel.cpp, for the contraction that
// attune.matmul's mixed form (f32 x bf16) lowers to:
//
//   linalg.generic ins(A: bf16 [.., m, k], B: bf16 [k, n] "W@B<nr>")
//                  outs(C: f32)  { c + extf(a) * extf(b) }
//
// B is a weight that PrepackBF16 stored in pair panels: panel p holds
// columns [p nr, (p+1) nr), each k pair (k, k+1) as nr interleaved pairs
// (b[k][j], b[k+1][j]); an odd K ends with the last row, unpaired:
//
//   P[p][k * nr + 2 j + (k & 1)]   for k < K - K % 2,
//   P[p][(K - 1) * nr + j]         for the last row of an odd K.
//
// That is exactly the operand vdpbf16ps wants: one 64-byte load gives 16
// columns x 2 k values. A's pair (a[k], a[k+1]) is one 32-bit load
// broadcast to every lane. Per k pair and register tile (8 x 48):
//
//   b[c]      = load vector<32xbf16> P[panel][k nr + 32 c]       (3 loads)
//   a[r]      = bitcast(broadcast(load vector<2xbf16> A[r, k]))  (8 broadcasts)
//   acc[r][c] = llvm.x86.avx512bf16.dpbf16ps.512(acc, a[r], b[c]) (24)
//
// accumulating in f32 (the accumulators are the f32 kernel's iter_args). An
// odd K's last row is one extf + FMA step. MLIR 19's x86vector dialect has
// no bf16 dot op, so the intrinsic is called directly (llvm.call_intrinsic,
// whose vector operands are builtin types at this level already).
//
//===----------------------------------------------------------------------===//
#include "attune/Codegen/MicroKernel.h"
#include "attune/Codegen/KernelConfig.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include <functional>

namespace mlir::attune {

namespace {

/// The value a chain of memref.subview / tensor.extract_slice ops views.
Value rootOf(Value v) {
  while (true) {
    if (auto sv = v.getDefiningOp<memref::SubViewOp>())
      v = sv.getSource();
    else if (auto es = v.getDefiningOp<tensor::ExtractSliceOp>())
      v = es.getSource();
    else
      return v;
  }
}

bool unitInnerStride(Value v) {
  auto t = dyn_cast<MemRefType>(v.getType());
  if (!t)
    return true;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(getStridesAndOffset(t, strides, offset)) || strides.empty())
    return false;
  return strides.back() == 1;
}


} // namespace

bool isBF16DotAccumulate(linalg::LinalgOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return false;
  if (!getElementTypeOrSelf(op.getDpsInputOperand(0)->get().getType()).isBF16() ||
      !getElementTypeOrSelf(op.getDpsInputOperand(1)->get().getType()).isBF16() ||
      !getElementTypeOrSelf(op.getDpsInitOperand(0)->get().getType()).isF32())
    return false;
  Block *body = op.getBlock();
  if (body->getNumArguments() != 3 || body->getOperations().size() != 5)
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
  auto ext = [](Value v) -> Value {
    auto e = v.getDefiningOp<arith::ExtFOp>();
    return e ? e.getIn() : Value();
  };
  Value x = ext(mul.getLhs()), y = ext(mul.getRhs());
  if (!((x == a && y == b) || (x == b && y == a)))
    return false;
  // The kernel reads B only from pair panels and A in k pairs.
  return bf16PanelWidth(rootOf(op.getDpsInputOperand(1)->get())) > 0;
}

int64_t bf16PanelWidth(Value v) { return weightLayoutWidth(v, "@B"); }

LogicalResult lowerToBF16MicroKernel(RewriterBase &rewriter, linalg::LinalgOp op,
                                     const ContractionDims &dims, int64_t w) {
  if (w != 16 || !op.hasPureBufferSemantics())
    return failure();
  Location loc = op.getLoc();
  Value A = op.getDpsInputOperand(0)->get(), B = op.getDpsInputOperand(1)->get(),
        C = op.getDpsInitOperand(0)->get();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t M = ranges[dims.m], N = ranges[dims.n], K = ranges[dims.k];
  RegisterTile rt = chooseRegisterTile(N, w);
  int64_t cols = rt.nr / w;
  // A pair (a[k], a[k+1]) must be contiguous: k is A's innermost dim.
  if (cast<AffineDimExpr>(maps[0].getResults().back()).getPosition() != dims.k ||
      !unitInnerStride(A) || maps[1].getNumResults() != 2)
    return failure();
  OpBuilder pb(op);
  std::optional<PanelWeight> packed = findPanelWeight(pb, loc, B, "@B");
  if (!packed || bf16PanelWidth(packed->arg) != rt.nr)
    return failure(); // attune-vectorize reports the unlowered panel weight

  Type f32 = rewriter.getF32Type(), bf16 = rewriter.getBF16Type();
  auto accType = VectorType::get({w}, f32);
  auto pairType = VectorType::get({2 * w}, bf16);
  auto argType = cast<MemRefType>(packed->arg.getType());
  int64_t kk = argType.getDimSize(0), nn = argType.getDimSize(1);
  if (kk != K)
    return failure(); // B is a column slice of the panels: all K rows
  // Panels as rows of K * nr bf16 (pairs, then an odd K's last row).
  auto pType = MemRefType::get({nn / rt.nr, kk * rt.nr}, bf16);
  auto view = pb.create<memref::ReinterpretCastOp>(
      loc, pType, packed->arg, /*offset=*/0, ArrayRef<int64_t>{nn / rt.nr, kk * rt.nr},
      ArrayRef<int64_t>{kk * rt.nr, 1});
  view->setAttr("attune.packed_view", rewriter.getUnitAttr());
  Value panels = view;

  auto cst = [&](OpBuilder &b, int64_t v) -> Value {
    return b.create<arith::ConstantIndexOp>(loc, v);
  };
  SmallVector<Value> iv(ranges.size());
  auto indices = [&](AffineMap map) {
    SmallVector<Value> out;
    for (AffineExpr e : map.getResults())
      out.push_back(iv[cast<AffineDimExpr>(e).getPosition()]);
    return out;
  };

  // K blocking (as the f32 kernel) in even blocks; an odd K is not blocked,
  // its last row is a separate step after the pairs.
  int64_t kc = K;
  if (K > 1024 && K % 2 == 0)
    for (int64_t d = 384; d >= 64; d -= 2)
      if (K % d == 0) {
        kc = d;
        break;
      }
  int64_t pairsPerBlock = kc - kc % 2;
  bool oddTail = K % 2 == 1;
  Value kBegin;

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
    Value panel = jb.create<arith::DivUIOp>(loc, jb.create<arith::AddIOp>(loc, packed->n0, j0),
                                            cst(jb, rt.nr));
    SmallVector<Value> init;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        iv[dims.m] = rowIdx[r];
        iv[dims.n] = colIdx[c];
        init.push_back(jb.create<vector::LoadOp>(loc, accType, C, indices(maps[2])));
      }
    SmallVector<Value> acc(init);
    if (pairsPerBlock > 0) {
      auto kLoop = jb.create<scf::ForOp>(
          loc, kBegin, jb.create<arith::AddIOp>(loc, kBegin, cst(jb, pairsPerBlock)), cst(jb, 2),
          init, [&](OpBuilder &kb, Location, Value k, ValueRange accIn) {
            iv[dims.k] = k;
            Value rowOff = kb.create<arith::MulIOp>(loc, k, cst(kb, rt.nr));
            SmallVector<Value> bv;
            for (int64_t c = 0; c < cols; ++c) {
              Value off = c == 0 ? rowOff
                                 : kb.create<arith::AddIOp>(loc, rowOff, cst(kb, 2 * w * c))
                                       .getResult();
              bv.push_back(
                  kb.create<vector::LoadOp>(loc, pairType, panels, ValueRange{panel, off}));
            }
            SmallVector<Value> next;
            for (int64_t r = 0; r < rows; ++r) {
              iv[dims.m] = rowIdx[r];
              // (a[k], a[k+1]) as one 32-bit element broadcast to 16 lanes:
              // LLVM emits a single vpbroadcastd from memory.
              Value pair = kb.create<vector::LoadOp>(loc, VectorType::get({2}, bf16), A,
                                                     indices(maps[0]));
              Value word = kb.create<vector::BitCastOp>(loc, VectorType::get({1}, f32), pair);
              Value splat = kb.create<vector::BroadcastOp>(loc, accType, word);
              Value av = kb.create<vector::BitCastOp>(loc, pairType, splat);
              for (int64_t c = 0; c < cols; ++c)
                next.push_back(kb.create<LLVM::CallIntrinsicOp>(
                                     loc, TypeRange{accType},
                                     "llvm.x86.avx512bf16.dpbf16ps.512",
                                     ValueRange{accIn[r * cols + c], av, bv[c]})
                                   .getResult(0));
            }
            kb.create<scf::YieldOp>(loc, next);
          });
      acc.assign(kLoop.getResults().begin(), kLoop.getResults().end());
    }
    if (oddTail) {
      // The last row of an odd K: extf to f32 and one FMA per accumulator.
      Value k = cst(jb, K - 1);
      iv[dims.k] = k;
      SmallVector<Value> bv;
      for (int64_t c = 0; c < cols; ++c) {
        Value row = jb.create<vector::LoadOp>(loc, VectorType::get({w}, bf16), panels,
                                              ValueRange{panel, cst(jb, (K - 1) * rt.nr + c * w)});
        bv.push_back(jb.create<arith::ExtFOp>(loc, accType, row));
      }
      for (int64_t r = 0; r < rows; ++r) {
        iv[dims.m] = rowIdx[r];
        Value a = jb.create<vector::LoadOp>(loc, VectorType::get({1}, bf16), A, indices(maps[0]));
        Value a32 = jb.create<arith::ExtFOp>(loc, VectorType::get({1}, f32), a);
        Value av = jb.create<vector::BroadcastOp>(loc, accType, a32);
        for (int64_t c = 0; c < cols; ++c)
          acc[r * cols + c] = jb.create<vector::FMAOp>(loc, av, bv[c], acc[r * cols + c]);
      }
    }
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        iv[dims.m] = rowIdx[r];
        iv[dims.n] = colIdx[c];
        jb.create<vector::StoreOp>(loc, acc[r * cols + c], C, indices(maps[2]));
      }
  };

  OpBuilder top(op);
  int64_t nc = heuristicNc(N, rt.nr, kc, 2);
  buildMicroKernelLoops(top, loc, dims.batch, ranges, iv, M, N, K, kc, nc, rt.mr, kBegin,
                        emitRows);
  rewriter.eraseOp(op);
  return success();
}

} // namespace mlir::attune
