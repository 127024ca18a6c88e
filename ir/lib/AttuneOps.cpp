//===- AttuneOps.cpp - Verifiers and type inference of attune ops ---------===//
//
// Every message names the operand or attribute at fault and states what was
// expected and what was found, e.g.
//   'attune.matmul' op rhs: expected K = 64 in dim 0 (lhs is [1,8,64]), found [32,16]
//
//===----------------------------------------------------------------------===//
#include "attune/IR/AttuneOps.h"
#include "attune/IR/ShapeUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include <cmath>

using namespace mlir;
using namespace mlir::attune;

namespace {
RankedTensorType rankedType(Value v) { return cast<RankedTensorType>(v.getType()); }

std::string shapeOf(Value v) { return formatShape(rankedType(v).getShape()); }

std::string typeStr(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

LogicalResult fail(std::optional<Location> loc, const llvm::Twine &msg) {
  return emitOptionalError(loc, msg);
}

LogicalResult inferBroadcast(std::optional<Location> loc, StringRef opName,
                             ArrayRef<std::pair<StringRef, Value>> operands, Type elementType,
                             SmallVectorImpl<Type> &results) {
  SmallVector<int64_t> shape;
  StringRef firstName = operands.front().first;
  for (auto [i, named] : llvm::enumerate(operands)) {
    auto shp = rankedType(named.second).getShape();
    if (i == 0) {
      shape.assign(shp.begin(), shp.end());
      continue;
    }
    auto b = broadcastShapes(shape, shp);
    if (!b)
      return fail(loc, "'attune." + opName + "' op " + named.first + ": shape " + formatShape(shp) +
                           " does not broadcast with " + firstName + " shape " +
                           formatShape(shape));
    shape = *b;
  }
  results.push_back(RankedTensorType::get(shape, elementType));
  return success();
}
} // namespace

#define GET_OP_CLASSES
#include "attune/IR/AttuneOps.cpp.inc"

//===----------------------------------------------------------------------===//
// weight / constant
//===----------------------------------------------------------------------===//

LogicalResult WeightOp::verify() {
  if (getName().empty())
    return emitOpError("name: expected a non-empty weight name");
  if (!getResult().getType().hasStaticShape())
    return emitOpError("result: expected a static shape, found ") << getResult().getType();
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }


//===----------------------------------------------------------------------===//
// embedding / matmul
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto table = rankedType(adaptor.getTable());
  if (table.getRank() != 2)
    return fail(loc, "'attune.embedding' op table: expected rank 2 [vocab, dim], found " +
                         shapeOf(adaptor.getTable()));
  SmallVector<int64_t> shape(rankedType(adaptor.getIds()).getShape());
  shape.push_back(table.getDimSize(1));
  results.push_back(RankedTensorType::get(shape, table.getElementType()));
  return success();
}

/// Shape rules of attune.matmul, shared with attune.fused_matmul (`opName`).
static LogicalResult inferMatmul(StringRef opName, std::optional<Location> loc, Value lhsV,
                                 Value rhsV, bool tb, SmallVectorImpl<Type> &results) {
  auto lhs = rankedType(lhsV), rhs = rankedType(rhsV);
  std::string op = ("'attune." + opName + "' op ").str();
  // Same element types, or the mixed-precision form f32 x bf16 -> f32.
  bool mixedBF16 = lhs.getElementType().isF32() && rhs.getElementType().isBF16();
  if (lhs.getElementType() != rhs.getElementType() && !mixedBF16)
    return fail(loc, op + "rhs: expected element type " +
                         typeStr(lhs.getElementType()) + " (as lhs), found " +
                         typeStr(rhs.getElementType()));
  if (lhs.getRank() < 2)
    return fail(loc, op + "lhs: expected rank >= 2 [..., M, K], found " +
                         shapeOf(lhsV));
  if (rhs.getRank() < 2)
    return fail(loc, op + "rhs: expected rank >= 2, found " +
                         shapeOf(rhsV));
  int64_t k = lhs.getShape().back();
  int64_t rk = rhs.getShape()[rhs.getRank() - (tb ? 1 : 2)];
  int64_t n = rhs.getShape()[rhs.getRank() - (tb ? 2 : 1)];
  if (k != rk && !ShapedType::isDynamic(k) && !ShapedType::isDynamic(rk))
    return fail(loc, op + "rhs: expected K = " + std::to_string(k) + " in dim " +
                         std::to_string(rhs.getRank() - (tb ? 1 : 2)) + " (lhs is " +
                         shapeOf(lhsV) + (tb ? ", transpose_b" : "") +
                         "), found " + shapeOf(rhsV));
  auto batch = broadcastShapes(lhs.getShape().drop_back(2), rhs.getShape().drop_back(2));
  if (!batch)
    return fail(loc, op + "rhs: batch dims of " + shapeOf(rhsV) +
                         " do not broadcast with lhs " + shapeOf(lhsV));
  SmallVector<int64_t> shape(*batch);
  shape.push_back(lhs.getShape()[lhs.getRank() - 2]);
  shape.push_back(n);
  results.push_back(RankedTensorType::get(shape, lhs.getElementType()));
  return success();
}

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &results) {
  return inferMatmul("matmul", loc, adaptor.getLhs(), adaptor.getRhs(), adaptor.getTransposeB(),
                     results);
}

