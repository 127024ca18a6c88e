//===- FusionReport.h - What the fusion passes fused and missed --*- C++ -*-===//
//
// Every fusion pass (attune-fuse-softmax, -gelu, -layer-norm, -attention,
// -epilogue) takes the option `report`. With it, the pass emits one remark
// per site at the site's location, after its rewrites are done:
//
//   fusion: fused <pattern>
//   fusion: <pattern> not fused: <reason>
//
// A "miss" is a site where the pattern's anchor matched (e.g. a softmax whose
// input comes from a q·kᵀ matmul) but a later check failed; the reason names
// the node and what was expected vs found. Remarks make the report testable
// with `-verify-diagnostics` (expected-remark) and need no shared state
// between passes and their driver.
//
// FusionReportCollector turns those remarks into a FusionReport while it is
// alive (it swallows them; other diagnostics pass through):
//
//   FusionReport report;
//   PassManager pm(&ctx, ModuleOp::getOperationName());
//   addFusionPasses(pm, /*report=*/true);
//   { FusionReportCollector collect(ctx, report); (void)pm.run(module); }
//   report.print(llvm::outs());
//
// or simply `FailureOr<FusionReport> r = runFusionPasses(module);`. A
// diagnostic handler registered after the collector sees the remarks first:
// it must pass remarks on (return failure()) for the collector to get them.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TRANSFORMS_FUSIONREPORT_H
#define ATTUNE_TRANSFORMS_FUSIONREPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mlir::attune {

/// One fused or missed site.
struct FusionSite {
  /// "softmax", "gelu", "layer_norm", "skip_layer_norm", "attention",
  /// "fused_matmul".
  std::string pattern;
  bool fused = false;
  /// The node's name: the innermost name of its location (HF module name,
  /// ONNX or JSON node name), else "file:line:col", else "unknown".
  std::string node;
  /// The node's scope: `node` up to its last '/' when it has one (ONNX node
  /// names such as "/encoder/layer.0/attention/self/MatMul"), otherwise
  /// `node` itself (Hugging Face module names and JSON node names).
  std::string scope;
  /// Why the pattern did not fuse (empty for fused sites).
  std::string reason;
};

/// Fused / missed counts of one pattern.
struct FusionCount {
  int fused = 0;
  int missed = 0;
};

/// The sites of one or more fusion pass runs, in the order they were reported.
class FusionReport {
public:
  void add(FusionSite site);
  /// Every site (fused and missed).
  const std::vector<FusionSite> &sites() const { return sites_; }
  /// The missed sites only.
  const std::vector<FusionSite> &misses() const { return misses_; }
  /// Counts of `pattern` (zero if it never appeared).
  FusionCount count(llvm::StringRef pattern) const;
  /// Counts of every pattern that appeared, by pattern name.
  const std::map<std::string, FusionCount> &counts() const { return counts_; }
  bool empty() const { return sites_.empty(); }

  /// Human-readable report:
  ///   attention        fused 12  missed 0
  ///   ...
  ///   attention not fused at /encoder/layer.0/attention/self/Softmax: <reason>
  void print(llvm::raw_ostream &os) const;
  std::string str() const;

private:
  std::vector<FusionSite> sites_, misses_;
  std::map<std::string, FusionCount> counts_;
};

/// Name and scope of a location, as FusionSite::node / scope define them.
std::string fusionNodeName(Location loc);
std::string fusionScope(llvm::StringRef node);

/// Parses one remark message of the format above; false if it is not one.
bool parseFusionRemark(llvm::StringRef message, FusionSite &site);

/// While alive, collects the fusion remarks emitted in `ctx` into `report`
/// (and stops them from reaching the previous handlers). Other diagnostics
/// go on to the previously installed handlers.
class FusionReportCollector {
public:
  FusionReportCollector(MLIRContext &ctx, FusionReport &report);
  ~FusionReportCollector();
  FusionReportCollector(const FusionReportCollector &) = delete;
  FusionReportCollector &operator=(const FusionReportCollector &) = delete;

private:
  MLIRContext &ctx_;
  DiagnosticEngine::HandlerID id_;
};

/// Runs every fusion pass (addFusionPasses) on `module`,
/// expected in the `graph` phase, with `report` on, and returns what they
/// fused and missed. Other diagnostics reach the context's handlers as usual;
/// failure if the pass pipeline fails. This is what `attune inspect` needs:
///   lowerTo(module, Phase::Graph, target);
///   FailureOr<FusionReport> r = runFusionPasses(module);
FailureOr<FusionReport> runFusionPasses(ModuleOp module);

/// Adds the fusion passes in pipeline order (softmax, gelu, layer-norm,
/// attention, epilogue, then canonicalize and cse), each with `report`.
/// The `fused` phase of the CPU pipeline is exactly this list.
void addFusionPasses(OpPassManager &pm, bool report = false);
/// The same list as a textual pipeline (for buildCPUPipeline).
std::string fusionPipeline(bool report = false);

} // namespace mlir::attune

#endif // ATTUNE_TRANSFORMS_FUSIONREPORT_H
