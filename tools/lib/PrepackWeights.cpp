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
// A weight with other uses too (a tied embedding table) keeps those on the
// original; its matmul uses read the transposed copy.
//
// A weight [K, N] read only as a matmul rhs whose N (>= 64) is not a multiple
// of 8 -- a vocabulary head -- is stored zero-padded to the next multiple of
// 48 columns ("@N<Np>"); its matmuls compute the padded width and an
// attune.slice keeps N (padOddColumns).
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
#include "llvm/ADT/SetVector.h"
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

/// `use` is the rhs of a non-transposed matmul whose lhs is f32: the reads
/// the f32 micro-kernel makes of a [K, N] weight.
static bool isF32MatmulRhs(OpOperand &use) {
  return isMatmulRhs(use, /*transposed=*/false) &&
         getElementTypeOrSelf(use.getOwner()->getOperand(0).getType()).isF32();
}

/// Every op of `ops` has uses, and all of them satisfy `pred`.
template <typename Pred>
static bool allUses(ArrayRef<WeightOp> ops, Pred pred) {
  return llvm::all_of(ops, [&](WeightOp w) {
    return !w->use_empty() && llvm::all_of(w->getUses(), pred);
  });
}

static void dropTransposeB(Operation *op) {
  if (auto mm = dyn_cast<MatmulOp>(op))
    mm.removeTransposeBAttr();
  else if (auto fm = dyn_cast<FusedMatmulOp>(op))
    fm.removeTransposeBAttr();
}

static void packPanels(func::FuncOp fn, WeightTable &table, int64_t vectorWidth);
static void padOddColumns(func::FuncOp fn, WeightTable &table);

void prepackWeights(func::FuncOp fn, WeightTable &table, int64_t vectorWidth) {
  // Every weight op per name; its transposed-matmul-rhs uses get a transposed copy.
  llvm::MapVector<StringAttr, SmallVector<WeightOp>> byName;
  fn.walk([&](WeightOp w) { byName[w.getNameAttr().getAttr()].push_back(w); });
  OpBuilder b(fn.getContext());
  for (auto &[name, ops] : byName) {
    auto type = cast<RankedTensorType>(ops.front().getType());
    if (type.getRank() != 2 || !type.getElementType().isF32())
      continue;
    // The transposed-rhs uses move to a transposed copy. A weight with other
    // uses too (a tied embedding table: BERT's masked-LM decoder, GPT-2's LM
    // head) keeps them on the original: the library then holds both layouts,
    // which costs the table's size once more but puts the vocabulary
    // projection, the largest GEMM of such models, on the micro-kernel.
    bool anyTransposedRhs = llvm::any_of(ops, [](WeightOp w) {
      return llvm::any_of(w->getUses(),
                          [](OpOperand &use) { return isMatmulRhs(use, /*transposed=*/true); });
    });
    const WeightTable::Entry *e = table.find(name.str());
    if (!anyTransposedRhs || !e || e->type != ElementType::F32 ||
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
        if (!isMatmulRhs(use, /*transposed=*/true))
          continue;
        Operation *owner = use.getOwner();
        use.set(nw);
        dropTransposeB(owner);
      }
      if (nw->use_empty()) // an op of this name with no transposed-rhs use
        nw.erase();
      if (w->use_empty())
        w.erase();
    }
  }
  if (vectorWidth > 0) {
    padOddColumns(fn, table);
    packPanels(fn, table, vectorWidth);
  }
}

/// The panel multiple odd-N weights are padded to: 48, the 8 x 48 register
/// tile's width (and a multiple of 16).
constexpr int64_t kPadColumns = 48;
/// Weights with fewer columns are not padded (the generic path is fine).
constexpr int64_t kMinPaddedColumns = 64;

