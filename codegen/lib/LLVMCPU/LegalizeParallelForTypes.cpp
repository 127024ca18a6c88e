//===- LegalizeParallelForTypes.cpp - LLVM block types in parallel_for ----===//
//
// ^bb1(%i: index, %acc: vector<16xf32>)   ->   ^bb1(%i: i64, %acc: vector<16xf32>)
// inside attune.parallel_for regions, with unrealized casts for the uses that
// reconcile-unrealized-casts removes once everything is LLVM; the cf
// branches inside the regions become llvm.br / llvm.cond_br here.
//
//===----------------------------------------------------------------------===//
#include "attune/Codegen/Passes.h"
#include "attune/IR/AttuneOps.h"

#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::attune {
#define GEN_PASS_DEF_LEGALIZEPARALLELFORTYPESPASS
#include "attune/Codegen/Passes.h.inc"

namespace {

bool hasLegalBlockTypes(ParallelForOp op, const TypeConverter &converter) {
  for (Block &block : op.getBody())
    for (BlockArgument arg : block.getArguments())
      if (!converter.isLegal(arg.getType()))
        return false;
  return true;
}

struct ConvertParallelForRegion : OpConversionPattern<ParallelForOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ParallelForOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (hasLegalBlockTypes(op, *getTypeConverter()))
      return failure();
    rewriter.startOpModification(op);
    if (failed(rewriter.convertRegionTypes(&op.getBody(), *getTypeConverter()))) {
      rewriter.cancelOpModification(op);
      return failure();
    }
    rewriter.finalizeOpModification(op);
    return success();
  }
};

struct LegalizeParallelForTypesPass
    : impl::LegalizeParallelForTypesPassBase<LegalizeParallelForTypesPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    LLVMTypeConverter converter(ctx);
    ConversionTarget target(*ctx);
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    target.addDynamicallyLegalOp<ParallelForOp>(
        [&](ParallelForOp op) { return hasLegalBlockTypes(op, converter); });
    // Branches inside the regions must agree with the converted successors.
    target.addDynamicallyLegalDialect<cf::ControlFlowDialect>(
        [](Operation *op) { return !op->getParentOfType<ParallelForOp>(); });
    target.addLegalDialect<LLVM::LLVMDialect>();
    RewritePatternSet patterns(ctx);
    patterns.add<ConvertParallelForRegion>(converter, ctx);
    cf::populateControlFlowToLLVMConversionPatterns(converter, patterns);
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace mlir::attune
