//===- OutlineParallelFor.cpp - attune.parallel_for -> runtime task -------===//
//
// After conversion to the LLVM dialect:
//
//   llvm.func @main(...) {                llvm.func internal @main_par0(%ctx: !llvm.ptr,
//     attune.parallel_for 16 {                                        %begin: i64, %end: i64) {
//     ^bb0(%i: i64): <uses %a, %b>          %a = load ctx[0]; %b = load ctx[1]
//     }                           ==>       for %i in [begin, end) {
//   }                                         sp = stacksave; <body>; stackrestore sp
//                                           }
//                                         }
//   and at the op:  store %a, %b into a stack struct;
//                   call @attune_rt_parallel_for(@main_par0, %struct, 16)
//
// The stacksave/restore pair keeps per-iteration allocas (vector lowering
// temporaries) from growing the worker's stack across iterations; fixed-size
// allocas inside loops are also hoisted into the entry block of every
// function, so inner loops never grow the stack.
//
//===----------------------------------------------------------------------===//
#include "attune/Codegen/Passes.h"
#include "attune/IR/AttuneOps.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::attune {
#define GEN_PASS_DEF_OUTLINEPARALLELFORPASS
#include "attune/Codegen/Passes.h.inc"

namespace {

constexpr llvm::StringLiteral kRuntimeParallelFor = "attune_rt_parallel_for";

struct OutlineParallelForPass : impl::OutlineParallelForPassBase<OutlineParallelForPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    SmallVector<ParallelForOp> ops;
    module.walk([&](ParallelForOp op) { ops.push_back(op); });
    if (ops.empty())
      return;
    OpBuilder b(ctx);
    auto ptrTy = LLVM::LLVMPointerType::get(ctx);
    auto i64 = b.getI64Type();
    auto voidTy = LLVM::LLVMVoidType::get(ctx);
    auto rtFn = module.lookupSymbol<LLVM::LLVMFuncOp>(kRuntimeParallelFor);
    if (!rtFn) {
      b.setInsertionPointToStart(module.getBody());
      rtFn = b.create<LLVM::LLVMFuncOp>(
          module.getLoc(), kRuntimeParallelFor,
          LLVM::LLVMFunctionType::get(voidTy, {ptrTy, ptrTy, i64}));
    }
    llvm::StringMap<unsigned> counters;
    for (ParallelForOp op : ops) {
      auto parent = op->getParentOfType<LLVM::LLVMFuncOp>();
      if (!parent) {
        op.emitError("attune-outline-parallel-for: expected to run after conversion to LLVM");
        return signalPassFailure();
      }
      if (op->getParentOfType<ParallelForOp>()) {
        op.emitError("attune-outline-parallel-for: nested parallel loops are not supported");
        return signalPassFailure();
      }
      llvm::SetVector<Value> used, captured;
      getUsedValuesDefinedAbove(op.getBody(), used);
      // Constants (and undef/poison/zero/addresses) are re-created inside the
      // task instead of passed through the context struct: LLVM must see
      // them as constants (a splat's undef vector and lane index loaded from
      // memory cost four instructions per broadcast; constant loop bounds
      // and strides matter everywhere).
      SmallVector<Operation *> rematerialize;
      for (Value v : used) {
        Operation *def = v.getDefiningOp();
        if (def && def->getNumResults() == 1 && def->getNumOperands() == 0 &&
            def->getNumRegions() == 0 &&
            isa<LLVM::ConstantOp, LLVM::UndefOp, LLVM::PoisonOp, LLVM::ZeroOp,
                LLVM::AddressOfOp>(def))
          rematerialize.push_back(def);
        else
          captured.insert(v);
      }
      SmallVector<Type> types;
      for (Value v : captured) {
        if (!LLVM::isCompatibleType(v.getType())) {
          op.emitError("attune-outline-parallel-for: captured value of non-LLVM type ")
              << v.getType();
          return signalPassFailure();
        }
        types.push_back(v.getType());
      }
      auto structTy = LLVM::LLVMStructType::getLiteral(ctx, types);
      Location loc = op.getLoc();

      // The outlined task function.
      std::string name = (parent.getName() + "_par" +
                          std::to_string(counters[parent.getName()]++)).str();
      b.setInsertionPoint(parent);
      auto fn = b.create<LLVM::LLVMFuncOp>(
          loc, name, LLVM::LLVMFunctionType::get(voidTy, {ptrTy, i64, i64}),
          LLVM::Linkage::Internal);
      Block *entry = fn.addEntryBlock(b);
      Block *header = new Block();
      fn.getBody().push_back(header);
      Value iv = header->addArgument(i64, loc);
      Block *pre = new Block();
      fn.getBody().push_back(pre);

      IRMapping map;
      b.setInsertionPointToStart(entry);
      for (Operation *def : rematerialize)
        b.clone(*def, map);
      for (auto [i, v] : llvm::enumerate(captured)) {
        Value gep = b.create<LLVM::GEPOp>(loc, ptrTy, structTy, entry->getArgument(0),
                                          ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
        map.map(v, b.create<LLVM::LoadOp>(loc, types[i], gep));
      }
      b.create<LLVM::BrOp>(loc, ValueRange{entry->getArgument(1)}, header);

      unsigned firstBody = fn.getBody().getBlocks().size();
      op.getBody().cloneInto(&fn.getBody(), map);
      Block *bodyEntry = &*std::next(fn.getBody().begin(), firstBody);

      Block *latch = new Block();
      fn.getBody().push_back(latch);
      Block *exit = new Block();
      fn.getBody().push_back(exit);

      b.setInsertionPointToStart(header);
      Value more = b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::slt, iv, entry->getArgument(2));
      b.create<LLVM::CondBrOp>(loc, more, pre, exit);

      b.setInsertionPointToStart(pre);
      Value sp = b.create<LLVM::StackSaveOp>(loc, ptrTy);
      b.create<LLVM::BrOp>(loc, ValueRange{iv}, bodyEntry);

      b.setInsertionPointToStart(latch);
      b.create<LLVM::StackRestoreOp>(loc, sp);
      Value one = b.create<LLVM::ConstantOp>(loc, i64, b.getI64IntegerAttr(1));
      Value next = b.create<LLVM::AddOp>(loc, iv, one);
      b.create<LLVM::BrOp>(loc, ValueRange{next}, header);

      b.setInsertionPointToStart(exit);
      b.create<LLVM::ReturnOp>(loc, ValueRange{});

      SmallVector<ParallelYieldOp> yields;
      fn.walk([&](ParallelYieldOp y) { yields.push_back(y); });
      for (ParallelYieldOp y : yields) {
        b.setInsertionPoint(y);
        b.create<LLVM::BrOp>(y.getLoc(), ValueRange{}, latch);
        y.erase();
      }

      // The call site: context struct on the caller's stack.
      Block &parentEntry = parent.getBody().front();
      b.setInsertionPointToStart(&parentEntry);
      Value c1 = b.create<LLVM::ConstantOp>(loc, i64, b.getI64IntegerAttr(1));
      // No explicit alignment: LLVM uses the struct's preferred alignment, which
      // vector fields (64 bytes for vector<16xf32>) need.
      Value ctxPtr = b.create<LLVM::AllocaOp>(loc, ptrTy, structTy, c1, /*alignment=*/0);
      b.setInsertionPoint(op);
      for (auto [i, v] : llvm::enumerate(captured)) {
        Value gep = b.create<LLVM::GEPOp>(loc, ptrTy, structTy, ctxPtr,
                                          ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
        b.create<LLVM::StoreOp>(loc, v, gep);
      }
      Value fnPtr = b.create<LLVM::AddressOfOp>(loc, ptrTy, fn.getName());
      Value count = b.create<LLVM::ConstantOp>(loc, i64, op.getCountAttr());
      b.create<LLVM::CallOp>(loc, rtFn, ValueRange{fnPtr, ctxPtr, count});
      op.erase();
    }
    module.walk([](LLVM::LLVMFuncOp fn) { hoistConstantAllocas(fn); });
  }

  /// Moves fixed-size allocas out of loops into the entry block: a vector
  /// temporary allocated inside a k-loop would otherwise grow the stack on
  /// every iteration (LLVM frees allocas only at function exit) and overflow
  /// a worker's stack on large kernels.
  static void hoistConstantAllocas(LLVM::LLVMFuncOp fn) {
    if (fn.getBody().empty())
      return;
    Block &entry = fn.getBody().front();
    SmallVector<LLVM::AllocaOp> allocas;
    fn.walk([&](LLVM::AllocaOp a) {
      if (a->getBlock() != &entry && a.getArraySize().getDefiningOp<LLVM::ConstantOp>())
        allocas.push_back(a);
    });
    for (LLVM::AllocaOp a : allocas) {
      auto size = a.getArraySize().getDefiningOp<LLVM::ConstantOp>();
      OpBuilder b(&entry, entry.begin());
      auto newSize = b.create<LLVM::ConstantOp>(size.getLoc(), size.getType(), size.getValue());
      a.getArraySizeMutable().assign(newSize);
      a->moveAfter(newSize);
    }
  }
};

} // namespace
} // namespace mlir::attune
