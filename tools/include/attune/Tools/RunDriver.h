//===- RunDriver.h - attune run: compiled library or reference ---*- C++ -*-===//
#ifndef ATTUNE_TOOLS_RUNDRIVER_H
#define ATTUNE_TOOLS_RUNDRIVER_H

#include "attune/Reference/Interpreter.h"
#include "attune/Tools/CompileDriver.h"
#include "attune/runtime.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include <memory>
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
  // Text input (libraries compiled from Hugging Face directories).
  std::vector<std::string> texts;       // --text (repeatable)
  std::string textPair;                 // --text-pair
  std::vector<std::string> similarity;  // --similarity S1 S2 ...
  std::string fillMask;                 // --fill-mask "... [MASK] ..."
  std::string tokenizerDir;             // --tokenizer (default X.tokenizer/)
  bool truncate = false;                // --truncate
  int topK = 5;                         // --top-k
  bool textMode() const { return !texts.empty() || !similarity.empty() || !fillMask.empty(); }
};



/// A named tensor (inputs/outputs of a run).
struct NamedTensor {
  std::string name;
  ref::Tensor tensor;
};

/// Runs a compiled library or the reference interpreter and prints a
/// summary of every output; writes .npy files when outputDir is set.
llvm::Error run(const RunOptions &options, llvm::raw_ostream &out);

/// A compiled library loaded through its C API (dlopen + attune_model_load);
/// run() may be called many times.
class LoadedLibrary {
public:
  static llvm::Expected<std::unique_ptr<LoadedLibrary>> open(const std::string &path,
                                                             int threads = 0);
  ~LoadedLibrary();
  /// Runs on `inputs` (signature order); returns the outputs.
  llvm::Expected<std::vector<NamedTensor>> run(const std::vector<NamedTensor> &inputs);

private:
  LoadedLibrary() = default;
  struct Api;
  std::string path_;
  void *handle_ = nullptr;
  std::unique_ptr<Api> api_;
  ::attune_model *model_ = nullptr;
};

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

/// An input of a compiled library, as its signature describes it.
struct TextSlot {
  std::string name;
  ElementType type;
  std::vector<int64_t> shape;
};

/// --text / --similarity / --fill-mask on a compiled library.
llvm::Error runText(const RunOptions &options, const std::vector<TextSlot> &slots,
                    llvm::raw_ostream &out);
/// "X.tokenizer" for "X.so": where attune compile puts the tokenizer files.
std::string defaultTokenizerDir(const std::string &library);
/// One line: name, type/shape, min/max/mean, first values.
void summarizeTensor(const NamedTensor &t, llvm::raw_ostream &out);

} // namespace attune

#endif
