//===- KernelConfig.h - per-kernel code generation configs -------*- C++ -*-===//
//
// The knobs of a GEMM micro-kernel (MicroKernel.h) as one value: register
// tile mr x nr, K block kc, vector width, and the level-1 parallel split
// qm x qn (chunks along M and N). The heuristic that used to live in
// TileAndDistribute / MicroKernel / PrepackWeights is
// heuristicMicroKernelConfig; a config chosen by `attune tune` travels as the
// op attribute
//
//   attune.config = {kc = 768 : i64, mr = 8 : i64, nr = 48 : i64, qm = 1 : i64,
//                    qn = 2 : i64, vector_width = 16 : i64}
//
// from attune.matmul / attune.fused_matmul (set by the driver from the
// tuning records, tools/lib/Tuning.cpp) to the linalg contraction
// (attune-convert-to-linalg) and its tiled, bufferized form; every reader
// falls back to the heuristic when the attribute is absent.
// `attune.config_source` ("exact" / "nearest" / "heuristic") says where the
// config came from (for attune inspect; codegen ignores it). Attention ops
// get `attune.tile_sizes = array<i64: query_tile, key_tile>` the same way.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_CODEGEN_KERNELCONFIG_H
#define ATTUNE_CODEGEN_KERNELCONFIG_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>
#include <string>

namespace mlir::attune {

constexpr llvm::StringLiteral kConfigAttr = "attune.config";
constexpr llvm::StringLiteral kConfigSourceAttr = "attune.config_source";
constexpr llvm::StringLiteral kTileSizesAttr = "attune.tile_sizes";

/// A GEMM problem: C[batch.., M, N] += A[batch.., M, K] B[.., K, N].
struct GemmShape {
  llvm::SmallVector<int64_t> batch; // batch dims of C, outermost first
  int64_t m = 1, n = 1, k = 1;
};

struct MicroKernelConfig {
  /// nc: columns of B per cache block inside one parallel chunk (a multiple
  /// of nr dividing N / qn); every row block of the chunk runs over one
  /// kc x nc block of B before the next, so that block stays in L2. 0: the
  /// whole chunk (records written before nc existed mean the heuristic's).
  int64_t mr = 8, nr = 48, kc = 0, vectorWidth = 16, qm = 1, qn = 1, nc = 0;
  bool operator==(const MicroKernelConfig &o) const {
    return mr == o.mr && nr == o.nr && kc == o.kc && vectorWidth == o.vectorWidth &&
           qm == o.qm && qn == o.qn && nc == o.nc;
  }
};

/// The micro-kernel's vector width (f32 elements) for N columns on a target
/// whose widest vector holds `targetWidth`: the target's when it divides N,
/// else 8 (one AVX2 register) when that does -- 128x1000x768 measured 1.7 vs
/// 24.8 ms on the generic vectorized path -- else the target's, which the
/// micro-kernel refuses (N takes the generic path, or is padded by weight
/// prepacking). The heuristic, tile-and-distribute and weight prepacking all
/// ask this one function.
int64_t microKernelWidth(int64_t n, int64_t targetWidth);

/// What the compiler picks without tuning records for `shape`, vector width
/// `w` and at least `chunks` parallel chunks.
MicroKernelConfig heuristicMicroKernelConfig(const GemmShape &shape, int64_t w, int64_t chunks);
/// The heuristic's kc and parallel split for a given register tile mr x nr.
MicroKernelConfig heuristicSplitForTile(const GemmShape &shape, int64_t w, int64_t mr,
                                        int64_t nr, int64_t chunks);
/// Largest divisor of `d` that is <= `limit` (>= 1).
int64_t largestDivisorAtMost(int64_t d, int64_t limit);
/// Smallest divisor of `d` that is >= `need` (d itself if none smaller).
int64_t smallestDivisorAtLeast(int64_t d, int64_t need);
/// K block of the heuristic for M rows (per batch element) and depth K: K
/// below 256; the largest divisor of K <= 128 for K <= 1024 and M <= 128,
/// and for K > 1024 and M <= 32; else for K > 1024 the largest divisor
/// <= 384; else K.
int64_t heuristicKc(int64_t m, int64_t k);
/// Column block of the heuristic for a chunk of `nChunk` columns: the
/// largest multiple of nr dividing nChunk whose kc x nc block of
/// `elementBytes`-byte B elements fits the L2 budget (kL2BlockBytes).
int64_t heuristicNc(int64_t nChunk, int64_t nr, int64_t kc, int64_t elementBytes);
/// The bytes of B one column block may hold: a quarter of a 2 MiB L2, the
/// rest is for the next block (prefetched while this one runs), the A rows
/// and the C tile. Measured on BERT-base (docs/architecture.md): 512 KiB was the
/// best of 0.5 / 1 / 2 MiB and no blocking at 2 threads; the tuner searches
/// nc per kernel.
constexpr int64_t kL2BlockBytes = 512 << 10;
/// The bytes of A (one K block of a parallel chunk's rows) the heuristic
/// keeps in L2 across the chunk's column blocks: the other half of L2 holds
/// the B block and the next one. Above it, M is split before N (measured on
/// 1024 x 768 x 768: 115 vs 102 GFLOP/s at 1 thread; docs/architecture.md).
constexpr int64_t kL2ABytes = 1 << 20;
/// Why `c` cannot compute `shape` ("" when it can): nr a multiple of the
/// vector width and a divisor of N, kc a divisor of K, qm of M, qn of N/nr.
std::string checkMicroKernelConfig(const MicroKernelConfig &c, const GemmShape &shape);

DictionaryAttr microKernelConfigAttr(MLIRContext *ctx, const MicroKernelConfig &c);
/// The op's attune.config, when present and complete.
std::optional<MicroKernelConfig> getMicroKernelConfig(Operation *op);

} // namespace mlir::attune

#endif
