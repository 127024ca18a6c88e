//===- PrepackBF16.cpp - bf16 pair panels for --dtype bf16 ---------------===//
//
//   %w = attune.weight @"W@P48" : tensor<KxNxf32>        (f32 panels, PrepackWeights.cpp)
//   %y = attune.matmul %x, %w : (f32, f32) -> f32
//     ==>
//   %w = attune.weight @"W@B48" : tensor<KxNxbf16>       (bf16 pair panels)
//   %y = attune.matmul %x, %w : (f32, bf16) -> f32       (mixed form: x rounded
//                                                         to bf16, f32 sums)
//
// Runs after prepackWeights, on exactly the weights it stored in the f32
// micro-kernel's panel layout (so only GEMMs the micro-kernel lowers change
// precision; attention, norms, activations stay f32). The register-tile
// width nr is read from the "@P<nr>" suffix, whoever chose it. Panel p of
// the new weight holds columns [p nr, (p+1) nr) in the order vdpbf16ps
// reads them (codegen/lib/LLVMCPU/MicroKernelBF16.cpp):
//
//   Q[p][k nr + 2 j + (k & 1)] = bf16(B[k][p nr + j])   k < K - K % 2
//   Q[p][(K - 1) nr + j]       = bf16(B[K - 1][p nr + j]) odd K: last row
//
// so the weight keeps K x N elements (half the bytes of f32). Rounding is
// to nearest even (NaN stays NaN), as arith.truncf and vcvtneps2bf16 do.
//
//===----------------------------------------------------------------------===//
#include "attune/Tools/CompileDriver.h"

#include "attune/IR/AttuneOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"
#include <cstring>

using namespace mlir;
using namespace mlir::attune;

namespace attune {

uint16_t roundToBF16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  if ((bits & 0x7fffffffu) > 0x7f800000u) // NaN: keep it quiet and a NaN
    return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

int convertPanelsToBF16(func::FuncOp fn, WeightTable &table) {
  llvm::MapVector<StringAttr, SmallVector<WeightOp>> byName;
  fn.walk([&](WeightOp w) { byName[w.getNameAttr().getAttr()].push_back(w); });
  OpBuilder b(fn.getContext());
  int converted = 0;
  for (auto &[name, ops] : byName) {
    StringRef s = name.getValue();
    size_t at = s.rfind("@P");
    int64_t nr = 0;
    if (at == StringRef::npos || s.substr(at + 2).getAsInteger(10, nr) || nr <= 0)
      continue;
    // The bf16 kernels take whole 16-lane vdpbf16ps / AMX columns; panels of
    // the 8-wide f32 micro-kernel (N a multiple of 8 only) stay f32.
    if (nr % 16 != 0)
      continue;
    auto type = cast<RankedTensorType>(ops.front().getType());
    const WeightTable::Entry *e = table.find(s.str());
    if (type.getRank() != 2 || !type.getElementType().isF32() || !e ||
        e->type != ElementType::F32)
      continue;
    int64_t k = type.getDimSize(0), n = type.getDimSize(1);
    if (n % nr != 0 || e->shape != std::vector<int64_t>{k, n})
      continue;
    // The f32 panels are [N/nr][K][nr].
    const float *src = reinterpret_cast<const float *>(e->data);
    std::vector<uint8_t> bytes(static_cast<size_t>(k * n) * sizeof(uint16_t));
    uint16_t *dst = reinterpret_cast<uint16_t *>(bytes.data());
    int64_t pairs = k - k % 2;
    for (int64_t p = 0; p < n / nr; ++p) {
      const float *panel = src + p * k * nr;
      uint16_t *out = dst + p * k * nr;
      for (int64_t r = 0; r < pairs; ++r)
        for (int64_t j = 0; j < nr; ++j)
          out[(r & ~int64_t(1)) * nr + 2 * j + (r & 1)] = roundToBF16(panel[r * nr + j]);
      if (k % 2)
        for (int64_t j = 0; j < nr; ++j)
          out[(k - 1) * nr + j] = roundToBF16(panel[(k - 1) * nr + j]);
    }
    std::string newName = s.substr(0, at).str() + "@B" + std::to_string(nr);
    table.addOwned(WeightTable::Entry{newName, ElementType::BF16, {k, n}, nullptr, 0},
                   std::move(bytes));
    auto newType = RankedTensorType::get({k, n}, b.getBF16Type());
    for (WeightOp w : ops) {
      b.setInsertionPoint(w);
      auto nw = b.create<WeightOp>(w.getLoc(), newType,
                                   FlatSymbolRefAttr::get(b.getContext(), newName));
      w->replaceAllUsesWith(nw);
      w.erase();
    }
    ++converted;
  }
  return converted;
}

} // namespace attune
