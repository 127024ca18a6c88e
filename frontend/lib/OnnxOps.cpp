//===- OnnxOps.cpp - ONNX compute operators -> attune ops ----------------===//
//
//   Add Sub Mul Div Pow Max Min ─────────► attune.add/sub/mul/div/pow/maximum/minimum
//   IsNaN ───────────────────────────────► attune.isnan
//   Equal; Less Greater LessOrEqual
//   GreaterOrEqual (minimum/maximum + equal)► attune.equal (+ where)
//   And Or Xor Not (bool) ───────────────► attune.where / attune.equal
//   Neg Abs Reciprocal Sigmoid ──────────► sub / maximum / div / exp
//   Sqrt Erf Tanh Relu Exp Gelu ─────────► the unary ops
//   Where Cast CastLike ─────────────────► attune.where / attune.cast
//   MatMul Gemm ─────────────────────────► attune.matmul (+ transpose, mul, add)
//   Softmax (opset <13: 2-D coercion) ───► attune.softmax (+ reshape)
//   LayerNormalization ──────────────────► attune.layer_norm (Mean/InvStdDev
//                                           outputs from reduce_mean, sqrt, div)
//   ReduceSum/Mean/Max/Min/SumSquare/L1/L2 ► attune.reduce_sum/mean/max (+ sub/mul/maximum/sqrt)
//
// (Gathers and CumSum: OnnxGatherOps.cpp.) Elementwise ops whose inputs are
// all compile-time constants are folded on the host (shape arithmetic: Mul
// of dims, Equal of shape vectors, ...).
//
//===----------------------------------------------------------------------===//
#include "OnnxInternal.h"

#include "attune/IR/AttuneOps.h"

#include <cmath>
#include <cstring>
#include <numeric>

using namespace mlir;
using namespace mlir::attune;

