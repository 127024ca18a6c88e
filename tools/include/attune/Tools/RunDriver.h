//===- RunDriver.h - attune run: compiled library or reference ---*- C++ -*-===//
#ifndef ATTUNE_TOOLS_RUNDRIVER_H
#define ATTUNE_TOOLS_RUNDRIVER_H

#include "attune/Reference/Interpreter.h"
#include "attune/Tools/CompileDriver.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include <string>
#include <utility>
#include <vector>

namespace attune {

struct RunOptions {
  /// The compiled .so (library mode) or the model (reference mode).
  std::string target;
  bool reference = false;
  std::string weights; // reference mode, .mlir models
  ModelOptions modelOptions; // reference mode, Hugging Face directories
  std::vector<std::pair<std::string, std::string>> inputs; // name -> .npy
  std::string outputDir;
  /// Fill inputs that were not given with deterministic data.
  bool randomInputs = false;
  uint64_t seed = 1;
  /// Also run this model on the reference interpreter and compare.
  std::string compareWith;
  double atol = 1e-5, rtol = 1e-4;
  int threads = 0;
};

/// A named tensor (inputs/outputs of a run).
struct NamedTensor {
  std::string name;
  ref::Tensor tensor;
};

/// Runs a compiled library or the reference interpreter and prints a
/// summary of every output; writes .npy files when outputDir is set.
llvm::Error run(const RunOptions &options, llvm::raw_ostream &out);

/// Loads `libraryPath`, runs it on `inputs` (signature order) and returns the
/// outputs. Used by `attune run` and the tests.
llvm::Expected<std::vector<NamedTensor>> runLibrary(const std::string &libraryPath,
                                                    const std::vector<NamedTensor> &inputs,
                                                    int threads = 0);

/// max |a - b| and whether |a - b| <= atol + rtol |b| holds everywhere.
struct Comparison {
  double maxAbs = 0;
  double maxRel = 0;
  bool ok = true;
  std::string detail; // first violation
};
Comparison compareTensors(const ref::Tensor &actual, const ref::Tensor &expected, double atol,
                          double rtol);

} // namespace attune

#endif
