//===- MicroKernel.h - register-blocked f32 GEMM micro-kernels --*- C++ -*-===//
//
// A contraction C[b.., m, n] += A[b.., m, k] * B[b.., k, n] (f32, static
// shapes, B and C contiguous along n) is lowered on memrefs to explicit
// register-blocked loops instead of going through linalg::vectorize:
//
//   for i0 in M step MR:                      (a tail block for M % MR rows)
//     for j0 in N step NR:
//       acc[r][c] = C[i0 + r, j0 + W c]       (MR x NR/W vector<W x f32>)
//       for k in K:
//         b[c] = B[k, j0 + W c]               (NR/W vector loads)
//         for r: acc[r][c] = fma(broadcast(A[i0 + r, k]), b[c], acc[r][c])
//       C[i0 + r, j0 + W c] = acc[r][c]
//
// With W = 16 (AVX-512), NR = 48 and MR = 8 that is 24 accumulators, 3 loads
// of B and 8 broadcasts of A per k: the recipe that measured 97% of this
// machine's peak (shared/BUILD-NOTES.md). The accumulators are scf.for
// iter_args, so LLVM keeps them in registers (the loop unroller is off).
//
// Weights that the compiler prepacked into panels [N/NR][K][NR] are read as
// P[(n0 + j0) / NR][k][W c]: one contiguous NR-float row per k.
//
// TileAndDistribute uses the same predicate on tensors to leave eligible
// contractions whole inside each forall tile (no level-2 tiling) and to
// choose level-1 tiles that are multiples of the register tile.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_CODEGEN_LLVMCPU_MICROKERNEL_H
#define ATTUNE_CODEGEN_LLVMCPU_MICROKERNEL_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::attune {

/// Which loop of a contraction is m, n, k (the others are batch dims).
struct ContractionDims {
  unsigned m, n, k;
  SmallVector<unsigned> batch;
};

/// The register tile for a given N and vector width (elements).
struct RegisterTile {
  int64_t mr = 8, nr = 48;
};

/// Matches a linalg op that is an f32 multiply-accumulate contraction with
/// static shapes, indexing maps that are projected permutations, one
/// reduction dim k, n the innermost dim of B and C, and N a multiple of
/// `vectorWidth`. Works on tensors and memrefs.
std::optional<ContractionDims> matchMicroKernelContraction(linalg::LinalgOp op,
                                                           int64_t vectorWidth);

RegisterTile chooseRegisterTile(int64_t n, int64_t vectorWidth);

/// nr when `v` is a function argument holding a weight in panel layout
/// ([N/nr][K][nr] bytes behind a [K, N] type; its attune.weight name ends in
/// "@P<nr>", see tools/lib/PrepackWeights.cpp), else 0.
int64_t packedPanelWidth(Value v);

/// The width W when `v` is a function argument whose attune.weight name ends
/// in `marker` followed by W (a prepacked layout: "@P48", "@B48"), else 0.
int64_t weightLayoutWidth(Value v, StringRef marker);

/// A weight read through unit-stride 2-D subviews (row offset 0) of a
/// function argument stored in a prepacked layout whose name ends in
/// `marker` + width ("@P48" f32 panels, "@B32" bf16 pair panels): the
/// argument, the width and the N offset of the view, built at `b` (nothing
/// is built when it does not match).
struct PanelWeight {
  BlockArgument arg;
  int64_t nr = 0;
  Value n0;
};
std::optional<PanelWeight> findPanelWeight(OpBuilder &b, Location loc, Value v,
                                           StringRef marker);

/// Replaces a matched contraction on memrefs (B and C unit-stride along n)
/// with the register-blocked loops. Fails (IR unchanged) when it does not
/// apply.
LogicalResult lowerToMicroKernel(RewriterBase &rewriter, linalg::LinalgOp op,
                                 int64_t vectorWidth);

//===----------------------------------------------------------------------===//
// bf16 (MicroKernelBF16.cpp, docs/bf16.md)
//===----------------------------------------------------------------------===//

/// The contraction attune.matmul's mixed form lowers to: bf16 A and B, f32
/// C, body yield(c + extf(a) * extf(b)).
bool isBF16DotAccumulate(linalg::LinalgOp op);

/// nr when `v` is a function argument holding a bf16 weight in pair-panel
/// layout (name suffix "@B<nr>", tools/lib/PrepackBF16.cpp), else 0.
int64_t bf16PanelWidth(Value v);

/// The avx512_bf16 micro-kernel for a contraction matched as
/// isBF16DotAccumulate (memrefs): per pair of k, vdpbf16ps of a broadcast
/// (a[k], a[k+1]) pair with a 32-bf16 row of the B panel. Fails (IR
/// unchanged) when B is not a pair panel of the tile's nr or A's k is not
/// its innermost, unit-stride dim.
LogicalResult lowerToBF16MicroKernel(RewriterBase &rewriter, linalg::LinalgOp op,
                                     const ContractionDims &dims, int64_t vectorWidth);

/// The loop nest both micro-kernels (f32, bf16) run their register blocks in,
/// built at `b`: one scf.for per batch dim (setting iv[d]), a loop over K
/// blocks of `kc` when kc < K (`kBegin` is its induction variable, else 0),
/// a loop over column blocks of `nc` when nc < N, then row blocks of `mr` and
/// a tail block of M % mr rows; `emitRows(builder, firstRow, rows,
/// firstColumn, columns)` emits one row block's loop over the column block's
/// register panels, with their k loops and stores.
using EmitRowsFn = function_ref<void(OpBuilder &, Value, int64_t, Value, int64_t)>;
void buildMicroKernelLoops(OpBuilder &b, Location loc, ArrayRef<unsigned> batchDims,
                           ArrayRef<int64_t> ranges, SmallVectorImpl<Value> &iv, int64_t M,
                           int64_t N, int64_t K, int64_t kc, int64_t nc, int64_t mr,
                           Value &kBegin, EmitRowsFn emitRows);

} // namespace mlir::attune

#endif
