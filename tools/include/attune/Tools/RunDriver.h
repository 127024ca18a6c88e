//===- RunDriver.h - attune run: compiled library or reference ---*- C++ -*-===//
#ifndef ATTUNE_TOOLS_RUNDRIVER_H
#define ATTUNE_TOOLS_RUNDRIVER_H

#include "attune/Reference/Interpreter.h"
#include "attune/Tools/CompileDriver.h"
#include "attune/formats/Npy.h"
#include "attune/runtime.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace attune {

/// The Attune element type of a .npy dtype (nullopt: one Attune has not).
std::optional<ElementType> fromNpy(formats::NpyDType t);
/// The .npy dtype that stores an Attune element type (f32 for float types).
formats::NpyDType toNpy(ElementType t);

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
  int64_t generate = 0;                 // --generate N (GPT-2 libraries)
  // attune bench: timed runs instead of printing outputs.
  int benchIterations = 0;              // --iterations (0 = not benchmarking)
  int benchWarmup = 3;                  // --warmup
  double benchSeconds = 0;              // --max-seconds: stop early (>= 3 runs)
  int64_t benchSeqLen = 0;              // --seq-len for bucketed libraries
  std::string benchJson;                // --json FILE
  bool benchColdWeights = false;        // --cold-weights: evict the weights before each run
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
  /// Runs on `inputs` (signature order); returns the outputs. Libraries with
  /// sequence buckets accept any length up to the largest; the outputs then
  /// have that length too.
  llvm::Expected<std::vector<NamedTensor>> run(const std::vector<NamedTensor> &inputs);

  /// The weights blob the library reads (empty for a library without
  /// weights or without attune_model_weights).
  llvm::ArrayRef<uint8_t> weights() const;
  /// Evicts the weights blob from every level of the CPU caches (clflush),
  /// so that the next run reads it from memory, as a run of a model whose
  /// weights do not fit in cache does (attune tune's trials, bench
  /// --cold-weights).
  void evictWeightsFromCaches() const;

  /// The compiled sequence lengths of a bucketed library (else empty).
  std::vector<int64_t> seqLens() const;
  /// Whether the library offers incremental decoding (attune_decoder_*).
  bool hasDecoder() const;

  struct Generation {
    std::vector<int64_t> tokens;              // the new tokens
    std::vector<std::vector<float>> logits;   // next-token logits before each
    double prefillSeconds = 0, decodeSeconds = 0;
  };
  /// Greedy decoding of `steps` tokens after `prompt` with the KV cache.
  llvm::Expected<Generation> generate(const std::vector<int64_t> &prompt, int64_t steps);

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
  int32_t seqDim = -1; // bucketed libraries: texts need not be padded to shape[seqDim]
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