LogicalResult FusedMatmulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                              Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto err = [&](const llvm::Twine &m) { return fail(loc, "'attune.fused_matmul' op " + m); };
  StringRef act = adaptor.getActivation();
  if (act != "none" && act != "relu" && act != "gelu" && act != "gelu_tanh")
    return err("activation: expected \"none\", \"relu\", \"gelu\" or \"gelu_tanh\", found \"" +
               act + "\"");
  if (failed(inferMatmul("fused_matmul", loc, adaptor.getLhs(), adaptor.getRhs(),
                         adaptor.getTransposeB(), results)))
    return failure();
  auto out = cast<RankedTensorType>(results.back());
  for (auto [name, v] : {std::pair<StringRef, Value>{"bias", adaptor.getBias()},
                         std::pair<StringRef, Value>{"residual", adaptor.getResidual()}}) {
    if (!v)
      continue;
    auto t = rankedType(v);
    if (t.getElementType() != out.getElementType())
      return err(name + ": expected element type " + typeStr(out.getElementType()) +
                 " (as lhs), found " + typeStr(t.getElementType()));
    if (!broadcastsTo(t.getShape(), out.getShape()))
      return err(name + ": shape " + shapeOf(v) + " does not broadcast to the matmul result " +
                 formatShape(out.getShape()));
  }
  return success();
}

//===----------------------------------------------------------------------===//
// elementwise
//===----------------------------------------------------------------------===//

#define ATTUNE_BINARY_INFER(OP, NAME, RESULT_ELEM)                                            \
  LogicalResult OP::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,          \
                                     Adaptor adaptor, SmallVectorImpl<Type> &results) {     \
    Type le = rankedType(adaptor.getLhs()).getElementType();                                 \
    Type re = rankedType(adaptor.getRhs()).getElementType();                                 \
    if (le != re)                                                                            \
      return fail(loc, "'attune." NAME "' op rhs: expected element type " + typeStr(le) +    \
                           " (as lhs), found " + typeStr(re));                               \
    (void)ctx;                                                                               \
    return inferBroadcast(loc, NAME, {{"lhs", adaptor.getLhs()}, {"rhs", adaptor.getRhs()}}, \
                          RESULT_ELEM, results);                                             \
  }

ATTUNE_BINARY_INFER(AddOp, "add", le)
ATTUNE_BINARY_INFER(SubOp, "sub", le)
ATTUNE_BINARY_INFER(MulOp, "mul", le)
ATTUNE_BINARY_INFER(DivOp, "div", le)
ATTUNE_BINARY_INFER(PowOp, "pow", le)
ATTUNE_BINARY_INFER(EqualOp, "equal", IntegerType::get(ctx, 1))
ATTUNE_BINARY_INFER(MaximumOp, "maximum", le)
ATTUNE_BINARY_INFER(MinimumOp, "minimum", le)
#undef ATTUNE_BINARY_INFER

