//===- OnnxImporter.cpp - ONNX ModelProto -> attune IR --------------------===//
//
// The driver of the ONNX import:
//
//   bytes ──protobuf──► ModelProto ──► opset check (ai.onnx 7..22)
//     initializers ─────► host constants (decoded lazily into weights)
//     graph inputs ─────► func arguments, dynamic dims bound (docs/onnx.md)
//     nodes (topological order; cycles and dangling edges are errors)
//        └─► op table (OnnxOps.cpp, OnnxShapeOps.cpp): fold or emit attune ops
//     graph outputs ────► func.return
//
// NodeCtx (OnnxNodeCtx.cpp) gives the op builders their inputs and messages.
// Constants stay on the host until an emitted op needs them: initializers
// become `attune.weight @<initializer name>` (WeightTable entries), small or
// integer ones `attune.constant`. Every op is located at its node's name.
//
//===----------------------------------------------------------------------===//
#include "OnnxInternal.h"

#include "attune/IR/AttuneDialect.h"
#include "attune/IR/AttuneOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <set>
#include <unordered_map>

using namespace mlir;

namespace attune {
namespace onnx_import {

namespace {
constexpr int64_t kMinOpset = 7;
constexpr int64_t kMaxOpset = 22;
/// Float initializers up to this many elements become attune.constant.
constexpr int64_t kMaxInlineFloat = 16;
/// Integer / bool constants up to this many elements become attune.constant.
constexpr int64_t kMaxInlineInt = 1 << 16;

std::string lower(std::string s) {
  for (char &c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const std::set<std::string> &batchDimNames() {
  static const std::set<std::string> s{"batch", "batch_size", "batchsize", "batch_dim", "bs",
                                       "n", "b", "nbatch"};
  return s;
}
const std::set<std::string> &seqDimNames() {
  static const std::set<std::string> s{"seq",          "seq_len",         "seqlen",
                                       "seq_length",   "sequence",        "sequence_length",
                                       "sequence_len", "sequence_length_", "s",
                                       "num_tokens",   "tokens",          "max_seq_len"};
  return s;
}
const std::set<std::string> &tokenInputNames() {
  static const std::set<std::string> s{"input_ids", "attention_mask", "token_type_ids",
                                       "position_ids"};
  return s;
}

ElementType weightType(int32_t dt) {
  switch (dt) {
  case DT::TensorProto_DataType_FLOAT16: return ElementType::F16;
  case DT::TensorProto_DataType_BFLOAT16: return ElementType::BF16;
  case DT::TensorProto_DataType_INT64: return ElementType::I64;
  case DT::TensorProto_DataType_INT32: return ElementType::I32;
  case DT::TensorProto_DataType_BOOL: return ElementType::Bool;
  default: return ElementType::F32;
  }
}
} // namespace

//===----------------------------------------------------------------------===//
// Importer
//===----------------------------------------------------------------------===//

Importer::Importer(MLIRContext &ctx, std::string path, const OnnxImportOptions &options,
                   OnnxImportInfo &info)
    : ctx(ctx), builder(&ctx), path(std::move(path)), options_(options), info_(info) {
  baseDir = llvm::sys::path::parent_path(this->path).str();
  if (baseDir.empty())
    baseDir = ".";
}

void Importer::hintMaxValue(const OValue &ids, int64_t rows) {
  if (ids.argIndex >= 0)
    maxValue_[ids.argIndex] = rows;
}

Value Importer::materialize(OValue &v, Location loc) {
  if (v.value)
    return v.value;
  const HostTensor &c = *v.constant;
  if (!irElementType(&ctx, c.dtype))
    raise(path + ": " +
          (v.initializer.empty() ? std::string("a constant") : "initializer '" + v.initializer + "'") +
          " is used at run time: not supported: element type " + dtypeName(c.dtype));
  int64_t n = c.numel();
  if (n == 0)
    raise(path + ": " +
          (v.initializer.empty() ? std::string("a constant") : "initializer '" + v.initializer + "'") +
          " of shape " + shapeStr(c.shape) +
          " has no elements: not supported: zero-size tensors");
  bool isFloat = isFloatDT(c.dtype);
  bool asWeight = isFloat ? n > kMaxInlineFloat : n > kMaxInlineInt;
  if (!asWeight) {
    v.value = builder.create<mlir::attune::ConstantOp>(loc, v.type, toAttr(&ctx, c)).getResult();
    return v.value;
  }
  std::string name = v.initializer;
  if (name.empty())
    name = "onnx.folded." + std::to_string(weightCounter_++);
  if (!weights_.find(name)) {
    WeightTable::Entry e;
    e.name = name;
    e.type = weightType(c.dtype);
    e.shape = c.shape;
    e.data = c.data();
    e.nbytes = c.bytes->size();
    weights_.addView(std::move(e), c.bytes);
  }
  Location wloc = v.initializer.empty() ? loc : Location(NameLoc::get(builder.getStringAttr(name)));
  v.value = builder
                .create<mlir::attune::WeightOp>(wloc, TypeRange{v.type}, ValueRange{},
                                                ArrayRef<NamedAttribute>{builder.getNamedAttr(
                                                    "name", FlatSymbolRefAttr::get(&ctx, name))})
                .getResult();
  return v.value;
}

/// Walks one GraphProto.
class GraphWalker {
public:
  GraphWalker(Importer &imp, const OnnxImportOptions &options, OnnxImportInfo &info)
      : imp_(imp), options_(options), info_(info) {}

  ImportedModel run(const onnx::ModelProto &model);

private:
  void readOpset(const onnx::ModelProto &model);
  void readInitializers(const onnx::GraphProto &g);
  void readInputs(const onnx::GraphProto &g);
  std::vector<int> topologicalOrder(const onnx::GraphProto &g);
  void buildNode(const onnx::NodeProto &node, int index);
  std::string nodeName(const onnx::NodeProto &node, int index) const;

  Importer &imp_;
  const OnnxImportOptions &options_;
  OnnxImportInfo &info_;
  std::unordered_map<std::string, OValue> values_;
  struct Arg {
    std::string name;
    RankedTensorType type;
  };
  std::vector<Arg> args_;
  std::vector<OValue *> argValues_;
  std::set<std::string> used_;
  std::map<std::string, const OpInfo *> ops_;
  func::FuncOp func_;
};

void GraphWalker::readOpset(const onnx::ModelProto &model) {
  int64_t opset = -1;
  for (const auto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      opset = o.version();
  if (opset < 0)
    raise(imp_.path + ": the model imports no opset of the default ONNX domain (ai.onnx)");
  if (opset < kMinOpset || opset > kMaxOpset)
    raise(imp_.path + ": not supported: opset " + std::to_string(opset) + " of ai.onnx (" +
          std::to_string(kMinOpset) + " to " + std::to_string(kMaxOpset) +
          " are; torch.onnx.export writes 17 or 18+)");
  imp_.opset = opset;
  info_.opset = opset;
}

void GraphWalker::readInitializers(const onnx::GraphProto &g) {
  if (g.sparse_initializer_size())
    raise(imp_.path + ": sparse initializer '" + g.sparse_initializer(0).values().name() +
          "' is not supported");
  for (const auto &t : g.initializer()) {
    std::string what = imp_.path + ": initializer '" + t.name() + "'";
    if (t.name().empty())
      raise(imp_.path + ": an initializer has no name");
    OValue v;
    v.constant = decodeTensor(t, imp_.baseDir, what);
    Type e = irElementType(&imp_.ctx, t.data_type());
    if (!e) {
      // Keep it: only an error if an op uses it at run time.
      e = Float32Type::get(&imp_.ctx);
    }
    v.type = RankedTensorType::get(v.constant->shape, e);
    v.initializer = t.name();
    values_[t.name()] = std::move(v);
  }
}

void GraphWalker::readInputs(const onnx::GraphProto &g) {
  struct Pending {
    size_t input;
    size_t dim;
    std::string param;
  };
  std::vector<std::vector<int64_t>> shapes;
  std::vector<const onnx::ValueInfoProto *> inputs;
  std::map<std::string, int64_t> paramValue;
  std::vector<Pending> pending;
  auto note = [&](const std::string &in, size_t d, const std::string &param, int64_t v,
                  const char *why) {
    info_.bindings.push_back(in + " dim " + std::to_string(d) +
                             (param.empty() ? "" : " ('" + param + "')") + " = " +
                             std::to_string(v) + " (" + why + ")");
  };
  for (const auto &in : g.input()) {
    if (values_.count(in.name()) && values_[in.name()].initializer == in.name())
      continue; // IR < 4: initializers listed as inputs too
    std::string what = imp_.path + ": graph input '" + in.name() + "'";
    if (!in.type().has_tensor_type())
      raise(what + ": expected a tensor type, found another kind (sequence, map, optional)");
    const auto &tt = in.type().tensor_type();
    if (!irElementType(&imp_.ctx, tt.elem_type()))
      raise(what + ": element type " + dtypeName(tt.elem_type()) +
            " is not supported (FLOAT, FLOAT16, BFLOAT16, INT64, INT32, BOOL are)");
    if (!tt.has_shape())
      raise(what + ": has no shape (rank unknown); Attune needs the rank of every input");
    if (tt.shape().dim_size() > 32)
      raise(what + ": not supported: rank " + std::to_string(tt.shape().dim_size()) +
            " (at most 32)");
    std::vector<int64_t> shape;
    size_t idx = inputs.size();
    bool token = tokenInputNames().count(lower(in.name())) > 0;
    for (int d = 0; d < tt.shape().dim_size(); ++d) {
      const auto &dim = tt.shape().dim(d);
      int64_t v = -1;
      std::string param = dim.has_dim_param() ? dim.dim_param() : "";
      if (dim.has_dim_value()) {
        v = dim.dim_value();
        if (v == 0 && !options_.constantInputs.count(in.name()))
          raise(what + " dim " + std::to_string(d) + ": not supported: zero-size tensors");
        if (v < 0)
          raise(what + " dim " + std::to_string(d) + ": expected a positive size, found " +
                std::to_string(v));
      } else if (!param.empty() && options_.dims.count(param)) {
        v = options_.dims.at(param);
        note(in.name(), d, param, v, "--dim");
      } else if (!param.empty() && batchDimNames().count(lower(param))) {
        v = options_.batch;
        info_.usedBatch = true;
        note(in.name(), d, param, v, "batch");
      } else if (!param.empty() && seqDimNames().count(lower(param))) {
        v = options_.seqLen;
        info_.usedSeqLen = true;
        note(in.name(), d, param, v, "sequence");
      } else if (token && d <= 1) {
        v = d == 0 ? options_.batch : options_.seqLen;
        (d == 0 ? info_.usedBatch : info_.usedSeqLen) = true;
        note(in.name(), d, param, v, d == 0 ? "batch" : "sequence");
      }
      if (v > 0 && !param.empty())
        paramValue.emplace(param, v);
      if (v < 0 && !dim.has_dim_value())
        pending.push_back({idx, static_cast<size_t>(d), param});
      shape.push_back(v);
    }
    shapes.push_back(shape);
    inputs.push_back(&in);
  }
  for (const Pending &p : pending) {
    auto it = p.param.empty() ? paramValue.end() : paramValue.find(p.param);
    const std::string &name = inputs[p.input]->name();
    if (it == paramValue.end())
      raise(imp_.path + ": graph input '" + name + "' dim " + std::to_string(p.dim) +
            (p.param.empty() ? " (unnamed)" : " ('" + p.param + "')") +
            ": dynamic dimension is not bound; Attune binds batch dims (dim 0 of "
            "input_ids/attention_mask/token_type_ids/position_ids, or dims named 'batch', "
            "'batch_size', ...) to --batch and sequence dims (dim 1 of those inputs, or dims "
            "named 'sequence', 'seq_len', ...) to --seq-len; give the model a static size or "
            "one of those names (docs/onnx.md)");
    shapes[p.input][p.dim] = it->second;
    note(name, p.dim, p.param, it->second, "same name as a bound dim");
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto &in = *inputs[i];
    std::string what = imp_.path + ": graph input '" + in.name() + "'";
    for (int64_t d : shapes[i])
      if (d == 0 && !options_.constantInputs.count(in.name()))
        raise(what + ": not supported: zero-size tensors (shape " + shapeStr(shapes[i]) + ")");
    if (!numElementsChecked(shapes[i]))
      raise(what + ": shape " + shapeStr(shapes[i]) + " has too many elements");
    int32_t dt = in.type().tensor_type().elem_type();
    auto type = RankedTensorType::get(shapes[i], irElementType(&imp_.ctx, dt));
    OValue v;
    v.type = type;
    if (auto c = options_.constantInputs.find(in.name()); c != options_.constantInputs.end()) {
      onnx::TensorProto t;
      if (!t.ParseFromString(c->second))
        raise(what + ": the constant given for it is not a valid TensorProto");
      v.constant = decodeTensor(t, imp_.baseDir, what + " (bound constant)");
      if (v.constant->dtype != dt || v.constant->shape != shapes[i])
        raise(what + ": expected a " + dtypeName(dt) + " " + shapeStr(shapes[i]) +
              " constant, found " + dtypeName(v.constant->dtype) + " " +
              shapeStr(v.constant->shape));
      values_[in.name()] = std::move(v);
      continue;
    }
    v.argIndex = static_cast<int>(args_.size());
    args_.push_back({in.name(), type});
    values_[in.name()] = std::move(v);
    argValues_.push_back(nullptr);
  }
}

std::string GraphWalker::nodeName(const onnx::NodeProto &node, int index) const {
  if (!node.name().empty())
    return node.name();
  return node.op_type() + "_" + std::to_string(index);
}

std::vector<int> GraphWalker::topologicalOrder(const onnx::GraphProto &g) {
  std::unordered_map<std::string, int> producer;
  for (int i = 0; i < g.node_size(); ++i)
    for (const std::string &o : g.node(i).output()) {
      if (o.empty())
        continue;
      if (values_.count(o) && values_.at(o).argIndex >= 0)
        raise(imp_.path + ": node '" + nodeName(g.node(i), i) + "' (" + g.node(i).op_type() +
              "): output '" + o + "' has the name of a graph input");
      auto [it, fresh] = producer.emplace(o, i);
      if (!fresh)
        raise(imp_.path + ": node '" + nodeName(g.node(i), i) + "' (" + g.node(i).op_type() +
              "): output '" + o + "' is also produced by node '" +
              nodeName(g.node(it->second), it->second) + "'");
    }
  std::vector<int> pendingInputs(g.node_size(), 0);
  std::vector<std::vector<int>> users(g.node_size());
  for (int i = 0; i < g.node_size(); ++i) {
    std::set<int> deps;
    for (const std::string &in : g.node(i).input()) {
      if (in.empty())
        continue;
      used_.insert(in);
      auto it = producer.find(in);
      if (it != producer.end()) {
        if (it->second == i)
          raise(imp_.path + ": node '" + nodeName(g.node(i), i) + "' (" + g.node(i).op_type() +
                "): input '" + in + "' is its own output (a cycle)");
        deps.insert(it->second);
      } else if (!values_.count(in)) {
        raise(imp_.path + ": node '" + nodeName(g.node(i), i) + "' (" + g.node(i).op_type() +
              "): input '" + in +
              "' is not produced by any node, initializer or graph input (dangling edge)");
      }
    }
    pendingInputs[i] = static_cast<int>(deps.size());
    for (int d : deps)
      users[d].push_back(i);
  }
  std::deque<int> ready;
  for (int i = 0; i < g.node_size(); ++i)
    if (!pendingInputs[i])
      ready.push_back(i);
  std::vector<int> order;
  while (!ready.empty()) {
    int n = ready.front();
    ready.pop_front();
    order.push_back(n);
    for (int u : users[n])
      if (--pendingInputs[u] == 0)
        ready.push_back(u);
  }
  if (order.size() != static_cast<size_t>(g.node_size())) {
    for (int i = 0; i < g.node_size(); ++i)
      if (pendingInputs[i])
        raise(imp_.path + ": node '" + nodeName(g.node(i), i) + "' (" + g.node(i).op_type() +
              "): is part of a cycle (its inputs depend on its own outputs)");
  }
  for (const auto &o : g.output()) {
    used_.insert(o.name());
    if (!producer.count(o.name()) && !values_.count(o.name()))
      raise(imp_.path + ": graph output '" + o.name() +
            "' is not produced by any node, initializer or graph input (dangling edge)");
  }
  return order;
}

void GraphWalker::buildNode(const onnx::NodeProto &node, int index) {
  std::string name = nodeName(node, index);
  std::string domain = node.domain();
  if (!domain.empty() && domain != "ai.onnx")
    raise(imp_.path + ": node '" + name + "' (" + node.op_type() + "): operator '" + domain + "." +
          node.op_type() + "' (domain '" + domain + "') is not supported; only the default ONNX "
          "domain is (docs/onnx.md lists the operators)");
  auto it = ops_.find(node.op_type());
  if (it == ops_.end())
    raise(imp_.path + ": node '" + name + "' (" + node.op_type() + "): operator '" +
          node.op_type() + "' (opset " + std::to_string(imp_.opset) +
          ") is not supported (docs/onnx.md lists the supported operators)");
  std::vector<OValue *> inputs;
  for (const std::string &in : node.input())
    inputs.push_back(in.empty() ? nullptr : &values_.at(in));
  Location loc = NameLoc::get(imp_.builder.getStringAttr(name));
  NodeCtx n(imp_, node, name, loc, std::move(inputs));
  std::vector<OValue> results = it->second->build(n);
  for (int i = 0; i < node.output_size(); ++i) {
    const std::string &o = node.output(i);
    if (o.empty())
      continue;
    if (static_cast<size_t>(i) >= results.size()) {
      if (used_.count(o))
        n.unsupported("output " + std::to_string(i) + " ('" + o + "') is used but not supported");
      continue;
    }
    values_[o] = std::move(results[i]);
  }
}

ImportedModel GraphWalker::run(const onnx::ModelProto &model) {
  readOpset(model);
  for (const OpInfo &op : computeOps())
    ops_[op.name] = &op;
  for (const OpInfo &op : shapeOps())
    ops_[op.name] = &op;
  const onnx::GraphProto &g = model.graph();
  readInitializers(g);
  readInputs(g);
  std::vector<int> order = topologicalOrder(g);

  OpBuilder &b = imp_.builder;
  std::string modelName = g.name().empty() ? llvm::sys::path::stem(imp_.path).str() : g.name();
  Location floc = FileLineColLoc::get(b.getStringAttr(imp_.path), 0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(floc);
  b.setInsertionPointToEnd(module->getBody());
  // FLOAT16/BFLOAT16 inputs and outputs cross the function boundary as f32
  // (the library ABI carries f32, i64, i32 and bool) and are converted
  // inside: f32 -> half rounds, half -> f32 is exact.
  auto boundaryType = [&](RankedTensorType t) {
    if (t.getElementType().isF16() || t.getElementType().isBF16())
      return RankedTensorType::get(t.getShape(), b.getF32Type());
    return t;
  };
  SmallVector<Type> argTypes;
  for (const Arg &a : args_)
    argTypes.push_back(boundaryType(a.type));
  func_ = b.create<func::FuncOp>(floc, "main", b.getFunctionType(argTypes, {}));
  Block *entry = func_.addEntryBlock();
  b.setInsertionPointToEnd(entry);
  for (size_t i = 0; i < args_.size(); ++i) {
    Location aloc = NameLoc::get(b.getStringAttr(args_[i].name));
    entry->getArgument(i).setLoc(aloc);
    Value v = entry->getArgument(i);
    if (argTypes[i] != args_[i].type)
      v = b.create<mlir::attune::CastOp>(aloc, TypeRange{args_[i].type}, ValueRange{v})
              .getResult();
    values_.at(args_[i].name).value = v;
  }

  for (int i : order)
    buildNode(g.node(i), i);

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const auto &o : g.output()) {
    OValue &v = values_.at(o.name());
    Location oloc = NameLoc::get(b.getStringAttr(o.name()));
    Value r = imp_.materialize(v, oloc);
    auto rt = llvm::cast<RankedTensorType>(r.getType());
    if (boundaryType(rt) != rt)
      r = b.create<mlir::attune::CastOp>(oloc, TypeRange{boundaryType(rt)}, ValueRange{r})
              .getResult();
    results.push_back(r);
    resultTypes.push_back(r.getType());
  }
  if (results.empty())
    raise(imp_.path + ": the graph has no outputs");
  b.create<func::ReturnOp>(floc, results);
  func_.setFunctionType(b.getFunctionType(argTypes, resultTypes));
  func_->setAttr("attune.model_name", b.getStringAttr(modelName));
  for (size_t i = 0; i < args_.size(); ++i) {
    func_.setArgAttr(i, "attune.name", b.getStringAttr(args_[i].name));
    if (auto it = imp_.maxValue_.find(static_cast<int>(i)); it != imp_.maxValue_.end())
      func_.setArgAttr(i, "attune.max_value", b.getI64IntegerAttr(it->second));
  }
  for (int i = 0; i < g.output_size(); ++i)
    func_.setResultAttr(i, "attune.name", b.getStringAttr(g.output(i).name()));

  imp_.diags.clear();
  if (failed(mlir::verify(*module)))
    raise(imp_.path + ": the imported module does not verify: " +
          (imp_.diags.empty() ? std::string("(no message)") : imp_.diags.front()));

  ImportedModel out;
  out.module = std::move(module);
  out.weights = std::move(imp_.weights_);
  out.weights.source = imp_.path;
  out.name = modelName;
  return out;
}

ImportedModel Importer::run(const void *data, size_t size) {
  if (size > static_cast<size_t>(INT32_MAX))
    raise(path + ": the file is larger than 2 GiB; protobuf cannot parse it (store the weights "
                 "as external data)");
  onnx::ModelProto model;
  google::protobuf::io::CodedInputStream stream(static_cast<const uint8_t *>(data),
                                                static_cast<int>(size));
  stream.SetTotalBytesLimit(INT32_MAX);
  stream.SetRecursionLimit(64);
  if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage())
    raise(path + ": not a valid ONNX model (the protobuf ModelProto does not parse)");
  if (!model.has_graph())
    raise(path + ": the ModelProto has no graph");
  GraphWalker walker(*this, options_, info_);
  return walker.run(model);
}

} // namespace onnx_import

//===----------------------------------------------------------------------===//
// API
//===----------------------------------------------------------------------===//

static llvm::Expected<ImportedModel> importImpl(MLIRContext &ctx, const void *data, size_t size,
                                                const std::string &path,
                                                const OnnxImportOptions &options,
                                                OnnxImportInfo *infoOut) {
  ctx.getOrLoadDialect<mlir::attune::AttuneDialect>();
  ctx.getOrLoadDialect<func::FuncDialect>();
  OnnxImportInfo info;
  auto error = [](const std::string &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
  };
  if (options.batch <= 0 || options.seqLen <= 0)
    return error(path + ": batch and sequence sizes must be positive, found batch=" +
                 std::to_string(options.batch) + " seq_len=" + std::to_string(options.seqLen));
  onnx_import::Importer importer(ctx, path, options, info);
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error)
      importer.diags.push_back(diag.str());
    return success();
  });
  try {
    ImportedModel m = importer.run(data, size);
    if (infoOut)
      *infoOut = std::move(info);
    return m;
  } catch (const onnx_import::OnnxError &e) {
    if (infoOut) // what was bound explains many shape errors
      *infoOut = std::move(info);
    return error(e.what());
  } catch (const std::bad_alloc &) {
    return error(path + ": out of memory while importing the model");
  } catch (const std::exception &e) {
    return error(path + ": internal error while importing the model: " + e.what());
  } catch (...) {
    return error(path + ": internal error while importing the model");
  }
}

llvm::Expected<ImportedModel> importOnnxFromMemory(MLIRContext &ctx, const void *data, size_t size,
                                                   const std::string &path,
                                                   const OnnxImportOptions &options,
                                                   OnnxImportInfo *info) {
  return importImpl(ctx, data, size, path, options, info);
}

llvm::Expected<ImportedModel> importOnnx(MLIRContext &ctx, const std::string &path,
                                         const OnnxImportOptions &options, OnnxImportInfo *info) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buf)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": cannot read: " + buf.getError().message());
  return importImpl(ctx, (*buf)->getBufferStart(), (*buf)->getBufferSize(), path, options, info);
}

const std::vector<std::string> &onnxSupportedOperators() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto &op : onnx_import::computeOps())
      v.push_back(op.name);
    for (const auto &op : onnx_import::shapeOps())
      v.push_back(op.name);
    std::sort(v.begin(), v.end());
    return v;
  }();
  return names;
}

bool onnxImporterAvailable() { return true; }

} // namespace attune
