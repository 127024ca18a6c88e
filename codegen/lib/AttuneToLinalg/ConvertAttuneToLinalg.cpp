//===- ConvertAttuneToLinalg.cpp - attune -> linalg on tensors ------------===//
//
// Assembles the per-family patterns (PopulatePatterns.h) and applies them.
// Every attune op except attune.weight (removed earlier by
// attune-weights-to-args) and the codegen ops must be gone afterwards.
//
//===----------------------------------------------------------------------===//
#include "PopulatePatterns.h"

#include "attune/Codegen/Passes.h"
#include "attune/IR/AttuneOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::attune {
#define GEN_PASS_DEF_CONVERTATTUNETOLINALGPASS
#include "attune/Codegen/Passes.h.inc"

namespace {
struct ConvertAttuneToLinalgPass
    : impl::ConvertAttuneToLinalgPassBase<ConvertAttuneToLinalgPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateElementwisePatterns(patterns);
    populateContractionPatterns(patterns);
    populateNormalizationPatterns(patterns);
    populateAttentionPatterns(patterns);
    populateShapePatterns(patterns);
    GreedyRewriteConfig config;
    config.useTopDownTraversal = true;
    config.enableRegionSimplification = GreedySimplifyRegionLevel::Disabled;
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
    bool failedOp = false;
    getOperation().walk([&](Operation *op) {
      if (isa<AttuneDialect>(op->getDialect()) && !isa<ParallelForOp, ParallelYieldOp>(op)) {
        op->emitError("attune-convert-to-linalg: no CPU lowering for '")
            << op->getName() << "' here"
            << (isa<WeightOp>(op) ? " (run attune-weights-to-args first)" : "");
        failedOp = true;
      }
    });
    if (failedOp)
      signalPassFailure();
  }
};
} // namespace
} // namespace mlir::attune
