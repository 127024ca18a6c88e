//===- TileAndDistribute.cpp - two-level tiling of linalg ops on tensors --===//
//
// For every linalg op (through TilingInterface, scf::tileUsingSCF):
//   level 1: scf.forall over the outer parallel dims, >= `chunks` iterations
//            when the iteration space allows (the runtime splits them across
//            threads);
//   level 2: scf.for down to a static register/vector tile:
//              contractions  [1.., mr<=4, n<=vectorWidth, k=1]
//              others        [1.., last dim <= vectorWidth]
// Every tile size divides its dimension, so inner tiles have static shapes
// (the vectorizer skips dynamic ones silently).
//
//===----------------------------------------------------------------------===//
#include "attune/Codegen/Passes.h"
#include "attune/Codegen/KernelConfig.h"
#include "attune/Codegen/MicroKernel.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"

namespace mlir::attune {
#define GEN_PASS_DEF_TILEANDDISTRIBUTEPASS
#include "attune/Codegen/Passes.h.inc"

namespace {

/// Largest divisor of `d` that is <= `limit` (>= 1).
int64_t largestDivisorAtMost(int64_t d, int64_t limit) {
  for (int64_t t = std::min(d, limit); t > 1; --t)
    if (d % t == 0)
      return t;
  return 1;
}

/// Smallest divisor of `d` that is >= `need` (d itself if none smaller).
int64_t smallestDivisorAtLeast(int64_t d, int64_t need) {
  for (int64_t q = std::max<int64_t>(need, 1); q < d; ++q)
    if (d % q == 0)
      return q;
  return d;
}

/// Vector tile of a dimension: a divisor up to `w`; when the only divisors
/// are poor (prime-ish sizes) and the dim is small, the whole dim.
int64_t vectorTile(int64_t d, int64_t w) {
  int64_t t = largestDivisorAtMost(d, w);
  if (t * 2 < std::min(d, w) && d <= 4 * w)
    return d;
  return t;
}

std::optional<SmallVector<int64_t>> staticDomain(RewriterBase &rewriter, TilingInterface op) {
  SmallVector<int64_t> sizes;
  for (Range r : op.getIterationDomain(rewriter)) {
    auto s = getConstantIntValue(r.size);
    auto o = getConstantIntValue(r.offset);
    if (!s || !o || *o != 0)
      return std::nullopt;
    sizes.push_back(*s);
  }
  return sizes;
}

FailureOr<TilingInterface> tile(RewriterBase &rewriter, TilingInterface op,
                                ArrayRef<int64_t> sizes, scf::SCFTilingOptions::LoopType kind) {
  if (llvm::all_of(sizes, [](int64_t s) { return s == 0; }))
    return op;
  scf::SCFTilingOptions options;
  options.setLoopType(kind);
  options.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), sizes));
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> result = scf::tileUsingSCF(rewriter, op, options);
  if (failed(result))
    return failure();
  rewriter.replaceOp(op, result->replacements);
  return cast<TilingInterface>(result->tiledOps.back());
}

struct TileAndDistributePass : impl::TileAndDistributePassBase<TileAndDistributePass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> targets;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics())
        targets.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp linalgOp : targets) {
      auto op = cast<TilingInterface>(linalgOp.getOperation());
      auto domain = staticDomain(rewriter, op);
      if (!domain || domain->empty())
        continue;
      SmallVector<utils::IteratorType> iters = op.getLoopIteratorTypes();

      // f32 contractions: tiles of whole register blocks, left whole for the
      // micro-kernel (MicroKernel.h) after bufferization. The split comes from
      // the op's attune.config (tuning records) or the heuristic
      // (KernelConfig.h).
      std::optional<MicroKernelConfig> given = getMicroKernelConfig(linalgOp);
      int64_t w = given ? given->vectorWidth : vectorWidth;
      if (auto dims = matchMicroKernelContraction(linalgOp, w)) {
        SmallVector<int64_t> l1(domain->size(), 0);
        int64_t have = 1;
        GemmShape shape;
        for (unsigned b : dims->batch) {
          shape.batch.push_back((*domain)[b]);
          if (have < chunks && (*domain)[b] > 1) {
            l1[b] = 1;
            have *= (*domain)[b];
          }
        }
        int64_t M = (*domain)[dims->m], N = (*domain)[dims->n];
        shape.m = M;
        shape.n = N;
        shape.k = (*domain)[dims->k];
        MicroKernelConfig cfg = given.value_or(heuristicMicroKernelConfig(shape, w, chunks));
        std::string why = checkMicroKernelConfig(cfg, shape);
        if (!why.empty()) {
          op->emitError("attune-tile-and-distribute: attune.config does not fit this "
                        "contraction: ") << why;
          return signalPassFailure();
        }
        int64_t qm = cfg.qm, qn = cfg.qn;
        if (qm > 1)
          l1[dims->m] = M / qm;
        if (qn > 1)
          l1[dims->n] = N / qn;
        FailureOr<TilingInterface> tiled =
            tile(rewriter, op, l1, scf::SCFTilingOptions::LoopType::ForallOp);
        if (failed(tiled)) {
          op->emitError("attune-tile-and-distribute: level-1 tiling failed");
          return signalPassFailure();
        }
        (*tiled)->setAttr("attune.microkernel", rewriter.getUnitAttr());
        // The micro-kernel lowers the tile with exactly this config.
        (*tiled)->setAttr(kConfigAttr, microKernelConfigAttr(&getContext(), cfg));
        getOperation()->setAttr("attune.vector_width",
                                rewriter.getI64IntegerAttr(vectorWidth));
        continue;
      }

      // Level 1: distribute the outer parallel dims.
      SmallVector<int64_t> l1(domain->size(), 0);
      int64_t have = 1;
      for (size_t i = 0; i < domain->size() && have < chunks; ++i) {
        if (iters[i] != utils::IteratorType::parallel)
          continue;
        int64_t d = (*domain)[i];
        int64_t q = smallestDivisorAtLeast(d, (chunks + have - 1) / have);
        if (q > 1) {
          l1[i] = d / q;
          have *= q;
        }
      }
      FailureOr<TilingInterface> tiled =
          tile(rewriter, op, l1, scf::SCFTilingOptions::LoopType::ForallOp);
      if (failed(tiled)) {
        op->emitError("attune-tile-and-distribute: level-1 tiling failed");
        return signalPassFailure();
      }

      // Level 2: static vector tiles inside the forall body.
      auto tileDomain = staticDomain(rewriter, *tiled);
      if (!tileDomain)
        continue;
      size_t n = tileDomain->size();
      SmallVector<int64_t> l2(n, 1);
      auto inner = cast<linalg::LinalgOp>(tiled->getOperation());
      if (linalg::isaContractionOpInterface(inner) && n >= 3) {
        // [..., m, n, k] after canonical contraction order
        l2[n - 1] = 1;
        l2[n - 2] = vectorTile((*tileDomain)[n - 2], vectorWidth);
        l2[n - 3] = largestDivisorAtMost((*tileDomain)[n - 3], 4);
      } else {
        l2[n - 1] = vectorTile((*tileDomain)[n - 1], vectorWidth);
      }
      for (size_t i = 0; i < n; ++i)
        if (l2[i] >= (*tileDomain)[i])
          l2[i] = 0; // whole dimension: no loop
      if (failed(tile(rewriter, *tiled, l2, scf::SCFTilingOptions::LoopType::ForOp))) {
        op->emitError("attune-tile-and-distribute: level-2 tiling failed");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
} // namespace mlir::attune
