//===- VectorizeMemrefs.cpp - vectorize linalg on memrefs -----------------===//
//
// Runs after bufferization (llvm#101708: vectorizing on tensors in MLIR 19
// drops stores of fused epilogues).
//   memref.copy                      -> linalg.copy (then vectorized like the rest)
//   linalg op with static shapes     -> vector.transfer_read / arith / contract /
//                                       multi_reduction / transfer_write
//   ops that do not vectorize (gathers from a memref.load in the body)
//                                    -> left for convert-linalg-to-loops
// followed by unit-dim cleanup, transfer forwarding and hoisting of the
// accumulator transfers out of the innermost scf.for (register blocking).
//
//===----------------------------------------------------------------------===//
#include "attune/Codegen/Passes.h"
#include "attune/Codegen/MicroKernel.h"
#include "attune/Codegen/MicroKernelAMX.h"

#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorTransforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

namespace mlir::attune {
#define GEN_PASS_DEF_VECTORIZEMEMREFSPASS
#include "attune/Codegen/Passes.h.inc"

namespace {

/// The identity of the float reduction `kind` (sums, max, min); none for the
/// others, which are left alone.
std::optional<double> reductionIdentity(vector::CombiningKind kind) {
  double inf = std::numeric_limits<double>::infinity();
  switch (kind) {
  case vector::CombiningKind::ADD:
    return -0.0;
  case vector::CombiningKind::MAXIMUMF:
  case vector::CombiningKind::MAXNUMF:
    return -inf;
  case vector::CombiningKind::MINIMUMF:
  case vector::CombiningKind::MINNUMF:
    return inf;
  default:
    return std::nullopt;
  }
}

/// A row reduction tiled into W-wide steps is a loop carrying one scalar:
///
///   %r = scf.for ... iter_args(%a = %init) -> (vector<1xf32>) {
///     %s = vector.reduction <add>, %v, (vector.extract %a[0]) : vector<16xf32>
///     scf.yield (vector.insertelement %s ...)
///   }
///
/// so every step reduces its vector horizontally (a shuffle tree; for
/// maximumf, whose NaN rule x86 has no instruction for, a scalar chain of
/// compares and blends per element). Carry a vector accumulator instead,
/// combined elementwise (starting from the identity), and reduce it once after
/// the loop, into the original initial value. Sums are reassociated (the
/// lowering already marks them reassoc); max/min are exact.
void vectorizeLoopCarriedReductions(func::FuncOp func) {
  SmallVector<vector::ReductionOp> candidates;
  func.walk([&](vector::ReductionOp red) {
    if (red.getAcc() && isa<scf::ForOp>(red->getParentOp()))
      candidates.push_back(red);
  });
  IRRewriter rewriter(func.getContext());
  for (vector::ReductionOp red : candidates) {
    auto forOp = cast<scf::ForOp>(red->getParentOp());
    VectorType vt = red.getSourceVectorType();
    std::optional<double> identity = reductionIdentity(red.getKind());
    if (!identity || vt.getRank() != 1 || vt.isScalable() || !red.getResult().hasOneUse())
      continue;
    // acc: the iter_arg itself (f32) or vector.extract %iter_arg[0] (vector<1xf32>).
    Value acc = red.getAcc();
    auto extract = acc.getDefiningOp<vector::ExtractOp>();
    auto arg = dyn_cast<BlockArgument>(extract ? extract.getVector() : acc);
    if (!arg || arg.getOwner() != forOp.getBody() || arg.getArgNumber() == 0 ||
        !arg.hasOneUse() || (extract && !extract->hasOneUse()))
      continue;
    unsigned iterIdx = arg.getArgNumber() - 1;
    auto yield = cast<scf::YieldOp>(forOp.getBody()->getTerminator());
    // yielded: the reduction (f32) or insertelement/broadcast of it (vector<1xf32>).
    Operation *wrap = nullptr;
    Value yielded = yield.getOperand(iterIdx);
    if (yielded != red.getResult()) {
      wrap = yielded.getDefiningOp();
      if (!wrap || !wrap->hasOneUse() ||
          !(isa<vector::InsertElementOp, vector::InsertOp, vector::BroadcastOp, vector::SplatOp>(
              wrap)) ||
          !llvm::is_contained(wrap->getOperands(), red.getResult()))
        continue;
    }
    // f32 carry: no extract, no wrap; vector<1xf32> carry: both.
    Type elt = vt.getElementType();
    bool scalarCarry = arg.getType() == elt && !extract && !wrap;
    bool vectorCarry = arg.getType() == VectorType::get({1}, elt) && extract && wrap &&
                       wrap->getResult(0).getType() == arg.getType();
    if (!scalarCarry && !vectorCarry)
      continue;
    Location loc = red.getLoc();
    // The new vector accumulator.
    rewriter.setInsertionPoint(forOp);
    Value idSplat = rewriter.create<arith::ConstantOp>(
        loc, vt, DenseElementsAttr::get(vt, rewriter.getFloatAttr(vt.getElementType(), *identity)));
    Value vecIn = red.getVector();
    vector::CombiningKind kind = red.getKind();
    auto newLoop = cast<scf::ForOp>(*forOp.replaceWithAdditionalYields(
        rewriter, ValueRange{idSplat}, /*replaceInitOperandUsesInLoop=*/false,
        [&](OpBuilder &b, Location l, ArrayRef<BlockArgument> bbArgs) -> SmallVector<Value> {
          return {vector::makeArithReduction(b, l, kind, bbArgs[0], vecIn)};
        }));
    // The old scalar carry becomes a pass-through (and dies); the result is
    // the one horizontal reduction after the loop.
    auto newYield = cast<scf::YieldOp>(newLoop.getBody()->getTerminator());
    BlockArgument oldArg = newLoop.getRegionIterArgs()[iterIdx];
    rewriter.modifyOpInPlace(newYield, [&] { newYield.setOperand(iterIdx, oldArg); });
    if (wrap)
      rewriter.eraseOp(wrap);
    Value accVec = newLoop.getResults().back();
    Value oldInit = newLoop.getInitArgs()[iterIdx];
    Value oldResult = newLoop.getResult(iterIdx);
    rewriter.setInsertionPointAfter(newLoop);
    Value initScalar = extract ? rewriter.create<vector::ExtractOp>(loc, oldInit, 0).getResult()
                               : oldInit;
    Value total = rewriter.create<vector::ReductionOp>(loc, kind, accVec, initScalar,
                                                       red.getFastmathAttr().getValue());
    Value replacement = extract ? rewriter.create<vector::BroadcastOp>(loc, oldArg.getType(), total)
                                      .getResult()
                                : total;
    rewriter.replaceAllUsesWith(oldResult, replacement);
    rewriter.eraseOp(red);
    if (extract)
      rewriter.eraseOp(extract);
  }
}

struct VectorizeMemrefsPass : impl::VectorizeMemrefsPassBase<VectorizeMemrefsPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);

