//===- Pipelines.h - Compilation phases and the pass pipelines ---*- C++ -*-===//
//
// One enum names the phases of compilation. The driver uses it for
// --compile-to and --dump-ir; the pipeline builders add the passes that take
// the module from one phase to the next.
//
//   import  -> attune dialect as the frontend produced it
//   graph   -> canonicalized, static shapes, dead values removed
//   fused   -> fused softmax / GELU / layer norm (+ residual) / attention /
//              matmul epilogues (passes/lib/Transforms/Fuse*.cpp)
//   tiled   -> linalg on tensors, tiled: scf.forall (threads) + scf.for
//   buffers -> one-shot bufferized, deallocations placed
//   vector  -> vectorized on memrefs; parallel loops -> attune.parallel_for
//   llvm    -> LLVM dialect, parallel bodies outlined to runtime calls
//   object  -> object file (in-process TargetMachine)
//   library -> .so + .h (+ .weights) linked with the runtime
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_PIPELINES_PIPELINES_H
#define ATTUNE_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringRef.h"
#include <optional>

namespace mlir::attune {

enum class Phase { Import, Graph, Fused, Tiled, Buffers, Vector, LLVM, Object, Library };

/// All phases in order.
llvm::ArrayRef<Phase> allPhases();
llvm::StringRef phaseName(Phase phase);
std::optional<Phase> parsePhase(llvm::StringRef name);
/// "import, graph, ..., library"
std::string phaseList();

/// Target description shared by every backend. Only CPU exists today; the
/// CUDA and Halide backends will add kinds here.
struct TargetOptions {
  enum class Kind { CPU };
  Kind kind = Kind::CPU;
  /// LLVM CPU name ("znver4", "x86-64-v3", ...) and feature string.
  std::string cpu;
  std::string features;
  /// Number of chunks the outermost parallel loop of each kernel is split
  /// into at least (>= thread count of the machines we target).
  int64_t parallelChunks = 16;
  /// Innermost (vector) tile width in elements.
  int64_t vectorWidth = 16;
  /// --dtype bf16 on a target with avx512_bf16: weight GEMMs in bf16 pair
  /// panels (the driver's convertPanelsToBF16; docs/bf16.md).
  bool bf16Matmuls = false;
  /// ... and the target has amx-tile + amx-bf16: those GEMMs on AMX tiles
  /// where they fit (attune-vectorize{amx}, MicroKernelAMX.cpp).
  bool amxMatmuls = false;
  /// The fusion passes of the `fused` phase emit their report remarks
  /// (collect them with FusionReportCollector, attune/Transforms/FusionReport.h).
  bool fusionReport = false;
};

/// Adds the passes that lower a module in phase `from` to phase `to`
/// (both at most Phase::LLVM; object and library are produced by the driver).
void buildCPUPipeline(OpPassManager &pm, Phase from, Phase to, const TargetOptions &target);

/// Registers attune-graph-pipeline, attune-cpu-pipeline, ... for attune-opt.
void registerPipelines();

} // namespace mlir::attune

#endif
