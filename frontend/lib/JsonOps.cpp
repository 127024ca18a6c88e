//===- JsonOps.cpp - Building attune ops from JSON graph nodes ------------===//
//
// One table entry per JSON op: arity, accepted attributes, operand element
// kinds and a build function. Result types come from the ops' own type
// inference (`OpName::inferReturnTypes`), called before the op is created so
// that a failure becomes an error naming the JSON node and input instead of
// a fatal error inside the builder. Ops without type inference (reshape,
// expand, cast, constant, the unary ops) get their result type computed and
// checked here with the verifiers' rules (ShapeUtils).
//
//===----------------------------------------------------------------------===//
#include "ImporterInternal.h"

#include "attune/IR/AttuneOps.h"
#include "attune/IR/ShapeUtils.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

using namespace mlir;
using namespace mlir::attune;

namespace attune::detail {

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

std::string NodeContext::prefix() const {
  return file + ": node '" + nodeName + "' (" + opName + ")";
}

void NodeContext::fail(const std::string &msg) const { raise(prefix() + ": " + msg); }

void NodeContext::failInput(size_t i, const std::string &msg) const {
  std::string where = prefix() + " input " + std::to_string(i);
  if (i < inputNames.size())
    where += " '" + inputNames[i] + "'";
  if (i < operandNames.size() && !operandNames[i].empty())
    where += " (" + operandNames[i] + ")";
  raise(where + ": " + msg);
}

void NodeContext::failAttr(const std::string &key, const std::string &msg) const {
  raise(prefix() + " attribute '" + key + "': " + msg);
}

RankedTensorType NodeContext::inputType(size_t i) const {
  return cast<RankedTensorType>(inputs[i].getType());
}

bool NodeContext::has(const char *key) const {
  return attributes.is_object() && attributes.contains(key);
}

const json &NodeContext::getRequired(const char *key, const char *what) const {
  if (!has(key))
    fail(std::string("missing required attribute '") + key + "' (" + what + ")");
  return attributes.at(key);
}

bool NodeContext::getBool(const char *key, bool dflt) const {
  if (!has(key))
    return dflt;
  const json &j = attributes.at(key);
  if (!j.is_boolean())
    failAttr(key, "expected true or false, found " + describeJson(j));
  return j.get<bool>();
}

int64_t NodeContext::getInt(const char *key) const {
  const json &j = getRequired(key, "an integer");
  auto v = asInt64(j);
  if (!v)
    failAttr(key, std::string(j.is_number_unsigned() ? "expected an integer in the i64 range"
                                                     : "expected an integer") +
                      ", found " + describeJson(j));
  return *v;
}

int64_t NodeContext::getInt(const char *key, int64_t dflt) const {
  return has(key) ? getInt(key) : dflt;
}

std::optional<float> NodeContext::getOptionalF32(const char *key) const {
  if (!has(key))
    return std::nullopt;
  const json &j = attributes.at(key);
  if (!j.is_number())
    failAttr(key, "expected a number, found " + describeJson(j));
  double d = j.get<double>();
  float f = static_cast<float>(d);
  if (!std::isfinite(f))
    failAttr(key, "expected a finite f32 value, found " + describeJson(j));
  return f;
}

float NodeContext::getF32(const char *key, float dflt) const {
  auto v = getOptionalF32(key);
  return v ? *v : dflt;
}

std::optional<std::vector<int64_t>> NodeContext::getOptionalInts(const char *key) const {
  if (!has(key))
    return std::nullopt;
  const json &j = attributes.at(key);
  if (!j.is_array())
    failAttr(key, "expected a list of integers, found " + describeJson(j));
  std::vector<int64_t> out;
  for (size_t i = 0; i < j.size(); ++i) {
    auto v = asInt64(j[i]);
    if (!v)
      failAttr(key, std::string(j[i].is_number_unsigned()
                                    ? "expected a list of integers in the i64 range"
                                    : "expected a list of integers") +
                        ", found " + describeJson(j[i]) + " at index " + std::to_string(i));
    out.push_back(*v);
  }
  return out;
}

std::vector<int64_t> NodeContext::getInts(const char *key) const {
  getRequired(key, "a list of integers");
  return *getOptionalInts(key);
}

std::string NodeContext::getString(const char *key, const std::string &dflt) const {
  if (!has(key))
    return dflt;
  const json &j = attributes.at(key);
  if (!j.is_string())
    failAttr(key, "expected a string, found " + describeJson(j));
  return j.get<std::string>();
}

void NodeContext::failFromDiagnostic(const std::string &diag) const {
  std::string msg = diag;
  // "'attune.matmul' op rhs: expected ..." -> "rhs: expected ..."
  if (!msg.empty() && msg[0] == '\'') {
    size_t p = msg.find("' op ");
    if (p != std::string::npos)
      msg = msg.substr(p + 5);
  }
  size_t colon = msg.find(": ");
  if (colon != std::string::npos) {
    std::string head = msg.substr(0, colon), rest = msg.substr(colon + 2);
    for (size_t i = 0; i < operandNames.size() && i < inputs.size(); ++i)
      if (head == operandNames[i])
        failInput(i, rest);
    if (head.rfind("input ", 0) == 0) {
      std::string num = head.substr(6);
      if (!num.empty() && num.size() < 10 &&
          std::all_of(num.begin(), num.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        size_t idx = std::stoul(num);
        if (idx < inputs.size())
          failInput(idx, rest);
      }
    }
    for (const std::string &a : opAttributes(opName))
      if (head == a)
        failAttr(a, rest);
  }
  fail(msg);
}

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

enum class Kind { Any, Float, Int, Bool };

void checkKind(NodeContext &n, size_t i, Kind kind) {
  RankedTensorType t = n.inputType(i);
  Type e = t.getElementType();
  switch (kind) {
  case Kind::Any:
    return;
  case Kind::Float:
    if (!isa<FloatType>(e))
      n.failInput(i, "expected a float tensor (f32), found " + typeToString(t) +
                         " (convert it with a 'cast' node)");
    return;
  case Kind::Int:
    if (!e.isInteger(64) && !e.isInteger(32))
      n.failInput(i, "expected an integer tensor (i64 or i32), found " + typeToString(t));
    return;
  case Kind::Bool:
    if (!e.isInteger(1))
      n.failInput(i, "expected a bool tensor (i1), found " + typeToString(t) +
                         " (make one with an 'equal' or 'cast' node)");
    return;
  }
}

/// Runs OpT's type inference on these operands/attributes; on failure throws
/// an error built from the op's own message.
template <typename OpT>
SmallVector<Type> inferTypes(NodeContext &n, ValueRange operands, ArrayRef<NamedAttribute> attrs) {
  MLIRContext *ctx = n.ctx();
  DictionaryAttr dict = DictionaryAttr::get(ctx, attrs);
  using Props = typename OpT::template InferredProperties<OpT>;
  Props props{};
  n.log.clear();
  if constexpr (!std::is_same_v<Props, EmptyProperties>) {
    if (failed(OpT::setPropertiesFromAttr(props, dict, [&] { return mlir::emitError(n.loc); })))
      n.fail("internal error: cannot set the op's attributes: " + n.log.joined());
  }
  SmallVector<Type> types;
  if (failed(OpT::inferReturnTypes(ctx, n.loc, operands, dict, OpaqueProperties(&props),
                                   RegionRange(), types)))
    n.failFromDiagnostic(n.log.diags.empty() ? std::string("type inference failed")
                                             : n.log.diags.back().message);
  return types;
}

template <typename OpT>
std::vector<Value> createInferred(NodeContext &n, ValueRange operands,
                                  ArrayRef<NamedAttribute> attrs = {}) {
  SmallVector<Type> types = inferTypes<OpT>(n, operands, attrs);
  Operation *op = n.builder.create<OpT>(n.loc, TypeRange(types), operands, attrs).getOperation();
  return std::vector<Value>(op->result_begin(), op->result_end());
}

template <typename OpT>
std::vector<Value> createTyped(NodeContext &n, Type resultType, ValueRange operands,
                               ArrayRef<NamedAttribute> attrs = {}) {
  Operation *op =
      n.builder.create<OpT>(n.loc, TypeRange{resultType}, operands, attrs).getOperation();
  return {op->getResult(0)};
}

NamedAttribute named(NodeContext &n, const char *name, Attribute a) {
  return n.builder.getNamedAttr(name, a);
}

void checkNumElements(NodeContext &n, const char *key, ArrayRef<int64_t> shape) {
  if (!checkedNumElements(shape))
    n.failAttr(key, "shape " + shapeToString(shape) + " has too many elements");
}

//===----------------------------------------------------------------------===//
// Op builders
//===----------------------------------------------------------------------===//

template <typename OpT> std::vector<Value> buildBinary(NodeContext &n) {
  return createInferred<OpT>(n, {n.inputs[0], n.inputs[1]});
}

std::vector<Value> buildWhere(NodeContext &n) {
  checkKind(n, 0, Kind::Bool);
  return createInferred<WhereOp>(n, {n.inputs[0], n.inputs[1], n.inputs[2]});
}

template <typename OpT> std::vector<Value> buildUnary(NodeContext &n) {
  checkKind(n, 0, Kind::Float);
  return createTyped<OpT>(n, n.inputType(0), {n.inputs[0]});
}

std::vector<Value> buildGelu(NodeContext &n) {
  checkKind(n, 0, Kind::Float);
  std::string approx = n.getString("approximate", "none");
  if (approx != "none" && approx != "tanh")
    n.failAttr("approximate", "expected \"none\" or \"tanh\", found \"" + approx + "\"");
  SmallVector<NamedAttribute> attrs;
  if (approx != "none")
    attrs.push_back(named(n, "approximate", n.builder.getStringAttr(approx)));
  return createTyped<GeluOp>(n, n.inputType(0), {n.inputs[0]}, attrs);
}

std::vector<Value> buildMatmul(NodeContext &n) {
  checkKind(n, 0, Kind::Float);
  checkKind(n, 1, Kind::Float);
  SmallVector<NamedAttribute> attrs;
  if (n.getBool("transpose_b", false))
    attrs.push_back(named(n, "transpose_b", n.builder.getUnitAttr()));
  return createInferred<MatmulOp>(n, {n.inputs[0], n.inputs[1]}, attrs);
}

std::vector<Value> buildEmbedding(NodeContext &n) {
  checkKind(n, 0, Kind::Float);
  checkKind(n, 1, Kind::Int);
  auto results = createInferred<EmbeddingOp>(n, {n.inputs[0], n.inputs[1]});
  if (n.origins.size() > 1 && n.origins[1].kind == OperandOrigin::GraphInput)
    n.maxValueHints.push_back({n.origins[1].graphInputIndex, n.inputType(0).getDimSize(0)});
  return results;
}

template <typename OpT> std::vector<Value> buildReduce(NodeContext &n) {
  checkKind(n, 0, Kind::Float);
  SmallVector<NamedAttribute> attrs;
  attrs.push_back(named(n, "axes", n.builder.getDenseI64ArrayAttr(n.getInts("axes"))));
  if (n.getBool("keepdims", false))
    attrs.push_back(named(n, "keepdims", n.builder.getUnitAttr()));
  return createInferred<OpT>(n, {n.inputs[0]}, attrs);
}

std::vector<Value> buildLayerNorm(NodeContext &n) {
  for (size_t i = 0; i < 3; ++i)
    checkKind(n, i, Kind::Float);
  float eps = n.getF32("eps", 1e-5f);
  if (eps < 0.0f)
    n.failAttr("eps", "expected a value >= 0, found " + describeJson(n.attributes.at("eps")));
  SmallVector<NamedAttribute> attrs{
      named(n, "eps", n.builder.getF32FloatAttr(eps)),
      named(n, "axis", n.builder.getI64IntegerAttr(n.getInt("axis", -1)))};
  return createInferred<LayerNormOp>(n, {n.inputs[0], n.inputs[1], n.inputs[2]}, attrs);
}

std::vector<Value> buildSoftmax(NodeContext &n) {
  checkKind(n, 0, Kind::Float);
  SmallVector<NamedAttribute> attrs{
      named(n, "axis", n.builder.getI64IntegerAttr(n.getInt("axis", -1)))};
  return createInferred<SoftmaxOp>(n, {n.inputs[0]}, attrs);
}

std::vector<Value> buildAttention(NodeContext &n) {
  for (size_t i = 0; i < 3; ++i)
    checkKind(n, i, Kind::Float);
  int64_t heads = n.getInt("num_heads");
  if (heads <= 0)
    n.failAttr("num_heads", "expected a positive integer, found " + std::to_string(heads));
  SmallVector<NamedAttribute> attrs{named(n, "num_heads", n.builder.getI64IntegerAttr(heads))};
  if (auto scale = n.getOptionalF32("scale"))
    attrs.push_back(named(n, "scale", n.builder.getF32FloatAttr(*scale)));
  if (n.getBool("causal", false))
    attrs.push_back(named(n, "causal", n.builder.getUnitAttr()));
  SmallVector<Value> operands(n.inputs.begin(), n.inputs.end());
  return createInferred<AttentionOp>(n, operands, attrs);
}

std::vector<Value> buildReshape(NodeContext &n) {
  RankedTensorType in = n.inputType(0);
  std::vector<int64_t> shape = n.getInts("shape");
  int64_t inferIdx = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (inferIdx >= 0)
        n.failAttr("shape", "expected at most one -1, found " + shapeToString(shape));
      inferIdx = static_cast<int64_t>(i);
    } else if (shape[i] < 1) {
      n.failAttr("shape", "expected positive sizes (or one -1), found " + std::to_string(shape[i]) +
                              " at index " + std::to_string(i));
    }
  }
  int64_t inCount = numElements(in.getShape());
  SmallVector<int64_t> known;
  for (int64_t d : shape)
    if (d != -1)
      known.push_back(d);
  auto knownCount = checkedNumElements(known);
  if (!knownCount)
    n.failAttr("shape", "shape " + shapeToString(shape) + " has too many elements");
  if (inferIdx >= 0) {
    if (*knownCount == 0 || inCount % *knownCount != 0)
      n.failAttr("shape", "cannot infer the -1 in " + shapeToString(shape) + ": the input " +
                              shapeToString(in.getShape()) + " has " + std::to_string(inCount) +
                              " elements, not a multiple of " + std::to_string(*knownCount));
    shape[inferIdx] = inCount / *knownCount;
  } else if (*knownCount != inCount) {
    n.failAttr("shape", "expected " + std::to_string(inCount) + " elements (input " +
                            shapeToString(in.getShape()) + "), found " +
                            std::to_string(*knownCount) + " in " + shapeToString(shape));
  }
  return createTyped<ReshapeOp>(n, RankedTensorType::get(shape, in.getElementType()),
                                {n.inputs[0]});
}

