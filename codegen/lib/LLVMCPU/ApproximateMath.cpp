//===- ApproximateMath.cpp - polynomial approximations of math ops --------===//
//
// exp, erf, tanh, log, ... -> FMAs and bit manipulation (MLIR's math
// polynomial approximations) so they vectorize instead of becoming scalar
// libm calls. Whatever is left (e.g. math.powf) goes to LLVM intrinsics or
// libm later in the pipeline.
//
//===----------------------------------------------------------------------===//
#include "attune/Codegen/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::attune {
#define GEN_PASS_DEF_APPROXIMATEMATHPASS
#include "attune/Codegen/Passes.h.inc"

namespace {
struct ApproximateMathPass : impl::ApproximateMathPassBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
} // namespace mlir::attune
