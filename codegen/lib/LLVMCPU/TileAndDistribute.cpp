//===- TileAndDistribute.cpp - two-level tiling of linalg ops on tensors --===//
//
// For every linalg op (through TilingInterface, scf::tileUsingSCF):
//   level 1: scf.forall over the outer parallel dims, >= `chunks` iterations
//            when the iteration space allows (the runtime splits them across
//            threads); skipped for ops already inside an scf.forall (the
//            tiles of attune-tile-and-fuse);
//   level 2: scf.for down to a static register/vector tile:
//              contractions  [1.., mr<=4, n<=vectorWidth, k=1]
//              others        [1.., last dim <= vectorWidth]
// Every tile size divides its dimension, so inner tiles have static shapes
// (the vectorizer skips dynamic ones silently).
//
// Micro-kernel contractions are tiled together with their zero fill and
// their elementwise epilogue (bias, activation, residual: the consumer that
// updates the contraction's result in place): the epilogue is tiled into the
// scf.forall and the contraction and fill are fused into it as producers, so
// each thread's C tile is filled, multiplied and finished while it is in
// cache, in one parallel loop instead of three.
//
// Every other op is tiled as a consumer (last first), with the linalg
// producers of its group -- those whose users are all in the group, read
// through a strict slice -- fused into its scf.forall: a layer norm's
// residual add, sums, mean, centering and sum of squares all run in the
// normalize op's loop over row tiles (docs/architecture.md, "Row groups").
//
//===----------------------------------------------------------------------===//
#include "attune/Codegen/Passes.h"
#include "attune/Codegen/KernelConfig.h"
#include "attune/Codegen/MicroKernel.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Interfaces/TilingInterface.h"

