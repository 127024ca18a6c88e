//===- FusionReport.cpp - Collecting the fusion passes' remarks -----------===//
#include "attune/Transforms/FusionReport.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/Format.h"

namespace mlir::attune {

void FusionReport::add(FusionSite site) {
  FusionCount &c = counts_[site.pattern];
  if (site.fused) {
    ++c.fused;
  } else {
    ++c.missed;
    misses_.push_back(site);
  }
  sites_.push_back(std::move(site));
}

FusionCount FusionReport::count(llvm::StringRef pattern) const {
  auto it = counts_.find(pattern.str());
  return it == counts_.end() ? FusionCount{} : it->second;
}

void FusionReport::print(llvm::raw_ostream &os) const {
  for (auto &[pattern, c] : counts_)
    os << llvm::format("%-16s fused %3d  missed %3d\n", pattern.c_str(), c.fused, c.missed);
  for (const FusionSite &m : misses_)
    os << m.pattern << " not fused at " << m.node << ": " << m.reason << "\n";
}

std::string FusionReport::str() const {
  std::string s;
  llvm::raw_string_ostream os(s);
  print(os);
  return s;
}

std::string fusionNodeName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    for (Location l : fused.getLocations())
      if (std::string n = fusionNodeName(l); n != "unknown")
        return n;
    return "unknown";
  }
  if (auto call = dyn_cast<CallSiteLoc>(loc))
    return fusionNodeName(call.getCallee());
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    return (file.getFilename().str() + ":" + std::to_string(file.getLine()) + ":" +
            std::to_string(file.getColumn()));
  return "unknown";
}

std::string fusionScope(llvm::StringRef node) {
  size_t slash = node.rfind('/');
  if (slash == llvm::StringRef::npos)
    return node.str();
  if (slash == 0)
    return "/";
  return node.substr(0, slash).str();
}

bool parseFusionRemark(llvm::StringRef message, FusionSite &site) {
  if (!message.consume_front("fusion: "))
    return false;
  if (message.consume_front("fused ")) {
    site.pattern = message.trim().str();
    site.fused = true;
    site.reason.clear();
    return !site.pattern.empty();
  }
  size_t at = message.find(" not fused: ");
  if (at == llvm::StringRef::npos || at == 0)
    return false;
  site.pattern = message.take_front(at).str();
  site.fused = false;
  site.reason = message.drop_front(at + strlen(" not fused: ")).str();
  return true;
}

FusionReportCollector::FusionReportCollector(MLIRContext &ctx, FusionReport &report) : ctx_(ctx) {
  id_ = ctx.getDiagEngine().registerHandler([&report](Diagnostic &d) -> LogicalResult {
    if (d.getSeverity() != DiagnosticSeverity::Remark)
      return failure(); // not ours: on to the previous handler
    FusionSite site;
    if (!parseFusionRemark(d.str(), site))
      return failure();
    site.node = fusionNodeName(d.getLocation());
    site.scope = fusionScope(site.node);
    report.add(std::move(site));
    return success();
  });
}

FusionReportCollector::~FusionReportCollector() { ctx_.getDiagEngine().eraseHandler(id_); }

FailureOr<FusionReport> runFusionPasses(ModuleOp module) {
  MLIRContext &ctx = *module.getContext();
  FusionReport report;
  PassManager pm(&ctx, ModuleOp::getOperationName());
  addFusionPasses(pm, /*report=*/true);
  FusionReportCollector collect(ctx, report);
  if (failed(pm.run(module)))
    return failure();
  return report;
}

std::string fusionPipeline(bool report) {
  std::string opt = report ? "{report=true}" : "";
  return "attune-fuse-softmax" + opt + ",attune-fuse-gelu" + opt + ",attune-fuse-layer-norm" +
         opt + ",attune-fuse-attention" + opt + ",attune-fuse-epilogue" + opt +
         ",canonicalize,cse";
}

void addFusionPasses(OpPassManager &pm, bool report) {
  std::string error;
  llvm::raw_string_ostream os(error);
  if (failed(parsePassPipeline(fusionPipeline(report), pm, os)))
    llvm::report_fatal_error(llvm::Twine("invalid fusion pipeline: ") + os.str());
}

} // namespace mlir::attune
