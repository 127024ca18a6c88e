//===- ForallToParallelFor.cpp - scf.forall -> attune.parallel_for --------===//
//
//   scf.forall (%i, %j) = (0, 0) to (4, 8) step (1, 2) { body }
//     ->
//   attune.parallel_for 16 {
//   ^bb0(%n: i64):
//     %i = (%n / 4) % 4 * 1 + 0 ; %j = %n % 4 * 2 + 0
//     body
//     attune.parallel_yield
//   }
//
// Only outermost foralls run in parallel; nested ones become scf.for.
//
//===----------------------------------------------------------------------===//
#include "attune/Codegen/Passes.h"
#include "attune/IR/AttuneOps.h"

#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::attune {
#define GEN_PASS_DEF_FORALLTOPARALLELFORPASS
#include "attune/Codegen/Passes.h.inc"

namespace {

struct ForallToParallelForPass : impl::ForallToParallelForPassBase<ForallToParallelForPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    // Nested foralls -> scf.for (innermost first).
    SmallVector<scf::ForallOp> nested, outer;
    getOperation().walk<WalkOrder::PostOrder>([&](scf::ForallOp op) {
      (op->getParentOfType<scf::ForallOp>() ? nested : outer).push_back(op);
    });
    for (scf::ForallOp op : nested) {
      rewriter.setInsertionPoint(op);
      if (failed(scf::forallToForLoop(rewriter, op))) {
        op.emitError("attune-forall-to-parallel-for: cannot turn nested forall into scf.for");
        return signalPassFailure();
      }
    }
    for (scf::ForallOp op : outer)
      if (failed(convert(rewriter, op)))
        return signalPassFailure();
  }

  LogicalResult convert(IRRewriter &rewriter, scf::ForallOp op) {
    if (op.getNumResults() != 0)
      return op.emitError("attune-forall-to-parallel-for: expected a bufferized forall");
    auto lbs = getConstantIntValues(op.getMixedLowerBound());
    auto ubs = getConstantIntValues(op.getMixedUpperBound());
    auto steps = getConstantIntValues(op.getMixedStep());
    if (!lbs || !ubs || !steps)
      return op.emitError("attune-forall-to-parallel-for: expected static bounds");
    SmallVector<int64_t> trips;
    int64_t total = 1;
    for (size_t i = 0; i < lbs->size(); ++i) {
      int64_t t = ((*ubs)[i] - (*lbs)[i] + (*steps)[i] - 1) / (*steps)[i];
      trips.push_back(std::max<int64_t>(t, 0));
      total *= trips.back();
    }
    Location loc = op.getLoc();
    rewriter.setInsertionPoint(op);
    auto par = rewriter.create<ParallelForOp>(loc, rewriter.getI64IntegerAttr(total));
    Block *block = rewriter.createBlock(&par.getBody(), {}, {rewriter.getI64Type()}, {loc});
    rewriter.setInsertionPointToStart(block);
    Value n = rewriter.create<arith::IndexCastOp>(loc, rewriter.getIndexType(), block->getArgument(0));
    SmallVector<Value> ivs;
    int64_t stride = total;
    for (size_t i = 0; i < trips.size(); ++i) {
      stride = trips[i] ? stride / trips[i] : 0;
      Value v = n;
      if (stride > 1)
        v = rewriter.create<arith::DivUIOp>(loc, v, rewriter.create<arith::ConstantIndexOp>(loc, stride));
      if (i > 0)
        v = rewriter.create<arith::RemUIOp>(loc, v,
                                            rewriter.create<arith::ConstantIndexOp>(loc, trips[i]));
      if ((*steps)[i] != 1)
        v = rewriter.create<arith::MulIOp>(loc, v,
                                           rewriter.create<arith::ConstantIndexOp>(loc, (*steps)[i]));
      if ((*lbs)[i] != 0)
        v = rewriter.create<arith::AddIOp>(loc, v,
                                           rewriter.create<arith::ConstantIndexOp>(loc, (*lbs)[i]));
      ivs.push_back(v);
    }
    Block *body = op.getBody();
    rewriter.eraseOp(body->getTerminator());
    rewriter.inlineBlockBefore(body, block, block->end(), ivs);
    rewriter.setInsertionPointToEnd(block);
    rewriter.create<ParallelYieldOp>(loc);
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace
} // namespace mlir::attune
