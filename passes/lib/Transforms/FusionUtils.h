//===- FusionUtils.h - Matcher helpers shared by the fusion passes -*- C++ -*-===//
//
// Small, composable matchers over attune ops (constants with tolerance,
// commuted operands, keep-dims reductions, users of a value) and the
// SiteRecorder that turns each pass's fused and missed sites into the
// remarks FusionReport.h describes.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_PASSES_TRANSFORMS_FUSIONUTILS_H
#define ATTUNE_PASSES_TRANSFORMS_FUSIONUTILS_H

#include "attune/IR/AttuneOps.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/Twine.h"

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace mlir::attune::fusion {

/// The value of a constant whose elements are all equal (attune.constant,
/// splat or small dense), looking through reshape/expand/cast of it, and of
/// add/sub/mul/div/pow/sqrt of such constants (evaluated in double).
std::optional<double> splatValue(Value v);
/// Whether `v` is such a constant within |c - expected| <= rtol·|expected| + 1e-7.
bool isSplat(Value v, double expected, double rtol = 1e-3);

/// Elements of a (small) constant as doubles, looking through reshape,
/// expand (returns the unexpanded data and its shape) and cast.
std::optional<std::vector<double>> constantValues(Value v, SmallVectorImpl<int64_t> &shape);

template <typename OpT>
OpT def(Value v) {
  return v ? v.getDefiningOp<OpT>() : OpT();
}

/// The operand of binary `op` that is not `known` (null if `known` is not an
/// operand; `known` itself if both are).
Value otherOperand(Operation *op, Value known);

/// The first user of `v` of type OpT satisfying `pred`.
template <typename OpT>
OpT userOf(Value v, llvm::function_ref<bool(OpT)> pred = nullptr) {
  for (Operation *u : v.getUsers())
    if (auto op = dyn_cast<OpT>(u))
      if (!pred || pred(op))
        return op;
  return OpT();
}

/// Normalized, sorted axes (empty if one is out of range).
SmallVector<int64_t> normalizedAxes(ArrayRef<int64_t> axes, int64_t rank);

/// For a reduction `op` over `input`: its result if it keeps dims, else the
/// user reshape that restores the keep-dims shape; null if neither.
Value keepDimsValue(Operation *reduce, Value input, ArrayRef<int64_t> axes, bool keepdims);
/// The reduction of type OpT behind a keep-dims value (inverse of the above).
template <typename OpT>
OpT reductionBehind(Value v) {
  if (auto r = def<OpT>(v))
    return r.getKeepdims() ? r : OpT();
  if (auto rs = def<ReshapeOp>(v))
    if (auto r = def<OpT>(rs.getInput()))
      return r.getKeepdims() ? OpT() : r;
  return OpT();
}

/// "[1,8,64]" of a ranked tensor value.
std::string shapeOf(Value v);
/// "'attune.mul' at l0.gelu.x_times" / "block argument 2" for messages.
std::string describe(Value v);
std::string describe(Operation *op);
/// "[0,2,1,3]"
std::string formatList(ArrayRef<int64_t> values);

/// Collects one pass's fused and missed sites and emits them as remarks
/// ("fusion: fused P" / "fusion: P not fused: why") once the rewrites are
/// done. Misses are keyed by their anchor op: a later attempt on the same
/// anchor replaces the reason, a fusion clears it, and only anchors still
/// in the IR are reported (a site that fused on a later iteration is not a
/// miss).
class SiteRecorder {
public:
  explicit SiteRecorder(bool enabled) : enabled_(enabled) {}
  /// A fused site located at `loc`.
  void fused(Location loc, StringRef pattern);
  /// `pattern` did not fuse at `anchor`; `at` is the node the check failed
  /// on (its location is reported). Always returns failure().
  LogicalResult miss(Operation *anchor, StringRef pattern, Operation *at, const Twine &reason);
  /// Forget a miss at `anchor` (call before rewriting a fused site).
  void clear(Operation *anchor, StringRef pattern);
  /// Emits the remarks for everything recorded under `root`.
  void emit(Operation *root);

private:
  struct Miss {
    std::string opName;
    Location loc;
    std::string reason;
  };
  bool enabled_;
  std::vector<std::pair<Location, std::string>> fused_;
  using Key = std::pair<Operation *, std::string>;
  llvm::MapVector<Key, Miss, std::map<Key, unsigned>> misses_;
};

} // namespace mlir::attune::fusion

#endif