LogicalResult WhereOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &results) {
  Type le = rankedType(adaptor.getLhs()).getElementType();
  Type re = rankedType(adaptor.getRhs()).getElementType();
  if (le != re)
    return fail(loc, "'attune.where' op rhs: expected element type " + typeStr(le) +
                         " (as lhs), found " + typeStr(re));
  return inferBroadcast(loc, "where",
                        {{"cond", adaptor.getCond()},
                         {"lhs", adaptor.getLhs()},
                         {"rhs", adaptor.getRhs()}},
                        le, results);
}

LogicalResult IsNanOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location>,
                                        Adaptor adaptor, SmallVectorImpl<Type> &results) {
  results.push_back(RankedTensorType::get(rankedType(adaptor.getInput()).getShape(),
                                          IntegerType::get(ctx, 1)));
  return success();
}

LogicalResult GeluOp::verify() {
  if (getApproximate() != "none" && getApproximate() != "tanh")
    return emitOpError("approximate: expected \"none\" or \"tanh\", found \"")
           << getApproximate() << "\"";
  return success();
}

//===----------------------------------------------------------------------===//
// reductions / normalizations
//===----------------------------------------------------------------------===//

static LogicalResult inferReduce(StringRef name, std::optional<Location> loc, Value input,
                                 ArrayRef<int64_t> axes, bool keepdims,
                                 SmallVectorImpl<Type> &results) {
  auto type = rankedType(input);
  int64_t rank = type.getRank();
  SmallVector<bool> reduced(rank, false);
  if (axes.empty())
    return fail(loc, "'attune." + name + "' op axes: expected at least one axis, found none");
  for (int64_t a : axes) {
    auto n = normalizeAxis(a, rank);
    if (!n)
      return fail(loc, "'attune." + name + "' op axes: axis " + std::to_string(a) +
                           " is out of range for input of rank " + std::to_string(rank));
    if (reduced[*n])
      return fail(loc, "'attune." + name + "' op axes: axis " + std::to_string(a) +
                           " appears twice");
    reduced[*n] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i) {
    if (!reduced[i])
      shape.push_back(type.getDimSize(i));
    else if (keepdims)
      shape.push_back(1);
  }
  results.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

#define ATTUNE_REDUCE_INFER(OP, NAME)                                                         \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location> loc,             \
                                     Adaptor adaptor, SmallVectorImpl<Type> &results) {     \
    return inferReduce(NAME, loc, adaptor.getInput(), adaptor.getAxes(),                     \
                       adaptor.getKeepdims(), results);                                      \
  }
ATTUNE_REDUCE_INFER(ReduceSumOp, "reduce_sum")
ATTUNE_REDUCE_INFER(ReduceMeanOp, "reduce_mean")
ATTUNE_REDUCE_INFER(ReduceMaxOp, "reduce_max")
#undef ATTUNE_REDUCE_INFER

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto x = rankedType(adaptor.getInput());
  auto axis = normalizeAxis(adaptor.getAxis(), x.getRank());
  if (!axis)
    return fail(loc, "'attune.layer_norm' op axis: " + std::to_string(static_cast<int64_t>(adaptor.getAxis())) +
                         " is out of range for input of rank " + std::to_string(x.getRank()));
  auto norm = x.getShape().drop_front(*axis);
  for (auto [name, v] : {std::pair<StringRef, Value>{"gamma", adaptor.getGamma()},
                         std::pair<StringRef, Value>{"beta", adaptor.getBeta()}}) {
    auto t = rankedType(v);
    if (t.getShape() != norm)
      return fail(loc, "'attune.layer_norm' op " + name + ": expected shape " +
                           formatShape(norm) + " (input dims from axis " +
                           std::to_string(*axis) + "), found " + formatShape(t.getShape()));
    if (t.getElementType() != x.getElementType())
      return fail(loc, "'attune.layer_norm' op " + name + ": expected element type " +
                           typeStr(x.getElementType()) + ", found " +
                           typeStr(t.getElementType()));
  }
  if (adaptor.getEps().convertToFloat() < 0.0f)
    return fail(loc, "'attune.layer_norm' op eps: expected >= 0");
  results.push_back(x);
  return success();
}