std::vector<Value> buildTranspose(NodeContext &n) {
  SmallVector<NamedAttribute> attrs{
      named(n, "perm", n.builder.getDenseI64ArrayAttr(n.getInts("perm")))};
  return createInferred<TransposeOp>(n, {n.inputs[0]}, attrs);
}

/// ONNX Slice semantics -> the dialect's full-rank normalized form.
std::vector<Value> buildSlice(NodeContext &n) {
  RankedTensorType in = n.inputType(0);
  int64_t rank = in.getRank();
  std::vector<int64_t> starts = n.getInts("starts"), ends = n.getInts("ends");
  size_t count = starts.size();
  if (ends.size() != count)
    n.failAttr("ends", "expected " + std::to_string(count) + " entries (as 'starts'), found " +
                           std::to_string(ends.size()));
  std::vector<int64_t> axes;
  if (auto a = n.getOptionalInts("axes")) {
    axes = *a;
    if (axes.size() != count)
      n.failAttr("axes", "expected " + std::to_string(count) + " entries (as 'starts'), found " +
                             std::to_string(axes.size()));
  } else {
    if (static_cast<int64_t>(count) > rank)
      n.failAttr("starts", "expected at most " + std::to_string(rank) +
                               " entries (input rank, no 'axes' given), found " +
                               std::to_string(count));
    for (size_t i = 0; i < count; ++i)
      axes.push_back(static_cast<int64_t>(i));
  }
  std::vector<int64_t> steps(count, 1);
  if (auto s = n.getOptionalInts("steps")) {
    steps = *s;
    if (steps.size() != count)
      n.failAttr("steps", "expected " + std::to_string(count) + " entries (as 'starts'), found " +
                              std::to_string(steps.size()));
  }
  SmallVector<int64_t> fs(rank, 0), fe(in.getShape()), fst(rank, 1);
  SmallVector<bool> seen(rank, false);
  for (size_t k = 0; k < count; ++k) {
    auto axis = normalizeAxis(axes[k], rank);
    if (!axis)
      n.failAttr("axes", "axis " + std::to_string(axes[k]) + " is out of range for input of rank " +
                             std::to_string(rank));
    if (seen[*axis])
      n.failAttr("axes", "axis " + std::to_string(axes[k]) + " appears twice");
    seen[*axis] = true;
    if (steps[k] < 0)
      n.failAttr("steps", "negative steps are not supported, found " + std::to_string(steps[k]) +
                              " for axis " + std::to_string(*axis));
    if (steps[k] == 0)
      n.failAttr("steps", "expected steps > 0, found 0 for axis " + std::to_string(*axis));
    int64_t d = in.getDimSize(*axis);
    int64_t s = starts[k], e = ends[k];
    if (s < 0)
      s += d;
    if (e < 0)
      e += d;
    s = std::clamp<int64_t>(s, 0, d);
    e = std::clamp<int64_t>(e, 0, d);
    if (e <= s)
      n.failAttr("ends", "the slice of axis " + std::to_string(*axis) + " (size " +
                             std::to_string(d) + ") is empty: start " + std::to_string(starts[k]) +
                             ", end " + std::to_string(ends[k]) + " normalize to [" +
                             std::to_string(s) + ", " + std::to_string(e) + ")");
    fs[*axis] = s;
    fe[*axis] = e;
    fst[*axis] = steps[k];
  }
  SmallVector<NamedAttribute> attrs{named(n, "starts", n.builder.getDenseI64ArrayAttr(fs)),
                                    named(n, "ends", n.builder.getDenseI64ArrayAttr(fe)),
                                    named(n, "steps", n.builder.getDenseI64ArrayAttr(fst))};
  return createInferred<SliceOp>(n, {n.inputs[0]}, attrs);
}

