//===- FusionUtils.cpp - Matcher helpers shared by the fusion passes ------===//
#include "FusionUtils.h"

#include "attune/IR/ShapeUtils.h"
#include "attune/Transforms/FusionReport.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseSet.h"
#include <cmath>

namespace mlir::attune::fusion {

std::optional<std::vector<double>> constantValues(Value v, SmallVectorImpl<int64_t> &shape) {
  // Look through shape-only ops and casts of constants.
  while (v) {
    if (auto r = def<ReshapeOp>(v))
      v = r.getInput();
    else if (auto e = def<ExpandOp>(v))
      v = e.getInput();
    else if (auto c = def<CastOp>(v))
      v = c.getInput();
    else
      break;
  }
  auto cst = def<ConstantOp>(v);
  if (!cst)
    return std::nullopt;
  auto dense = dyn_cast<DenseElementsAttr>(cst.getValue());
  if (!dense || dense.getNumElements() > (1 << 20))
    return std::nullopt;
  auto type = cast<RankedTensorType>(dense.getType());
  shape.assign(type.getShape().begin(), type.getShape().end());
  std::vector<double> out;
  out.reserve(dense.getNumElements());
  Type elem = type.getElementType();
  if (isa<FloatType>(elem)) {
    for (const APFloat &f : dense.getValues<APFloat>())
      out.push_back(f.convertToDouble());
  } else if (auto it = dyn_cast<IntegerType>(elem)) {
    for (const APInt &i : dense.getValues<APInt>())
      out.push_back(it.getWidth() == 1 ? (i.isZero() ? 0.0 : 1.0)
                                       : static_cast<double>(i.getSExtValue()));
  } else {
    return std::nullopt;
  }
  return out;
}

/// Constant-folds scalar arithmetic on splat constants (exporters compute
/// e.g. SDPA's scale as 1 / sqrt(cast(head_dim)) with ops), in double.
static std::optional<double> evalSplat(Value v, int depth) {
  if (!v || depth > 8)
    return std::nullopt;
  Operation *op = v.getDefiningOp();
  if (!op)
    return std::nullopt;
  auto bin = [&](auto fn) -> std::optional<double> {
    auto a = evalSplat(op->getOperand(0), depth + 1);
    auto b = a ? evalSplat(op->getOperand(1), depth + 1) : std::nullopt;
    if (!a || !b)
      return std::nullopt;
    return fn(*a, *b);
  };
  if (isa<AddOp>(op))
    return bin([](double a, double b) { return a + b; });
  if (isa<SubOp>(op))
    return bin([](double a, double b) { return a - b; });
  if (isa<MulOp>(op))
    return bin([](double a, double b) { return a * b; });
  if (isa<DivOp>(op))
    return bin([](double a, double b) { return a / b; });
  if (isa<PowOp>(op))
    return bin([](double a, double b) { return std::pow(a, b); });
  if (isa<SqrtOp>(op))
    if (auto a = evalSplat(op->getOperand(0), depth + 1))
      return std::sqrt(*a);
  if (isa<ReshapeOp, ExpandOp, CastOp>(op) &&
      isa<FloatType>(cast<RankedTensorType>(v.getType()).getElementType()))
    return evalSplat(op->getOperand(0), depth + 1);
  if (!isa<ConstantOp>(op))
    return std::nullopt;
  SmallVector<int64_t> shape;
  auto values = constantValues(v, shape);
  if (!values || values->empty())
    return std::nullopt;
  for (double x : *values)
    if (x != values->front() && !(std::isnan(x) && std::isnan(values->front())))
      return std::nullopt;
  return values->front();
}

std::optional<double> splatValue(Value v) {
  if (auto c = evalSplat(v, 0))
    return c;
  // Integer casts of constants (e.g. a head dim cast to float) and shape-only
  // ops of constants.
  SmallVector<int64_t> shape;
  auto values = constantValues(v, shape);
  if (!values || values->empty())
    return std::nullopt;
  for (double x : *values)
    if (x != values->front() && !(std::isnan(x) && std::isnan(values->front())))
      return std::nullopt;
  return values->front();
}

bool isSplat(Value v, double expected, double rtol) {
  auto s = splatValue(v);
  if (!s)
    return false;
  if (std::isinf(expected))
    return *s == expected;
  return std::fabs(*s - expected) <= rtol * std::fabs(expected) + 1e-7;
}

Value otherOperand(Operation *op, Value known) {
  if (!op || op->getNumOperands() != 2)
    return {};
  if (op->getOperand(0) == known)
    return op->getOperand(1);
  if (op->getOperand(1) == known)
    return op->getOperand(0);
  return {};
}

SmallVector<int64_t> normalizedAxes(ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> out;
  for (int64_t a : axes) {
    auto n = normalizeAxis(a, rank);
    if (!n)
      return {};
    out.push_back(*n);
  }
  llvm::sort(out);
  return out;
}

Value keepDimsValue(Operation *reduce, Value input, ArrayRef<int64_t> axes, bool keepdims) {
  Value r = reduce->getResult(0);
  if (keepdims)
    return r;
  auto in = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> keep(in.getShape());
  for (int64_t a : normalizedAxes(axes, in.getRank()))
    keep[a] = 1;
  for (Operation *u : r.getUsers())
    if (auto rs = dyn_cast<ReshapeOp>(u))
      if (rs.getType().getShape() == ArrayRef<int64_t>(keep))
        return rs.getResult();
  return {};
}

std::string shapeOf(Value v) {
  if (auto t = dyn_cast<RankedTensorType>(v.getType()))
    return formatShape(t.getShape());
  return "?";
}

std::string describe(Operation *op) {
  return "'" + op->getName().getStringRef().str() + "' at " + fusionNodeName(op->getLoc());
}

std::string describe(Value v) {
  if (!v)
    return "nothing";
  if (Operation *op = v.getDefiningOp())
    return describe(op);
  return "block argument " + std::to_string(cast<BlockArgument>(v).getArgNumber());
}

std::string formatList(ArrayRef<int64_t> values) { return formatShape(values); }

void SiteRecorder::fused(Location loc, StringRef pattern) {
  if (enabled_)
    fused_.push_back({loc, pattern.str()});
}

LogicalResult SiteRecorder::miss(Operation *anchor, StringRef pattern, Operation *at,
                                 const Twine &reason) {
  if (enabled_)
    misses_.insert_or_assign({anchor, pattern.str()},
                             Miss{anchor->getName().getStringRef().str(),
                                  (at ? at : anchor)->getLoc(), reason.str()});
  return failure();
}

void SiteRecorder::clear(Operation *anchor, StringRef pattern) {
  misses_.erase({anchor, pattern.str()});
}

void SiteRecorder::emit(Operation *root) {
  if (!enabled_)
    return;
  for (auto &[loc, pattern] : fused_)
    mlir::emitRemark(loc) << "fusion: fused " << pattern;
  llvm::DenseSet<Operation *> live;
  root->walk([&](Operation *op) { live.insert(op); });
  for (auto &[key, m] : misses_)
    if (live.contains(key.first) && key.first->getName().getStringRef() == m.opName)
      mlir::emitRemark(m.loc) << "fusion: " << key.second << " not fused: " << m.reason;
  fused_.clear();
  misses_.clear();
}

} // namespace mlir::attune::fusion
