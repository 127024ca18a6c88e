//===- OnnxGatherOps.cpp - ONNX gathers with run-time operands, CumSum ---===//
//
//   Gather (run-time indices) ───► attune.embedding (+ transpose/reshape)
//   GatherND (constant indices) ─► attune.embedding over a flattened view
//   GatherElements ──────────────► folded, or embedding over a flattened view
//   CumSum ──────────────────────► matmul with a constant triangular matrix
//
// attune.embedding gathers rows of a float table; bool tables go through f32
// (exact), integer tables with run-time indices are refused.
//
//===----------------------------------------------------------------------===//
#include "OnnxInternal.h"

#include "attune/IR/AttuneOps.h"

#include <cstring>

using namespace mlir;
using namespace mlir::attune;

namespace attune::onnx_import {
namespace {

int64_t product(llvm::ArrayRef<int64_t> s) {
  int64_t p = 1;
  for (int64_t d : s)
    p *= d;
  return p;
}

//===----------------------------------------------------------------------===//
// Gathers with run-time operands
//===----------------------------------------------------------------------===//

/// rows[ids] of a float table [V, D...] via attune.embedding; bool tables go
/// through f32 (exact).
Value embed(NodeCtx &n, Value table, Value ids, size_t dataInput) {
  auto tt = llvm::cast<RankedTensorType>(table.getType());
  Type elem = tt.getElementType();
  Type f32 = Float32Type::get(n.ctx());
  if (elem.isInteger(1))
    table = n.cast(table, f32);
  else if (!isa<FloatType>(elem))
    n.unsupported("gathering from input " + std::to_string(dataInput) + " of element type " +
                  dtypeName(dtypeOf(elem)) + " with indices known only at run time (float and "
                  "bool data are supported)");
  auto s = tt.getShape();
  int64_t rest = 1;
  for (size_t i = 1; i < s.size(); ++i)
    rest *= s[i];
  table = n.reshape(table, {s[0], rest});
  auto it = llvm::cast<RankedTensorType>(ids.getType());
  if (!it.getElementType().isInteger(64) && !it.getElementType().isInteger(32))
    ids = n.cast(ids, IntegerType::get(n.ctx(), 64));
  Value r = n.create<EmbeddingOp>({table, ids});
  std::vector<int64_t> shape = it.getShape().vec();
  shape.insert(shape.end(), s.begin() + 1, s.end());
  r = n.reshape(r, shape);
  if (elem.isInteger(1))
    r = n.cast(r, elem);
  return r;
}

std::vector<OValue> buildGatherRuntime(NodeCtx &n) {
  int64_t r = n.rank(0);
  int64_t axis = n.axis(n.attrInt("axis", 0), r, "axis");
  Value data = n.value(0);
  auto ds = n.shape(0);
  std::vector<int64_t> perm{axis};
  for (int64_t i = 0; i < r; ++i)
    if (i != axis)
      perm.push_back(i);
  data = n.transpose(data, perm);
  if (n.in(1).argIndex >= 0 && axis == 0)
    n.imp.hintMaxValue(n.in(1), ds[0]);
  Value g = embed(n, data, n.value(1), 0);
  // g: [ids..., d0..d(axis-1), d(axis+1)...] -> [d0..d(axis-1), ids..., ...]
  int64_t k = n.rank(1);
  std::vector<int64_t> back;
  for (int64_t i = 0; i < axis; ++i)
    back.push_back(k + i);
  for (int64_t i = 0; i < k; ++i)
    back.push_back(i);
  for (int64_t i = k + axis; i < k + r - 1; ++i)
    back.push_back(i);
  return {n.result(n.transpose(g, back))};
}

std::vector<OValue> buildGatherND(NodeCtx &n) {
  if (n.attrInt("batch_dims", 0) != 0)
    n.unsupported("GatherND with batch_dims != 0");
  const HostTensor &idx = n.requireConstant(1, "indices");
  auto ds = n.shape(0);
  int64_t q = idx.shape.empty() ? 0 : idx.shape.back();
  if (idx.shape.empty() || q < 1 || q > static_cast<int64_t>(ds.size()))
    n.failInput(1, "expected indices of shape [..., q] with 1 <= q <= " +
                       std::to_string(ds.size()) + ", found " + shapeStr(idx.shape));
  std::vector<int64_t> outShape(idx.shape.begin(), idx.shape.end() - 1);
  int64_t tuples = 1;
  for (int64_t d : outShape)
    tuples *= d;
  std::vector<int64_t> flat(tuples);
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t f = 0;
    for (int64_t j = 0; j < q; ++j) {
      int64_t v = idx.getI(t * q + j);
      if (v < 0)
        v += ds[j];
      if (v < 0 || v >= ds[j])
        n.failInput(1, "index " + std::to_string(idx.getI(t * q + j)) + " is out of range for "
                       "dim " + std::to_string(j) + " of size " + std::to_string(ds[j]));
      f = f * ds[j] + v;
    }
    flat[t] = f;
  }
  std::vector<int64_t> rest(ds.begin() + q, ds.end());
  outShape.insert(outShape.end(), rest.begin(), rest.end());
  int64_t lead = 1, tail = 1;
  for (int64_t j = 0; j < q; ++j)
    lead *= ds[j];
  for (int64_t d : rest)
    tail *= d;
  if (const HostTensor *c = n.constant(0)) {
    if (static_cast<int64_t>(outShape.size()) >= 0 && tuples * tail <= kMaxFoldElements)
      return {n.result(gatherHost(*c, outShape, [&](int64_t i) {
        return flat[i / tail] * tail + i % tail;
      }))};
  }
  if (tuples == 0)
    n.unsupported("an empty result");
  Value table = n.reshape(n.value(0), {lead, tail});
  Value ids = n.constantOf(makeI64(flat, {tuples}));
  Value g = embed(n, table, ids, 0);
  return {n.result(n.reshape(g, outShape))};
}

std::vector<OValue> buildGatherElements(NodeCtx &n) {
  int64_t r = n.rank(0);
  if (n.rank(1) != r)
    n.failInput(1, "expected indices of rank " + std::to_string(r) + ", found shape " +
                       shapeStr(n.shape(1)));
  int64_t axis = n.axis(n.attrInt("axis", 0), r, "axis");
  auto ds = n.shape(0);
  std::vector<int64_t> is = n.shape(1).vec();
  const HostTensor *data = n.constant(0), *idx = n.constant(1);
  if (data && data->numel() > 0) {
    // A uniform table (e.g. RoBERTa's all-zero token_type_ids buffer): every
    // gather returns that value, whatever the indices are at run time.
    size_t es = dtypeSize(data->dtype);
    bool uniform = true;
    for (int64_t i = 1; i < data->numel() && uniform; ++i)
      uniform = std::memcmp(data->data(), data->data() + i * es, es) == 0;
    if (uniform && product(is) <= kMaxFoldElements)
      return {n.result(gatherHost(*data, is, [](int64_t) { return 0; }))};
  }
  if (!idx)
    n.requireConstant(1, "indices (unless the table is uniform)");
  std::vector<int64_t> dStr = stridesOf(ds), iStr = stridesOf(is);
  std::vector<int64_t> flat(product(is));
  for (int64_t o = 0; o < product(is); ++o) {
    int64_t f = 0;
    for (int64_t d = 0; d < r; ++d) {
      int64_t c = (o / iStr[d]) % is[d];
      if (d == axis) {
        c = idx->getI(o);
        if (c < 0)
          c += ds[d];
        if (c < 0 || c >= ds[d])
          n.failInput(1, "index " + std::to_string(idx->getI(o)) + " is out of range for axis " +
                             std::to_string(axis) + " of size " + std::to_string(ds[d]));
      }
      f += c * dStr[d];
    }
    flat[o] = f;
  }
  if (data && product(is) <= kMaxFoldElements)
    return {n.result(gatherHost(*data, is, [&](int64_t o) { return flat[o]; }))};
  if (flat.empty())
    n.unsupported("an empty result");
  Value table = n.reshape(n.value(0), {product(ds), 1});
  Value g = embed(n, table, n.constantOf(makeI64(flat, {(int64_t)flat.size()})), 0);
  return {n.result(n.reshape(g, is))};
}

/// CumSum as a product with a constant triangular matrix along the last
/// axis (integers through f32: exact while the sums stay below 2^24).
std::vector<OValue> buildCumSum(NodeCtx &n) {
  int64_t r = n.rank(0);
  if (r == 0)
    n.fail("expected an input of rank >= 1, found a scalar");
  const HostTensor &ax = n.requireConstant(1, "axis");
  if (ax.numel() != 1)
    n.failInput(1, "expected one axis, found " + std::to_string(ax.numel()));
  int64_t axis = n.axis(ax.getI(0), r, "axis");
  bool exclusive = n.attrInt("exclusive", 0) != 0, reverse = n.attrInt("reverse", 0) != 0;
  auto s = n.shape(0);
  int64_t len = s[axis];
  auto keep = [&](int64_t k, int64_t j) { // does input k contribute to output j?
    if (reverse)
      return exclusive ? k > j : k >= j;
    return exclusive ? k < j : k <= j;
  };
  if (const HostTensor *c = n.constant(0)) {
    if (c->numel() <= kMaxFoldElements && c->numel() * len <= (int64_t(1) << 26)) {
      int64_t inner = product(s.drop_front(axis + 1));
      auto at = [&](int64_t o, int64_t k) {
        int64_t j = (o / inner) % len, outer = o / (inner * len);
        (void)j;
        return (outer * len + k) * inner + o % inner;
      };
      if (isIntDT(c->dtype))
        return {n.result(makeHostInts(c->dtype, s.vec(), [&](int64_t o) {
          int64_t j = (o / inner) % len, acc = 0;
          for (int64_t k = 0; k < len; ++k)
            if (keep(k, j))
              acc += c->getI(at(o, k));
          return acc;
        }))};
      return {n.result(makeHost(c->dtype, s.vec(), [&](int64_t o) {
        int64_t j = (o / inner) % len;
        double acc = 0;
        for (int64_t k = 0; k < len; ++k)
          if (keep(k, j))
            acc += c->getF(at(o, k));
        return acc;
      }))};
    }
  }
  if (len > 4096)
    n.unsupported("CumSum over an axis of " + std::to_string(len) + " elements (at most 4096)");
  Type elem = n.type(0).getElementType();
  Type f = isa<FloatType>(elem) ? elem : Float32Type::get(n.ctx());
  if (!isa<FloatType>(elem) && !elem.isInteger(64) && !elem.isInteger(32))
    n.unsupported("CumSum of element type " + dtypeName(n.dtype(0)));
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < r; ++i)
    if (i != axis)
      perm.push_back(i);
  perm.push_back(axis);
  Value x = n.transpose(n.cast(n.value(0), f), perm);
  Value tri = n.constantOf(makeHost(dtypeOf(f), {len, len}, [&](int64_t i) {
    return keep(i / len, i % len) ? 1.0 : 0.0;
  }));
  Value y = n.create<MatmulOp>({x, tri});
  std::vector<int64_t> inv(r);
  for (int64_t i = 0; i < r; ++i)
    inv[perm[i]] = i;
  return {n.result(n.cast(n.transpose(y, inv), elem))};
}

} // namespace

/// Gather with run-time indices (OnnxShapeOps.cpp handles constant ones).
std::vector<OValue> buildGatherWithRuntimeIndices(NodeCtx &n) { return buildGatherRuntime(n); }
std::vector<OValue> buildGatherNDOp(NodeCtx &n) { return buildGatherND(n); }
std::vector<OValue> buildGatherElementsOp(NodeCtx &n) { return buildGatherElements(n); }
std::vector<OValue> buildCumSumOp(NodeCtx &n) { return buildCumSum(n); }

} // namespace attune::onnx_import
