//===- CompileDriver.h - attune compile: model -> .so --------------*- C++ -*-===//
//
// The library entry points behind the `attune` CLI. Errors are values
// (llvm::Error) with one clear message; the CLI prints them and exits 1.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TOOLS_COMPILEDRIVER_H
#define ATTUNE_TOOLS_COMPILEDRIVER_H

#include "attune/Frontend/WeightTable.h"
#include "attune/formats/TuningRecords.h"
#include "attune/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include <optional>
#include <string>
#include <vector>

namespace attune {

/// A model loaded from any supported description, in the `import` phase.
struct LoadedModel {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  WeightTable weights;
  std::string name;
  /// A causal decoder that can be compiled with incremental decoding (GPT-2).
  bool causalDecoder = false;
  /// The longest sequence the model accepts; 0 when the description fixes
  /// the shapes (JSON graphs, .mlir): such models cannot be re-specialized.
  int64_t maxPositions = 0;
};

/// Shape and head choices for models that leave them open (Hugging Face).
struct ModelOptions {
  int64_t batch = 1;
  int64_t seqLen = 128;
  std::string pooling; // "", "mean", "cls"
  /// Causal decoders at batch 1: also return present_keys/present_values.
  bool kvOutputs = false;
  /// Build the incremental-decoding step (HFImportOptions::decodeStep).
  bool decodeStep = false;
  int64_t contextLen = 0; // the decode step's cache capacity (0: n_positions)
};

/// Loads a Hugging Face model directory, a .json graph or attune .mlir
/// (+ `weightsPath` .safetensors).
llvm::Expected<LoadedModel> loadModel(mlir::MLIRContext &ctx, const std::string &path,
                                      const std::string &weightsPath,
                                      const ModelOptions &options = {});

/// Creates a context with every dialect Attune's pipelines use.
std::unique_ptr<mlir::MLIRContext> createContext();

struct CompileOptions {
  std::string model;
  std::string weights; // for .mlir input
  ModelOptions modelOptions;
  std::string output;  // .so path (or the file of --compile-to PHASE)
  std::string target = "host";
  std::optional<mlir::attune::Phase> compileTo; // default: library
  std::string dumpIrDir;
  bool timings = false;
  bool embedWeights = false;
  int64_t parallelChunks = 16;
  /// --seq-lens: one specialization per length in one library, dispatched at
  /// run time (empty: the single modelOptions.seqLen).
  std::vector<int64_t> seqLens;
  /// Causal decoders (GPT-2) at batch 1 get a KV-cached decode entry unless
  /// this is false (--no-kv-cache); its capacity is contextLen (0: the
  /// model's maximum positions).
  bool kvCache = true;
  int64_t contextLen = 0;
  /// --tuning FILE: kernel configs from attune tune's records (exact key,
  /// else nearest shape, else the heuristic; docs/tuning.md). `tuning` is
  /// the parsed file (compile() reads tuningPath into it when null).
  std::string tuningPath;
  std::shared_ptr<const formats::TuningFile> tuning;
  /// attune tune's trials: this config for every tunable op of its kind
  /// (an op it does not fit is an error); empty = lookup as above.
  formats::IntFields forceConfig;
  /// --dtype: "f32" (default) or "bf16" (weight GEMMs in bf16 with f32
  /// accumulation where the target has avx512_bf16, else f32 with a note in
  /// the log; docs/bf16.md).
  std::string dtype = "f32";
};

/// Runs the whole compilation. Progress/timings go to `log`.
llvm::Error compile(const CompileOptions &options, llvm::raw_ostream &log);

/// Brings `module` from phase `from` to phase `to` (<= llvm); diagnostics
/// become the error's message.
llvm::Error lowerTo(mlir::ModuleOp module, mlir::attune::Phase from, mlir::attune::Phase to,
                    const mlir::attune::TargetOptions &target);
llvm::Error lowerTo(mlir::ModuleOp module, mlir::attune::Phase to,
                    const mlir::attune::TargetOptions &target);

/// Stores weights that are only read as transposed matmul operands
/// transposed (as "NAME@T") and drops the transpose_b: a compile-time layout
/// change that gives the kernels unit-stride weight reads.
/// Then stores f32 matmul rhs weights with N a multiple of `vectorWidth` in
/// the micro-kernel's panel layout (as "NAME@P<nr>"; 0 = no panels).
void prepackWeights(mlir::func::FuncOp fn, WeightTable &weights, int64_t vectorWidth = 0);

/// --dtype bf16: stores every weight that prepackWeights put in f32 panels
/// ("NAME@P<nr>") as bf16 pair panels ("NAME@B<nr>", the layout of the
/// avx512_bf16 micro-kernel) and so turns its matmuls into the mixed
/// f32 x bf16 form. Returns how many weights it converted.
int convertPanelsToBF16(mlir::func::FuncOp fn, WeightTable &weights);

/// f32 -> bf16, round to nearest even (NaN stays NaN).
uint16_t roundToBF16(float f);

/// The dtypes --dtype accepts: "f32, bf16".
const char *dtypeList();

/// "[1,8,64]"
std::string formatDims(const std::vector<int64_t> &shape);

} // namespace attune

#endif
