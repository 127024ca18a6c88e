//===- WeightsToArgs.cpp - attune.weight -> leading function arguments ----===//
//
// Replaces every attune.weight in the entry function by a block argument that
// the runtime fills with a pointer into the weights blob. Distinct names get
// distinct arguments, in order of first use.
//
//===----------------------------------------------------------------------===//
#include "attune/IR/AttuneOps.h"
#include "attune/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"

namespace mlir::attune {
#define GEN_PASS_DEF_WEIGHTSTOARGSPASS
#include "attune/Transforms/Passes.h.inc"

namespace {
struct WeightsToArgsPass : impl::WeightsToArgsPassBase<WeightsToArgsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>(kEntryFunctionName);
    if (!func) {
      module.emitError("attune-weights-to-args: expected an entry function @")
          << kEntryFunctionName;
      return signalPassFailure();
    }
    llvm::MapVector<StringAttr, SmallVector<WeightOp>> byName;
    func.walk([&](WeightOp op) { byName[op.getNameAttr().getAttr()].push_back(op); });
    OpBuilder b(func);
    if (byName.empty()) {
      func->setAttr("attune.num_weights", b.getI64IntegerAttr(0));
      return;
    }

    Block &entry = func.getBody().front();
    SmallVector<Type> newInputs;
    SmallVector<Location> locs;
    unsigned index = 0;
    for (auto &[name, ops] : byName) {
      Type type = ops.front().getType();
      for (WeightOp op : ops)
        if (op.getType() != type) {
          op.emitError("weight @") << name.getValue() << ": used with type " << op.getType()
                                   << " and " << type;
          return signalPassFailure();
        }
      BlockArgument arg = entry.insertArgument(index, type, ops.front().getLoc());
      for (WeightOp op : ops) {
        op.getResult().replaceAllUsesWith(arg);
        op.erase();
      }
      ++index;
    }
    // Rebuild the function type and argument attributes.
    SmallVector<Type> inputs(entry.getArgumentTypes());
    SmallVector<DictionaryAttr> argAttrs;
    index = 0;
    for (auto &[name, ops] : byName) {
      (void)ops;
      argAttrs.push_back(b.getDictionaryAttr(b.getNamedAttr(kWeightArgAttr, name)));
      ++index;
    }
    for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
      argAttrs.push_back(func.getArgAttrDict(i) ? func.getArgAttrDict(i) : b.getDictionaryAttr({}));
    func.setType(FunctionType::get(func.getContext(), inputs, func.getResultTypes()));
    func.setAllArgAttrs(argAttrs);
    func->setAttr("attune.num_weights", b.getI64IntegerAttr(index));
  }
};
} // namespace
} // namespace mlir::attune
