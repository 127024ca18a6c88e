//===- Tuning.h - tunable kernels, tuning records in the compiler -*- C++ -*-===//
//
// The seam between the tuning records (attune/formats/TuningRecords.h) and
// code generation (attune/Codegen/KernelConfig.h): on the fused attune graph,
// before weight prepacking, every tunable op (attune.matmul,
// attune.fused_matmul, attune.attention) gets a key (kind, shape, dtype,
// target) and, by the lookup rules (exact, nearest shape, heuristic), its
// config as attributes. attune compile --tuning, attune inspect --tuning and
// attune tune all use this one function.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TOOLS_TUNING_H
#define ATTUNE_TOOLS_TUNING_H

#include "attune/Codegen/EmitObject.h"
#include "attune/Codegen/KernelConfig.h"
#include "attune/formats/TuningRecords.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include <string>
#include <vector>

namespace attune {

/// A tunable op of the fused graph.
struct KernelSite {
  mlir::Operation *op = nullptr;
  formats::TuningKey key;
  mlir::attune::GemmShape gemm; // matmul kinds
  std::string where;            // the op's location ("encoder.layer.0.output.dense")
};

/// The floating-point operations of one call of the kernel `key` names,
/// from its shape: 2·batch·m·n·k for the matmul kinds, 4·batch·heads·seq_q·
/// seq_kv·head_dim for attention (QKᵀ and attention·V), 0 for a key without
/// those fields. attune tune weighs its budget with it.
double kernelFlops(const formats::TuningKey &key);

/// The record target of a CPU target: arch of the triple, CPU name, the
/// enabled SIMD features (avx*, fma, f16c, amx*, sse*), sorted.
formats::TuningTarget tuningTargetOf(const mlir::attune::CPUTarget &target);

/// Every tunable op of `fn` (attune dialect, static shapes) in program order.
std::vector<KernelSite> collectKernels(mlir::func::FuncOp fn, const formats::TuningTarget &t);

/// A matmul config as record fields and back (nc is left out when 0, i.e.
/// the heuristic's; missing fields read as 0).
formats::IntFields fromMicroKernel(const mlir::attune::MicroKernelConfig &c);
mlir::attune::MicroKernelConfig toMicroKernel(const formats::IntFields &f);

/// The heuristic config of a site ("" fields: codegen's defaults apply, e.g.
/// attention's tile sizes or a matmul the micro-kernel cannot take).
formats::IntFields heuristicConfig(const KernelSite &site, int64_t vectorWidth, int64_t chunks);
/// Why `config` cannot be used for `site` ("" when it can).
std::string checkConfig(const KernelSite &site, const formats::IntFields &config);
/// Attaches `config` to the site's op (attune.config / attune.tile_sizes).
void attachConfig(const KernelSite &site, const formats::IntFields &config);

/// What applyTuning chose for one site.
struct KernelChoice {
  KernelSite site;
  formats::TuningSource source = formats::TuningSource::Heuristic;
  formats::IntFields config;         // the config used (heuristic: for information)
  const formats::TuningRecord *record = nullptr; // exact / nearest
};

/// Looks every tunable op of `fn` up in `records` (may be null: all
/// heuristic), attaches the chosen configs and attune.config_source, and
/// returns the choices.
std::vector<KernelChoice> applyTuning(mlir::func::FuncOp fn, const formats::TuningFile *records,
                                      const formats::TuningTarget &target, int64_t vectorWidth,
                                      int64_t chunks);

} // namespace attune

#endif