namespace mlir::attune {
#define GEN_PASS_DEF_TILEANDDISTRIBUTEPASS
#include "attune/Codegen/Passes.h.inc"

namespace {

/// A producer read through several slices of one tile (a layer norm's
/// centered values feed the sum of squares and the normalize op) is fused
/// once per slice and the copies are merged by CSE afterwards; the cap keeps
/// a deep diamond of such reads from multiplying the copies unboundedly.
constexpr int kMaxFusionsPerLoop = 64;

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

/// Level-1 tile sizes (over the contraction's loops) of a micro-kernel
/// contraction: batch dims first, then the config's split qm x qn (tuned, or
/// the heuristic's: whole register blocks, N split first; KernelConfig.h).
SmallVector<int64_t> microKernelLevel1(ArrayRef<int64_t> domain, const ContractionDims &dims,
                                       int64_t chunks, const MicroKernelConfig &cfg) {
  SmallVector<int64_t> l1(domain.size(), 0);
  int64_t have = 1;
  for (unsigned b : dims.batch)
    if (have < chunks && domain[b] > 1) {
      l1[b] = 1;
      have *= domain[b];
    }
  int64_t M = domain[dims.m], N = domain[dims.n];
  if (cfg.qm > 1)
    l1[dims.m] = M / cfg.qm;
  if (cfg.qn > 1)
    l1[dims.n] = N / cfg.qn;
  return l1;
}

/// The GEMM shape of a micro-kernel contraction.
GemmShape gemmShape(ArrayRef<int64_t> domain, const ContractionDims &dims) {
  GemmShape s;
  for (unsigned b : dims.batch)
    s.batch.push_back(domain[b]);
  s.m = domain[dims.m];
  s.n = domain[dims.n];
  s.k = domain[dims.k];
  return s;
}

/// Level 2 of a non-contraction tile: static vector-sized scf.for tiles.
LogicalResult tileToVectors(RewriterBase &rewriter, TilingInterface tiled, int64_t vectorWidth) {
  auto tileDomain = staticDomain(rewriter, tiled);
  if (!tileDomain)
    return success();
  size_t n = tileDomain->size();
  SmallVector<int64_t> l2(n, 1);
  auto inner = cast<linalg::LinalgOp>(tiled.getOperation());
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
  return success(
      succeeded(tile(rewriter, tiled, l2, scf::SCFTilingOptions::LoopType::ForOp)));
}

/// The elementwise consumer that finishes `contraction` in place: a
/// linalg.generic with only parallel loops, projected-permutation input maps,
/// an identity output map, whose init is the contraction's result (its only
/// use) and whose other inputs do not depend on it.
linalg::GenericOp findEpilogue(linalg::LinalgOp contraction) {
  Value result = contraction->getResult(0);
  if (!result.hasOneUse())
    return nullptr;
  OpOperand &use = *result.getUses().begin();
  auto generic = dyn_cast<linalg::GenericOp>(use.getOwner());
  if (!generic || !generic.hasPureTensorSemantics() || generic.getNumDpsInits() != 1 ||
      generic.getDpsInitOperand(0) != &use || generic.getNumLoops() != contraction.getNumParallelLoops())
    return nullptr;
  if (generic.getNumReductionLoops() != 0 ||
      !generic.getMatchingIndexingMap(&use).isIdentity())
    return nullptr;
  for (OpOperand *in : generic.getDpsInputOperands())
    if (!generic.getMatchingIndexingMap(in).isProjectedPermutation() || in->get() == result)
      return nullptr;
  // linalg.index in the body would see tile-relative indices after tiling
  // only if the tiling interface did not offset them; it does, but keep the
  // epilogue simple: no index ops, no nested regions.
  for (Operation &op : generic.getBody()->without_terminator())
    if (isa<linalg::IndexOp>(op) || op.getNumRegions() != 0)
      return nullptr;
  return generic;
}

/// Gives `contraction` (a reduction) a linalg.fill (and tensor.empty) of its
/// own when its init is a fill that other ops use too. CSE merges the
/// identical zero fills of every GEMM of a model into one; left shared, the
/// fill could not be fused into any of the contractions' loops, and
/// bufferization copied the one filled buffer into each GEMM's output (a
/// serial memcpy per GEMM).
/// Returns the shared fill (erased by the caller once it has no uses).
Operation *unshareFillOfInit(RewriterBase &rewriter, linalg::LinalgOp contraction) {
  OpOperand *init = contraction.getDpsInitOperand(0);
  auto fill = init->get().getDefiningOp<linalg::FillOp>();
  if (!fill || fill->getResult(0).hasOneUse())
    return nullptr;
  rewriter.setInsertionPoint(contraction);
  IRMapping map;
  Value dest = fill.getDpsInitOperand(0)->get();
  if (auto empty = dest.getDefiningOp<tensor::EmptyOp>())
    map.map(dest, rewriter.clone(*empty)->getResult(0));
  Operation *clone = rewriter.clone(*fill, map);
  rewriter.modifyOpInPlace(contraction, [&] { init->set(clone->getResult(0)); });
  return fill;
}

/// Whether `slice` reads a strict part of its source in some dim. For a
/// producer whose output maps are projected permutations, a smaller result
/// tile is a proportionally smaller part of its iteration space: fusing it
/// into a consumer's tile loop costs no extra work, whereas a producer whose
/// whole result every tile needs (a column statistic read by a row tile)
/// would be recomputed by each tile.
bool isStrictSlice(tensor::ExtractSliceOp slice) {
  auto source = dyn_cast<RankedTensorType>(slice.getSourceType());
  if (!source || !source.hasStaticShape())
    return false;
  for (auto [size, dim] : llvm::zip(slice.getStaticSizes(), source.getShape()))
    if (!ShapedType::isDynamic(size) && size < dim)
      return true;
  return false;
}

/// The ops that may be fused into `root`'s tile loop: `root`, and every
/// linalg op among the `untiled` ones (not a micro-kernel group's) whose
/// results are used only by ops of the group -- its own group, as a layer
/// norm's residual add, sums, mean, centering and sum of squares are the
/// normalize op's. A producer with a user outside (a layer norm's output,
/// read by the next GEMMs and the next residual add) keeps its own loop
/// rather than being recomputed inside another group's, which would in turn
/// pull in the layer before. Output maps must be projected permutations (so
/// a result tile maps to an iteration-space tile).
DenseSet<Operation *> fusionGroup(Operation *root, const DenseSet<Operation *> &untiled) {
  DenseSet<Operation *> group{root};
  SmallVector<Operation *> worklist{root};
  auto eligible = [&](Operation *op) {
    auto l = dyn_cast<linalg::LinalgOp>(op);
    if (!l || !untiled.contains(op) || !l.hasPureTensorSemantics())
      return false;
    for (OpOperand &init : l.getDpsInitsMutable())
      if (!l.getMatchingIndexingMap(&init).isProjectedPermutation())
        return false;
    return llvm::all_of(op->getUsers(), [&](Operation *u) { return group.contains(u); });
  };
  // A producer joins once all its users have: revisit the group's operands
  // until nothing changes (groups are a handful of ops).
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = 0; i < worklist.size(); ++i)
      for (Value operand : worklist[i]->getOperands()) {
        Operation *p = operand.getDefiningOp();
        if (p && !group.contains(p) && eligible(p)) {
          group.insert(p);
          worklist.push_back(p);
          changed = true;
        }
      }
  }
  return group;
}

