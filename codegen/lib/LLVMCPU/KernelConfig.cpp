//===- KernelConfig.cpp - per-kernel code generation configs --------------===//
//
// See KernelConfig.h. heuristicMicroKernelConfig is the former inline logic
// of TileAndDistribute (split N first, then M) and MicroKernel (register tile
// by N, kc for deep K), unchanged.
//
//===----------------------------------------------------------------------===//
#include "attune/Codegen/KernelConfig.h"
#include "attune/Codegen/MicroKernel.h"

#include "mlir/IR/Builders.h"

namespace mlir::attune {

int64_t largestDivisorAtMost(int64_t d, int64_t limit) {
  for (int64_t t = std::min(d, limit); t > 1; --t)
    if (d % t == 0)
      return t;
  return 1;
}

int64_t smallestDivisorAtLeast(int64_t d, int64_t need) {
  for (int64_t q = std::max<int64_t>(need, 1); q < d; ++q)
    if (d % q == 0)
      return q;
  return d;
}

int64_t heuristicKc(int64_t m, int64_t k) {
  // Few rows: each element of B feeds only m FMAs, and the kernel waits on
  // B. A K block of <= 128 keeps a kc x nr block of B in L1 across the row
  // blocks (24 KiB at nr = 48). Paired trials, 2 threads, cold weights
  // (docs/architecture.md, K blocks): 32 x 768 x 768 0.86-0.89x the time of kc = 768,
  // 1 x 768 x 768 0.85x, 32 x 768 x 3072 0.94x of kc = 384, 128 x 768 x 768
  // 0.93-0.95x, 128 x 3072 x 768 0.86-0.96x; but 128 x 768 x 3072 1.04-1.06x
  // of kc = 384, and no gain from 384 rows up (384 x 768 x 768 1.00x,
  // 8 x 128 x 768 x 768 0.99x).
  if (k < 256)
    return k;
  int64_t limit = k > 1024 ? (m <= 32 ? 128 : 384) : (m <= 128 ? 128 : k);
  if (k <= limit)
    return k;
  for (int64_t d = limit; d >= 64; --d)
    if (k % d == 0)
      return d;
  return k;
}

int64_t heuristicNc(int64_t nChunk, int64_t nr, int64_t kc, int64_t elementBytes) {
  int64_t panels = nChunk / nr;
  int64_t fit = std::max<int64_t>(1, kL2BlockBytes / (kc * nr * elementBytes));
  return largestDivisorAtMost(panels, fit) * nr;
}

int64_t microKernelWidth(int64_t n, int64_t targetWidth) {
  if (targetWidth > 8 && n % targetWidth != 0 && n % 8 == 0)
    return 8;
  return targetWidth;
}

MicroKernelConfig heuristicMicroKernelConfig(const GemmShape &s, int64_t w, int64_t chunks) {
  RegisterTile rt = chooseRegisterTile(s.n, w);
  return heuristicSplitForTile(s, w, rt.mr, rt.nr, chunks);
}

MicroKernelConfig heuristicSplitForTile(const GemmShape &s, int64_t w, int64_t mr, int64_t nr,
                                        int64_t chunks) {
  MicroKernelConfig c;
  RegisterTile rt{mr, nr};
  c.mr = rt.mr;
  c.nr = rt.nr;
  c.vectorWidth = w;
  c.kc = heuristicKc(s.m, s.k);
  // Batch dims are split first (TileAndDistribute), one chunk per element.
  int64_t have = 1;
  for (int64_t b : s.batch)
    if (have < chunks && b > 1)
      have *= b;
  // Rows are split in multiples of a divisor of M close to the register
  // tile's (the micro-kernel handles tail rows); with only poor divisors
  // (prime-ish M) M stays whole and N is split.
  int64_t g = largestDivisorAtMost(s.m, rt.mr);
  int64_t mBlocks = 2 * g >= std::min(s.m, rt.mr) ? s.m / g : 1, nBlocks = s.n / rt.nr;
  // Split N first: every chunk then streams its own slice of B (the
  // weights) exactly once and keeps it in cache across all its row blocks;
  // split M only when N has too few register blocks.
  //
  // Tall GEMMs (batch x seq rows, e.g. M = 1024): a chunk re-reads its rows
  // of A once per column block, so those rows (one K block of them) must
  // stay in L2, or every column block streams them from L3 again. Split M
  // first into just enough chunks for that (kL2ABytes), then N as above.
  int64_t need = (chunks + have - 1) / have;
  if (need > 1) {
    int64_t aBytes = s.m * c.kc * 4;
    int64_t qmFit = (aBytes + kL2ABytes - 1) / kL2ABytes;
    if (qmFit > 1)
      c.qm = smallestDivisorAtLeast(mBlocks, std::min({mBlocks, qmFit, need}));
    int64_t needN = (need + c.qm - 1) / c.qm;
    c.qn = smallestDivisorAtLeast(nBlocks, std::min(nBlocks, needN));
    if (c.qm * c.qn < need)
      c.qm = smallestDivisorAtLeast(mBlocks, std::min(mBlocks, (need + c.qn - 1) / c.qn));
  }
  c.nc = heuristicNc(s.n / c.qn, c.nr, c.kc, 4);
  return c;
}

std::string checkMicroKernelConfig(const MicroKernelConfig &c, const GemmShape &s) {
  auto num = [](int64_t v) { return std::to_string(v); };
  if (c.vectorWidth != 4 && c.vectorWidth != 8 && c.vectorWidth != 16)
    return "vector_width " + num(c.vectorWidth) + " is not 4, 8 or 16";
  if (c.mr < 1 || c.mr > 32)
    return "mr " + num(c.mr) + " is not in [1, 32]";
  if (c.nr < c.vectorWidth || c.nr % c.vectorWidth || c.nr / c.vectorWidth > 8)
    return "nr " + num(c.nr) + " is not 1 to 8 vectors of " + num(c.vectorWidth);
  if (c.mr * (c.nr / c.vectorWidth) > 64)
    return "mr x nr needs " + num(c.mr * (c.nr / c.vectorWidth)) + " accumulators (max 64)";
  if (s.n % c.nr)
    return "nr " + num(c.nr) + " does not divide N = " + num(s.n);
  if (c.kc < 1 || s.k % c.kc)
    return "kc " + num(c.kc) + " does not divide K = " + num(s.k);
  if (c.qm < 1 || s.m % c.qm)
    return "qm " + num(c.qm) + " does not divide M = " + num(s.m);
  if (c.qn < 1 || (s.n / c.nr) % c.qn)
    return "qn " + num(c.qn) + " does not divide N / nr = " + num(s.n / c.nr);
  int64_t chunkN = s.n / c.qn;
  if (c.nc < 0 || (c.nc && (c.nc % c.nr || chunkN % c.nc)))
    return "nc " + num(c.nc) + " is not a multiple of nr = " + num(c.nr) +
           " dividing N / qn = " + num(chunkN);
  return "";
}

DictionaryAttr microKernelConfigAttr(MLIRContext *ctx, const MicroKernelConfig &c) {
  Builder b(ctx);
  return b.getDictionaryAttr({b.getNamedAttr("mr", b.getI64IntegerAttr(c.mr)),
                              b.getNamedAttr("nr", b.getI64IntegerAttr(c.nr)),
                              b.getNamedAttr("kc", b.getI64IntegerAttr(c.kc)),
                              b.getNamedAttr("vector_width", b.getI64IntegerAttr(c.vectorWidth)),
                              b.getNamedAttr("qm", b.getI64IntegerAttr(c.qm)),
                              b.getNamedAttr("qn", b.getI64IntegerAttr(c.qn)),
                              b.getNamedAttr("nc", b.getI64IntegerAttr(c.nc))});
}

std::optional<MicroKernelConfig> getMicroKernelConfig(Operation *op) {
  auto d = op->getAttrOfType<DictionaryAttr>(kConfigAttr);
  if (!d)
    return std::nullopt;
  MicroKernelConfig c;
  for (auto [name, field] : {std::pair<const char *, int64_t *>{"mr", &c.mr},
                             {"nr", &c.nr},
                             {"kc", &c.kc},
                             {"vector_width", &c.vectorWidth},
                             {"qm", &c.qm},
                             {"qn", &c.qn}}) {
    auto v = d.getAs<IntegerAttr>(name);
    if (!v)
      return std::nullopt;
    *field = v.getInt();
  }
  if (auto nc = d.getAs<IntegerAttr>("nc"))
    c.nc = nc.getInt();
  return c;
}

} // namespace mlir::attune
