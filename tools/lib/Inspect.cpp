//===- Inspect.cpp - attune inspect: what the compiler fused, and why not -===//
//
// Loads a model (Hugging Face directory, ONNX, JSON graph, .mlir), brings it
// to the graph phase, runs the fusion passes with their report on and prints
//   - per pattern: how many sites fused / missed,
//   - per scope (HF module, ONNX node scope, JSON node): what was fused there,
//   - for every near miss: pattern, node, scope and the reason;
// or the same as JSON (--json), and optionally the fused graph as Graphviz
// (--graph out.dot).
//
//===----------------------------------------------------------------------===//
#include "attune/Tools/Inspect.h"
#include "attune/Tools/CompileDriver.h"

#include "attune/Transforms/FusionReport.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include <map>
#include "attune/Tools/Tuning.h"
#include "attune/formats/TuningRecords.h"
#include <nlohmann/json.hpp>

using namespace mlir;

namespace attune {
namespace {

llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

std::string dotEscape(llvm::StringRef s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

/// The fused graph of @main: one node per op (name, result type, location
/// name), one edge per SSA use; fused ops are highlighted.
std::string toDot(func::FuncOp fn) {
  std::string dot;
  llvm::raw_string_ostream os(dot);
  os << "digraph attune {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\", "
        "fontsize=10];\n";
  llvm::DenseMap<Value, std::string> ids;
  unsigned next = 0;
  for (BlockArgument arg : fn.getArguments()) {
    std::string id = "in" + std::to_string(arg.getArgNumber());
    auto name = fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "attune.name");
    std::string type;
    llvm::raw_string_ostream ts(type);
    ts << arg.getType();
    os << "  " << id << " [shape=ellipse, label=\"" << dotEscape(name ? name.str() : id)
       << "\\n" << dotEscape(type) << "\"];\n";
    ids[arg] = id;
  }
  for (Operation &op : fn.getBody().front()) {
    std::string id = "n" + std::to_string(next++);
    llvm::StringRef opName = op.getName().getStringRef();
    bool fused = opName == "attune.attention" || opName == "attune.layer_norm" ||
                 opName == "attune.skip_layer_norm" || opName == "attune.gelu" ||
                 opName == "attune.softmax" || opName == "attune.fused_matmul";
    std::string label = opName.str();
    if (auto act = op.getAttrOfType<StringAttr>("activation"))
      label += " (" + act.str() + ")";
    std::string node = mlir::attune::fusionNodeName(op.getLoc());
    if (!node.empty() && node != "unknown")
      label += "\\n" + dotEscape(node);
    if (op.getNumResults() == 1) {
      std::string type;
      llvm::raw_string_ostream ts(type);
      ts << op.getResult(0).getType();
      label += "\\n" + dotEscape(type);
    }
    os << "  " << id << " [label=\"" << label << "\""
       << (fused ? ", style=filled, fillcolor=\"#cde8ff\"" : "")
       << (isa<func::ReturnOp>(op) ? ", shape=ellipse" : "") << "];\n";
    for (Value operand : op.getOperands()) {
      auto it = ids.find(operand);
      if (it != ids.end())
        os << "  " << it->second << " -> " << id << ";\n";
    }
    for (Value r : op.getResults())
      ids[r] = id;
  }
  os << "}\n";
  return dot;
}

} // namespace

llvm::Error inspect(const InspectOptions &o, llvm::raw_ostream &out) {
  auto ctx = createContext();
  auto model = loadModel(*ctx, o.model, o.weights, o.modelOptions);
  if (!model)
    return model.takeError();
  ModuleOp module = **&model->module;
  mlir::attune::TargetOptions target;
  if (auto err = lowerTo(module, mlir::attune::Phase::Graph, target))
    return err;
  auto report = mlir::attune::runFusionPasses(module);
  if (failed(report))
    return makeError(o.model + ": the fusion passes failed");

  // What the fused graph holds: fused ops, whether a pass built them or the
  // importer did (Hugging Face graphs, ONNX LayerNormalization / Gelu).
  std::map<std::string, int> present;
  if (auto fn = module.lookupSymbol<func::FuncOp>("main"))
    fn.walk([&](Operation *op) {
      llvm::StringRef name = op->getName().getStringRef();
      if (name == "attune.attention")
        present["attention"]++;
      else if (name == "attune.layer_norm")
        present["layer_norm"]++;
      else if (name == "attune.skip_layer_norm")
        present["skip_layer_norm"]++;
      else if (name == "attune.gelu")
        present["gelu"]++;
      else if (name == "attune.softmax")
        present["softmax"]++;
      else if (name == "attune.fused_matmul") {
        present["epilogue"]++;
        if (auto act = op->getAttrOfType<StringAttr>("activation"))
          if (act.getValue().starts_with("gelu"))
            present["gelu"]++;
      }
    });

  // Kernel configs (--tuning / --kernels): what attune compile would use.
  nlohmann::json kernels = nlohmann::json::array();
  std::string kernelText;
  if (o.kernels || !o.tuningPath.empty()) {
    auto cpu = mlir::attune::resolveCPUTarget(o.target);
    if (!cpu)
      return cpu.takeError();
    formats::TuningFile records;
    if (!o.tuningPath.empty()) {
      std::string error;
      if (!formats::readTuningFile(o.tuningPath, records, error))
        return makeError("--tuning: " + error);
    }
    auto fn = module.lookupSymbol<func::FuncOp>("main");
    if (!fn)
      return makeError(o.model + ": no func.func @main");
    llvm::raw_string_ostream ts(kernelText);
    ts << "kernels (config and where it came from"
       << (o.tuningPath.empty() ? "" : ", records: " + o.tuningPath) << "):\n";
    for (const KernelChoice &c :
         applyTuning(fn, o.tuningPath.empty() ? nullptr : &records, tuningTargetOf(*cpu),
                     cpu->vectorWidth, o.parallelChunks)) {
      std::string config = c.config.empty() ? "default" : formats::formatFields(c.config);
      std::string source = formats::tuningSourceName(c.source);
      nlohmann::json k = {{"op", c.site.where},
                          {"kind", c.site.key.kind},
                          {"dtype", c.site.key.dtype},
                          {"shape", nlohmann::json::object()},
                          {"config", nlohmann::json::object()},
                          {"source", source}};
      for (auto &[d, v] : c.site.key.shape)
        k["shape"][d] = v;
      for (auto &[f, v] : c.config)
        k["config"][f] = v;
      std::string from;
      if (c.record) {
        nlohmann::json rs = nlohmann::json::object();
        for (auto &[d, v] : c.record->key.shape)
          rs[d] = v;
        k["record_shape"] = rs;
        k["record_time_ms"] = c.record->timeMs;
        if (c.record->baselineMs > 0)
          k["record_baseline_ms"] = c.record->baselineMs;
        if (c.record->config.empty())
          from = " (measured: the heuristic is fastest)";
        if (c.source == formats::TuningSource::Nearest)
          from += " (record for " + c.record->key.str() + ")";
      }
      kernels.push_back(k);
      std::string shape;
      for (auto &[d, v] : c.site.key.shape)
        shape += (shape.empty() ? "" : " ") + d + "=" + std::to_string(v);
      ts << "  " << (c.site.where.empty() ? "?" : c.site.where) << ": " << c.site.key.kind
         << " " << c.site.key.dtype << " " << shape << ": " << config << " [" << source << "]"
         << from << "\n";
    }
  }

  // Per scope: pattern -> fused count.
  std::map<std::string, std::map<std::string, int>> byScope;
  for (const mlir::attune::FusionSite &s : report->sites())
    if (s.fused)
      byScope[s.scope][s.pattern]++;

  if (o.json) {
    nlohmann::json fusions = nlohmann::json::object();
    for (const char *p : {"attention", "layer_norm", "skip_layer_norm", "gelu", "softmax",
                          "epilogue"}) {
      auto c = report->count(std::string(p) == "epilogue" ? "fused_matmul" : p);
      // "fused": such ops in the fused graph (from a pass or the importer);
      // "by_pass": sites a fusion pass rewrote; "missed": near misses.
      fusions[p] = {{"fused", present[p]}, {"by_pass", c.fused}, {"missed", c.missed}};
    }
    nlohmann::json misses = nlohmann::json::array();
    for (const mlir::attune::FusionSite &s : report->misses())
      misses.push_back({{"pattern", s.pattern == "fused_matmul" ? "epilogue" : s.pattern},
                        {"node", s.node},
                        {"scope", s.scope},
                        {"reason", s.reason}});
    nlohmann::json scopes = nlohmann::json::object();
    for (auto &[scope, patterns] : byScope)
      scopes[scope] = patterns;
    nlohmann::json j = {{"model", model->name},
                        {"fusions", fusions},
                        {"misses", misses},
                        {"scopes", scopes}};
    if (o.kernels || !o.tuningPath.empty())
      j["kernels"] = kernels;
    out << j.dump(2) << "\n";
  } else {
    out << "model: " << model->name << " (" << o.model << ")\n";
    out << "fused ops in the graph (from the importer or a fusion pass):\n";
    for (const char *p : {"attention", "layer_norm", "skip_layer_norm", "gelu", "softmax",
                          "epilogue"})
      out << llvm::format("  %-16s %d\n", p, present[p]);
    out << "fusion passes (sites rewritten / missed):\n";
    report->print(out);
    if (!byScope.empty()) {
      out << "fused, per scope:\n";
      for (auto &[scope, patterns] : byScope) {
        out << "  " << scope << ":";
        for (auto &[pattern, n] : patterns)
          out << " " << pattern << (n > 1 ? " x" + std::to_string(n) : "");
        out << "\n";
      }
    }
    if (report->misses().empty())
      out << "no near misses\n";
    out << kernelText;
  }

  if (!o.graphPath.empty()) {
    auto fn = module.lookupSymbol<func::FuncOp>("main");
    if (!fn)
      return makeError(o.model + ": no func.func @main to draw");
    std::error_code ec;
    llvm::raw_fd_ostream dot(o.graphPath, ec);
    if (ec)
      return makeError(o.graphPath + ": cannot write: " + ec.message());
    dot << toDot(fn);
    if (!o.json)
      out << "wrote " << o.graphPath << "\n";
  }
  return llvm::Error::success();
}

} // namespace attune