/// A weight [K, N] read only as the rhs of f32 matmuls, N not a multiple of 8
/// (a vocabulary projection: BERT's 30522, GPT-2's 50257 columns), is stored
/// with N padded to Np, the next multiple of 48, with zero columns: its
/// matmuls compute [.., Np] and an attune.slice keeps [.., N]. Without it the
/// GEMM takes the generic vectorized path (128 x 30522 x 768: ~0.7 s on 2
/// threads). A fused_matmul qualifies if its bias is absent or a weight [N]
/// (padded alike) and it has no residual; an op with a tuning config does not
/// (the config is for N).
static void padOddColumns(func::FuncOp fn, WeightTable &table) {
  llvm::MapVector<StringAttr, SmallVector<WeightOp>> byName;
  fn.walk([&](WeightOp w) { byName[w.getNameAttr().getAttr()].push_back(w); });
  OpBuilder b(fn.getContext());
  llvm::SetVector<Operation *> maybeDead;
  for (auto &[name, ops] : byName) {
    auto type = cast<RankedTensorType>(ops.front().getType());
    if (type.getRank() != 2 || !type.getElementType().isF32())
      continue;
    int64_t k = type.getDimSize(0), n = type.getDimSize(1);
    const WeightTable::Entry *e = table.find(name.str());
    if (n % 8 == 0 || n < kMinPaddedColumns || !e || e->type != ElementType::F32 ||
        e->shape != std::vector<int64_t>{k, n})
      continue;
    auto biasOf = [](Operation *op) -> Value {
      auto fm = dyn_cast<FusedMatmulOp>(op);
      return fm ? fm.getBias() : Value();
    };
    bool ok = allUses(ops, [&](OpOperand &use) {
      Operation *op = use.getOwner();
      if (!isF32MatmulRhs(use) || op->hasAttr(kConfigAttr))
        return false;
      if (auto fm = dyn_cast<FusedMatmulOp>(op)) {
        if (fm.getResidual())
          return false;
        if (Value bias = fm.getBias()) {
          auto bw = bias.getDefiningOp<WeightOp>();
          auto bt = cast<RankedTensorType>(bias.getType());
          const WeightTable::Entry *be =
              bw ? table.find(bw.getNameAttr().getAttr().str()) : nullptr;
          if (!bw || bt.getShape() != ArrayRef<int64_t>{n} || !bt.getElementType().isF32() ||
              !be || be->type != ElementType::F32 || be->shape != std::vector<int64_t>{n})
            return false;
        }
      }
      return true;
    });
    if (!ok)
      continue;
    int64_t np = (n + kPadColumns - 1) / kPadColumns * kPadColumns;
    // A zero-padded copy of a row-major [rows, n] f32 entry as [rows, np].
    auto padded = [&](const WeightTable::Entry *src, int64_t rows, std::vector<int64_t> shape) {
      std::string newName = src->name + "@N" + std::to_string(np);
      if (!table.find(newName)) {
        std::vector<uint8_t> bytes(static_cast<size_t>(rows * np) * sizeof(float), 0);
        const float *from = reinterpret_cast<const float *>(src->data);
        float *to = reinterpret_cast<float *>(bytes.data());
        for (int64_t r = 0; r < rows; ++r)
          std::memcpy(to + r * np, from + r * n, n * sizeof(float));
        table.addOwned(WeightTable::Entry{newName, ElementType::F32, std::move(shape), nullptr, 0},
                       std::move(bytes));
      }
      return newName;
    };
    std::string wName = padded(e, k, {k, np});
    auto wType = RankedTensorType::get({k, np}, type.getElementType());
    auto bType = RankedTensorType::get({np}, type.getElementType());
    SmallVector<Operation *> users;
    for (WeightOp w : ops)
      for (Operation *u : w->getUsers())
        users.push_back(u);
    for (Operation *op : users) {
      Location loc = op->getLoc();
      b.setInsertionPoint(op);
      auto oldType = cast<RankedTensorType>(op->getResult(0).getType());
      SmallVector<int64_t> shape(oldType.getShape());
      shape.back() = np;
      auto newType = RankedTensorType::get(shape, oldType.getElementType());
      Value w = b.create<WeightOp>(loc, wType,
                                   FlatSymbolRefAttr::get(b.getContext(), wName));
      Operation *mm;
      if (auto fm = dyn_cast<FusedMatmulOp>(op)) {
        Value bias;
        if (Value oldBias = biasOf(op)) {
          auto bw = oldBias.getDefiningOp<WeightOp>();
          std::string bName = padded(table.find(bw.getNameAttr().getAttr().str()), 1, {np});
          bias = b.create<WeightOp>(loc, bType, FlatSymbolRefAttr::get(b.getContext(), bName));
        }
        mm = b.create<FusedMatmulOp>(loc, newType, fm.getLhs(), w, bias, Value(), UnitAttr(),
                                     fm.getActivationAttr());
      } else {
        mm = b.create<MatmulOp>(loc, newType, op->getOperand(0), w, UnitAttr());
      }
      for (NamedAttribute a : op->getDiscardableAttrs())
        mm->setAttr(a.getName(), a.getValue());
      SmallVector<int64_t> zeros(shape.size(), 0), ones(shape.size(), 1);
      Value sliced = b.create<SliceOp>(loc, oldType, mm->getResult(0),
                                       b.getDenseI64ArrayAttr(zeros),
                                       b.getDenseI64ArrayAttr(oldType.getShape()),
                                       b.getDenseI64ArrayAttr(ones));
      op->getResult(0).replaceAllUsesWith(sliced);
      if (Value oldBias = biasOf(op))
        maybeDead.insert(oldBias.getDefiningOp());
      op->erase();
    }
    for (WeightOp w : ops)
      maybeDead.insert(w);
  }
  // Erased only now: a bias weight op may be a later entry of byName.
  for (Operation *op : maybeDead)
    if (op->use_empty())
      op->erase();
}

/// The panel width every reader of a weight [K, n] needs: the nr of its
/// attune.config (tuning records) or the heuristic's; 0 when the readers
/// disagree or cannot use panels (the weight then stays row-major).
static int64_t panelWidthOfReaders(ArrayRef<WeightOp> ops, int64_t n, int64_t vectorWidth) {
  int64_t nr = -1;
  int64_t width = microKernelWidth(n, vectorWidth);
  int64_t heuristicNr = n % width == 0 ? chooseRegisterTile(n, width).nr : 0;
  for (WeightOp w : ops)
    for (OpOperand &use : w->getUses()) {
      std::optional<MicroKernelConfig> cfg = getMicroKernelConfig(use.getOwner());
      int64_t mine = cfg ? cfg->nr : heuristicNr;
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
    bool onlyRhs = allUses(ops, isF32MatmulRhs);
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