    // Contiguous copies stay memref.copy (a memcpy); strided ones become
    // linalg.copy so they vectorize (never MLIR's memrefCopy runtime call).
    SmallVector<memref::CopyOp> copies;
    func.walk([&](memref::CopyOp op) {
      auto src = cast<MemRefType>(op.getSource().getType());
      auto dst = cast<MemRefType>(op.getTarget().getType());
      if (!src.getLayout().isIdentity() || !dst.getLayout().isIdentity())
        copies.push_back(op);
    });
    for (memref::CopyOp op : copies) {
      rewriter.setInsertionPoint(op);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(op, op.getSource(), op.getTarget());
    }

    // f32 contractions that TileAndDistribute left whole: register-blocked
    // micro-kernels (MicroKernel.h) instead of linalg::vectorize.
    int64_t vectorWidth = 16;
    if (auto w = func->getAttrOfType<IntegerAttr>("attune.vector_width"))
      vectorWidth = w.getInt();
    func->removeAttr("attune.vector_width"); // a hand-over between the two passes only
    SmallVector<linalg::LinalgOp> contractions;
    func.walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics() && op->hasAttr("attune.microkernel"))
        contractions.push_back(op);
    });
    for (linalg::LinalgOp op : contractions) {
      // amx: bf16 GEMMs on AMX tiles where they fit, else the avx512_bf16 kernel.
      if (useAmx && succeeded(lowerToAMXMicroKernel(rewriter, op)))
        continue;
      (void)lowerToMicroKernel(rewriter, op, vectorWidth); // failure: vectorized below
    }
    // Weights stored in panel layout may only be read by micro-kernels: any
    // other reader would see scrambled data, so that is a compile error.
    for (BlockArgument arg : func.getArguments()) {
      if (packedPanelWidth(arg) <= 0 && bf16PanelWidth(arg) <= 0)
        continue;
      SmallVector<Value> worklist{arg};
      while (!worklist.empty()) {
        Value v = worklist.pop_back_val();
        for (Operation *user : llvm::make_early_inc_range(v.getUsers())) {
          if (auto sv = dyn_cast<memref::SubViewOp>(user)) {
            if (sv->use_empty())
              rewriter.eraseOp(sv);
            else
              worklist.push_back(sv);
            continue;
          }
          if (user->hasAttr("attune.packed_view"))
            continue;
          user->emitError("internal error: weight argument ")
              << arg.getArgNumber() << " is stored in the micro-kernel's panel layout but read "
              << "by an op the micro-kernel did not lower";
          return signalPassFailure();
        }
      }
    }

    SmallVector<linalg::LinalgOp> targets;
    // Ops outside the tiled loops (e.g. copies that bufferization created)
    // can be large: vectorizing them whole would create huge vectors (and
    // stack temporaries), so above kMaxVectorElements they become loops.
    constexpr int64_t kMaxVectorElements = 4096;
    func.walk([&](linalg::LinalgOp op) {
      if (!op.hasPureBufferSemantics() || op.hasDynamicShape())
        return;
      // i1 buffers hold one byte per element (the ABI's bool), but vector<N x i1>
      // loads/stores are bit-packed in LLVM: keep those ops scalar.
      for (OpOperand &operand : op->getOpOperands())
        if (auto mt = dyn_cast<MemRefType>(operand.get().getType()))
          if (mt.getElementType().isInteger(1))
            return;
      int64_t volume = 1;
      for (int64_t size : op.getStaticLoopRanges())
        volume *= size;
      if (volume <= kMaxVectorElements)
        targets.push_back(op);
    });
    for (linalg::LinalgOp op : targets) {
      rewriter.setInsertionPoint(op);
      (void)linalg::vectorize(rewriter, op); // failure: stays, lowered to loops later
    }

    RewritePatternSet patterns(ctx);
    // No reduction-to-contract: with k tiles of 1 the multi-reduction folds
    // to a plain multiply-add on vector<n>, which lowers to clean code
    // (the outer-product lowering of vector.contract transposes B element by
    // element).
    // vector::populateVectorReductionToContractPatterns(patterns);
    vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
    // Reductions over unit dims (the k = 1 tiles of contractions) become
    // plain elementwise multiply-adds.
    vector::MultiDimReductionOp::getCanonicalizationPatterns(patterns, ctx);
    vector::populateShapeCastFoldingPatterns(patterns);
    vector::BroadcastOp::getCanonicalizationPatterns(patterns, ctx);
    vector::ShapeCastOp::getCanonicalizationPatterns(patterns, ctx);
    vector::TransferReadOp::getCanonicalizationPatterns(patterns, ctx);
    vector::TransferWriteOp::getCanonicalizationPatterns(patterns, ctx);
    memref::populateFoldMemRefAliasOpPatterns(patterns);
    // Non-convergence within the iteration bound leaves valid IR: go on.
    GreedyRewriteConfig config;
    config.maxIterations = 8;
    (void)applyPatternsAndFoldGreedily(func, std::move(patterns), config);

    linalg::hoistRedundantVectorTransfers(func);

    // Lower n-D vector ops to 1-D ones that convert-vector-to-llvm handles:
    // contractions to outer products (FMAs), multi-reductions to inner
    // reductions, transposes/broadcasts/shape_casts, n-D transfers to 1-D.
    RewritePatternSet lowering(ctx);
    vector::VectorTransformsOptions options;
    options.setVectorTransformsOptions(vector::VectorContractLowering::OuterProduct);
    options.setVectorTransposeLowering(vector::VectorTransposeLowering::EltWise);
    vector::populateVectorContractLoweringPatterns(lowering, options);
    vector::populateVectorOuterProductLoweringPatterns(lowering);
    vector::populateVectorMultiReductionLoweringPatterns(
        lowering, vector::VectorMultiReductionLowering::InnerReduction);
    vector::populateVectorBroadcastLoweringPatterns(lowering);
    vector::populateVectorShapeCastLoweringPatterns(lowering);
    vector::populateVectorTransposeLoweringPatterns(lowering, options);
    vector::populateVectorTransferPermutationMapLoweringPatterns(lowering);
    vector::populateVectorTransferLoweringPatterns(lowering, /*maxTransferRank=*/1);
    vector::populateCastAwayVectorLeadingOneDimPatterns(lowering);
    (void)applyPatternsAndFoldGreedily(func, std::move(lowering), config);
    vectorizeLoopCarriedReductions(func);
  }
};

} // namespace
} // namespace mlir::attune