std::vector<Value> buildSplit(NodeContext &n) {
  int64_t axis = n.getInt("axis");
  std::vector<int64_t> sizes = n.getInts("sizes");
  if (sizes.empty())
    n.failAttr("sizes", "expected at least one size, found an empty list");
  SmallVector<NamedAttribute> attrs{named(n, "axis", n.builder.getI64IntegerAttr(axis)),
                                    named(n, "sizes", n.builder.getDenseI64ArrayAttr(sizes))};
  return createInferred<SplitOp>(n, {n.inputs[0]}, attrs);
}

std::vector<Value> buildConcat(NodeContext &n) {
  SmallVector<NamedAttribute> attrs{
      named(n, "axis", n.builder.getI64IntegerAttr(n.getInt("axis")))};
  SmallVector<Value> operands(n.inputs.begin(), n.inputs.end());
  return createInferred<ConcatOp>(n, operands, attrs);
}

std::vector<Value> buildExpand(NodeContext &n) {
  RankedTensorType in = n.inputType(0);
  std::vector<int64_t> shape = n.getInts("shape");
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] < 1)
      n.failAttr("shape", "expected positive sizes, found " + std::to_string(shape[i]) +
                              " at index " + std::to_string(i));
  auto out = broadcastShapes(in.getShape(), shape);
  if (!out)
    n.failInput(0, "shape " + shapeToString(in.getShape()) +
                       " does not broadcast with attribute 'shape' " + shapeToString(shape));
  checkNumElements(n, "shape", *out);
  return createTyped<ExpandOp>(n, RankedTensorType::get(*out, in.getElementType()), {n.inputs[0]});
}

