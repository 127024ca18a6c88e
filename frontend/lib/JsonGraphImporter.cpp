//===- JsonGraphImporter.cpp - attune-graph JSON -> attune dialect --------===//
//
// The driver: reads and parses the JSON file (with line/column for syntax
// errors), checks the schema (docs/json-graph.md), opens the weights file,
// resolves node input names (graph input > earlier node output > weight),
// builds `func.func @main` node by node (JsonOps.cpp) and verifies the
// module. Every failure is one ImportError message naming the file and the
// field / node / tensor; it becomes an llvm::Error at the API boundary.
//
//===----------------------------------------------------------------------===//
#include "ImporterInternal.h"

#include "attune/Frontend/JsonGraphImporter.h"
#include "attune/IR/AttuneDialect.h"
#include "attune/IR/AttuneOps.h"
#include "attune/formats/Safetensors.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

using namespace mlir;

namespace attune {
namespace detail {
namespace {

/// "invalid JSON at line L, column C: reason" from a parse error.
std::string describeParseError(const std::string &text, const json::parse_error &e) {
  size_t offset = e.byte == 0 ? 0 : e.byte - 1;
  if (offset > text.size())
    offset = text.size();
  size_t line = 1, lineStart = 0;
  for (size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') {
      ++line;
      lineStart = i + 1;
    }
  size_t column = offset - lineStart + 1;
  std::string what = e.what();
  std::string reason = what;
  size_t p = what.find("parse error");
  if (p != std::string::npos) {
    size_t colon = what.find(": ", p);
    if (colon != std::string::npos)
      reason = what.substr(colon + 2);
  } else if (!what.empty() && what[0] == '[') {
    size_t close = what.find("] ");
    if (close != std::string::npos)
      reason = what.substr(close + 2);
  }
  return "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) +
         ": " + reason;
}

struct DuplicateKey {
  std::string key;
};

struct GraphInput {
  std::string name;
  RankedTensorType type;
};

struct NodeDesc {
  size_t index = 0;
  std::string name, op;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  bool explicitOutputs = false;
  const json *attributes = nullptr;
};

struct GraphOutput {
  std::string name, from;
  size_t index = 0;
};

class Importer {
public:
  Importer(MLIRContext &ctx, std::string path, DiagnosticLog &log)
      : ctx_(ctx), path_(std::move(path)), log_(log), builder_(&ctx) {}

  ImportedModel run();

private:
  [[noreturn]] void fail(const std::string &msg) const { raise(path_ + ": " + msg); }

  json readJson();
  void checkTopLevel(const json &root);
  void openWeights(const json &root);
  void parseInputs(const json &root);
  void parseNodes(const json &root);
  void parseOutputs(const json &root);
  Location fileLoc() { return FileLineColLoc::get(&ctx_, path_, 0, 0); }
  Location nameLoc(const std::string &name) {
    return NameLoc::get(StringAttr::get(&ctx_, name), fileLoc());
  }
  /// Resolves a name used by node `nodeIndex` (or by a graph output if
  /// nodeIndex == nodes_.size()); `where` prefixes errors.
  Value resolve(const std::string &name, size_t nodeIndex, const std::string &where,
                OperandOrigin &origin);
  Value weightValue(const formats::TensorInfo &t);
  std::string weightsForMessages() const;
  std::vector<std::string> namesInScope(size_t nodeIndex) const;
  void buildNodes();
  std::string verifyMessage();

  MLIRContext &ctx_;
  std::string path_;
  DiagnosticLog &log_;
  OpBuilder builder_;

  std::string modelName_;
  std::string weightsField_; ///< As written in the JSON.
  std::string weightsPath_;  ///< Resolved.
  std::shared_ptr<formats::SafetensorsFile> weightsFile_;
  WeightTable table_;

