//===- PrepackWeights.cpp - compile-time weight layout changes ------------===//
//
//   %w = attune.weight @W : tensor<NxKxf32>             (Hugging Face Linear: [out, in])
//   %y = attune.matmul %x, %w {transpose_b}      ==>   %wt = attune.weight @"W@T" : tensor<KxNxf32>
//                                                      %y  = attune.matmul %x, %wt
// (the same for attune.fused_matmul)
//
// Weights are compile-time constants, so a weight read only as a transposed
// matmul operand is stored transposed in the library's weights blob: the
// kernels then read B rows contiguously (unit stride along N, which the
// vector tiles run along) instead of gathering one element per row.
// A weight with any other use (e.g. a tied embedding table) is left alone.
//
// Then every f32 weight [K, N] read only as a (non-transposed) matmul rhs,
// with N a multiple of the vector width, is stored in the register-blocked
// micro-kernel's panel layout (attune/Codegen/MicroKernel.h): [N/nr][K][nr],
// nr the kernel's register-tile width for N. Its IR type stays [K, N] (the
// logical shape); the name gets the suffix "@P<nr>", which tells the
// micro-kernel how the bytes are laid out. Nothing else may read such a
// weight: attune-vectorize fails the compile if anything but a micro-kernel
// does (never a silent wrong answer).
//
//===----------------------------------------------------------------------===//
#include "attune/Tools/CompileDriver.h"

#include "attune/Codegen/KernelConfig.h"
#include "attune/Codegen/MicroKernel.h"
#include "attune/IR/AttuneOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"
#include <cstring>

using namespace mlir;
using namespace mlir::attune;

namespace attune {

/// `use` is the rhs of an attune.matmul / attune.fused_matmul with the given
/// transpose_b.
static bool isMatmulRhs(OpOperand &use, bool transposed) {
  if (use.getOperandNumber() != 1)
    return false;
  if (auto mm = dyn_cast<MatmulOp>(use.getOwner()))
    return mm.getTransposeB() == transposed;
  if (auto fm = dyn_cast<FusedMatmulOp>(use.getOwner()))
    return fm.getTransposeB() == transposed;
  return false;
}

static void dropTransposeB(Operation *op) {
  if (auto mm = dyn_cast<MatmulOp>(op))
    mm.removeTransposeBAttr();
  else if (auto fm = dyn_cast<FusedMatmulOp>(op))
    fm.removeTransposeBAttr();
}

static void packPanels(func::FuncOp fn, WeightTable &table, int64_t vectorWidth);

void prepackWeights(func::FuncOp fn, WeightTable &table, int64_t vectorWidth) {
  // Every weight op per name, and whether all uses are transposed matmul rhs.
  llvm::MapVector<StringAttr, SmallVector<WeightOp>> byName;
  fn.walk([&](WeightOp w) { byName[w.getNameAttr().getAttr()].push_back(w); });
  OpBuilder b(fn.getContext());
  for (auto &[name, ops] : byName) {
    auto type = cast<RankedTensorType>(ops.front().getType());
    if (type.getRank() != 2 || !type.getElementType().isF32())
      continue;
    bool onlyTransposedRhs = llvm::all_of(ops, [](WeightOp w) {
      return !w->use_empty() && llvm::all_of(w->getUses(), [](OpOperand &use) {
        return isMatmulRhs(use, /*transposed=*/true);
      });
    });
    const WeightTable::Entry *e = table.find(name.str());
    if (!onlyTransposedRhs || !e || e->type != ElementType::F32 ||
        e->shape != std::vector<int64_t>{type.getDimSize(0), type.getDimSize(1)})
      continue;
    int64_t n = type.getDimSize(0), k = type.getDimSize(1);
    std::vector<uint8_t> bytes(e->nbytes);
    const float *src = reinterpret_cast<const float *>(e->data);
    float *dst = reinterpret_cast<float *>(bytes.data());
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < k; ++j)
        dst[j * n + i] = src[i * k + j];
    std::string newName = name.str() + "@T";
    table.addOwned(WeightTable::Entry{newName, ElementType::F32, {k, n}, nullptr, 0},
                   std::move(bytes));
    auto newType = RankedTensorType::get({k, n}, type.getElementType());
    for (WeightOp w : ops) {
      b.setInsertionPoint(w);
      auto nw = b.create<WeightOp>(w.getLoc(), newType, FlatSymbolRefAttr::get(b.getContext(), newName));
      for (OpOperand &use : llvm::make_early_inc_range(w->getUses())) {
        Operation *owner = use.getOwner();
        use.set(nw);
        dropTransposeB(owner);
      }
      w.erase();
    }
  }
  if (vectorWidth > 0)
    packPanels(fn, table, vectorWidth);
}