std::vector<Value> buildCast(NodeContext &n) {
  RankedTensorType in = n.inputType(0);
  const json &to = n.getRequired("to", "one of \"f32\", \"i64\", \"i32\", \"bool\"");
  Type elem = parseDType(n.ctx(), to, [&](const std::string &m) { n.failAttr("to", m); });
  return createTyped<CastOp>(n, RankedTensorType::get(in.getShape(), elem), {n.inputs[0]});
}

//===----------------------------------------------------------------------===//
// constant
//===----------------------------------------------------------------------===//

constexpr size_t kMaxConstantRank = 16;

/// Shape of a (nested) JSON list, by following first elements.
std::vector<int64_t> nestedShape(NodeContext &n, const json &v) {
  std::vector<int64_t> shape;
  const json *cur = &v;
  while (cur->is_array()) {
    if (shape.size() >= kMaxConstantRank)
      n.failAttr("value", "lists nested deeper than " + std::to_string(kMaxConstantRank) +
                              " levels are not supported");
    if (cur->empty())
      n.failAttr("value", "expected a number or a non-empty (nested) list, found an empty list");
    shape.push_back(static_cast<int64_t>(cur->size()));
    cur = &(*cur)[0];
  }
  return shape;
}

void flatten(NodeContext &n, const json &v, const std::vector<int64_t> &shape, size_t depth,
             const std::string &path, std::vector<const json *> &leaves) {
  if (depth == shape.size()) {
    if (v.is_array())
      n.failAttr("value", "ragged nested list: expected a scalar at value" + path +
                              ", found a list (all lists at one depth must have the same length)");
    leaves.push_back(&v);
    return;
  }
  if (!v.is_array() || static_cast<int64_t>(v.size()) != shape[depth])
    n.failAttr("value",
               "ragged nested list: expected a list of " + std::to_string(shape[depth]) +
                   " at value" + path + ", found " +
                   (v.is_array() ? "a list of " + std::to_string(v.size()) : describeJson(v)));
  for (size_t i = 0; i < v.size(); ++i)
    flatten(n, v[i], shape, depth + 1, path + "[" + std::to_string(i) + "]", leaves);
}

