//===- Inspect.h - attune inspect: fusion report of a model -----*- C++ -*-===//
#ifndef ATTUNE_TOOLS_INSPECT_H
#define ATTUNE_TOOLS_INSPECT_H

#include "attune/Tools/CompileDriver.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include <string>

namespace attune {

struct InspectOptions {
  std::string model;
  std::string weights; // .mlir models
  ModelOptions modelOptions;
  bool json = false;     // --json
  std::string graphPath; // --graph out.dot
  /// --tuning FILE / --kernels: list every tunable kernel with the config it
  /// gets (tuning records: exact / nearest shape; else the heuristic).
  std::string tuningPath;
  bool kernels = false;
  std::string target = "host"; // --target, for the records' target key
  int64_t parallelChunks = 16; // --chunks, for the heuristic's split
};

/// Runs the fusion passes on `model` (graph phase) with their report and
/// prints what fused, per pattern and per scope, and why near misses did not
/// (text or JSON); writes the fused graph as Graphviz when asked.
llvm::Error inspect(const InspectOptions &options, llvm::raw_ostream &out);

} // namespace attune

#endif