/// The panel width every reader of a weight [K, n] needs: the nr of its
/// attune.config (tuning records) or the heuristic's; 0 when the readers
/// disagree or cannot use panels (the weight then stays row-major).
static int64_t panelWidthOfReaders(ArrayRef<WeightOp> ops, int64_t n, int64_t vectorWidth) {
  int64_t nr = -1;
  for (WeightOp w : ops)
    for (OpOperand &use : w->getUses()) {
      std::optional<MicroKernelConfig> cfg = getMicroKernelConfig(use.getOwner());
      int64_t mine = cfg ? cfg->nr
                         : (n % vectorWidth == 0 ? chooseRegisterTile(n, vectorWidth).nr : 0);
      if (mine <= 0 || n % mine != 0 || (nr >= 0 && nr != mine))
        return 0;
      nr = mine;
    }
  return nr;
}

static void packPanels(func::FuncOp fn, WeightTable &table, int64_t vectorWidth) {
  llvm::MapVector<StringAttr, SmallVector<WeightOp>> byName;
  fn.walk([&](WeightOp w) { byName[w.getNameAttr().getAttr()].push_back(w); });
  OpBuilder b(fn.getContext());
  for (auto &[name, ops] : byName) {
    auto type = cast<RankedTensorType>(ops.front().getType());
    if (type.getRank() != 2 || !type.getElementType().isF32())
      continue;
    int64_t k = type.getDimSize(0), n = type.getDimSize(1);
    bool onlyRhs = llvm::all_of(ops, [](WeightOp w) {
      return !w->use_empty() && llvm::all_of(w->getUses(), [](OpOperand &use) {
        return isMatmulRhs(use, /*transposed=*/false) &&
               getElementTypeOrSelf(use.getOwner()->getOperand(0).getType()).isF32();
      });
    });
    const WeightTable::Entry *e = table.find(name.str());
    if (!onlyRhs || !e || e->type != ElementType::F32 || e->shape != std::vector<int64_t>{k, n})
      continue;
    int64_t nr = panelWidthOfReaders(ops, n, vectorWidth);
    if (nr <= 0)
      continue;
    std::vector<uint8_t> bytes(e->nbytes);
    const float *src = reinterpret_cast<const float *>(e->data);
    float *dst = reinterpret_cast<float *>(bytes.data());
    for (int64_t p = 0; p < n / nr; ++p)
      for (int64_t r = 0; r < k; ++r)
        std::memcpy(dst + (p * k + r) * nr, src + r * n + p * nr, nr * sizeof(float));
    std::string newName = name.str() + "@P" + std::to_string(nr);
    table.addOwned(WeightTable::Entry{newName, ElementType::F32, {k, n}, nullptr, 0},
                   std::move(bytes));
    for (WeightOp w : ops) {
      b.setInsertionPoint(w);
      auto nw = b.create<WeightOp>(w.getLoc(), type, FlatSymbolRefAttr::get(b.getContext(), newName));
      w->replaceAllUsesWith(nw);
      w.erase();
    }
  }
}

} // namespace attune
