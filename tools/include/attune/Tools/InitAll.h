//===- InitAll.h - Registration of every dialect and pass Attune uses -*- C++ -*-===//
#ifndef ATTUNE_TOOLS_INITALL_H
#define ATTUNE_TOOLS_INITALL_H

namespace mlir {
class DialectRegistry;
class MLIRContext;
} // namespace mlir

namespace attune {
/// Dialects (and their interface models) that Attune's pipelines create.
void registerAllDialects(mlir::DialectRegistry &registry);
/// Attune passes and pipelines plus the upstream passes they are built from,
/// so attune-opt can run any piece of the pipeline.
void registerAllPasses();
} // namespace attune

#endif
