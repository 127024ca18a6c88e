//===- TuneSearch.cpp - attune tune's search space, stage by stage --------===//
//
// Register tiles, K blocks, parallel splits, column blocks and attention
// tiles that attune tune (Tuner.cpp) tries for one kernel; docs/tuning.md
// describes each stage.
//
//===----------------------------------------------------------------------===//
#include "TuneSearch.h"

#include "attune/Codegen/KernelConfig.h"
#include "attune/Codegen/MicroKernel.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::attune;
using ::attune::formats::IntFields;

namespace attune {

namespace {

bool hasFeature(const formats::TuningTarget &t, const char *f) {
  return std::find(t.features.begin(), t.features.end(), f) != t.features.end();
}

IntFields fields(const MicroKernelConfig &c) { return fromMicroKernel(c); }
MicroKernelConfig micro(const IntFields &f) { return toMicroKernel(f); }

} // namespace

//===----------------------------------------------------------------------===//
// Search spaces
//===----------------------------------------------------------------------===//

/// Stage 1: register tiles that fit the register file (accumulators + B
/// vectors + one broadcast), most promising first; kc and the split follow
/// the heuristic for each tile.
std::vector<IntFields> tileCandidates(const KernelSite &s, const formats::TuningTarget &t,
                                             int64_t chunks) {
  bool avx512 = hasFeature(t, "avx512f") || t.cpu == "x86-64-v4";
  int64_t regs = avx512 ? 32 : 16, regBytes = avx512 ? 64 : 32;
  // AVX2: 8 only. A 16-wide vector there is two registers, and those
  // candidates lost to every 8-wide one (128x768x768 on x86-64-avx2: best
  // 16-wide 1.26 ms, best 8-wide 1.00 ms).
  std::vector<int64_t> widths = avx512 ? std::vector<int64_t>{16, 8} : std::vector<int64_t>{8};
  if (s.gemm.n % 8)
    widths.push_back(4);
  std::vector<IntFields> out;
  for (int64_t w : widths) {
    if (s.gemm.n % w)
      continue;
    int64_t v = std::max<int64_t>(1, w * 4 / regBytes); // registers per vector
    for (int64_t c = 4; c >= 1; --c) {
      int64_t nr = c * w;
      if (s.gemm.n % nr)
        continue;
      int64_t mrMax = std::min<int64_t>(16, (regs - 1 - c * v) / (c * v));
      if (mrMax < 1)
        continue;
      std::set<int64_t> seen;
      for (int64_t mr : {mrMax, std::max<int64_t>(1, (2 * mrMax + 2) / 3), int64_t(4)}) {
        if (mr > mrMax || !seen.insert(mr).second)
          continue;
        out.push_back(fields(heuristicSplitForTile(s.gemm, w, mr, nr, chunks)));
      }
    }
  }
  return out;
}

/// Stage 2: K blocks for deep K.
std::vector<IntFields> kcCandidates(const KernelSite &s, const IntFields &base) {
  std::vector<IntFields> out;
  if (s.gemm.k < 256)
    return out;
  MicroKernelConfig c = micro(base);
  for (int64_t kc : {int64_t(128), int64_t(256), int64_t(384), int64_t(512), s.gemm.k})
    if (kc != c.kc && kc <= s.gemm.k && s.gemm.k % kc == 0) {
      MicroKernelConfig n = c;
      n.kc = kc;
      n.nc = heuristicNc(s.gemm.n / n.qn, n.nr, n.kc, 4); // as the heuristic pairs them
      out.push_back(fields(n));
    }
  return out;
}

/// Stage 3: splits of M x N into about threads, 2 x threads, 4 x threads and
/// `chunks` parallel chunks, along N only, M only, or both (2 or 4 row
/// chunks when M has at least 4 register blocks per chunk).
std::vector<IntFields> splitCandidates(const KernelSite &s, const IntFields &base,
                                              int threads, int64_t chunks) {
  MicroKernelConfig c = micro(base);
  int64_t nBlocks = s.gemm.n / c.nr;
  std::vector<std::pair<int64_t, int64_t>> splits;
  if (threads == 1)
    splits.push_back({1, 1});
  for (int64_t want : {int64_t(threads), int64_t(2 * threads), int64_t(4 * threads), chunks}) {
    if (want <= 1)
      continue;
    int64_t qn = smallestDivisorAtLeast(nBlocks, want);
    if (qn >= want)
      splits.push_back({1, qn});
    int64_t qm = smallestDivisorAtLeast(s.gemm.m, want);
    if (qm >= want && s.gemm.m / qm >= std::min<int64_t>(c.mr, s.gemm.m))
      splits.push_back({qm, 1});
    // Both: chunks of fewer rows and fewer columns, so that a chunk's slices
    // of A and of B both stay in L2 when neither one alone would (tall GEMMs:
    // batch x sequence rows).
    for (int64_t rows : {int64_t(2), int64_t(4)}) {
      if (want % rows || s.gemm.m % rows || s.gemm.m / rows < 4 * c.mr)
        continue;
      int64_t cols = smallestDivisorAtLeast(nBlocks, want / rows);
      if (cols >= want / rows && cols > 1)
        splits.push_back({rows, cols});
    }
  }
  std::vector<IntFields> out;
  std::set<std::pair<int64_t, int64_t>> seen{{c.qm, c.qn}};
  for (auto [qm, qn] : splits)
    if (seen.insert({qm, qn}).second && out.size() < 10) {
      MicroKernelConfig n = c;
      n.qm = qm;
      n.qn = qn;
      n.nc = heuristicNc(s.gemm.n / n.qn, n.nr, n.kc, 4); // the chunk's own
      out.push_back(fields(n));
    }
  return out;
}

/// Stage 4: column blocks nc (the kc x nc block of B kept in L2 while the
/// next one is prefetched): the whole chunk (no blocking), and blocks of a
/// quarter, half, twice and four times the heuristic's bytes.
std::vector<IntFields> ncCandidates(const KernelSite &s, const IntFields &base) {
  MicroKernelConfig c = micro(base);
  int64_t chunkN = s.gemm.n / c.qn, panels = chunkN / c.nr;
  std::vector<IntFields> out;
  std::set<int64_t> seen{c.nc ? c.nc : heuristicNc(chunkN, c.nr, c.kc, 4)};
  std::vector<int64_t> wants{chunkN};
  for (int64_t scale : {1, 2, 8, 16}) // x/4: 512 KiB * scale / 4
    wants.push_back(largestDivisorAtMost(
                        panels, std::max<int64_t>(1, kL2BlockBytes * scale / 4 /
                                                         (c.kc * c.nr * 4))) *
                    c.nr);
  for (int64_t nc : wants)
    if (seen.insert(nc).second) {
      MicroKernelConfig n = c;
      n.nc = nc;
      out.push_back(fields(n));
    }
  return out;
}

/// Attention: [query_tile, key_tile] for the flash tiling (attune.tile_sizes).
std::vector<IntFields> attentionCandidates(const KernelSite &s) {
  int64_t sq = *formats::getField(s.key.shape, "seq_q");
  int64_t skv = *formats::getField(s.key.shape, "seq_kv");
  std::vector<IntFields> out;
  for (auto [qt, kt] : {std::pair<int64_t, int64_t>{64, 128}, {32, 128}, {64, 64}, {128, 256}})
    if (qt <= sq && kt <= skv && sq % qt == 0 && skv % kt == 0)
      out.push_back({{"query_tile", qt}, {"key_tile", kt}});
  if (out.empty())
    out.push_back({{"query_tile", sq}, {"key_tile", skv}});
  return out;
}

std::vector<IntFields> allTuningCandidates(const KernelSite &site,
                                           const formats::TuningTarget &target, int threads,
                                           int64_t chunks) {
  if (site.key.kind == "attention")
    return attentionCandidates(site);
  std::vector<IntFields> out, tiles = tileCandidates(site, target, chunks);
  for (const IntFields &t : tiles) {
    out.push_back(t);
    for (const IntFields &k : kcCandidates(site, t))
      out.push_back(k);
    for (const IntFields &q : splitCandidates(site, t, threads, chunks))
      out.push_back(q);
    for (const IntFields &n : ncCandidates(site, t))
      out.push_back(n);
  }
  return out;
}

} // namespace attune