LogicalResult SkipLayerNormOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto err = [&](const llvm::Twine &m) { return fail(loc, "'attune.skip_layer_norm' op " + m); };
  auto x = rankedType(adaptor.getInput());
  for (auto [name, v] : {std::pair<StringRef, Value>{"skip", adaptor.getSkip()},
                         std::pair<StringRef, Value>{"bias", adaptor.getBias()}}) {
    if (!v)
      continue;
    auto t = rankedType(v);
    if (t.getElementType() != x.getElementType())
      return err(name + ": expected element type " + typeStr(x.getElementType()) +
                 " (as input), found " + typeStr(t.getElementType()));
    if (!broadcastsTo(t.getShape(), x.getShape()))
      return err(name + ": shape " + shapeOf(v) + " does not broadcast to the input shape " +
                 shapeOf(adaptor.getInput()));
  }
  // gamma / beta / eps / axis: layer_norm's rules.
  {
    if (auto axis = normalizeAxis(adaptor.getAxis(), x.getRank()); !axis)
      return err("axis: " + std::to_string(static_cast<int64_t>(adaptor.getAxis())) +
                 " is out of range for input of rank " + std::to_string(x.getRank()));
    int64_t axis = *normalizeAxis(adaptor.getAxis(), x.getRank());
    auto norm = x.getShape().drop_front(axis);
    for (auto [name, v] : {std::pair<StringRef, Value>{"gamma", adaptor.getGamma()},
                           std::pair<StringRef, Value>{"beta", adaptor.getBeta()}}) {
      auto t = rankedType(v);
      if (t.getShape() != norm)
        return err(name + ": expected shape " + formatShape(norm) + " (input dims from axis " +
                   std::to_string(axis) + "), found " + formatShape(t.getShape()));
      if (t.getElementType() != x.getElementType())
        return err(name + ": expected element type " + typeStr(x.getElementType()) +
                   ", found " + typeStr(t.getElementType()));
    }
  }
  if (adaptor.getEps().convertToFloat() < 0.0f)
    return err("eps: expected >= 0");
  results.push_back(x);
  results.push_back(x);
  return success();
}

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto x = rankedType(adaptor.getInput());
  if (!normalizeAxis(adaptor.getAxis(), x.getRank()))
    return fail(loc, "'attune.softmax' op axis: " + std::to_string(static_cast<int64_t>(adaptor.getAxis())) +
                         " is out of range for input of rank " + std::to_string(x.getRank()));
  results.push_back(x);
  return success();
}

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto q = rankedType(adaptor.getQ()), k = rankedType(adaptor.getK()),
       v = rankedType(adaptor.getV());
  auto err = [&](const llvm::Twine &m) { return fail(loc, "'attune.attention' op " + m); };
  if (q.getRank() != 3)
    return err("q: expected rank 3 [B, Sq, H*D], found " + shapeOf(adaptor.getQ()));
  int64_t heads = static_cast<int64_t>(adaptor.getNumHeads());
  int64_t hd = q.getDimSize(2), b = q.getDimSize(0);
  if (heads <= 0 || hd % heads != 0)
    return err("num_heads: expected a positive divisor of q dim 2 (" + std::to_string(hd) +
               "), found " + std::to_string(heads));
  for (auto [name, t, val] : {std::tuple<StringRef, RankedTensorType, Value>{"k", k, adaptor.getK()},
                              std::tuple<StringRef, RankedTensorType, Value>{"v", v, adaptor.getV()}}) {
    if (t.getRank() != 3 || t.getDimSize(0) != b || t.getDimSize(2) != hd)
      return err(name + ": expected shape [" + std::to_string(b) + ", Skv, " +
                 std::to_string(hd) + "], found " + shapeOf(val));
    if (t.getElementType() != q.getElementType())
      return err(name + ": expected element type " + typeStr(q.getElementType()) + ", found " +
                 typeStr(t.getElementType()));
  }
  if (k.getDimSize(1) != v.getDimSize(1))
    return err("v: expected Skv = " + std::to_string(k.getDimSize(1)) + " (as k), found " +
               shapeOf(adaptor.getV()));
  int64_t sq = q.getDimSize(1), skv = k.getDimSize(1);
  if (adaptor.getCausal() && sq > skv)
    return err("causal: expected Sq <= Skv, found Sq = " + std::to_string(sq) +
               ", Skv = " + std::to_string(skv));
  if (Value mask = adaptor.getMask()) {
    auto m = rankedType(mask);
    bool isFloat = isa<FloatType>(m.getElementType());
    if (!isFloat) {
      SmallVector<int64_t> expected{b, skv};
      if (m.getShape() != ArrayRef<int64_t>(expected))
        return err("mask: expected key-padding mask shape " + formatShape(expected) +
                   ", found " + shapeOf(mask));
    } else {
      SmallVector<int64_t> full{b, heads, sq, skv};
      if (!broadcastsTo(m.getShape(), full))
        return err("mask: additive mask of shape " + shapeOf(mask) +
                   " is not broadcastable to [B,H,Sq,Skv] = " + formatShape(full));
      if (m.getElementType() != q.getElementType())
        return err("mask: expected element type " + typeStr(q.getElementType()) + ", found " +
                   typeStr(m.getElementType()));
    }
  }
  if (auto s = adaptor.getScale(); s && !std::isfinite(s->convertToFloat()))
    return err("scale: expected a finite value");
  results.push_back(q);
  return success();
}