  std::vector<GraphInput> inputs_;
  std::unordered_map<std::string, size_t> inputIndex_;
  std::vector<NodeDesc> nodes_;
  std::unordered_map<std::string, size_t> producerOf_; ///< output name -> node index
  std::vector<GraphOutput> outputs_;

  std::vector<Value> args_;
  std::unordered_map<std::string, Value> defined_;
  std::unordered_map<std::string, Value> weightValues_;
  std::map<unsigned, int64_t> maxValue_;
  std::unordered_map<std::string, std::string> opOfNode_;
};

json Importer::readJson() {
  auto buf = llvm::MemoryBuffer::getFile(path_, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    fail("cannot read the graph file: " + buf.getError().message());
  std::string text = (*buf)->getBuffer().str();

  std::vector<std::set<std::string>> keys;
  json::parser_callback_t cb = [&keys](int, json::parse_event_t ev, json &parsed) {
    switch (ev) {
    case json::parse_event_t::object_start:
      keys.emplace_back();
      break;
    case json::parse_event_t::object_end:
      if (!keys.empty())
        keys.pop_back();
      break;
    case json::parse_event_t::key:
      if (!keys.empty() && parsed.is_string() &&
          !keys.back().insert(parsed.get<std::string>()).second)
        throw DuplicateKey{parsed.get<std::string>()};
      break;
    default:
      break;
    }
    return true;
  };
  try {
    return json::parse(text, cb, /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const json::parse_error &e) {
    fail(describeParseError(text, e));
  } catch (const DuplicateKey &d) {
    fail("invalid JSON: key \"" + d.key + "\" appears twice in one object");
  } catch (const json::out_of_range &e) {
    // e.g. "number overflow parsing '1e999'": locate the literal for the message.
    std::string what = e.what(), where;
    size_t q1 = what.find('\''), q2 = what.rfind('\'');
    if (q1 != std::string::npos && q2 > q1) {
      std::string literal = what.substr(q1 + 1, q2 - q1 - 1);
      size_t pos = literal.empty() ? std::string::npos : text.find(literal);
      if (pos != std::string::npos) {
        size_t line = 1 + std::count(text.begin(), text.begin() + pos, '\n');
        size_t lineStart = text.rfind('\n', pos);
        size_t col = pos - (lineStart == std::string::npos ? 0 : lineStart + 1) + 1;
        where = " at line " + std::to_string(line) + ", column " + std::to_string(col);
        what = "number '" + literal + "' is out of range";
      }
    }
    fail("invalid JSON" + where + ": " + what);
  }
}

void Importer::checkTopLevel(const json &root) {
  if (!root.is_object())
    fail("expected a JSON object at the top level, found " + describeJson(root));
  static const std::vector<std::string> known{"format", "version", "name",    "weights",
                                              "inputs", "nodes",   "outputs", "metadata"};
  for (auto it = root.begin(); it != root.end(); ++it)
    if (std::find(known.begin(), known.end(), it.key()) == known.end())
      fail("unknown top-level field '" + it.key() + "'" + didYouMean(it.key(), known) +
           "; expected " + joinQuoted(known, " and "));

  if (!root.contains("format"))
    fail("missing required field 'format' (expected \"attune-graph\")");
  if (!root["format"].is_string() || root["format"].get<std::string>() != "attune-graph")
    fail("field 'format': expected \"attune-graph\", found " + describeJson(root["format"]));
  if (!root.contains("version"))
    fail("missing required field 'version' (expected 1)");
  auto version = asInt64(root["version"]);
  if (!version)
    fail("field 'version': expected the integer 1, found " + describeJson(root["version"]));
  if (*version != 1)
    fail("field 'version': expected 1, found " + std::to_string(*version) +
         " (this Attune reads attune-graph version 1)");

  modelName_ = llvm::sys::path::stem(path_).str();
  if (root.contains("name")) {
    const json &n = root["name"];
    if (!n.is_string() || n.get<std::string>().empty())
      fail("field 'name': expected a non-empty string, found " + describeJson(n));
    modelName_ = n.get<std::string>();
  }
  if (root.contains("metadata") && !root["metadata"].is_object())
    fail("field 'metadata': expected an object, found " + describeJson(root["metadata"]));
  for (const char *list : {"inputs", "nodes", "outputs"})
    if (root.contains(list) && !root[list].is_array())
      fail(std::string("field '") + list + "': expected a list, found " + describeJson(root[list]));
  if (!root.contains("nodes"))
    fail("missing required field 'nodes' (a list of nodes)");
  if (!root.contains("outputs"))
    fail("missing required field 'outputs' (a list of output names)");
  if (root["outputs"].empty())
    fail("field 'outputs': expected at least one graph output, found an empty list");
}

void Importer::openWeights(const json &root) {
  if (!root.contains("weights"))
    return;
  const json &w = root["weights"];
  if (!w.is_string() || w.get<std::string>().empty())
    fail("field 'weights': expected a file name (string), found " + describeJson(w));
  weightsField_ = w.get<std::string>();
  llvm::SmallString<256> resolved;
  if (llvm::sys::path::is_absolute(weightsField_)) {
    resolved = weightsField_;
  } else {
    resolved = llvm::sys::path::parent_path(path_);
    llvm::sys::path::append(resolved, weightsField_);
  }
  weightsPath_ = resolved.str().str();
  std::string error;
  std::unique_ptr<formats::SafetensorsFile> f = formats::SafetensorsFile::open(weightsPath_, error);
  if (!f) {
    if (error.find(weightsPath_) == std::string::npos)
      error = weightsPath_ + ": " + (error.empty() ? "cannot read the file" : error);
    fail("field 'weights': " + error);
  }
  weightsFile_ = std::move(f);
  table_.source = weightsPath_;
}

void Importer::parseInputs(const json &root) {
  if (!root.contains("inputs"))
    return;
  const json &list = root["inputs"];
  for (size_t i = 0; i < list.size(); ++i) {
    const json &in = list[i];
    std::string where = "inputs[" + std::to_string(i) + "]";
    if (!in.is_object())
      fail(where + ": expected an object {\"name\", \"shape\", \"dtype\"}, found " +
           describeJson(in));
    for (auto it = in.begin(); it != in.end(); ++it)
      if (it.key() != "name" && it.key() != "shape" && it.key() != "dtype")
        fail(where + ": unknown field '" + it.key() + "'" +
             didYouMean(it.key(), {"name", "shape", "dtype"}) +
             "; expected 'name', 'shape' and 'dtype'");
    if (!in.contains("name"))
      fail(where + ": missing required field 'name'");
    if (!in["name"].is_string() || in["name"].get<std::string>().empty())
      fail(where + " field 'name': expected a non-empty string, found " + describeJson(in["name"]));
    std::string name = in["name"].get<std::string>();
    where = "graph input '" + name + "'";
    if (inputIndex_.count(name))
      fail(where + ": the name is used by two graph inputs (inputs[" +
           std::to_string(inputIndex_[name]) + "] and inputs[" + std::to_string(i) + "])");
    if (!in.contains("shape"))
      fail(where + ": missing required field 'shape' (a list of positive integers)");
    auto shape = asInt64List(in["shape"]);
    bool ok = shape.has_value();
    if (ok)
      for (int64_t d : *shape)
        ok = ok && d >= 1;
    if (!ok) {
      const json &sj = in["shape"];
      std::string found = describeJson(sj);
      if (sj.is_array()) {
        bool flat =
            std::all_of(sj.begin(), sj.end(), [](const json &e) { return e.is_primitive(); });
        found = flat ? sj.dump()
                     : "a list containing " +
                           describeJson(*std::find_if(sj.begin(), sj.end(), [](const json &e) {
                             return !e.is_primitive();
                           }));
        if (found.size() > 60)
          found = found.substr(0, 57) + "...";
      }
      fail(where + " field 'shape': expected a list of positive integers (static sizes), found " +
           found);
    }
    if (!checkedNumElements(*shape))
      fail(where + " field 'shape': " + shapeToString(*shape) + " has too many elements");
    Type elem = Float32Type::get(&ctx_);
    if (in.contains("dtype"))
      elem = parseDType(&ctx_, in["dtype"],
                        [&](const std::string &m) { fail(where + " field 'dtype': " + m); });
    inputIndex_[name] = inputs_.size();
    inputs_.push_back({name, RankedTensorType::get(*shape, elem)});
  }
}

void Importer::parseNodes(const json &root) {
  const json &list = root["nodes"];
  std::unordered_map<std::string, size_t> nodeIndexByName;
  static const std::vector<std::string> nodeKeys{"name", "op", "inputs", "attributes", "outputs"};
  for (size_t i = 0; i < list.size(); ++i) {
    const json &nj = list[i];
    std::string where = "nodes[" + std::to_string(i) + "]";
    if (!nj.is_object())
      fail(where + ": expected a node object {\"name\", \"op\", \"inputs\", ...}, found " +
           describeJson(nj));
    if (!nj.contains("name"))
      fail(where + ": missing required field 'name'");
    if (!nj["name"].is_string() || nj["name"].get<std::string>().empty())
      fail(where + " field 'name': expected a non-empty string, found " + describeJson(nj["name"]));
    NodeDesc node;
    node.index = i;
    node.name = nj["name"].get<std::string>();
    if (auto it = nodeIndexByName.find(node.name); it != nodeIndexByName.end())
      fail(where + ": node name '" + node.name + "' is already used by nodes[" +
           std::to_string(it->second) + "]");
    nodeIndexByName[node.name] = i;

    if (!nj.contains("op"))
      fail("node '" + node.name + "': missing required field 'op'");
    if (!nj["op"].is_string())
      fail("node '" + node.name + "' field 'op': expected a string, found " +
           describeJson(nj["op"]));
    node.op = nj["op"].get<std::string>();
    std::string nodeWhere = "node '" + node.name + "' (" + node.op + ")";
    for (auto it = nj.begin(); it != nj.end(); ++it)
      if (std::find(nodeKeys.begin(), nodeKeys.end(), it.key()) == nodeKeys.end())
        fail(nodeWhere + ": unknown field '" + it.key() + "'" + didYouMean(it.key(), nodeKeys) +
             "; expected " + joinQuoted(nodeKeys, " and "));
    if (!isSupportedOp(node.op))
      fail(nodeWhere + ": unknown op '" + node.op + "'" + didYouMean(node.op, supportedOps()) +
           "; supported ops: " + joinQuoted(supportedOps(), ", "));

    if (nj.contains("inputs")) {
      const json &ins = nj["inputs"];
      if (!ins.is_array())
        fail(nodeWhere + " field 'inputs': expected a list of names, found " + describeJson(ins));
      for (size_t k = 0; k < ins.size(); ++k) {
        if (!ins[k].is_string() || ins[k].get<std::string>().empty())
          fail(nodeWhere + " input " + std::to_string(k) + ": expected a name (string), found " +
               describeJson(ins[k]));
        node.inputs.push_back(ins[k].get<std::string>());
      }
    }
    if (nj.contains("attributes")) {
      if (!nj["attributes"].is_object())
        fail(nodeWhere + " field 'attributes': expected an object, found " +
             describeJson(nj["attributes"]));
      node.attributes = &nj["attributes"];
    }
    if (nj.contains("outputs")) {
      const json &outs = nj["outputs"];
      if (!outs.is_array() || outs.empty())
        fail(nodeWhere + " field 'outputs': expected a non-empty list of names, found " +
             describeJson(outs));
      for (size_t k = 0; k < outs.size(); ++k) {
        if (!outs[k].is_string() || outs[k].get<std::string>().empty())
          fail(nodeWhere + " output " + std::to_string(k) + ": expected a name (string), found " +
               describeJson(outs[k]));
        node.outputs.push_back(outs[k].get<std::string>());
      }
      node.explicitOutputs = true;
    } else {
      static const json emptyObject = json::object();
      size_t n = expectedNumResults(node.op, node.attributes ? *node.attributes : emptyObject);
      if (n == 1)
        node.outputs.push_back(node.name);
      else
        for (size_t k = 0; k < n; ++k)
          node.outputs.push_back(node.name + ":" + std::to_string(k));
    }
    for (const std::string &out : node.outputs) {
      if (inputIndex_.count(out))
        fail(nodeWhere + ": output name '" + out + "' is already the name of a graph input");
      if (auto it = producerOf_.find(out); it != producerOf_.end() && it->second == i)
        fail(nodeWhere + " field 'outputs': the name '" + out + "' appears twice");
      if (auto it = producerOf_.find(out); it != producerOf_.end())
        fail(nodeWhere + ": output name '" + out + "' is already an output of node '" +
             nodes_[it->second].name + "'" +
             (node.explicitOutputs ? "" : " (name the outputs with an 'outputs' list)"));
      if (weightsFile_ && weightsFile_->find(out))
        fail(nodeWhere + ": output name '" + out + "' is also the name of a weight in " +
             weightsField_ + " (names must be unique)");
      producerOf_[out] = i;
    }
    nodes_.push_back(std::move(node));
  }
}

void Importer::parseOutputs(const json &root) {
  const json &list = root["outputs"];
  std::unordered_map<std::string, size_t> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    const json &o = list[i];
    std::string where = "outputs[" + std::to_string(i) + "]";
    GraphOutput out;
    out.index = i;
    if (o.is_string()) {
      out.name = out.from = o.get<std::string>();
    } else if (o.is_object()) {
      for (auto it = o.begin(); it != o.end(); ++it)
        if (it.key() != "name" && it.key() != "from")
          fail(where + ": unknown field '" + it.key() + "'" +
               didYouMean(it.key(), {"name", "from"}) + "; expected 'name' and 'from'");
      if (!o.contains("from"))
        fail(where + ": missing required field 'from' (the value to return)");
      if (!o["from"].is_string())
        fail(where + " field 'from': expected a name (string), found " + describeJson(o["from"]));
      out.from = o["from"].get<std::string>();
      out.name = out.from;
      if (o.contains("name")) {
        if (!o["name"].is_string())
          fail(where + " field 'name': expected a string, found " + describeJson(o["name"]));
        out.name = o["name"].get<std::string>();
      }
    } else {
      fail(where + ": expected a name or an object {\"name\", \"from\"}, found " + describeJson(o));
    }
    if (out.name.empty() || out.from.empty())
      fail(where + ": expected a non-empty name");
    if (auto it = seen.find(out.name); it != seen.end())
      fail(where + ": output name '" + out.name + "' is already used by outputs[" +
           std::to_string(it->second) + "]");
    seen[out.name] = i;
    outputs_.push_back(std::move(out));
  }
}

std::string Importer::weightsForMessages() const {
  return weightsFile_ ? " in " + weightsField_ : " (the graph has no \"weights\" file)";
}

std::vector<std::string> Importer::namesInScope(size_t nodeIndex) const {
  std::vector<std::string> names;
  for (const GraphInput &in : inputs_)
    names.push_back(in.name);
  for (size_t i = 0; i < nodeIndex && i < nodes_.size(); ++i)
    for (const std::string &o : nodes_[i].outputs)
      names.push_back(o);
  if (weightsFile_)
    for (const std::string &w : weightsFile_->names())
      names.push_back(w);
  return names;
}

Value Importer::weightValue(const formats::TensorInfo &t) {
  if (auto it = weightValues_.find(t.name); it != weightValues_.end())
    return it->second;
  Type elem = weightElementType(&ctx_, t);
  auto type = RankedTensorType::get(t.shape, elem);
  Location loc =
      NameLoc::get(StringAttr::get(&ctx_, t.name), FileLineColLoc::get(&ctx_, weightsPath_, 0, 0));
  auto op =
      builder_.create<mlir::attune::WeightOp>(loc, TypeRange{type}, ValueRange{},
                                              ArrayRef<NamedAttribute>{builder_.getNamedAttr(
                                                  "name", FlatSymbolRefAttr::get(&ctx_, t.name))});
  addWeightToTable(table_, t, weightsFile_);
  weightValues_[t.name] = op.getResult();
  return op.getResult();
}

Value Importer::resolve(const std::string &name, size_t nodeIndex, const std::string &where,
                        OperandOrigin &origin) {
  if (auto it = inputIndex_.find(name); it != inputIndex_.end()) {
    origin.kind = OperandOrigin::GraphInput;
    origin.graphInputIndex = static_cast<unsigned>(it->second);
    return args_[it->second];
  }
  if (auto it = defined_.find(name); it != defined_.end()) {
    origin.kind = OperandOrigin::NodeOutput;
    return it->second;
  }
  if (auto it = producerOf_.find(name); it != producerOf_.end()) {
    // Defined by this node or a later one.
    if (it->second == nodeIndex)
      raise(where + ": '" + name + "' is an output of this same node (a cycle)");
    raise(where + ": '" + name + "' is produced by node '" + nodes_[it->second].name + "' (nodes[" +
          std::to_string(it->second) +
          "]), which comes later: nodes must be listed in topological order (each node after "
          "the nodes producing its inputs)");
  }
  if (weightsFile_)
    if (const formats::TensorInfo *t = weightsFile_->find(name)) {
      origin.kind = OperandOrigin::Weight;
      return weightValue(*t);
    }
  bool forOutput = nodeIndex >= nodes_.size();
  raise(where + ": '" + name + "' is not a graph input, " +
        (forOutput ? "a node output" : "an earlier node output") + " or a weight" +
        weightsForMessages() + didYouMean(name, namesInScope(nodeIndex)));
}

void Importer::buildNodes() {
  static const json emptyObject = json::object();
  for (const NodeDesc &node : nodes_) {
    opOfNode_[node.name] = node.op;
    std::string nodeWhere = path_ + ": node '" + node.name + "' (" + node.op + ")";
    NodeContext nc(builder_, nameLoc(node.name), path_, node.name, node.op,
                   node.attributes ? *node.attributes : emptyObject, log_);
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      OperandOrigin origin;
      Value v =
          resolve(node.inputs[k], node.index, nodeWhere + " input " + std::to_string(k), origin);
      nc.inputs.push_back(v);
      nc.inputNames.push_back(node.inputs[k]);
      nc.origins.push_back(origin);
    }
    std::vector<Value> results = buildNode(nc);
    if (results.size() != node.outputs.size()) {
      if (node.explicitOutputs)
        raise(nodeWhere + " field 'outputs': expected " + std::to_string(results.size()) +
              (results.size() == 1 ? " name" : " names") +
              (node.op == "split" ? " (one per entry of 'sizes')" : "") + ", found " +
              std::to_string(node.outputs.size()));
      raise(nodeWhere + ": internal error: expected " + std::to_string(node.outputs.size()) +
            " results, the op made " + std::to_string(results.size()));
    }
    for (size_t k = 0; k < results.size(); ++k)
      defined_[node.outputs[k]] = results[k];
    for (auto [input, rows] : nc.maxValueHints) {
      auto it = maxValue_.find(input);
      if (it == maxValue_.end() || rows < it->second)
        maxValue_[input] = rows;
    }
  }
}

std::string Importer::verifyMessage() {
  for (const CapturedDiagnostic &d : log_.diags) {
    Location loc = d.loc;
    std::string node;
    if (auto nl = dyn_cast<NameLoc>(loc))
      node = nl.getName().str();
    if (!node.empty()) {
      if (auto it = opOfNode_.find(node); it != opOfNode_.end())
        return path_ + ": node '" + node + "' (" + it->second + "): " + d.message;
      if (weightValues_.count(node))
        return path_ + ": weight '" + node + "' in " + weightsField_ + ": " + d.message;
      if (inputIndex_.count(node))
        return path_ + ": graph input '" + node + "': " + d.message;
      return path_ + ": '" + node + "': " + d.message;
    }
    return path_ + ": the imported module does not verify: " + d.message;
  }
  return path_ + ": the imported module does not verify";
}

ImportedModel Importer::run() {
  json root = readJson();
  checkTopLevel(root);
  openWeights(root);
  parseInputs(root);
  parseNodes(root);
  parseOutputs(root);

  Location floc = fileLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(floc);
  builder_.setInsertionPointToEnd(module->getBody());
  SmallVector<Type> argTypes;
  for (const GraphInput &in : inputs_)
    argTypes.push_back(in.type);
  auto func = builder_.create<func::FuncOp>(nameLoc(modelName_), "main",
                                            builder_.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  for (size_t i = 0; i < inputs_.size(); ++i) {
    entry->getArgument(i).setLoc(nameLoc(inputs_[i].name));
    args_.push_back(entry->getArgument(i));
  }
  builder_.setInsertionPointToEnd(entry);

  buildNodes();

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const GraphOutput &out : outputs_) {
    OperandOrigin origin;
    Value v =
        resolve(out.from, nodes_.size(),
                path_ + ": outputs[" + std::to_string(out.index) + "] '" + out.name + "'", origin);
    results.push_back(v);
    resultTypes.push_back(v.getType());
  }
  builder_.create<func::ReturnOp>(floc, results);
  func.setFunctionType(builder_.getFunctionType(argTypes, resultTypes));
  func->setAttr("attune.model_name", builder_.getStringAttr(modelName_));
  for (size_t i = 0; i < inputs_.size(); ++i) {
    func.setArgAttr(i, "attune.name", builder_.getStringAttr(inputs_[i].name));
    if (auto it = maxValue_.find(static_cast<unsigned>(i)); it != maxValue_.end())
      func.setArgAttr(i, "attune.max_value", builder_.getI64IntegerAttr(it->second));
  }
  for (size_t i = 0; i < outputs_.size(); ++i)
    func.setResultAttr(i, "attune.name", builder_.getStringAttr(outputs_[i].name));

  log_.clear();
  if (failed(mlir::verify(*module)))
    raise(verifyMessage());

  ImportedModel model;
  model.module = std::move(module);
  model.weights = std::move(table_);
  model.name = modelName_;
  return model;
}

} // namespace
} // namespace detail

llvm::Expected<ImportedModel> importJsonGraph(MLIRContext &ctx, const std::string &path) {
  ctx.getOrLoadDialect<mlir::attune::AttuneDialect>();
  ctx.getOrLoadDialect<func::FuncDialect>();
  detail::DiagnosticLog log;
  ScopedDiagnosticHandler handler(&ctx, [&log](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error)
      log.diags.push_back({diag.getLocation(), diag.str()});
    return success();
  });
  auto error = [](const std::string &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
  };
  try {
    detail::Importer importer(ctx, path, log);
    return importer.run();
  } catch (const detail::ImportError &e) {
    return error(e.what());
  } catch (const std::bad_alloc &) {
    return error(path + ": out of memory while importing the graph");
  } catch (const std::exception &e) {
    return error(path + ": internal error while importing the graph: " + e.what());
  } catch (...) {
    return error(path + ": internal error while importing the graph");
  }
}

} // namespace attune
