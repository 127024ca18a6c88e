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

namespace mlir::attune {
#define GEN_PASS_DEF_VECTORIZEMEMREFSPASS
#include "attune/Codegen/Passes.h.inc"

namespace {

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
  }
};

} // namespace
} // namespace mlir::attune