std::vector<Value> buildConstant(NodeContext &n) {
  const json &value = n.getRequired("value", "a number or a (nested) list of numbers");
  Type elem = Float32Type::get(n.ctx());
  if (n.has("dtype"))
    elem = parseDType(n.ctx(), n.attributes.at("dtype"),
                      [&](const std::string &m) { n.failAttr("dtype", m); });

  std::vector<int64_t> valueShape = nestedShape(n, value);
  std::vector<const json *> leaves;
  flatten(n, value, valueShape, 0, "", leaves);
  checkNumElements(n, "value", valueShape);

  std::vector<int64_t> shape = valueShape;
  if (auto s = n.getOptionalInts("shape")) {
    shape = *s;
    for (size_t i = 0; i < shape.size(); ++i)
      if (shape[i] < 1)
        n.failAttr("shape", "expected positive sizes, found " + std::to_string(shape[i]) +
                                " at index " + std::to_string(i));
    checkNumElements(n, "shape", shape);
    bool scalar = valueShape.empty();
    if (!scalar && *checkedNumElements(shape) != static_cast<int64_t>(leaves.size()))
      n.failAttr("shape", "expected " + std::to_string(leaves.size()) +
                              " elements (as 'value', shape " + shapeToString(valueShape) +
                              "), found " + std::to_string(*checkedNumElements(shape)) + " in " +
                              shapeToString(shape) +
                              " (a scalar 'value' with a 'shape' makes a splat)");
  }
  auto type = RankedTensorType::get(shape, elem);

  auto leafError = [&](size_t i, const std::string &expected) {
    // Rebuild the index path of leaf i for the message.
    std::string path;
    size_t rem = i;
    std::vector<int64_t> idx(valueShape.size());
    for (size_t d = valueShape.size(); d-- > 0;) {
      idx[d] = static_cast<int64_t>(rem % valueShape[d]);
      rem /= valueShape[d];
    }
    for (int64_t x : idx)
      path += "[" + std::to_string(x) + "]";
    n.failAttr("value",
               "expected " + expected + " at value" + path + ", found " + describeJson(*leaves[i]));
  };

  DenseElementsAttr attr;
  if (elem.isF32()) {
    std::vector<float> vals;
    for (size_t i = 0; i < leaves.size(); ++i) {
      if (!leaves[i]->is_number())
        leafError(i, "a number (dtype f32)");
      float f = static_cast<float>(leaves[i]->get<double>());
      if (!std::isfinite(f))
        leafError(i, "a finite f32 value");
      vals.push_back(f);
    }
    attr = DenseElementsAttr::get(type, ArrayRef<float>(vals));
  } else if (elem.isInteger(64) || elem.isInteger(32)) {
    bool is32 = elem.isInteger(32);
    std::vector<int64_t> v64;
    std::vector<int32_t> v32;
    for (size_t i = 0; i < leaves.size(); ++i) {
      auto v = asInt64(*leaves[i]);
      if (!v)
        leafError(i, leaves[i]->is_number_unsigned()
                         ? (is32 ? "an integer in the i32 range" : "an integer in the i64 range")
                     : is32 ? "an integer (dtype i32)"
                            : "an integer (dtype i64)");
      if (is32) {
        if (*v < std::numeric_limits<int32_t>::min() || *v > std::numeric_limits<int32_t>::max())
          leafError(i, "an integer in the i32 range");
        v32.push_back(static_cast<int32_t>(*v));
      } else {
        v64.push_back(*v);
      }
    }
    attr = is32 ? DenseElementsAttr::get(type, ArrayRef<int32_t>(v32))
                : DenseElementsAttr::get(type, ArrayRef<int64_t>(v64));
  } else {
    SmallVector<bool> vals;
    for (size_t i = 0; i < leaves.size(); ++i) {
      if (!leaves[i]->is_boolean())
        leafError(i, "true or false (dtype bool)");
      vals.push_back(leaves[i]->get<bool>());
    }
    attr = DenseElementsAttr::get(type, ArrayRef<bool>(vals));
  }
  return createTyped<ConstantOp>(n, type, {}, {named(n, "value", attr)});
}