namespace attune::onnx_import {

// OnnxGatherOps.cpp
std::vector<OValue> buildGatherNDOp(NodeCtx &n);
std::vector<OValue> buildGatherElementsOp(NodeCtx &n);
std::vector<OValue> buildCumSumOp(NodeCtx &n);

namespace {

constexpr int32_t kBool = DT::TensorProto_DataType_BOOL;

bool foldable(NodeCtx &n) {
  if (!n.allConstant())
    return false;
  for (size_t i = 0; i < n.numInputs(); ++i)
    if (n.hasInput(i) && n.constant(i)->numel() > kMaxFoldElements)
      return false;
  return true;
}

void sameType(NodeCtx &n, size_t a, size_t b) {
  if (n.type(a).getElementType() != n.type(b).getElementType())
    n.failInput(b, "expected element type " + dtypeName(n.dtype(a)) + " (as input " +
                       std::to_string(a) + "), found " + dtypeName(n.dtype(b)));
}

void requireFloat(NodeCtx &n, size_t i) {
  if (!isa<FloatType>(n.type(i).getElementType()))
    n.unsupported("input " + std::to_string(i) + " of element type " + dtypeName(n.dtype(i)) +
                  " (Attune computes " + n.op() + " on FLOAT, FLOAT16 and BFLOAT16 only)");
}

void requireBroadcast(NodeCtx &n, size_t a, size_t b) {
  if (!broadcast(n.shape(a), n.shape(b)))
    n.failInput(b, "shape " + shapeStr(n.shape(b)) + " does not broadcast with input " +
                       std::to_string(a) + "'s shape " + shapeStr(n.shape(a)));
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

enum class Bin { Add, Sub, Mul, Div, Pow, Max, Min, Equal, Less, Greater, LessEq, GreaterEq, And, Or, Xor };

double applyBin(Bin k, double a, double b) {
  switch (k) {
  case Bin::Add: return a + b;
  case Bin::Sub: return a - b;
  case Bin::Mul: return a * b;
  case Bin::Div: return a / b;
  case Bin::Pow: return std::pow(a, b);
  case Bin::Max: return (std::isnan(a) || std::isnan(b)) ? NAN : std::max(a, b);
  case Bin::Min: return (std::isnan(a) || std::isnan(b)) ? NAN : std::min(a, b);
  case Bin::Equal: return a == b;
  case Bin::Less: return a < b;
  case Bin::Greater: return a > b;
  case Bin::LessEq: return a <= b;
  case Bin::GreaterEq: return a >= b;
  case Bin::And: return (a != 0) && (b != 0);
  case Bin::Or: return (a != 0) || (b != 0);
  case Bin::Xor: return (a != 0) != (b != 0);
  }
  return 0;
}

bool isCompare(Bin k) { return k >= Bin::Equal; }

/// lhs < rhs at run time: where(lhs == rhs, false, min(lhs, rhs) == lhs).
Value lessThan(NodeCtx &n, Value a, Value b, bool orEqual) {
  Value m = n.create<MinimumOp>({a, b});
  Value le = n.create<EqualOp>({m, a});
  if (orEqual)
    return le;
  Value eq = n.create<EqualOp>({a, b});
  Value f = n.scalar(IntegerType::get(n.ctx(), 1), 0);
  return n.create<WhereOp>({eq, f, le});
}

Value emitBin(NodeCtx &n, Bin k, Value a, Value b) {
  Type i1 = IntegerType::get(n.ctx(), 1);
  switch (k) {
  case Bin::Add: return n.create<AddOp>({a, b});
  case Bin::Sub: return n.create<SubOp>({a, b});
  case Bin::Mul: return n.create<MulOp>({a, b});
  case Bin::Div: return n.create<DivOp>({a, b});
  case Bin::Pow: return n.create<PowOp>({a, b});
  case Bin::Max: return n.create<MaximumOp>({a, b});
  case Bin::Min: return n.create<MinimumOp>({a, b});
  case Bin::Equal: return n.create<EqualOp>({a, b});
  case Bin::Less: return lessThan(n, a, b, false);
  case Bin::Greater: return lessThan(n, b, a, false);
  case Bin::LessEq: return lessThan(n, a, b, true);
  case Bin::GreaterEq: return lessThan(n, b, a, true);
  case Bin::And: return n.create<WhereOp>({a, b, n.scalar(i1, 0)});
  case Bin::Or: return n.create<WhereOp>({a, n.scalar(i1, 1), b});
  case Bin::Xor: {
    Value eq = n.create<EqualOp>({a, b});
    return n.create<EqualOp>({eq, n.scalar(i1, 0)});
  }
  }
  return {};
}

template <Bin K> std::vector<OValue> buildBinary(NodeCtx &n) {
  size_t count = n.numInputs();
  bool variadic = K == Bin::Max || K == Bin::Min;
  if (variadic ? count < 1 : count != 2)
    n.fail(std::string("expected ") + (variadic ? "at least 1 input" : "2 inputs") + ", found " +
           std::to_string(count));
  bool boolOp = K == Bin::And || K == Bin::Or || K == Bin::Xor;
  for (size_t i = 0; i < count; ++i) {
    n.in(i);
    if (boolOp && n.dtype(i) != kBool)
      n.failInput(i, "expected a BOOL tensor, found " + dtypeName(n.dtype(i)));
    if (i > 0 && K != Bin::Pow)
      sameType(n, 0, i);
    if (i > 0)
      requireBroadcast(n, 0, i);
  }
  int32_t outType = isCompare(K) ? kBool : n.dtype(0);
  if (foldable(n)) {
    HostTensor acc = *n.constant(0);
    for (size_t i = 1; i < count; ++i)
      acc = foldBinary(acc, *n.constant(i), outType,
                       [](double a, double b) { return applyBin(K, a, b); });
    if (count == 1)
      acc = foldBinary(acc, acc, outType, [](double a, double) { return a; });
    return {n.result(acc)};
  }
  if (K == Bin::Pow && !isa<FloatType>(n.type(0).getElementType())) {
    // Integer base: pow in f32, rounded to the nearest integer (exact for
    // results below 2^24), then back to the base's type.
    Type ie = n.type(0).getElementType();
    if (!ie.isInteger(64) && !ie.isInteger(32))
      n.unsupported("Pow with a base of element type " + dtypeName(n.dtype(0)));
    Type f32 = Float32Type::get(n.ctx());
    Value p = n.create<PowOp>({n.cast(n.value(0), f32), n.cast(n.value(1), f32)});
    Value half = n.scalar(f32, 0.5);
    Value nonPos = n.create<EqualOp>({n.create<MaximumOp>({p, n.scalar(f32, 0)}), n.scalar(f32, 0)});
    Value rounded = n.create<WhereOp>({nonPos, n.create<SubOp>({p, half}), n.create<AddOp>({p, half})});
    return {n.result(n.cast(rounded, ie))};
  }
  Value acc = n.value(0);
  for (size_t i = 1; i < count; ++i) {
    Value rhs = n.value(i);
    if (K == Bin::Pow)
      rhs = n.cast(rhs, n.type(0).getElementType());
    acc = emitBin(n, K, acc, rhs);
  }
  return {n.result(acc)};
}

std::vector<OValue> buildNot(NodeCtx &n) {
  if (n.dtype(0) != kBool)
    n.failInput(0, "expected a BOOL tensor, found " + dtypeName(n.dtype(0)));
  if (foldable(n)) {
    const HostTensor &c = *n.constant(0);
    return {n.result(makeHostInts(kBool, c.shape, [&](int64_t i) { return c.getI(i) ? 0 : 1; }))};
  }
  return {n.result(n.create<EqualOp>({n.value(0), n.scalar(n.type(0).getElementType(), 0)}))};
}

std::vector<OValue> buildIsNaN(NodeCtx &n) {
  requireFloat(n, 0);
  if (foldable(n)) {
    const HostTensor &c = *n.constant(0);
    return {n.result(makeHostInts(kBool, c.shape, [&](int64_t i) {
      return std::isnan(c.getF(i)) ? 1 : 0;
    }))};
  }
  return {n.result(n.create<IsNanOp>({n.value(0)}))};
}

enum class Un { Neg, Abs, Reciprocal, Sqrt, Erf, Tanh, Relu, Exp, Sigmoid, Gelu };

template <Un K> std::vector<OValue> buildUnary(NodeCtx &n) {
  n.in(0);
  Type elem = n.type(0).getElementType();
  bool intOk = K == Un::Neg || K == Un::Abs || K == Un::Relu;
  if (foldable(n) && (isa<FloatType>(elem) || intOk)) {
    const HostTensor &c = *n.constant(0);
    auto f = [&](double x) -> double {
      switch (K) {
      case Un::Neg: return -x;
      case Un::Abs: return std::fabs(x);
      case Un::Reciprocal: return 1.0 / x;
      case Un::Sqrt: return std::sqrt(x);
      case Un::Erf: return std::erf(x);
      case Un::Tanh: return std::tanh(x);
      case Un::Relu: return x > 0 ? x : 0;
      case Un::Exp: return std::exp(x);
      case Un::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
      case Un::Gelu: return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
      }
      return x;
    };
    if (isIntDT(c.dtype))
      return {n.result(makeHostInts(c.dtype, c.shape, [&](int64_t i) {
        return toInt64(f(static_cast<double>(c.getI(i))));
      }))};
    if (K != Un::Gelu || n.attrString("approximate", "none") == "none")
      return {n.result(makeHost(c.dtype, c.shape, [&](int64_t i) { return f(c.getF(i)); }))};
  }
  if (!intOk || isa<FloatType>(elem))
    requireFloat(n, 0);
  else if (!elem.isInteger(64) && !elem.isInteger(32))
    n.unsupported(n.op() + " of element type " + dtypeName(n.dtype(0)));
  Value x = n.value(0);
  RankedTensorType t = n.type(0);
  switch (K) {
  case Un::Neg: return {n.result(n.create<SubOp>({n.scalar(elem, 0), x}))};
  case Un::Abs: {
    Value neg = n.create<SubOp>({n.scalar(elem, 0), x});
    return {n.result(n.create<MaximumOp>({x, neg}))};
  }
  case Un::Reciprocal: return {n.result(n.create<DivOp>({n.scalar(elem, 1), x}))};
  case Un::Sqrt: return {n.result(n.createTyped<SqrtOp>(t, {x}))};
  case Un::Erf: return {n.result(n.createTyped<ErfOp>(t, {x}))};
  case Un::Tanh: return {n.result(n.createTyped<TanhOp>(t, {x}))};
  case Un::Relu:
    if (!isa<FloatType>(elem))
      return {n.result(n.create<MaximumOp>({x, n.scalar(elem, 0)}))};
    return {n.result(n.createTyped<ReluOp>(t, {x}))};
  case Un::Exp: return {n.result(n.createTyped<ExpOp>(t, {x}))};
  case Un::Sigmoid: {
    Value e = n.createTyped<ExpOp>(t, {n.create<SubOp>({n.scalar(elem, 0), x})});
    return {n.result(n.create<DivOp>({n.scalar(elem, 1), n.create<AddOp>({n.scalar(elem, 1), e})}))};
  }
  case Un::Gelu: {
    std::string approx = n.attrString("approximate", "none");
    if (approx != "none" && approx != "tanh")
      n.failAttr("approximate", "expected \"none\" or \"tanh\", found \"" + approx + "\"");
    SmallVector<NamedAttribute> attrs;
    if (approx == "tanh")
      attrs.push_back(n.named("approximate", n.b().getStringAttr("tanh")));
    return {n.result(n.createTyped<GeluOp>(t, {x}, attrs))};
  }
  }
  return {};
}

std::vector<OValue> buildWhere(NodeCtx &n) {
  if (n.dtype(0) != kBool)
    n.failInput(0, "expected a BOOL condition, found " + dtypeName(n.dtype(0)));
  sameType(n, 1, 2);
  requireBroadcast(n, 0, 1);
  requireBroadcast(n, 0, 2);
  requireBroadcast(n, 1, 2);
  if (foldable(n)) {
    const HostTensor &c = *n.constant(0), &x = *n.constant(1), &y = *n.constant(2);
    std::vector<int64_t> shape = *broadcast(*broadcast(c.shape, x.shape), y.shape);
    auto pick = [&](int64_t i) {
      return c.getI(broadcastIndex(i, shape, c.shape)) != 0;
    };
    HostTensor xs = gatherHost(x, shape, [&](int64_t i) { return broadcastIndex(i, shape, x.shape); });
    HostTensor ys = gatherHost(y, shape, [&](int64_t i) { return broadcastIndex(i, shape, y.shape); });
    size_t es = dtypeSize(x.dtype);
    auto bytes = std::make_shared<std::vector<uint8_t>>(*ys.bytes);
    for (int64_t i = 0; i < xs.numel(); ++i)
      if (pick(i))
        std::memcpy(bytes->data() + i * es, xs.data() + i * es, es);
    ys.bytes = bytes;
    return {n.result(ys)};
  }
  return {n.result(n.create<WhereOp>({n.value(0), n.value(1), n.value(2)}))};
}

std::vector<OValue> castTo(NodeCtx &n, int32_t to) {
  n.in(0);
  Type elem = irElementType(n.ctx(), to);
  if (foldable(n) && dtypeSize(to) && (isFloatDT(to) || isIntDT(to) || to == kBool)) {
    const HostTensor &c = *n.constant(0);
    if (isFloatDT(to))
      return {n.result(makeHost(to, c.shape, [&](int64_t i) { return c.getF(i); }))};
    if (to == kBool)
      return {n.result(makeHostInts(to, c.shape, [&](int64_t i) { return c.getF(i) != 0.0; }))};
    return {n.result(makeHostInts(to, c.shape, [&](int64_t i) { return c.getI(i); }))};
  }
  if (!elem)
    n.unsupported("cast to " + dtypeName(to));
  return {n.result(n.cast(n.value(0), elem))};
}

std::vector<OValue> buildCast(NodeCtx &n) {
  const onnx::AttributeProto *to = n.attr("to");
  if (!to)
    n.fail("missing required attribute 'to'");
  return castTo(n, static_cast<int32_t>(to->i()));
}

std::vector<OValue> buildCastLike(NodeCtx &n) { return castTo(n, n.dtype(1)); }

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

std::vector<OValue> buildMatMul(NodeCtx &n) {
  requireFloat(n, 0);
  requireFloat(n, 1);
  sameType(n, 0, 1);
  Value a = n.value(0), b = n.value(1);
  std::vector<int64_t> as = n.shape(0), bs = n.shape(1);
  if (as.empty() || bs.empty())
    n.fail("expected inputs of rank >= 1, found shapes " + shapeStr(as) + " and " + shapeStr(bs));
  bool vecA = as.size() == 1, vecB = bs.size() == 1;
  if (vecA)
    a = n.reshape(a, {1, as[0]});
  if (vecB)
    b = n.reshape(b, {bs[0], 1});
  Value r = n.create<MatmulOp>({a, b});
  std::vector<int64_t> rs = llvm::cast<RankedTensorType>(r.getType()).getShape().vec();
  if (vecA || vecB) {
    std::vector<int64_t> out(rs.begin(), rs.end() - 2);
    if (!vecA)
      out.push_back(rs[rs.size() - 2]);
    if (!vecB)
      out.push_back(rs.back());
    r = n.reshape(r, out);
  }
  return {n.result(r)};
}

std::vector<OValue> buildGemm(NodeCtx &n) {
  requireFloat(n, 0);
  requireFloat(n, 1);
  sameType(n, 0, 1);
  if (n.rank(0) != 2 || n.rank(1) != 2)
    n.fail("expected rank-2 A and B, found shapes " + shapeStr(n.shape(0)) + " and " +
           shapeStr(n.shape(1)));
  float alpha = n.attrFloat("alpha", 1.0f), beta = n.attrFloat("beta", 1.0f);
  Value a = n.value(0), b = n.value(1);
  if (n.attrInt("transA", 0))
    a = n.transpose(a, {1, 0});
  SmallVector<NamedAttribute> attrs;
  if (n.attrInt("transB", 0))
    attrs.push_back(n.named("transpose_b", n.b().getUnitAttr()));
  Value r = n.create<MatmulOp>({a, b}, attrs);
  Type elem = n.type(0).getElementType();
  if (alpha != 1.0f)
    r = n.create<MulOp>({r, n.scalar(elem, alpha)});
  if (n.hasInput(2)) {
    sameType(n, 0, 2);
    auto rs = llvm::cast<RankedTensorType>(r.getType()).getShape();
    if (!broadcast(rs, n.shape(2)) || *broadcast(rs, n.shape(2)) != rs.vec())
      n.failInput(2, "shape " + shapeStr(n.shape(2)) + " does not broadcast to the product's " +
                         shapeStr(rs));
    Value c = n.value(2);
    if (beta != 1.0f)
      c = n.create<MulOp>({c, n.scalar(elem, beta)});
    r = n.create<AddOp>({r, c});
  }
  return {n.result(r)};
}

//===----------------------------------------------------------------------===//
// Normalizations and reductions
//===----------------------------------------------------------------------===//

std::vector<OValue> buildSoftmax(NodeCtx &n) {
  requireFloat(n, 0);
  int64_t r = n.rank(0);
  if (r == 0)
    n.fail("expected an input of rank >= 1, found a scalar");
  if (n.opset >= 13) {
    int64_t axis = n.axis(n.attrInt("axis", -1), r, "axis");
    return {n.result(n.create<SoftmaxOp>({n.value(0)},
                                         {n.named("axis", n.b().getI64IntegerAttr(axis))}))};
  }
  // Opset < 13: softmax over the flattened trailing dims [axis, rank).
  int64_t axis = n.axis(n.attrInt("axis", 1), r, "axis");
  auto s = n.shape(0);
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < r; ++i)
    (i < axis ? outer : inner) *= s[i];
  Value x = n.reshape(n.value(0), {outer, inner});
  Value y = n.create<SoftmaxOp>({x}, {n.named("axis", n.b().getI64IntegerAttr(1))});
  return {n.result(n.reshape(y, s))};
}

std::vector<OValue> buildLayerNorm(NodeCtx &n) {
  requireFloat(n, 0);
  requireFloat(n, 1);
  int64_t r = n.rank(0);
  int64_t axis = n.axis(n.attrInt("axis", -1), r, "axis");
  float eps = n.attrFloat("epsilon", 1e-5f);
  auto xs = n.shape(0);
  std::vector<int64_t> normShape(xs.begin() + axis, xs.end());
  Type elem = n.type(0).getElementType();
  auto fit = [&](size_t i, Value v) {
    auto s = llvm::cast<RankedTensorType>(v.getType()).getShape();
    if (s == llvm::ArrayRef<int64_t>(normShape))
      return v;
    auto bs = broadcast(s, normShape);
    if (!bs || *bs != normShape)
      n.failInput(i, "shape " + shapeStr(s) + " does not broadcast to the normalized shape " +
                         shapeStr(normShape));
    return n.createTyped<ExpandOp>(RankedTensorType::get(normShape, elem), {v});
  };
  Value gamma = fit(1, n.cast(n.value(1), elem));
  Value beta;
  if (n.hasInput(2)) {
    requireFloat(n, 2);
    beta = fit(2, n.cast(n.value(2), elem));
  } else {
    beta = n.constantOf(makeHost(n.dtype(0), normShape, [](int64_t) { return 0.0; }));
  }
  Value x = n.value(0);
  Value y = n.create<LayerNormOp>({x, gamma, beta},
                                  {n.named("eps", n.b().getF32FloatAttr(eps)),
                                   n.named("axis", n.b().getI64IntegerAttr(axis))});
  std::vector<OValue> out{n.result(y)};
  bool wantStats = (n.node.output_size() > 1 && !n.node.output(1).empty()) ||
                   (n.node.output_size() > 2 && !n.node.output(2).empty());
  if (wantStats) {
    std::vector<int64_t> axes;
    for (int64_t i = axis; i < r; ++i)
      axes.push_back(i);
    SmallVector<NamedAttribute> attrs{n.named("axes", n.b().getDenseI64ArrayAttr(axes)),
                                      n.named("keepdims", n.b().getUnitAttr())};
    Value mean = n.create<ReduceMeanOp>({x}, attrs);
    Value d = n.create<SubOp>({x, mean});
    Value var = n.create<ReduceMeanOp>({n.create<MulOp>({d, d})}, attrs);
    Value sd = n.createTyped<SqrtOp>(var.getType(), {n.create<AddOp>({var, n.scalar(elem, eps)})});
    Value inv = n.create<DivOp>({n.scalar(elem, 1.0), sd});
    out.push_back(n.result(mean));
    out.push_back(n.result(inv));
  }
  return out;
}

enum class Red { Sum, Mean, Max, Min, SumSquare, L1, L2 };

/// ReduceSum/Mean/Max directly; ReduceMin = -max(-x), ReduceSumSquare =
/// sum(x*x), ReduceL1 = sum(max(x, -x)), ReduceL2 = sqrt(sum(x*x)).
template <Red K> std::vector<OValue> buildReduce(NodeCtx &n) {
  int64_t r = n.rank(0);
  std::optional<std::vector<int64_t>> axes = n.attrInts("axes");
  if (!axes && n.hasInput(1)) {
    const HostTensor &c = n.requireConstant(1, "axes");
    axes = c.ints();
  }
  bool keep = n.attrInt("keepdims", 1) != 0;
  if (!axes || axes->empty()) {
    if (n.attrInt("noop_with_empty_axes", 0) && (K == Red::Sum || K == Red::Mean ||
                                                 K == Red::Max || K == Red::Min)) {
      OValue v = n.in(0);
      v.argIndex = -1;
      return {v};
    }
    axes = std::vector<int64_t>();
    for (int64_t i = 0; i < r; ++i)
      axes->push_back(i);
  }
  std::vector<bool> seen(r, false);
  for (int64_t &a : *axes) {
    a = n.axis(a, r, "axis");
    if (seen[a])
      n.fail("axis " + std::to_string(a) + " appears twice in axes");
    seen[a] = true;
  }
  requireFloat(n, 0);
  Value x = n.value(0);
  Type elem = n.type(0).getElementType();
  if (K == Red::Min)
    x = n.create<SubOp>({n.scalar(elem, 0), x});
  else if (K == Red::SumSquare || K == Red::L2)
    x = n.create<MulOp>({x, x});
  else if (K == Red::L1)
    x = n.create<MaximumOp>({x, n.create<SubOp>({n.scalar(elem, 0), x})});
  if (r == 0)
    return {n.result(x)};
  SmallVector<NamedAttribute> attrs{n.named("axes", n.b().getDenseI64ArrayAttr(*axes))};
  if (keep)
    attrs.push_back(n.named("keepdims", n.b().getUnitAttr()));
  Value y;
  if (K == Red::Mean)
    y = n.create<ReduceMeanOp>({x}, attrs);
  else if (K == Red::Max || K == Red::Min)
    y = n.create<ReduceMaxOp>({x}, attrs);
  else
    y = n.create<ReduceSumOp>({x}, attrs);
  if (K == Red::Min)
    y = n.create<SubOp>({n.scalar(elem, 0), y});
  else if (K == Red::L2)
    y = n.createTyped<SqrtOp>(y.getType(), {y});
  return {n.result(y)};
}

} // namespace

const std::vector<OpInfo> &computeOps() {
  static const std::vector<OpInfo> ops = {
      {"Add", buildBinary<Bin::Add>},
      {"Sub", buildBinary<Bin::Sub>},
      {"Mul", buildBinary<Bin::Mul>},
      {"Div", buildBinary<Bin::Div>},
      {"Pow", buildBinary<Bin::Pow>},
      {"Max", buildBinary<Bin::Max>},
      {"Min", buildBinary<Bin::Min>},
      {"Equal", buildBinary<Bin::Equal>},
      {"Less", buildBinary<Bin::Less>},
      {"Greater", buildBinary<Bin::Greater>},
      {"LessOrEqual", buildBinary<Bin::LessEq>},
      {"GreaterOrEqual", buildBinary<Bin::GreaterEq>},
      {"And", buildBinary<Bin::And>},
      {"Or", buildBinary<Bin::Or>},
      {"Xor", buildBinary<Bin::Xor>},
      {"Not", buildNot},
      {"IsNaN", buildIsNaN},
      {"Neg", buildUnary<Un::Neg>},
      {"Abs", buildUnary<Un::Abs>},
      {"Reciprocal", buildUnary<Un::Reciprocal>},
      {"Sqrt", buildUnary<Un::Sqrt>},
      {"Erf", buildUnary<Un::Erf>},
      {"Tanh", buildUnary<Un::Tanh>},
      {"Relu", buildUnary<Un::Relu>},
      {"Exp", buildUnary<Un::Exp>},
      {"Sigmoid", buildUnary<Un::Sigmoid>},
      {"Gelu", buildUnary<Un::Gelu>},
      {"Where", buildWhere},
      {"Cast", buildCast},
      {"CastLike", buildCastLike},
      {"MatMul", buildMatMul},
      {"Gemm", buildGemm},
      {"Softmax", buildSoftmax},
      {"LayerNormalization", buildLayerNorm},
      {"ReduceSum", buildReduce<Red::Sum>},
      {"ReduceMean", buildReduce<Red::Mean>},
      {"ReduceMax", buildReduce<Red::Max>},
      {"ReduceMin", buildReduce<Red::Min>},
      {"ReduceSumSquare", buildReduce<Red::SumSquare>},
      {"ReduceL1", buildReduce<Red::L1>},
      {"ReduceL2", buildReduce<Red::L2>},
      {"GatherND", buildGatherNDOp},
      {"GatherElements", buildGatherElementsOp},
      {"CumSum", buildCumSumOp},
  };
  return ops;
}

} // namespace attune::onnx_import
