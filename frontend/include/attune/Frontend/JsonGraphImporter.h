//===- JsonGraphImporter.h - JSON graph + safetensors -> attune IR -*- C++ -*-===//
//
// Reads a model described as an `attune-graph` JSON file (docs/json-graph.md)
// plus the .safetensors file it names, and builds a module holding one
// `func.func @main` of `attune` ops. Every problem with the input (syntax,
// schema, unknown names, wrong attributes, shape or dtype mismatches) is
// returned as one llvm::Error whose message names the JSON file and the node,
// field or tensor at fault and says what was expected and what was found.
// Nothing here throws, asserts or aborts on bad input.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_FRONTEND_JSONGRAPHIMPORTER_H
#define ATTUNE_FRONTEND_JSONGRAPHIMPORTER_H

#include "attune/Frontend/WeightTable.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace attune {

struct ImportedModel {
  /// One `func.func @main`: arguments are the graph inputs in order (arg attr
  /// `attune.name`), results the graph outputs in order (result attr
  /// `attune.name`); the function carries `attune.model_name`. The module has
  /// been verified.
  mlir::OwningOpRef<mlir::ModuleOp> module;
  /// The weights the graph refers to (`attune.weight @name`), F16/BF16
  /// already converted to F32. Views keep the mapped file alive.
  WeightTable weights;
  /// The model name ("name" field, else the JSON file's stem).
  std::string name;
  /// A causal decoder whose library can offer incremental decoding (GPT-2).
  bool causalDecoder = false;
  /// The longest sequence the model accepts (0: fixed by the description).
  int64_t maxPositions = 0;
};

/// Imports the JSON graph at `path` (and its "weights" file, resolved
/// relative to the JSON file's directory). Loads the attune and func dialects
/// into `ctx`. Diagnostics MLIR emits meanwhile are captured into the error.
llvm::Expected<ImportedModel> importJsonGraph(mlir::MLIRContext &ctx, const std::string &path);

/// Loads every tensor of a .safetensors file into a WeightTable (used for
/// .mlir input + --weights). F32/I64/I32 tensors are views of the mapped file;
/// F16/BF16 tensors are converted to F32 (owned buffers), as the importer does.
llvm::Expected<WeightTable> loadSafetensorsWeights(const std::string &path);

} // namespace attune

#endif // ATTUNE_FRONTEND_JSONGRAPHIMPORTER_H
