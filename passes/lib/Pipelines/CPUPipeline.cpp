//===- CPUPipeline.cpp - The pass pipeline of the LLVM CPU backend --------===//
//
// Each phase step is a textual pipeline of registered passes, so the exact
// same sequence can be replayed with attune-opt (--attune-to-<phase>).
//
//===----------------------------------------------------------------------===//
#include "attune/Pipelines/Pipelines.h"
#include "attune/Transforms/FusionReport.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"
#include <deque>

namespace mlir::attune {

/// Passes that take the module from `phase - 1` to `phase`.
static std::string stepPipeline(Phase phase, const TargetOptions &target) {
  switch (phase) {
  case Phase::Import:
    return "";
  case Phase::Graph:
    return "canonicalize,cse,symbol-dce";
  case Phase::Fused:
    // softmax, gelu, layer-norm (+ skip), attention, epilogue, canonicalize,
    // cse (FusionReport.h). Graphs that arrive fused (JSON, HF) only gain
    // skip_layer_norm and fused_matmul. The driver's weight prepacking, on
    // the way to `tiled`, handles fused_matmul like matmul.
    return fusionPipeline(target.fusionReport);
  case Phase::Tiled:
    return "attune-weights-to-args,func.func(attune-tile-and-fuse{chunks=" +
           std::to_string(target.parallelChunks) +
           "}),attune-convert-to-linalg,canonicalize,cse,"
           "func.func(attune-tile-and-distribute{chunks=" +
           std::to_string(target.parallelChunks) +
           " vector-width=" + std::to_string(target.vectorWidth) + "}),canonicalize,cse";
  case Phase::Buffers:
    return "one-shot-bufferize{bufferize-function-boundaries "
           "function-boundary-type-conversion=identity-layout-map},"
           "buffer-results-to-out-params,canonicalize,cse,buffer-deallocation-pipeline,"
           "canonicalize,cse,canonicalize,func.func(attune-plan-memory)";
  case Phase::Vector:
    return std::string(target.amxMatmuls ? "func.func(attune-vectorize{amx=true})"
                                         : "func.func(attune-vectorize)") +
           ",convert-linalg-to-loops,"
           "func.func(attune-forall-to-parallel-for),func.func(attune-approximate-math),"
           "canonicalize,cse";
  case Phase::LLVM:
    // Order as in MLIR's test-lower-to-llvm: vector before memref, so the
    // memref loads/stores that vector lowering creates get converted too.
    return "convert-vector-to-scf{full-unroll=true},lower-affine,convert-scf-to-cf,canonicalize,cse,"
           "attune-legalize-parallel-for-types,"
           "convert-vector-to-llvm{reassociate-fp-reductions" +
           std::string(target.amxMatmuls ? " enable-amx" : "") +
           "},convert-math-to-llvm,"
           "convert-math-to-libm,expand-strided-metadata,lower-affine,"
           "finalize-memref-to-llvm{use-generic-functions},convert-arith-to-llvm,convert-index-to-llvm,"
           "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1},convert-cf-to-llvm,"
           "reconcile-unrealized-casts,attune-outline-parallel-for,canonicalize,cse";
  case Phase::Object:
  case Phase::Library:
    return "";
  }
  llvm_unreachable("unknown phase");
}

void buildCPUPipeline(OpPassManager &pm, Phase from, Phase to, const TargetOptions &target) {
  for (Phase p : allPhases()) {
    if (p <= from || p > to)
      continue;
    std::string text = stepPipeline(p, target);
    if (text.empty())
      continue;
    std::string error;
    llvm::raw_string_ostream os(error);
    if (failed(parsePassPipeline(text, pm, os)))
      llvm::report_fatal_error(llvm::Twine("invalid built-in pipeline for phase ") +
                               phaseName(p) + ": " + os.str());
  }
}

namespace {
/// Options of the registered attune-to-<phase> pipelines (lit tests).
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  Option<bool> bf16Amx{*this, "amx",
                       llvm::cl::desc("bf16 weight GEMMs on AMX tiles (a target with amx-bf16)"),
                       llvm::cl::init(false)};
};
} // namespace

void registerPipelines() {
  for (Phase p : allPhases()) {
    if (p == Phase::Import || p > Phase::LLVM)
      continue;
    static std::deque<std::string> names, descs; // stable addresses
    names.push_back(("attune-to-" + phaseName(p)).str());
    descs.push_back(("Attune CPU pipeline from import up to phase '" + phaseName(p) + "'").str());
    PassPipelineRegistration<CPUPipelineOptions>(
        names.back(), descs.back(), [p](OpPassManager &pm, const CPUPipelineOptions &o) {
          TargetOptions target;
          target.amxMatmuls = o.bf16Amx;
          buildCPUPipeline(pm, Phase::Import, p, target);
        });
  }
}

} // namespace mlir::attune