//===----------------------------------------------------------------------===//
// The op table
//===----------------------------------------------------------------------===//

struct OpSpec {
  const char *name;
  int minInputs, maxInputs; ///< maxInputs < 0: unbounded
  const char *inputsDesc;   ///< for arity messages
  std::vector<std::string> operandNames;
  std::vector<std::string> attributes;
  std::vector<Value> (*build)(NodeContext &);
};

const std::vector<OpSpec> &opTable() {
  static const std::vector<OpSpec> table = [] {
    const std::vector<std::string> bin{"lhs", "rhs"};
    std::vector<OpSpec> t = {
        {"add", 2, 2, "lhs, rhs", bin, {}, buildBinary<AddOp>},
        {"sub", 2, 2, "lhs, rhs", bin, {}, buildBinary<SubOp>},
        {"mul", 2, 2, "lhs, rhs", bin, {}, buildBinary<MulOp>},
        {"div", 2, 2, "lhs, rhs", bin, {}, buildBinary<DivOp>},
        {"pow", 2, 2, "base, exponent", bin, {}, buildBinary<PowOp>},
        {"equal", 2, 2, "lhs, rhs", bin, {}, buildBinary<EqualOp>},
        {"maximum", 2, 2, "lhs, rhs", bin, {}, buildBinary<MaximumOp>},
        {"minimum", 2, 2, "lhs, rhs", bin, {}, buildBinary<MinimumOp>},
        {"where", 3, 3, "cond, a, b", {"cond", "lhs", "rhs"}, {}, buildWhere},
        {"exp", 1, 1, "x", {"input"}, {}, buildUnary<ExpOp>},
        {"sqrt", 1, 1, "x", {"input"}, {}, buildUnary<SqrtOp>},
        {"erf", 1, 1, "x", {"input"}, {}, buildUnary<ErfOp>},
        {"tanh", 1, 1, "x", {"input"}, {}, buildUnary<TanhOp>},
        {"relu", 1, 1, "x", {"input"}, {}, buildUnary<ReluOp>},
        {"gelu", 1, 1, "x", {"input"}, {"approximate"}, buildGelu},
        {"matmul", 2, 2, "a, b", bin, {"transpose_b"}, buildMatmul},
        {"embedding", 2, 2, "table, ids", {"table", "ids"}, {}, buildEmbedding},
        {"reduce_sum", 1, 1, "x", {"input"}, {"axes", "keepdims"}, buildReduce<ReduceSumOp>},
        {"reduce_mean", 1, 1, "x", {"input"}, {"axes", "keepdims"}, buildReduce<ReduceMeanOp>},
        {"reduce_max", 1, 1, "x", {"input"}, {"axes", "keepdims"}, buildReduce<ReduceMaxOp>},
        {"layer_norm",
         3,
         3,
         "x, gamma, beta",
         {"input", "gamma", "beta"},
         {"eps", "axis"},
         buildLayerNorm},
        {"softmax", 1, 1, "x", {"input"}, {"axis"}, buildSoftmax},
        {"attention",
         3,
         4,
         "q, k, v[, mask]",
         {"q", "k", "v", "mask"},
         {"num_heads", "scale", "causal"},
         buildAttention},
        {"reshape", 1, 1, "x", {"input"}, {"shape"}, buildReshape},
        {"transpose", 1, 1, "x", {"input"}, {"perm"}, buildTranspose},
        {"slice", 1, 1, "x", {"input"}, {"starts", "ends", "axes", "steps"}, buildSlice},
        {"split", 1, 1, "x", {"input"}, {"axis", "sizes"}, buildSplit},
        {"concat", 1, -1, "x0, x1, ...", {}, {"axis"}, buildConcat},
        {"expand", 1, 1, "x", {"input"}, {"shape"}, buildExpand},
        {"cast", 1, 1, "x", {"input"}, {"to"}, buildCast},
        {"constant", 0, 0, "", {}, {"value", "shape", "dtype"}, buildConstant},
    };
    std::sort(t.begin(), t.end(),
              [](const OpSpec &a, const OpSpec &b) { return std::string(a.name) < b.name; });
    return t;
  }();
  return table;
}

