//===- OnnxShapeOps.cpp - ONNX shape and data-movement operators ---------===//
//
//   Constant ConstantOfShape Range Shape Size ──► host constants (folded)
//   Identity Dropout ───────────────────────────► the input itself
//   Reshape Flatten Squeeze Unsqueeze ──────────► attune.reshape
//   Transpose Concat Slice Split Expand ────────► attune.transpose/concat/slice/split/expand
//                                                 (negative Slice steps: slices + concat)
//   Gather (constant indices) ──────────────────► attune.slice (+ concat, reshape)
//
// Every op folds on the host when its data input is a constant (up to
// kMaxFoldElements); the "shape" inputs (Reshape's shape, Slice's starts,
// Unsqueeze's axes, ...) must be compile-time constants, which they are once
// the graph inputs' dynamic dimensions are bound and Shape is folded.
//
//===----------------------------------------------------------------------===//
#include "OnnxInternal.h"

#include "attune/IR/AttuneOps.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;
using namespace mlir::attune;

namespace attune::onnx_import {

std::vector<OValue> buildGatherWithRuntimeIndices(NodeCtx &n);

namespace {


bool smallConstant(NodeCtx &n, size_t i, int64_t resultElems) {
  const HostTensor *c = n.constant(i);
  return c && c->numel() <= kMaxFoldElements && resultElems <= kMaxFoldElements;
}

/// Ranks above this are refused (no model needs them; they only cost memory).
constexpr size_t kMaxRank = 32;

void checkRank(NodeCtx &n, size_t rank) {
  if (rank > kMaxRank)
    n.unsupported("a result of rank " + std::to_string(rank) + " (at most " +
                  std::to_string(kMaxRank) + ")");
}

int64_t product(llvm::ArrayRef<int64_t> s) {
  int64_t p = 1;
  for (int64_t d : s)
    p *= d;
  return p;
}

/// Result of a pure reshape of input 0 to `shape` (fold or attune.reshape).
std::vector<OValue> reshapeTo(NodeCtx &n, std::vector<int64_t> shape) {
  checkRank(n, shape.size());
  if (!numElementsChecked(shape) || product(shape) != product(n.shape(0)))
    n.fail("cannot reshape " + shapeStr(n.shape(0)) + " to " + shapeStr(shape));
  if (const HostTensor *c = n.constant(0))
    if (n.in(0).initializer.empty() || c->numel() <= kMaxFoldElements)
      return {n.result(reshaped(*c, shape))};
  for (int64_t d : shape)
    if (d == 0)
      n.unsupported("zero-size tensors (result shape " + shapeStr(shape) + ")");
  return {n.result(n.reshape(n.value(0), shape))};
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

std::vector<OValue> buildConstant(NodeCtx &n) {
  if (n.node.attribute_size() != 1)
    n.fail("expected exactly one attribute (value, value_float, ...), found " +
           std::to_string(n.node.attribute_size()));
  const onnx::AttributeProto &a = n.node.attribute(0);
  const std::string &k = a.name();
  std::string what = n.prefix() + " attribute '" + k + "'";
  if (k == "value")
    return {n.result(decodeTensor(a.t(), n.imp.baseDir, what))};
  if (k == "value_float")
    return {n.result(makeHost(DT::TensorProto_DataType_FLOAT, {}, [&](int64_t) { return a.f(); }))};
  if (k == "value_floats")
    return {n.result(makeHost(DT::TensorProto_DataType_FLOAT, {(int64_t)a.floats_size()},
                              [&](int64_t i) { return a.floats((int)i); }))};
  if (k == "value_int")
    return {n.result(makeI64({a.i()}, {}))};
  if (k == "value_ints")
    return {n.result(makeI64(std::vector<int64_t>(a.ints().begin(), a.ints().end()),
                             {(int64_t)a.ints_size()}))};
  n.unsupported("Constant attribute '" + k + "'");
}

std::vector<OValue> buildConstantOfShape(NodeCtx &n) {
  std::vector<int64_t> shape = n.requireConstant(0, "shape").ints();
  checkRank(n, shape.size());
  for (int64_t d : shape)
    if (d < 0)
      n.failInput(0, "expected non-negative sizes, found " + shapeStr(shape));
  if (!numElementsChecked(shape))
    n.failInput(0, "shape " + shapeStr(shape) + " has too many elements");
  HostTensor v = makeHost(DT::TensorProto_DataType_FLOAT, {}, [](int64_t) { return 0.0; });
  if (const onnx::AttributeProto *a = n.attr("value")) {
    v = decodeTensor(a->t(), n.imp.baseDir, n.prefix() + " attribute 'value'");
    if (v.numel() != 1)
      n.failAttr("value", "expected one element, found " + std::to_string(v.numel()));
  }
  int64_t count = product(shape);
  if (count <= kMaxFoldElements)
    return {n.result(gatherHost(v, shape, [](int64_t) { return 0; }))};
  // Large splat: materialize directly (the attribute stays a splat).
  Type elem = irElementType(n.ctx(), v.dtype);
  if (!elem)
    n.unsupported("value of element type " + dtypeName(v.dtype));
  auto type = RankedTensorType::get(shape, elem);
  DenseElementsAttr one = toAttr(n.ctx(), v);
  auto splat = DenseElementsAttr::get(type, one.getValues<Attribute>()[0]);
  return {n.result(n.b().create<mlir::attune::ConstantOp>(n.loc, type, splat).getResult())};
}

std::vector<OValue> buildRange(NodeCtx &n) {
  const HostTensor &s = n.requireConstant(0, "start"), &l = n.requireConstant(1, "limit"),
                   &d = n.requireConstant(2, "delta");
  if (s.numel() != 1 || l.numel() != 1 || d.numel() != 1)
    n.fail("expected scalar start, limit and delta");
  int32_t dt = s.dtype;
  double start = s.getF(0), limit = l.getF(0), delta = d.getF(0);
  if (delta == 0)
    n.failInput(2, "delta must not be 0");
  double count = std::ceil((limit - start) / delta);
  if (count > static_cast<double>(kMaxFoldElements))
    n.unsupported("Range of " + std::to_string(count) + " elements");
  int64_t c = count > 0 ? static_cast<int64_t>(count) : 0; // NaN -> 0
  if (isIntDT(dt)) {
    uint64_t is = static_cast<uint64_t>(s.getI(0)), id = static_cast<uint64_t>(d.getI(0));
    return {n.result(makeHostInts(dt, {c}, [&](int64_t i) {
      return static_cast<int64_t>(is + static_cast<uint64_t>(i) * id); // wraps, no UB
    }))};
  }
  return {n.result(makeHost(dt, {c}, [&](int64_t i) { return start + i * delta; }))};
}

std::vector<OValue> buildShape(NodeCtx &n) {
  auto s = n.shape(0);
  int64_t r = static_cast<int64_t>(s.size());
  int64_t start = n.attrInt("start", 0), end = n.attrInt("end", r);
  if (start < 0)
    start += r;
  if (end < 0)
    end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, 0, r);
  std::vector<int64_t> v(s.begin() + start, s.begin() + std::max(start, end));
  return {n.result(makeI64(v, {static_cast<int64_t>(v.size())}))};
}

std::vector<OValue> buildSize(NodeCtx &n) { return {n.result(makeI64({product(n.shape(0))}, {}))}; }

std::vector<OValue> buildIdentity(NodeCtx &n) {
  OValue v = n.in(0);
  v.argIndex = -1;
  return {v};
}

std::vector<OValue> buildDropout(NodeCtx &n) {
  if (n.hasInput(2)) {
    const HostTensor *t = n.constant(2);
    if (!t || t->getI(0))
      n.unsupported("Dropout in training mode");
  }
  std::vector<OValue> out{buildIdentity(n)[0]};
  if (n.node.output_size() > 1 && !n.node.output(1).empty()) {
    std::vector<int64_t> s = n.shape(0).vec();
    out.push_back(n.result(makeHostInts(DT::TensorProto_DataType_BOOL, s, [](int64_t) { return 1; })));
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Reshapes
//===----------------------------------------------------------------------===//

std::vector<OValue> buildReshape(NodeCtx &n) {
  std::vector<int64_t> shape;
  if (n.hasInput(1))
    shape = n.requireConstant(1, "shape").ints();
  else if (auto a = n.attrInts("shape")) // opset < 5
    shape = *a;
  else
    n.fail("expected a shape input");
  bool allowZero = n.attrInt("allowzero", 0) != 0;
  auto in = n.shape(0);
  int64_t infer = -1, known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allowZero) {
      if (i >= in.size())
        n.failInput(1, "0 at index " + std::to_string(i) + " copies a dim the input (rank " +
                           std::to_string(in.size()) + ") does not have");
      shape[i] = in[i];
    }
    if (shape[i] == -1) {
      if (infer >= 0)
        n.failInput(1, "expected at most one -1, found " + shapeStr(shape));
      infer = static_cast<int64_t>(i);
      continue;
    }
    if (shape[i] < 0)
      n.failInput(1, "expected sizes >= -1, found " + shapeStr(shape));
    if (shape[i] && known > (int64_t(1) << 40) / shape[i])
      n.failInput(1, "shape " + shapeStr(shape) + " has too many elements");
    known *= shape[i];
  }
  int64_t total = product(in);
  if (infer >= 0) {
    if (known == 0 || total % known)
      n.failInput(1, "cannot infer the -1 in " + shapeStr(shape) + " for an input of shape " +
                         shapeStr(in));
    shape[infer] = total / known;
  } else if (known != total) {
    n.failInput(1, "expected " + std::to_string(total) + " elements (input " + shapeStr(in) +
                       "), found " + std::to_string(known) + " in " + shapeStr(shape));
  }
  return reshapeTo(n, shape);
}

std::vector<OValue> buildFlatten(NodeCtx &n) {
  auto s = n.shape(0);
  int64_t r = static_cast<int64_t>(s.size());
  int64_t axis = n.attrInt("axis", 1);
  if (axis < 0)
    axis += r;
  if (axis < 0 || axis > r)
    n.failAttr("axis", "expected a value in [-" + std::to_string(r) + ", " + std::to_string(r) +
                           "], found " + std::to_string(n.attrInt("axis", 1)));
  return reshapeTo(n, {product(s.take_front(axis)), product(s.drop_front(axis))});
}

std::vector<int64_t> axesOf(NodeCtx &n, bool required) {
  if (auto a = n.attrInts("axes"))
    return *a;
  if (n.hasInput(1))
    return n.requireConstant(1, "axes").ints();
  if (required)
    n.fail("expected axes (attribute or input 1)");
  return {};
}

std::vector<OValue> buildUnsqueeze(NodeCtx &n) {
  std::vector<int64_t> axes = axesOf(n, true);
  auto s = n.shape(0);
  checkRank(n, s.size() + axes.size());
  int64_t outRank = static_cast<int64_t>(s.size() + axes.size());
  std::vector<bool> isNew(outRank, false);
  for (int64_t a : axes) {
    int64_t x = n.axis(a, outRank, "axis");
    if (isNew[x])
      n.fail("axis " + std::to_string(a) + " appears twice");
    isNew[x] = true;
  }
  std::vector<int64_t> shape;
  size_t k = 0;
  for (int64_t i = 0; i < outRank; ++i)
    shape.push_back(isNew[i] ? 1 : s[k++]);
  return reshapeTo(n, shape);
}

std::vector<OValue> buildSqueeze(NodeCtx &n) {
  std::vector<int64_t> axes = axesOf(n, false);
  auto s = n.shape(0);
  int64_t r = static_cast<int64_t>(s.size());
  std::vector<bool> drop(r, false);
  if (axes.empty()) {
    for (int64_t i = 0; i < r; ++i)
      drop[i] = s[i] == 1;
  } else {
    for (int64_t a : axes) {
      int64_t x = n.axis(a, r, "axis");
      if (s[x] != 1)
        n.fail("cannot squeeze axis " + std::to_string(a) + " of size " + std::to_string(s[x]) +
               " (input " + shapeStr(s) + ")");
      drop[x] = true;
    }
  }
  std::vector<int64_t> shape;
  for (int64_t i = 0; i < r; ++i)
    if (!drop[i])
      shape.push_back(s[i]);
  return reshapeTo(n, shape);
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

std::vector<OValue> buildTranspose(NodeCtx &n) {
  auto s = n.shape(0);
  int64_t r = static_cast<int64_t>(s.size());
  std::vector<int64_t> perm;
  if (auto p = n.attrInts("perm"))
    perm = *p;
  else
    for (int64_t i = r - 1; i >= 0; --i)
      perm.push_back(i);
  if (static_cast<int64_t>(perm.size()) != r)
    n.failAttr("perm", "expected " + std::to_string(r) + " entries, found " +
                           std::to_string(perm.size()));
  std::vector<bool> seen(r, false);
  for (int64_t &p : perm) {
    p = n.axis(p, r, "perm entry");
    if (seen[p])
      n.failAttr("perm", "axis " + std::to_string(p) + " appears twice");
    seen[p] = true;
  }
  std::vector<int64_t> out(r);
  for (int64_t i = 0; i < r; ++i)
    out[i] = s[perm[i]];
  if (smallConstant(n, 0, product(out))) {
    const HostTensor &c = *n.constant(0);
    std::vector<int64_t> inStr = stridesOf(s), outStr = stridesOf(out);
    return {n.result(gatherHost(c, out, [&](int64_t o) {
      int64_t idx = 0;
      for (int64_t d = 0; d < r; ++d)
        idx += ((o / outStr[d]) % out[d]) * inStr[perm[d]];
      return idx;
    }))};
  }
  return {n.result(n.transpose(n.value(0), perm))};
}

std::vector<OValue> buildConcat(NodeCtx &n) {
  if (n.numInputs() == 0)
    n.fail("expected at least one input");
  int64_t r = n.rank(0);
  int64_t axis = n.axis(n.attrInt("axis", 0), r, "axis");
  std::vector<int64_t> out = n.shape(0).vec();
  out[axis] = 0;
  bool fold = true;
  std::vector<size_t> live; // inputs with a non-empty axis
  for (size_t i = 0; i < n.numInputs(); ++i) {
    n.in(i);
    if (n.type(i).getElementType() != n.type(0).getElementType())
      n.failInput(i, "expected element type " + dtypeName(n.dtype(0)) + ", found " +
                         dtypeName(n.dtype(i)));
    auto s = n.shape(i);
    if (static_cast<int64_t>(s.size()) != r)
      n.failInput(i, "expected rank " + std::to_string(r) + ", found shape " + shapeStr(s));
    for (int64_t d = 0; d < r; ++d)
      if (d != axis && s[d] != out[d])
        n.failInput(i, "expected dim " + std::to_string(d) + " = " + std::to_string(out[d]) +
                           " (as input 0), found shape " + shapeStr(s));
    out[axis] += s[axis];
    fold &= n.constant(i) != nullptr;
    if (s[axis] > 0)
      live.push_back(i);
  }
  if (fold && product(out) <= kMaxFoldElements) {
    int64_t inner = product(llvm::ArrayRef<int64_t>(out).drop_front(axis + 1));
    // Which input and offset each axis position comes from.
    std::vector<std::pair<size_t, int64_t>> src;
    for (size_t i = 0; i < n.numInputs(); ++i)
      for (int64_t k = 0; k < n.shape(i)[axis]; ++k)
        src.push_back({i, k});
    int32_t dt = n.constant(0)->dtype;
    size_t es = dtypeSize(dt);
    HostTensor res;
    res.dtype = dt;
    res.shape = out;
    auto bytes = std::make_shared<std::vector<uint8_t>>(product(out) * es);
    for (int64_t o = 0; o < product(out); ++o) {
      int64_t a = (o / inner) % out[axis], outer = o / (inner * out[axis]);
      auto [i, k] = src[a];
      int64_t len = n.shape(i)[axis];
      int64_t idx = (outer * len + k) * inner + o % inner;
      std::memcpy(bytes->data() + o * es, n.constant(i)->data() + idx * es, es);
    }
    res.bytes = bytes;
    return {n.result(res)};
  }
  if (live.empty())
    n.unsupported("an empty result");
  SmallVector<Value> vals;
  for (size_t i : live)
    vals.push_back(n.value(i));
  if (vals.size() == 1)
    return {n.result(vals[0])};
  return {n.result(n.create<ConcatOp>(vals, {n.named("axis", n.b().getI64IntegerAttr(axis))}))};
}

/// ONNX Slice normalization of one axis (positive steps).
struct AxisSlice {
  int64_t start, end, step, count;
};

AxisSlice normalizeSlice(int64_t s, int64_t e, int64_t step, int64_t dim) {
  // Clamp first: starts/ends may be INT64_MIN/MAX (ONNX's "to the end").
  s = std::clamp<int64_t>(s, -dim - 1, dim + 1);
  e = std::clamp<int64_t>(e, -dim - 1, dim + 1);
  step = std::max<int64_t>(step, -std::numeric_limits<int64_t>::max());
  if (step > 0) {
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    s = std::clamp<int64_t>(s, 0, dim);
    e = std::clamp<int64_t>(e, 0, dim);
    int64_t c = e > s ? 1 + (e - s - 1) / step : 0;
    return {s, e, step, c};
  }
  if (s < 0) s += dim;
  if (e < 0) e += dim;
  s = std::clamp<int64_t>(s, 0, dim - 1);
  e = std::clamp<int64_t>(e, -1, dim - 1);
  int64_t c = s > e ? 1 + (s - e - 1) / (-step) : 0;
  return {s, e, step, c};
}

std::vector<OValue> buildSlice(NodeCtx &n) {
  auto shape = n.shape(0);
  int64_t r = static_cast<int64_t>(shape.size());
  std::vector<int64_t> starts, ends, axes, steps;
  if (n.opset < 10 || (!n.hasInput(1) && n.attr("starts"))) {
    starts = n.attrInts("starts").value_or(std::vector<int64_t>{});
    ends = n.attrInts("ends").value_or(std::vector<int64_t>{});
    axes = n.attrInts("axes").value_or(std::vector<int64_t>{});
  } else {
    starts = n.requireConstant(1, "starts").ints();
    ends = n.requireConstant(2, "ends").ints();
    if (n.hasInput(3))
      axes = n.requireConstant(3, "axes").ints();
    if (n.hasInput(4))
      steps = n.requireConstant(4, "steps").ints();
  }
  if (ends.size() != starts.size())
    n.fail("expected as many ends as starts, found " + std::to_string(ends.size()) + " and " +
           std::to_string(starts.size()));
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(static_cast<int64_t>(i));
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size())
    n.fail("expected axes and steps with one entry per start");
  std::vector<AxisSlice> norm;
  for (int64_t d = 0; d < r; ++d)
    norm.push_back({0, shape[d], 1, shape[d]});
  std::vector<bool> seen(r, false);
  for (size_t k = 0; k < starts.size(); ++k) {
    int64_t a = n.axis(axes[k], r, "axis");
    if (seen[a])
      n.fail("axis " + std::to_string(axes[k]) + " appears twice");
    seen[a] = true;
    if (steps[k] == 0)
      n.fail("steps must not be 0 (axis " + std::to_string(a) + ")");
    norm[a] = normalizeSlice(starts[k], ends[k], steps[k], shape[a]);
  }
  std::vector<int64_t> out;
  for (const AxisSlice &s : norm)
    out.push_back(s.count);
  if (smallConstant(n, 0, product(out))) {
    std::vector<int64_t> inStr = stridesOf(shape), outStr = stridesOf(out);
    return {n.result(gatherHost(*n.constant(0), out, [&](int64_t o) {
      int64_t idx = 0;
      for (int64_t d = 0; d < r; ++d)
        idx += (norm[d].start + ((o / outStr[d]) % out[d]) * norm[d].step) * inStr[d];
      return idx;
    }))};
  }
  if (product(out) == 0)
    n.unsupported("an empty slice (result shape " + shapeStr(out) + "): zero-size tensors");
  // Positive steps: one attune.slice. Axes with negative steps are kept whole
  // there and reversed afterwards: one single-element slice per index,
  // concatenated in the stepped order.
  std::vector<int64_t> fs, fe, fst;
  for (int64_t d = 0; d < r; ++d) {
    const AxisSlice &s = norm[d];
    if (s.step < 0) {
      if (s.count > 256)
        n.unsupported("negative steps over " + std::to_string(s.count) +
                      " elements of a tensor computed at run time");
      fs.push_back(0);
      fe.push_back(shape[d]);
      fst.push_back(1);
      continue;
    }
    fs.push_back(s.start);
    fe.push_back(s.start + (s.count - 1) * s.step + 1);
    fst.push_back(s.step);
  }
  Value v = n.value(0);
  bool trivial = true;
  for (int64_t d = 0; d < r; ++d)
    trivial &= fs[d] == 0 && fe[d] == shape[d] && fst[d] == 1;
  if (!trivial)
    v = n.slice(v, fs, fe, fst);
  for (int64_t d = 0; d < r; ++d) {
    const AxisSlice &s = norm[d];
    if (s.step > 0)
      continue;
    auto cur = llvm::cast<RankedTensorType>(v.getType()).getShape().vec();
    SmallVector<Value> parts;
    for (int64_t j = 0; j < s.count; ++j) {
      std::vector<int64_t> st(r, 0), en = cur, step(r, 1);
      st[d] = s.start + j * s.step;
      en[d] = st[d] + 1;
      parts.push_back(n.slice(v, st, en, step));
    }
    v = parts.size() == 1
            ? parts[0]
            : n.create<ConcatOp>(parts, {n.named("axis", n.b().getI64IntegerAttr(d))});
  }
  return {n.result(v)};
}

std::vector<OValue> buildSplit(NodeCtx &n) {
  auto shape = n.shape(0);
  int64_t r = static_cast<int64_t>(shape.size());
  int64_t axis = n.axis(n.attrInt("axis", 0), r, "axis");
  int64_t dim = shape[axis];
  std::vector<int64_t> sizes;
  if (auto a = n.attrInts("split"))
    sizes = *a;
  else if (n.hasInput(1))
    sizes = n.requireConstant(1, "split").ints();
  int64_t outputs = n.node.output_size();
  if (sizes.empty()) {
    int64_t parts = n.attr("num_outputs") ? n.attrInt("num_outputs", 1) : outputs;
    if (parts <= 0 || parts != outputs)
      n.fail("expected num_outputs = the number of outputs (" + std::to_string(outputs) +
             "), found " + std::to_string(parts));
    if (n.attr("num_outputs")) { // opset 18: ceil-sized chunks, the last smaller
      int64_t chunk = (dim + parts - 1) / parts;
      for (int64_t i = 0; i < parts; ++i)
        sizes.push_back(std::max<int64_t>(0, std::min(chunk, dim - i * chunk)));
    } else {
      if (dim % parts)
        n.fail("cannot split axis " + std::to_string(axis) + " of size " + std::to_string(dim) +
               " into " + std::to_string(parts) + " equal parts");
      sizes.assign(parts, dim / parts);
    }
  }
  int64_t sum = 0;
  for (int64_t s : sizes) {
    if (s < 0 || s > dim)
      n.fail("expected split sizes in [0, " + std::to_string(dim) + "], found " +
             shapeStr(sizes));
    sum += s;
    if (sum > dim)
      break;
  }
  if (sum != dim)
    n.fail("split sizes " + shapeStr(sizes) + " add up to " + std::to_string(sum) +
           ", expected the size of axis " + std::to_string(axis) + " (" + std::to_string(dim) + ")");
  if (static_cast<int64_t>(sizes.size()) != outputs)
    n.fail("expected " + std::to_string(sizes.size()) + " outputs (one per split), found " +
           std::to_string(outputs));
  std::vector<OValue> out;
  int64_t off = 0;
  std::vector<int64_t> inStr = stridesOf(shape);
  for (int64_t s : sizes) {
    std::vector<int64_t> os = shape.vec();
    os[axis] = s;
    if (smallConstant(n, 0, product(os))) {
      std::vector<int64_t> outStr = stridesOf(os);
      out.push_back(n.result(gatherHost(*n.constant(0), os, [&](int64_t o) {
        int64_t idx = 0;
        for (int64_t d = 0; d < r; ++d)
          idx += (((o / outStr[d]) % os[d]) + (d == axis ? off : 0)) * inStr[d];
        return idx;
      })));
    } else {
      if (s == 0)
        n.unsupported("an empty split output (zero-size tensors)");
      std::vector<int64_t> st(r, 0), en = shape.vec(), step(r, 1);
      st[axis] = off;
      en[axis] = off + s;
      out.push_back(n.result(n.slice(n.value(0), st, en, step)));
    }
    off += s;
  }
  return out;
}

std::vector<OValue> buildExpand(NodeCtx &n) {
  std::vector<int64_t> shape = n.requireConstant(1, "shape").ints();
  checkRank(n, shape.size());
  auto out = broadcast(n.shape(0), shape);
  if (!out)
    n.failInput(1, "shape " + shapeStr(shape) + " does not broadcast with the input's " +
                       shapeStr(n.shape(0)));
  if (!numElementsChecked(*out))
    n.failInput(1, "result shape " + shapeStr(*out) + " has too many elements");
  if (smallConstant(n, 0, product(*out))) {
    const HostTensor &c = *n.constant(0);
    std::vector<int64_t> o = *out;
    return {n.result(gatherHost(c, o, [&](int64_t i) { return broadcastIndex(i, o, c.shape); }))};
  }
  if (product(*out) == 0)
    n.unsupported("zero-size tensors (result shape " + shapeStr(*out) + ")");
  if (*out == n.shape(0).vec())
    return {n.result(n.value(0))};
  return {n.result(n.createTyped<ExpandOp>(
      RankedTensorType::get(*out, n.type(0).getElementType()), {n.value(0)}))};
}

std::vector<OValue> buildGather(NodeCtx &n) {
  auto ds = n.shape(0);
  int64_t r = static_cast<int64_t>(ds.size());
  if (r == 0)
    n.fail("expected data of rank >= 1, found a scalar");
  int64_t axis = n.axis(n.attrInt("axis", 0), r, "axis");
  const HostTensor *idx = n.constant(1);
  if (!idx)
    return buildGatherWithRuntimeIndices(n);
  if (!isIntDT(idx->dtype))
    n.failInput(1, "expected INT32 or INT64 indices, found " + dtypeName(idx->dtype));
  std::vector<int64_t> ids = idx->ints();
  for (int64_t &i : ids) {
    int64_t orig = i;
    if (i < 0)
      i += ds[axis];
    if (i < 0 || i >= ds[axis])
      n.failInput(1, "index " + std::to_string(orig) + " is out of range for axis " +
                         std::to_string(axis) + " of size " + std::to_string(ds[axis]));
  }
  std::vector<int64_t> out(ds.begin(), ds.begin() + axis);
  out.insert(out.end(), idx->shape.begin(), idx->shape.end());
  out.insert(out.end(), ds.begin() + axis + 1, ds.end());
  int64_t inner = product(ds.drop_front(axis + 1));
  int64_t k = static_cast<int64_t>(ids.size());
  if (smallConstant(n, 0, product(out))) {
    return {n.result(gatherHost(*n.constant(0), out, [&](int64_t o) {
      int64_t in = o % inner, rest = o / inner;
      int64_t j = rest % k, outer = rest / k;
      return (outer * ds[axis] + ids[j]) * inner + in;
    }))};
  }
  if (k == 0 || product(out) == 0)
    n.unsupported("zero-size tensors (result shape " + shapeStr(out) + ")");
  bool floatData = isa<FloatType>(n.type(0).getElementType());
  if (floatData && k > 16)
    return buildGatherWithRuntimeIndices(n); // embedding with constant ids
  if (k > 256)
    n.unsupported("gathering " + std::to_string(k) + " constant indices from non-float data");
  // Runs of consecutive indices become one slice each.
  SmallVector<Value> parts;
  Value data = n.value(0);
  for (int64_t j = 0; j < k;) {
    int64_t e = j + 1;
    while (e < k && ids[e] == ids[e - 1] + 1)
      ++e;
    std::vector<int64_t> st(r, 0), en = ds.vec(), step(r, 1);
    st[axis] = ids[j];
    en[axis] = ids[e - 1] + 1;
    parts.push_back(n.slice(data, st, en, step));
    j = e;
  }
  Value v = parts.size() == 1 ? parts[0]
                              : n.create<ConcatOp>(parts, {n.named("axis", n.b().getI64IntegerAttr(axis))});
  return {n.result(n.reshape(v, out))};
}

} // namespace

const std::vector<OpInfo> &shapeOps() {
  static const std::vector<OpInfo> ops = {
      {"Constant", buildConstant},   {"ConstantOfShape", buildConstantOfShape},
      {"Range", buildRange},         {"Shape", buildShape},
      {"Size", buildSize},           {"Identity", buildIdentity},
      {"Dropout", buildDropout},     {"Reshape", buildReshape},
      {"Flatten", buildFlatten},     {"Unsqueeze", buildUnsqueeze},
      {"Squeeze", buildSqueeze},     {"Transpose", buildTranspose},
      {"Concat", buildConcat},       {"Slice", buildSlice},
      {"Split", buildSplit},         {"Expand", buildExpand},
      {"Gather", buildGather},
  };
  return ops;
}

} // namespace attune::onnx_import
