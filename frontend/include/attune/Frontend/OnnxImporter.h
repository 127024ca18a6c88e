//===- OnnxImporter.h - ONNX ModelProto -> attune IR -----------*- C++ -*-===//
//
// Reads an ONNX model (docs/onnx.md) and builds a module holding one static-
// shaped `func.func @main` of `attune` ops plus the WeightTable of its
// initializers. Dynamic dimensions of the graph inputs are bound to the
// batch / sequence sizes of the options (rule in docs/onnx.md, "Binding
// dynamic dimensions"); shape arithmetic (Shape -> Gather -> Concat ->
// Reshape, Range, ConstantOfShape, ...) is folded at import, so only the
// tensor computation reaches the IR. Every op is located at its ONNX node's
// name (NameLoc "/bert/encoder/layer.0/attention/...").
//
// Every problem (corrupt protobuf, unsupported operator or opset, missing
// external data, unbound dynamic dimension, cycles, dangling edges, wrong
// initializer sizes, shape errors) is returned as one llvm::Error whose
// message reads "FILE: node 'NAME' (OpType): expected ..., found ...".
// Nothing here throws out, asserts or aborts on bad input.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_FRONTEND_ONNXIMPORTER_H
#define ATTUNE_FRONTEND_ONNXIMPORTER_H

#include "attune/Frontend/JsonGraphImporter.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace attune {

struct OnnxImportOptions {
  /// Size given to "batch" dimensions (docs/onnx.md).
  int64_t batch = 1;
  /// Size given to "sequence" dimensions.
  int64_t seqLen = 128;
  /// Explicit sizes for named dynamic dimensions (dim_param); they win over
  /// the batch / sequence rule.
  std::map<std::string, int64_t> dims;
  /// Graph inputs that become compile-time constants instead of function
  /// arguments: input name -> a serialized onnx.TensorProto. Used for inputs
  /// that the model treats as shapes or indices (ONNX's node tests feed
  /// Reshape's shape, Slice's starts, ... as inputs).
  std::map<std::string, std::string> constantInputs;
};

/// What the import decided, for the CLI's notes.
struct OnnxImportInfo {
  /// A dynamic dimension was bound to options.batch / options.seqLen.
  bool usedBatch = false;
  bool usedSeqLen = false;
  /// Opset of the default (ai.onnx) domain.
  int64_t opset = 0;
  /// One line per bound dimension: "input_ids dim 0 ('batch') = 1 (batch)".
  std::vector<std::string> bindings;
};

/// Imports the ONNX model at `path` (external data resolved relative to its
/// directory). Loads the attune and func dialects into `ctx`. `info`, when
/// given, receives how the dynamic dimensions were bound (also when the
/// import fails after binding them).
llvm::Expected<ImportedModel> importOnnx(mlir::MLIRContext &ctx, const std::string &path,
                                         const OnnxImportOptions &options = {},
                                         OnnxImportInfo *info = nullptr);

/// Same, for a model already in memory; `path` names it in messages and
/// anchors relative external-data locations.
llvm::Expected<ImportedModel> importOnnxFromMemory(mlir::MLIRContext &ctx, const void *data,
                                                   size_t size, const std::string &path,
                                                   const OnnxImportOptions &options = {},
                                                   OnnxImportInfo *info = nullptr);

/// ONNX operator types (default domain) the importer understands, sorted.
const std::vector<std::string> &onnxSupportedOperators();

/// Whether this build has the ONNX importer (ATTUNE_ENABLE_ONNX).
bool onnxImporterAvailable();

} // namespace attune

#endif // ATTUNE_FRONTEND_ONNXIMPORTER_H