/// The linalg.fill that produces the contraction's init, used only there.
Operation *fillOfInit(linalg::LinalgOp contraction) {
  auto fill = contraction.getDpsInitOperand(0)->get().getDefiningOp<linalg::FillOp>();
  return fill && fill->getResult(0).hasOneUse() ? fill.getOperation() : nullptr;
}

struct TileAndDistributePass : impl::TileAndDistributePassBase<TileAndDistributePass> {
  using Base::Base;

  /// Parallel chunks wanted for `op`: none inside a loop that is already
  /// distributed (an scf.forall of an earlier pass), else the option.
  int64_t chunksFor(Operation *op) const {
    return op->getParentOfType<scf::ForallOp>() ? 1 : static_cast<int64_t>(chunks);
  }

  /// The micro-kernel vector width of `op`: its attune.config's, else the
  /// heuristic's for its N (microKernelWidth).
  int64_t widthFor(linalg::LinalgOp op) const {
    if (std::optional<MicroKernelConfig> c = getMicroKernelConfig(op))
      return c->vectorWidth;
    std::optional<ContractionDims> dims = matchMicroKernelContraction(op, /*vectorWidth=*/1);
    if (!dims)
      return vectorWidth;
    return microKernelWidth(op.getStaticLoopRanges()[dims->n], vectorWidth);
  }