float AttentionOp::getScaleOrDefault() {
  if (auto s = getScale())
    return s->convertToFloat();
  int64_t d = getQ().getType().getDimSize(2) / getNumHeads();
  return 1.0f / std::sqrt(static_cast<float>(d));
}

//===----------------------------------------------------------------------===//
// shape manipulation
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType(), out = getResult().getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError("result: expected element type ")
           << in.getElementType() << " (as input), found " << out.getElementType();
  if (in.hasStaticShape() && out.hasStaticShape() &&
      numElements(in.getShape()) != numElements(out.getShape()))
    return emitOpError("result: expected ")
           << numElements(in.getShape()) << " elements (input " << formatShape(in.getShape())
           << "), found " << numElements(out.getShape()) << " in " << formatShape(out.getShape());
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getResult().getType())
    return getInput();
  return {};
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto t = rankedType(adaptor.getInput());
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if ((int64_t)perm.size() != t.getRank())
    return fail(loc, "'attune.transpose' op perm: expected " + std::to_string(t.getRank()) +
                         " entries (input rank), found " + std::to_string(perm.size()));
  SmallVector<bool> seen(perm.size(), false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= t.getRank() || seen[p])
      return fail(loc, "'attune.transpose' op perm: expected a permutation of [0, " +
                           std::to_string(t.getRank()) + "), found " + formatShape(perm));
    seen[p] = true;
    shape.push_back(t.getDimSize(p));
  }
  results.push_back(RankedTensorType::get(shape, t.getElementType()));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto t = rankedType(adaptor.getInput());
  auto starts = adaptor.getStarts(), ends = adaptor.getEnds(), steps = adaptor.getSteps();
  int64_t rank = t.getRank();
  for (auto [name, arr] : {std::pair<StringRef, ArrayRef<int64_t>>{"starts", starts},
                           std::pair<StringRef, ArrayRef<int64_t>>{"ends", ends},
                           std::pair<StringRef, ArrayRef<int64_t>>{"steps", steps}})
    if ((int64_t)arr.size() != rank)
      return fail(loc, "'attune.slice' op " + name + ": expected " + std::to_string(rank) +
                           " entries (input rank), found " + std::to_string(arr.size()));
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t d = t.getDimSize(i);
    if (steps[i] <= 0)
      return fail(loc, "'attune.slice' op steps: expected > 0 in dim " + std::to_string(i) +
                           ", found " + std::to_string(steps[i]));
    if (starts[i] < 0 || starts[i] > ends[i] || ends[i] > d)
      return fail(loc, "'attune.slice' op dim " + std::to_string(i) +
                           ": expected 0 <= start <= end <= " + std::to_string(d) +
                           ", found start " + std::to_string(starts[i]) + ", end " +
                           std::to_string(ends[i]));
    int64_t len = ends[i] - starts[i]; // no overflow: 0 <= starts <= ends
    shape.push_back(len == 0 ? 0 : 1 + (len - 1) / steps[i]);
  }
  results.push_back(RankedTensorType::get(shape, t.getElementType()));
  return success();
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto t = rankedType(adaptor.getInput());
  auto axis = normalizeAxis(adaptor.getAxis(), t.getRank());
  if (!axis)
    return fail(loc, "'attune.split' op axis: " + std::to_string(static_cast<int64_t>(adaptor.getAxis())) +
                         " is out of range for input of rank " + std::to_string(t.getRank()));
  int64_t total = 0, dim = t.getDimSize(*axis);
  for (int64_t s : adaptor.getSizes())
    if (s < 0)
      return fail(loc, "'attune.split' op sizes: expected non-negative sizes, found " +
                           std::to_string(s));
  for (int64_t s : adaptor.getSizes()) {
    if (s > dim - total) // (total <= dim) keeps this free of overflow
      return fail(loc, "'attune.split' op sizes: expected sizes adding up to " +
                           std::to_string(dim) + " (input dim " + std::to_string(*axis) +
                           "), found more");
    total += s;
  }
  if (total != t.getDimSize(*axis))
    return fail(loc, "'attune.split' op sizes: expected sizes adding up to " +
                         std::to_string(t.getDimSize(*axis)) + " (input dim " +
                         std::to_string(*axis) + "), found " + std::to_string(total));
  for (int64_t s : adaptor.getSizes()) {
    SmallVector<int64_t> shape(t.getShape());
    shape[*axis] = s;
    results.push_back(RankedTensorType::get(shape, t.getElementType()));
  }
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &results) {
  auto inputs = adaptor.getInputs();
  if (inputs.empty())
    return fail(loc, "'attune.concat' op inputs: expected at least one input, found none");
  auto first = rankedType(inputs[0]);
  auto axis = normalizeAxis(adaptor.getAxis(), first.getRank());
  if (!axis)
    return fail(loc, "'attune.concat' op axis: " + std::to_string(static_cast<int64_t>(adaptor.getAxis())) +
                         " is out of range for inputs of rank " + std::to_string(first.getRank()));
  SmallVector<int64_t> shape(first.getShape());
  for (size_t i = 1; i < inputs.size(); ++i) {
    auto t = rankedType(inputs[i]);
    bool ok = t.getRank() == first.getRank() && t.getElementType() == first.getElementType();
    for (int64_t d = 0; ok && d < t.getRank(); ++d)
      ok = d == *axis || t.getDimSize(d) == first.getDimSize(d);
    if (!ok)
      return fail(loc, "'attune.concat' op input " + std::to_string(i) + ": expected " +
                           typeStr(first.getElementType()) + " shape like " +
                           shapeOf(inputs[0]) + " except dim " + std::to_string(*axis) +
                           ", found " + typeStr(t));
    shape[*axis] += t.getDimSize(*axis);
  }
  results.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

LogicalResult ExpandOp::verify() {
  auto in = getInput().getType(), out = getResult().getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError("result: expected element type ")
           << in.getElementType() << " (as input), found " << out.getElementType();
  if (!broadcastsTo(in.getShape(), out.getShape()))
    return emitOpError("input: shape ") << formatShape(in.getShape())
                                        << " does not broadcast to the result shape "
                                        << formatShape(out.getShape());
  return success();
}

LogicalResult CastOp::verify() {
  if (getInput().getType().getShape() != getResult().getType().getShape())
    return emitOpError("result: expected shape ")
           << formatShape(getInput().getType().getShape()) << " (as input), found "
           << formatShape(getResult().getType().getShape());
  return success();
}

//===----------------------------------------------------------------------===//
// parallel_for
//===----------------------------------------------------------------------===//

LogicalResult ParallelForOp::verify() {
  int64_t count = getCountAttr().getInt();
  if (count < 0)
    return emitOpError("count: expected >= 0, found ") << count;
  if (getBody().empty())
    return emitOpError("body: expected a region with an entry block");
  Block &entry = getBody().front();
  if (entry.getNumArguments() != 1 || !entry.getArgument(0).getType().isInteger(64))
    return emitOpError("body: expected one i64 block argument (the iteration index)");
  return success();
}
