//===- PlanMemory.cpp - compile-time buffer plan by liveness --------------===//
//
// See PlanMemoryPass in Passes.td. After buffer-deallocation every temporary
// of a model's entry function is a top-level
//
//   %a = memref.alloc() : memref<1x128x768xf32>
//   ...                                  (uses, also through views, in loops)
//   memref.dealloc %a                    (at the end of the block)
//
// Its live range is the interval of the entry block's op order from the alloc
// to the last op that uses it or an alias (lastUse below). Intervals
// are packed into one arena (first fit, largest buffer first):
//
//   %arena = memref.alloc() {alignment = 64} : memref<Nxi8>
//   %a = memref.view %arena[%offset][] : memref<Nxi8> to memref<1x128x768xf32>
//   ...
//   memref.dealloc %arena                (before the return)
//
//===----------------------------------------------------------------------===//
#include "attune/Codegen/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLExtras.h"

namespace mlir::attune {
#define GEN_PASS_DEF_PLANMEMORYPASS
#include "attune/Codegen/Passes.h.inc"

namespace {

constexpr int64_t kAlignment = 64;

struct Buffer {
  memref::AllocOp alloc;
  memref::DeallocOp dealloc;
  int64_t bytes = 0, begin = 0, end = 0, offset = -1;
};

int64_t roundUp(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

/// Size in bytes of a plannable allocation, or nullopt.
std::optional<int64_t> plannableBytes(memref::AllocOp alloc) {
  MemRefType t = alloc.getType();
  if (!t.hasStaticShape() || !t.getLayout().isIdentity() || t.getMemorySpace() ||
      !alloc.getDynamicSizes().empty() || !alloc.getSymbolOperands().empty())
    return std::nullopt;
  if (!t.getElementType().isIntOrIndexOrFloat() || isa<IndexType>(t.getElementType()))
    return std::nullopt;
  int64_t bits = t.getElementTypeBitWidth();
  if (bits % 8 != 0)
    return std::nullopt; // i1 and friends: their byte layout is the lowering's choice
  if (auto align = alloc.getAlignment(); align && kAlignment % *align != 0)
    return std::nullopt;
  return t.getNumElements() * (bits / 8);
}

/// Position (in `body`) of the last top-level op that uses `alloc` or any
/// value that may alias it, ignoring `dealloc`; nullopt if it escapes.
/// Ownership-based buffer deallocation frees buffers at the end of the
/// block, not after their last use, so the live range is computed here.
/// Aliases: every memref result of a user (views, casts, calls, ...), and
/// the memref results of the op whose region a user terminates (yields).
std::optional<int64_t> lastUse(memref::AllocOp alloc, memref::DeallocOp dealloc, Block &body,
                               const DenseMap<Operation *, int64_t> &position) {
  int64_t last = -1;
  SmallVector<Value> worklist{alloc.getResult()};
  DenseSet<Value> seen{alloc.getResult()};
  auto addAliases = [&](ResultRange results) {
    for (Value r : results)
      if (isa<BaseMemRefType>(r.getType()) && seen.insert(r).second)
        worklist.push_back(r);
  };
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (user == dealloc.getOperation())
        continue;
      if (isa<func::ReturnOp>(user))
        return std::nullopt;
      Operation *top = body.findAncestorOpInBlock(*user);
      if (!top)
        return std::nullopt;
      last = std::max(last, position.lookup(top));
      addAliases(user->getResults());
      if (user->hasTrait<OpTrait::IsTerminator>())
        if (Operation *parent = user->getParentOp(); parent && parent != body.getParentOp())
          addAliases(parent->getResults());
    }
  }
  return last;
}

/// The one memref.dealloc of `alloc`, if it has exactly one and that one is
/// in `block`; else null (freed conditionally or elsewhere).
memref::DeallocOp soleDeallocIn(memref::AllocOp alloc, Block *block) {
  memref::DeallocOp dealloc;
  for (Operation *user : alloc->getUsers())
    if (auto d = dyn_cast<memref::DeallocOp>(user)) {
      if (dealloc)
        return nullptr;
      dealloc = d;
    }
  return dealloc && dealloc->getBlock() == block ? dealloc : nullptr;
}

/// Stack space a parallel loop's iteration may take for its tile-local
/// buffers (each at most kMaxTileBufferBytes). Worker threads have the
/// default 8 MiB stack; a caller's thread may have less (Python threads,
/// 8 MiB by default too), so the budget stays small.
constexpr int64_t kMaxTileBufferBytes = 64 * 1024;
constexpr int64_t kMaxTileStackBytes = 128 * 1024;

/// Tile-local buffers -- allocated and freed in one iteration of an
/// scf.forall body (a fused layer norm's centered rows, its row sums;
/// attention's score tile) -- move to the stack: memref.alloca instead of a
/// malloc/free pair per tile. attune-outline-parallel-for brackets every
/// iteration with stacksave/stackrestore, so the stack does not grow with
/// the iterations. Buffers in loops nested inside the body stay on the heap.
void stackTileBuffers(func::FuncOp fn) {
  fn.walk([&](scf::ForallOp forall) {
    Block *body = forall.getBody();
    int64_t used = 0;
    for (auto alloc : llvm::make_early_inc_range(body->getOps<memref::AllocOp>())) {
      std::optional<int64_t> bytes = plannableBytes(alloc);
      if (!bytes || *bytes > kMaxTileBufferBytes ||
          used + roundUp(*bytes, kAlignment) > kMaxTileStackBytes)
        continue;
      memref::DeallocOp dealloc = soleDeallocIn(alloc, body);
      if (!dealloc)
        continue;
      used += roundUp(*bytes, kAlignment);
      OpBuilder b(alloc);
      auto alloca = b.create<memref::AllocaOp>(alloc.getLoc(), alloc.getType(),
                                               b.getI64IntegerAttr(kAlignment));
      dealloc.erase();
      alloc.replaceAllUsesWith(alloca.getResult());
      alloc.erase();
    }
  });
}

struct PlanMemoryPass : impl::PlanMemoryPassBase<PlanMemoryPass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (fn.isExternal() || !fn.getBody().hasOneBlock())
      return;
    stackTileBuffers(fn);
    Block &body = fn.getBody().front();
    DenseMap<Operation *, int64_t> position;
    int64_t index = 0;
    for (Operation &op : body)
      position[&op] = index++;

