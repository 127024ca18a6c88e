//===- InitAll.cpp - Registration of every dialect and pass Attune uses ---===//
#include "attune/Tools/InitAll.h"

#include "attune/IR/AttuneDialect.h"
#include "attune/Transforms/Passes.h"
#include "attune/Pipelines/Pipelines.h"
#include "attune/Codegen/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void attune::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<mlir::attune::AttuneDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
}

void attune::registerAllPasses() {
  mlir::registerAllPasses();
  mlir::attune::registerAttunePasses();
  mlir::attune::registerCodegenPasses();
  mlir::attune::registerPipelines();
}