  /// Tiles a micro-kernel contraction into an scf.forall of whole register
  /// blocks, together with the linalg.fill of its init and its epilogue (when
  /// there are); the tiled contraction is marked `attune.microkernel`, the
  /// other tiled ops get vector tiles.
  LogicalResult tileMicroKernelGroup(RewriterBase &rewriter, linalg::LinalgOp contraction) {
    int64_t w = widthFor(contraction);
    auto dims = matchMicroKernelContraction(contraction, w);
    auto domain = staticDomain(rewriter, cast<TilingInterface>(contraction.getOperation()));
    if (!dims || !domain)
      return success();
    // The op's attune.config (tuning records) or the heuristic's.
    int64_t want = chunksFor(contraction.getOperation());
    GemmShape shape = gemmShape(*domain, *dims);
    MicroKernelConfig cfg = getMicroKernelConfig(contraction)
                                .value_or(heuristicMicroKernelConfig(shape, w, want));
    std::string why = checkMicroKernelConfig(cfg, shape);
    if (!why.empty())
      return contraction->emitError("attune-tile-and-distribute: attune.config does not fit "
                                    "this contraction: ")
             << why;
    // The micro-kernel lowers the tile with exactly this config.
    DictionaryAttr cfgAttr = microKernelConfigAttr(rewriter.getContext(), cfg);
    SmallVector<int64_t> l1 = microKernelLevel1(*domain, *dims, want, cfg);
    getOperation()->setAttr("attune.vector_width", rewriter.getI64IntegerAttr(vectorWidth));

    Operation *fill = fillOfInit(contraction);
    // The f32 micro-kernel starts its accumulators at the fill's value and
    // drops the fill (MicroKernel.cpp), which it finds whole, right before
    // the contraction; bf16 kernels load C and keep the fill vector-tiled.
    bool keepFillWhole = fill && !isBF16DotAccumulate(contraction);
    linalg::GenericOp epilogue = findEpilogue(contraction);
    // The consumer's loops are the contraction's output dims.
    AffineMap outMap = contraction.getMatchingIndexingMap(contraction.getDpsInitOperand(0));
    SmallVector<int64_t> consumerTiles;
    for (unsigned p = 0; p < outMap.getNumResults(); ++p)
      consumerTiles.push_back(l1[outMap.getDimPosition(p)]);
    Operation *consumer = epilogue ? epilogue.getOperation() : contraction.getOperation();
    SmallVector<int64_t> sizes = epilogue ? consumerTiles : l1;

    if (llvm::all_of(sizes, [](int64_t t) { return t == 0; })) {
      // One chunk: nothing to distribute, the ops stay whole.
      contraction->setAttr("attune.microkernel", rewriter.getUnitAttr());
      contraction->setAttr(kConfigAttr, cfgAttr);
      if (fill && !keepFillWhole) {
        if (failed(tileToVectors(rewriter, cast<TilingInterface>(fill), vectorWidth)))
          return contraction->emitError("attune-tile-and-distribute: tiling the fill failed");
      }
      if (epilogue) {
        if (failed(tileToVectors(rewriter, cast<TilingInterface>(epilogue.getOperation()),
                                 vectorWidth)))
          return contraction->emitError("attune-tile-and-distribute: tiling the epilogue failed");
      }
      return success();
    }

    scf::SCFTileAndFuseOptions options;
    scf::SCFTilingOptions tiling;
    tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
    tiling.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), sizes));
    options.setTilingOptions(tiling);
    Operation *contractionOp = contraction.getOperation();
    options.setFusionControlFn([&](tensor::ExtractSliceOp, OpResult producer, bool) {
      Operation *owner = producer.getOwner();
      return std::make_tuple(owner == contractionOp || (fill && owner == fill), false);
    });
    rewriter.setInsertionPoint(consumer);
    FailureOr<scf::SCFTileAndFuseResult> result = scf::tileConsumerAndFuseProducersUsingSCF(
        rewriter, cast<TilingInterface>(consumer), options);
    if (failed(result))
      return contraction->emitError("attune-tile-and-distribute: level-1 tiling failed");

    Operation *tiledContraction = nullptr;
    SmallVector<Operation *> others;
    for (Operation *t : result->tiledAndFusedOps) {
      auto linalgT = dyn_cast<linalg::LinalgOp>(t);
      if (linalgT && matchMicroKernelContraction(linalgT, w) && !isa<linalg::FillOp>(t))
        tiledContraction = t;
      else
        others.push_back(t);
    }
    if (!tiledContraction)
      return contraction->emitError(
          "attune-tile-and-distribute: the contraction was not fused into its epilogue's loop");
    tiledContraction->setAttr("attune.microkernel", rewriter.getUnitAttr());
    tiledContraction->setAttr(kConfigAttr, cfgAttr);
    for (Operation *t : others) {
      if (keepFillWhole && isa<linalg::FillOp>(t))
        continue;
      if (failed(tileToVectors(rewriter, cast<TilingInterface>(t), vectorWidth)))
        return t->emitError("attune-tile-and-distribute: level-2 tiling failed");
    }

    for (OpResult r : consumer->getResults())
      if (Value v = result->replacements.lookup(r))
        rewriter.replaceAllUsesWith(r, v);
    for (Operation *dead : {consumer, epilogue ? contractionOp : nullptr, fill})
      if (dead && dead->use_empty())
        rewriter.eraseOp(dead);
    return success();
  }

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    // Micro-kernel contractions with their fill and epilogue (groups), and
    // every other linalg op on tensors, collected before anything is tiled.
    SmallVector<linalg::LinalgOp> contractions, targets;
    DenseSet<Operation *> members;
    SetVector<Operation *> sharedFills;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!op.hasPureTensorSemantics())
        return;
      // Every reduction gets its own init fill (a layer norm's sums too, so
      // the fill joins the layer norm's loop).
      if (op.getNumReductionLoops() > 0 && op.getNumDpsInits() == 1)
        if (Operation *shared = unshareFillOfInit(rewriter, op))
          sharedFills.insert(shared);
      if (!matchMicroKernelContraction(op, widthFor(op)))
        return;
      contractions.push_back(op);
      members.insert(op);
      if (Operation *fill = fillOfInit(op))
        members.insert(fill);
      if (linalg::GenericOp epilogue = findEpilogue(op))
        members.insert(epilogue);
    });
    for (Operation *fill : sharedFills)
      if (fill->use_empty()) {
        Operation *empty = fill->getOperand(1).getDefiningOp<tensor::EmptyOp>();
        rewriter.eraseOp(fill);
        if (empty && empty->use_empty())
          rewriter.eraseOp(empty);
      }
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && !members.contains(op))
        targets.push_back(op);
    });
    for (linalg::LinalgOp c : contractions)
      if (failed(tileMicroKernelGroup(rewriter, c)))
        return signalPassFailure();

    // Every other op: level 1 over its outer parallel dims, with the linalg
    // producers whose needed slice is a strict part of their result fused
    // into the same loop (a layer norm's residual add, sums, mean, centering
    // and sum of squares all go into the normalize op's loop over rows: one
    // parallel loop instead of six, the rows' data in L1 throughout); then
    // level 2. Consumers are visited first (reverse order), so a producer is
    // fused into its consumers' loops before it would get one of its own; a
    // producer left without uses is erased when its turn comes.
    DenseSet<Operation *> untiled;
    for (linalg::LinalgOp t : targets)
      untiled.insert(t.getOperation());
    for (linalg::LinalgOp linalgOp : llvm::reverse(targets)) {
      Operation *raw = linalgOp.getOperation();
      if (raw->use_empty() && wouldOpBeTriviallyDead(raw)) {
        untiled.erase(raw);
        rewriter.eraseOp(raw);
        continue;
      }
      auto op = cast<TilingInterface>(raw);
      auto domain = staticDomain(rewriter, op);
      if (!domain || domain->empty())
        continue;
      SmallVector<utils::IteratorType> iters = op.getLoopIteratorTypes();

      // Level 1: distribute the outer parallel dims.
      int64_t want = chunksFor(raw);
      SmallVector<int64_t> l1(domain->size(), 0);
      int64_t have = 1;
      for (size_t i = 0; i < domain->size() && have < want; ++i) {
        if (iters[i] != utils::IteratorType::parallel)
          continue;
        int64_t d = (*domain)[i];
        int64_t q = smallestDivisorAtLeast(d, (want + have - 1) / have);
        if (q > 1) {
          l1[i] = d / q;
          have *= q;
        }
      }
      if (llvm::all_of(l1, [](int64_t t) { return t == 0; })) {
        untiled.erase(raw);
        // Level 2 only (one chunk, or already inside a distributed loop).
        if (failed(tileToVectors(rewriter, op, vectorWidth))) {
          raw->emitError("attune-tile-and-distribute: level-2 tiling failed");
          return signalPassFailure();
        }
        continue;
      }
      scf::SCFTileAndFuseOptions options;
      scf::SCFTilingOptions tiling;
      tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      tiling.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), l1));
      options.setTilingOptions(tiling);
      DenseSet<Operation *> group = fusionGroup(raw, untiled);
      int fusions = 0;
      options.setFusionControlFn([&](tensor::ExtractSliceOp slice, OpResult producer, bool) {
        bool fuse = group.contains(producer.getOwner()) && fusions < kMaxFusionsPerLoop &&
                    isStrictSlice(slice);
        fusions += fuse;
        return std::make_tuple(fuse, false);
      });
      rewriter.setInsertionPoint(raw);
      FailureOr<scf::SCFTileAndFuseResult> result =
          scf::tileConsumerAndFuseProducersUsingSCF(rewriter, op, options);
      if (failed(result) || result->loops.empty()) {
        raw->emitError("attune-tile-and-distribute: level-1 tiling failed");
        return signalPassFailure();
      }
      untiled.erase(raw);
      for (OpResult r : raw->getResults())
        if (Value v = result->replacements.lookup(r))
          rewriter.replaceAllUsesWith(r, v);
      if (raw->use_empty())
        rewriter.eraseOp(raw);
      // A producer read through two slices (a layer norm's centered values
      // feed the sum of squares and the normalize op) was fused twice: merge
      // the identical copies, then give every op of the tile vector tiles.
      Operation *loop = result->loops.front().getOperation();
      DominanceInfo dom;
      eliminateCommonSubExpressions(rewriter, dom, loop);
      SmallVector<TilingInterface> inner;
      loop->walk([&](linalg::LinalgOp l) {
        if (l.hasPureTensorSemantics())
          inner.push_back(cast<TilingInterface>(l.getOperation()));
      });
      for (TilingInterface t : inner)
        if (failed(tileToVectors(rewriter, t, vectorWidth))) {
          t->emitError("attune-tile-and-distribute: level-2 tiling failed");
          return signalPassFailure();
        }
    }
  }
};

} // namespace
} // namespace mlir::attune