    SmallVector<Buffer> buffers;
    for (auto alloc : body.getOps<memref::AllocOp>()) {
      std::optional<int64_t> bytes = plannableBytes(alloc);
      if (!bytes)
        continue;
      memref::DeallocOp dealloc = soleDeallocIn(alloc, &body);
      if (!dealloc)
        continue; // freed conditionally or elsewhere: leave it to the runtime
      std::optional<int64_t> last = lastUse(alloc, dealloc, body, position);
      if (!last)
        continue; // escapes the function
      Buffer b;
      b.alloc = alloc;
      b.dealloc = dealloc;
      b.bytes = roundUp(std::max<int64_t>(*bytes, 1), kAlignment);
      b.begin = position[alloc];
      b.end = std::max(*last, b.begin);
      buffers.push_back(b);
    }
    if (buffers.empty())
      return;

    // Largest first; each at the lowest offset free over its whole interval.
    SmallVector<Buffer *> order;
    for (Buffer &b : buffers)
      order.push_back(&b);
    llvm::stable_sort(order, [](Buffer *a, Buffer *b) {
      return a->bytes != b->bytes ? a->bytes > b->bytes : a->begin < b->begin;
    });
    SmallVector<Buffer *> placed;
    int64_t arenaBytes = 0, unplannedBytes = 0;
    for (Buffer *b : order) {
      SmallVector<Buffer *> overlapping;
      for (Buffer *p : placed)
        if (p->begin <= b->end && b->begin <= p->end)
          overlapping.push_back(p);
      llvm::sort(overlapping, [](Buffer *x, Buffer *y) { return x->offset < y->offset; });
      int64_t offset = 0;
      for (Buffer *p : overlapping) {
        if (offset + b->bytes <= p->offset)
          break;
        offset = std::max(offset, p->offset + p->bytes);
      }
      b->offset = offset;
      placed.push_back(b);
      arenaBytes = std::max(arenaBytes, offset + b->bytes);
      unplannedBytes += b->bytes;
    }

    OpBuilder builder(&getContext());
    builder.setInsertionPointToStart(&body);
    Location loc = fn.getLoc();
    auto arenaType = MemRefType::get({arenaBytes}, builder.getI8Type());
    Value arena = builder.create<memref::AllocOp>(loc, arenaType,
                                                  builder.getI64IntegerAttr(kAlignment));
    for (Buffer &b : buffers) {
      builder.setInsertionPoint(b.alloc);
      Value offset = builder.create<arith::ConstantIndexOp>(b.alloc.getLoc(), b.offset);
      Value view = builder.create<memref::ViewOp>(b.alloc.getLoc(), b.alloc.getType(), arena,
                                                  offset, ValueRange{});
      b.dealloc.erase();
      b.alloc.replaceAllUsesWith(view);
      b.alloc.erase();
    }
    builder.setInsertionPoint(body.getTerminator());
    builder.create<memref::DeallocOp>(loc, arena);

    fn->setAttr("attune.memory_plan",
                builder.getDictionaryAttr({
                    builder.getNamedAttr("buffers", builder.getI64IntegerAttr(buffers.size())),
                    builder.getNamedAttr("unplanned_bytes",
                                         builder.getI64IntegerAttr(unplannedBytes)),
                    builder.getNamedAttr("arena_bytes", builder.getI64IntegerAttr(arenaBytes)),
                }));
  }
};

} // namespace
} // namespace mlir::attune
