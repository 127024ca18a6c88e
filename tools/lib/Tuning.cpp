//===- Tuning.cpp - tunable kernels, tuning records in the compiler -------===//
//
//   attune.matmul / attune.fused_matmul  key {batch, m, n, k}
//       -> attune.config = {mr, nr, kc, vector_width, qm, qn}   (KernelConfig.h)
//   attune.attention                      key {batch, heads, seq_q, seq_kv, head_dim}
//       -> attune.tile_sizes = array<i64: query_tile, key_tile>  (flash tiling)
//   both -> attune.config_source = "exact" | "nearest" | "heuristic"
//
// A record is usable for a site only when its config fits the site's shape
// (nr | N, kc | K, ...), so a nearest-shape record never breaks a compile.
//
//===----------------------------------------------------------------------===//
#include "attune/Tools/Tuning.h"

#include "attune/IR/AttuneOps.h"
#include "attune/Transforms/Passes.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringExtras.h"
#include <algorithm>

using namespace mlir;
using namespace mlir::attune;
using ::attune::formats::IntFields;

namespace attune {

namespace {

std::string locationName(Location loc) {
  if (auto n = dyn_cast<NameLoc>(loc))
    return n.getName().str();
  if (auto f = dyn_cast<FusedLoc>(loc))
    for (Location l : f.getLocations())
      if (std::string s = locationName(l); !s.empty())
        return s;
  if (auto c = dyn_cast<CallSiteLoc>(loc))
    return locationName(c.getCallee());
  if (auto fl = dyn_cast<FileLineColLoc>(loc))
    return (fl.getFilename().str() + ":" + std::to_string(fl.getLine()));
  return "";
}

std::string dtypeOf(Type t) {
  if (t.isF32()) return "f32";
  if (t.isBF16()) return "bf16";
  return "";
}

bool isMatmulKind(const std::string &kind) { return kind == "matmul" || kind == "fused_matmul"; }

} // namespace

MicroKernelConfig toMicroKernel(const IntFields &f) {
  MicroKernelConfig c;
  c.mr = formats::getField(f, "mr").value_or(0);
  c.nr = formats::getField(f, "nr").value_or(0);
  c.kc = formats::getField(f, "kc").value_or(0);
  c.vectorWidth = formats::getField(f, "vector_width").value_or(0);
  c.qm = formats::getField(f, "qm").value_or(0);
  c.qn = formats::getField(f, "qn").value_or(0);
  c.nc = formats::getField(f, "nc").value_or(0); // optional: 0 = the heuristic's
  return c;
}

IntFields fromMicroKernel(const MicroKernelConfig &c) {
  IntFields f = {{"mr", c.mr}, {"nr", c.nr}, {"kc", c.kc}, {"vector_width", c.vectorWidth},
                 {"qm", c.qm}, {"qn", c.qn}};
  if (c.nc > 0)
    f.push_back({"nc", c.nc});
  return f;
}


double kernelFlops(const formats::TuningKey &key) {
  auto f = [&](const char *name) -> double {
    return double(formats::getField(key.shape, name).value_or(0));
  };
  if (isMatmulKind(key.kind))
    return 2 * f("batch") * f("m") * f("n") * f("k");
  if (key.kind == "attention")
    return 4 * f("batch") * f("heads") * f("seq_q") * f("seq_kv") * f("head_dim");
  return 0;
}

formats::TuningTarget tuningTargetOf(const CPUTarget &target) {
  formats::TuningTarget t;
  t.arch = llvm::StringRef(target.triple).split('-').first.str();
  t.cpu = target.cpu;
  llvm::SmallVector<llvm::StringRef> feats;
  llvm::StringRef(target.features).split(feats, ',', -1, false);
  for (llvm::StringRef f : feats) {
    if (!f.consume_front("+"))
      continue;
    if (f.starts_with("avx") || f.starts_with("fma") || f.starts_with("amx") ||
        f.starts_with("sse") || f == "f16c")
      t.features.push_back(f.str());
  }
  std::sort(t.features.begin(), t.features.end());
  t.features.erase(std::unique(t.features.begin(), t.features.end()), t.features.end());
  return t;
}

std::vector<KernelSite> collectKernels(func::FuncOp fn, const formats::TuningTarget &t) {
  std::vector<KernelSite> out;
  fn.walk([&](Operation *op) {
    KernelSite s;
    s.op = op;
    s.key.target = t;
    s.where = locationName(op->getLoc());
    if (isa<MatmulOp, FusedMatmulOp>(op)) {
      Value lhs = op->getOperand(0), rhs = op->getOperand(1);
      bool transposeB = isa<MatmulOp>(op) ? cast<MatmulOp>(op).getTransposeB()
                                          : cast<FusedMatmulOp>(op).getTransposeB();
      auto lt = dyn_cast<RankedTensorType>(lhs.getType());
      auto rt = dyn_cast<RankedTensorType>(op->getResult(0).getType());
      if (!lt || !rt || !lt.hasStaticShape() || !rt.hasStaticShape() || rt.getRank() < 2)
        return;
      // The micro-kernel needs B with N innermost: a plain rhs, or a weight
      // that prepacking stores transposed.
      if (transposeB && !rhs.getDefiningOp<WeightOp>())
        return;
      s.key.kind = isa<MatmulOp>(op) ? "matmul" : "fused_matmul";
      s.key.dtype = dtypeOf(lt.getElementType());
      if (s.key.dtype.empty())
        return;
      int64_t batch = 1;
      for (int64_t i = 0; i + 2 < rt.getRank(); ++i) {
        s.gemm.batch.push_back(rt.getDimSize(i));
        batch *= rt.getDimSize(i);
      }
      s.gemm.m = rt.getDimSize(rt.getRank() - 2);
      s.gemm.n = rt.getDimSize(rt.getRank() - 1);
      s.gemm.k = lt.getDimSize(lt.getRank() - 1);
      if (s.gemm.n % 4)
        return; // no micro-kernel vector width divides N
      s.key.shape = {{"batch", batch}, {"m", s.gemm.m}, {"n", s.gemm.n}, {"k", s.gemm.k}};
      out.push_back(std::move(s));
    } else if (auto att = dyn_cast<AttentionOp>(op)) {
      auto q = dyn_cast<RankedTensorType>(att.getQ().getType());
      auto k = dyn_cast<RankedTensorType>(att.getK().getType());
      if (!q || !k || !q.hasStaticShape() || !k.hasStaticShape() || q.getRank() != 3)
        return;
      s.key.kind = "attention";
      s.key.dtype = dtypeOf(q.getElementType());
      int64_t h = att.getNumHeads();
      if (s.key.dtype.empty() || h <= 0 || q.getDimSize(2) % h)
        return;
      s.key.shape = {{"batch", q.getDimSize(0)},
                     {"heads", h},
                     {"seq_q", q.getDimSize(1)},
                     {"seq_kv", k.getDimSize(1)},
                     {"head_dim", q.getDimSize(2) / h}};
      out.push_back(std::move(s));
    }
  });
  return out;
}

IntFields heuristicConfig(const KernelSite &site, int64_t vectorWidth, int64_t chunks) {
  if (site.key.kind == "attention") {
    auto dim = [&](const char *d) { return formats::getField(site.key.shape, d).value_or(1); };
    return {{"query_tile", heuristicAttentionQueryTile(dim("batch"), dim("heads"), dim("seq_q"),
                                                       chunks)},
            {"key_tile", AttentionTileOp::defaultKeyTile(dim("seq_kv"))}};
  }
  if (!isMatmulKind(site.key.kind))
    return {};
  int64_t w = microKernelWidth(site.gemm.n, vectorWidth);
  if (site.gemm.n % w)
    return {};
  return fromMicroKernel(heuristicMicroKernelConfig(site.gemm, w, chunks));
}

std::string checkConfig(const KernelSite &site, const IntFields &config) {
  if (config.empty())
    return ""; // the heuristic
  if (isMatmulKind(site.key.kind)) {
    if (site.key.dtype != "f32")
      return "the micro-kernel configs are f32 only";
    return checkMicroKernelConfig(toMicroKernel(config), site.gemm);
  }
  if (site.key.kind == "attention") {
    int64_t sq = *formats::getField(site.key.shape, "seq_q");
    int64_t skv = *formats::getField(site.key.shape, "seq_kv");
    int64_t qt = formats::getField(config, "query_tile").value_or(0);
    int64_t kt = formats::getField(config, "key_tile").value_or(0);
    if (qt < 1 || sq % qt)
      return "query_tile " + std::to_string(qt) + " does not divide seq_q = " +
             std::to_string(sq);
    if (kt < 1 || skv % kt)
      return "key_tile " + std::to_string(kt) + " does not divide seq_kv = " +
             std::to_string(skv);
    return "";
  }
  return "unknown kernel kind '" + site.key.kind + "'";
}

void attachConfig(const KernelSite &site, const IntFields &config) {
  if (config.empty())
    return; // the heuristic: nothing to attach
  MLIRContext *ctx = site.op->getContext();
  if (isMatmulKind(site.key.kind)) {
    site.op->setAttr(kConfigAttr, microKernelConfigAttr(ctx, toMicroKernel(config)));
  } else if (site.key.kind == "attention") {
    int64_t qt = formats::getField(config, "query_tile").value_or(0);
    int64_t kt = formats::getField(config, "key_tile").value_or(0);
    site.op->setAttr(kTileSizesAttr, DenseI64ArrayAttr::get(ctx, {qt, kt}));
  }
}

std::vector<KernelChoice> applyTuning(func::FuncOp fn, const formats::TuningFile *records,
                                      const formats::TuningTarget &target, int64_t vectorWidth,
                                      int64_t chunks) {
  std::vector<KernelChoice> out;
  Builder b(fn.getContext());
  for (KernelSite &site : collectKernels(fn, target)) {
    KernelChoice c;
    c.site = site;
    formats::TuningMatch m;
    if (records)
      m = formats::lookupTuning(*records, site.key, [&](const formats::TuningRecord &r) {
        return checkConfig(site, r.config).empty();
      });
    c.source = m.source;
    c.record = m.record;
    if (m.record && !m.record->config.empty()) {
      c.config = m.record->config;
      attachConfig(site, c.config);
    } else { // no record, or one that measured the heuristic best
      c.config = heuristicConfig(site, vectorWidth, chunks); // codegen derives the same
    }
    site.op->setAttr(kConfigSourceAttr, b.getStringAttr(formats::tuningSourceName(c.source)));
    out.push_back(std::move(c));
  }
  return out;
}

} // namespace attune