const OpSpec *findSpec(const std::string &op) {
  for (const OpSpec &s : opTable())
    if (op == s.name)
      return &s;
  return nullptr;
}

std::string arityMessage(const OpSpec &s, size_t found) {
  std::string f = ", found " + std::to_string(found);
  auto plural = [](int k) { return k == 1 ? std::string(" input") : std::string(" inputs"); };
  if (s.maxInputs == 0)
    return "expected no inputs" + f;
  if (s.maxInputs < 0)
    return "expected at least " + std::to_string(s.minInputs) + plural(s.minInputs) + " (" +
           s.inputsDesc + ")" + f;
  if (s.minInputs == s.maxInputs)
    return "expected " + std::to_string(s.minInputs) + plural(s.minInputs) + " (" + s.inputsDesc +
           ")" + f;
  return "expected " + std::to_string(s.minInputs) + " or " + std::to_string(s.maxInputs) +
         " inputs (" + s.inputsDesc + ")" + f;
}

} // namespace

const std::vector<std::string> &supportedOps() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const OpSpec &s : opTable())
      v.push_back(s.name);
    return v;
  }();
  return names;
}

bool isSupportedOp(const std::string &op) { return findSpec(op) != nullptr; }

std::vector<std::string> opAttributes(const std::string &op) {
  const OpSpec *s = findSpec(op);
  return s ? s->attributes : std::vector<std::string>{};
}

size_t expectedNumResults(const std::string &op, const json &attributes) {
  if (op != "split")
    return 1;
  if (attributes.is_object() && attributes.contains("sizes") && attributes["sizes"].is_array())
    return attributes["sizes"].size();
  return 0;
}

std::vector<Value> buildNode(NodeContext &n) {
  const OpSpec *spec = findSpec(n.opName);
  if (!spec)
    n.fail("unknown op '" + n.opName + "'; supported ops: " + joinQuoted(supportedOps(), ", "));
  n.operandNames = spec->operandNames;
  size_t count = n.inputs.size();
  if (static_cast<int>(count) < spec->minInputs ||
      (spec->maxInputs >= 0 && static_cast<int>(count) > spec->maxInputs))
    n.fail(arityMessage(*spec, count));
  if (n.attributes.is_object()) {
    for (auto it = n.attributes.begin(); it != n.attributes.end(); ++it) {
      if (std::find(spec->attributes.begin(), spec->attributes.end(), it.key()) !=
          spec->attributes.end())
        continue;
      if (spec->attributes.empty())
        n.fail("unknown attribute '" + it.key() + "' (" + spec->name + " takes no attributes)");
      n.fail("unknown attribute '" + it.key() + "'" + didYouMean(it.key(), spec->attributes) +
             " (" + spec->name + " accepts " + joinQuoted(spec->attributes, " and ") + ")");
    }
  }
  return spec->build(n);
}

} // namespace attune::detail
