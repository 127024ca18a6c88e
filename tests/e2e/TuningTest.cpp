//===- TuningTest.cpp - every config the tuner can pick is correct ---------===//
//
// For matmuls of odd shapes (M = 7, 13, 128; N = 16, 48, 80, 768; K = 5, 64,
// 1100; plain, transposed weights, fused epilogues, batched activations) every
// candidate of attune tune's search space (Tuner.h allTuningCandidates) is
// compiled as attune tune's trial does (attune __tune-trial in-process:
// CompileOptions::forceConfig, weights prepacked for its nr) and checked
// against the reference interpreter (|a - b| <= 1e-4 max|ref| + 1e-4 |b|).
// Plus: compile --tuning's lookup through applyTuning (exact, nearest,
// heuristic) and the attributes it leaves on the ops.
//===----------------------------------------------------------------------===//
#include "E2E.h"

#include "attune/Codegen/KernelConfig.h"
#include "attune/IR/AttuneOps.h"
#include "attune/Tools/Tuner.h"
#include "attune/Tools/Tuning.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include <nlohmann/json.hpp>

#include <fstream>

using namespace attune;
using namespace attune::e2e;

namespace {

struct Case {
  const char *name;
  std::string mlir; // func.func @main
};

std::string t(std::vector<int64_t> s) { return tensorType(s); }

/// y = x[.., M, K] * W (+ epilogue), W a weight [K, N] or [N, K] (transposed).
std::string matmulModule(std::vector<int64_t> lead, int64_t m, int64_t n, int64_t k,
                         bool transposed, bool fused) {
  std::vector<int64_t> x = lead, y = lead;
  x.insert(x.end(), {m, k});
  y.insert(y.end(), {m, n});
  std::vector<int64_t> w = transposed ? std::vector<int64_t>{n, k} : std::vector<int64_t>{k, n};
  std::string s = "func.func @main(%x: " + t(x) + " {attune.name = \"x\"}) -> (" + t(y) +
                  " {attune.name = \"y\"}) {\n  %w = attune.weight @w : " + t(w) + "\n";
  std::string attrs = transposed ? " {transpose_b}" : "";
  if (fused) {
    s += "  %b = attune.weight @b : " + t({n}) + "\n";
    s += "  %y = attune.fused_matmul %x, %w bias %b {activation = \"gelu\"" +
         std::string(transposed ? ", transpose_b" : "") + "} : (" + t(x) + ", " + t(w) + ", " +
         t({n}) + ") -> " + t(y) + "\n";
  } else {
    s += "  %y = attune.matmul %x, %w" + attrs + " : (" + t(x) + ", " + t(w) + ") -> " + t(y) +
         "\n";
  }
  return s + "  return %y : " + t(y) + "\n}\n";
}

struct Parsed {
  std::unique_ptr<mlir::MLIRContext> ctx;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::func::FuncOp fn;
};

Parsed parse(const std::string &text) {
  Parsed p;
  p.ctx = createContext();
  p.module = mlir::parseSourceString<mlir::ModuleOp>(text, p.ctx.get());
  if (p.module)
    p.fn = p.module->lookupSymbol<mlir::func::FuncOp>("main");
  return p;
}

formats::TuningTarget hostTarget() {
  auto cpu = mlir::attune::resolveCPUTarget("host");
  EXPECT_TRUE(static_cast<bool>(cpu));
  return tuningTargetOf(*cpu);
}

/// Runs one trial in-process; "" when the candidate compiled and matched.
std::string trial(const std::string &dir, const formats::IntFields &config, int id) {
  std::string result = dir + "/r" + std::to_string(id) + ".json";
  std::string lib = dir + "/c" + std::to_string(id) + ".so";
  std::string cfg = formats::formatFields(config);
  std::vector<std::string> args = {"--kernel", dir, "--library", lib, "--result", result,
                                   "--threads", "2", "--chunks", "16", "--min-seconds", "0",
                                   "--config", cfg};
  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  if (tuneTrialMain(static_cast<int>(argv.size()), argv.data()) != 0)
    return "trial returned non-zero";
  std::ifstream f(result);
  nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
  if (j.is_discarded())
    return "no result";
  return j.value("ok", false) ? "" : j.value("reason", std::string("failed"));
}

class Tuning : public E2ETest {};

TEST_F(Tuning, EveryCandidateMatchesTheReference) {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"7x16x5", matmulModule({}, 7, 16, 5, false, false)},
      {"13x48x64_t", matmulModule({1}, 13, 48, 64, true, false)},
      {"13x80x64_gelu", matmulModule({1}, 13, 80, 64, false, true)},
      {"128x80x1100_t", matmulModule({1}, 128, 80, 1100, true, false)},
      {"7x768x1100", matmulModule({1}, 7, 768, 1100, false, false)},
      {"2x13x768x64_gelu_t", matmulModule({2}, 13, 768, 64, true, true)},
  };
  formats::TuningTarget target = hostTarget();
  int id = 0;
  size_t total = 0;
  for (auto &[name, text] : cases) {
    SCOPED_TRACE(name);
    Parsed p = parse(text);
    ASSERT_TRUE(p.fn) << text;
    std::vector<KernelSite> sites = collectKernels(p.fn, target);
    ASSERT_EQ(sites.size(), 1u);
    std::string dir = path(name);
    auto files = extractKernel(sites[0], dir, 7);
    ASSERT_TRUE(static_cast<bool>(files)) << llvm::toString(files.takeError());
    std::vector<formats::IntFields> cands = allTuningCandidates(sites[0], target, 2, 16);
    ASSERT_FALSE(cands.empty());
    cands.insert(cands.begin(), formats::IntFields{}); // the baseline
    for (const formats::IntFields &c : cands) {
      ASSERT_EQ(checkConfig(sites[0], c), "") << formats::formatFields(c);
      EXPECT_EQ(trial(dir, c, id++), "") << name << ": " << formats::formatFields(c);
      ++total;
    }
  }
  EXPECT_GT(total, 60u);
}

TEST_F(Tuning, CompileLooksUpExactNearestHeuristic) {
  std::string text =
      "func.func @main(%x: tensor<1x128x768xf32> {attune.name = \"x\"}, %z: tensor<1x64x48xf32> "
      "{attune.name = \"z\"}) -> (tensor<1x128x768xf32> {attune.name = \"y\"}, "
      "tensor<1x64x768xf32> {attune.name = \"u\"}, tensor<1x64x80xf32> {attune.name = \"v\"}) {\n"
      "  %w = attune.weight @w : tensor<768x768xf32>\n"
      "  %w2 = attune.weight @w2 : tensor<48x768xf32>\n"
      "  %w3 = attune.weight @w3 : tensor<48x80xf32>\n"
      "  %y = attune.matmul %x, %w : (tensor<1x128x768xf32>, tensor<768x768xf32>) -> "
      "tensor<1x128x768xf32>\n"
      "  %u = attune.matmul %z, %w2 : (tensor<1x64x48xf32>, tensor<48x768xf32>) -> "
      "tensor<1x64x768xf32>\n"
      "  %v = attune.matmul %z, %w3 : (tensor<1x64x48xf32>, tensor<48x80xf32>) -> "
      "tensor<1x64x80xf32>\n"
      "  return %y, %u, %v : tensor<1x128x768xf32>, tensor<1x64x768xf32>, tensor<1x64x80xf32>\n"
      "}\n";
  Parsed p = parse(text);
  ASSERT_TRUE(p.fn);
  formats::TuningTarget target = hostTarget();
  formats::TuningFile records;
  formats::TuningRecord r;
  r.key = {"matmul", {{"batch", 1}, {"m", 128}, {"n", 768}, {"k", 768}}, "f32", target};
  r.ok = r.complete = true;
  r.config = {{"mr", 6}, {"nr", 64}, {"kc", 256}, {"vector_width", 16}, {"qm", 1}, {"qn", 4}};
  r.timeMs = 1;
  records.records.push_back(r);
  std::vector<KernelChoice> choices = applyTuning(p.fn, &records, target, 16, 16);
  ASSERT_EQ(choices.size(), 3u);
  // 128x768x768: exact.
  EXPECT_EQ(choices[0].source, formats::TuningSource::Exact);
  EXPECT_EQ(choices[0].config, r.config);
  auto cfg = mlir::attune::getMicroKernelConfig(choices[0].site.op);
  ASSERT_TRUE(cfg.has_value());
  EXPECT_EQ(cfg->mr, 6);
  EXPECT_EQ(cfg->nr, 64);
  // 64x768x48: nearest is the 128x768x768 record, but kc 256 does not divide
  // K = 48, so the heuristic applies.
  EXPECT_EQ(choices[1].source, formats::TuningSource::Heuristic);
  EXPECT_FALSE(choices[1].site.op->hasAttr(mlir::attune::kConfigAttr));
  EXPECT_EQ(choices[1].site.op->getAttrOfType<mlir::StringAttr>(mlir::attune::kConfigSourceAttr)
                .getValue(),
            "heuristic");
  // With a record of K = 48 nearby, it is "nearest".
  formats::TuningRecord r2 = r;
  r2.key.shape = {{"batch", 1}, {"m", 32}, {"n", 768}, {"k", 48}};
  r2.config = {{"mr", 8}, {"nr", 48}, {"kc", 48}, {"vector_width", 16}, {"qm", 1}, {"qn", 2}};
  records.records.push_back(r2);
  Parsed p2 = parse(text);
  choices = applyTuning(p2.fn, &records, target, 16, 16);
  EXPECT_EQ(choices[1].source, formats::TuningSource::Nearest);
  EXPECT_EQ(choices[1].record, &records.records[1]);
  // N = 80 with nr = 48 does not fit: heuristic.
  EXPECT_EQ(choices[2].source, formats::TuningSource::Heuristic);

  // The whole compile with such records matches the reference.
  std::string dir = path("k");
  std::vector<KernelSite> sites = collectKernels(p2.fn, target);
  auto files = extractKernel(sites[0], dir, 3);
  ASSERT_TRUE(static_cast<bool>(files));
  EXPECT_EQ(trial(dir, r.config, 0), "");
}

TEST_F(Tuning, AttentionRecordsSetTileSizes) {
  std::string q = "tensor<1x128x64xf32>";
  std::string text = "func.func @main(%q: " + q + " {attune.name = \"q\"}, %k: " + q +
                     " {attune.name = \"k\"}, %v: " + q + " {attune.name = \"v\"}) -> (" + q +
                     " {attune.name = \"o\"}) {\n  %o = attune.attention %q, %k, %v "
                     "{num_heads = 4 : i64} : (" + q + ", " + q + ", " + q + ") -> " + q +
                     "\n  return %o : " + q + "\n}\n";
  Parsed p = parse(text);
  ASSERT_TRUE(p.fn);
  formats::TuningTarget target = hostTarget();
  formats::TuningFile records;
  formats::TuningRecord r;
  r.key = {"attention",
           {{"batch", 1}, {"heads", 4}, {"seq_q", 256}, {"seq_kv", 256}, {"head_dim", 16}},
           "f32",
           target};
  r.ok = r.complete = true;
  r.config = {{"query_tile", 64}, {"key_tile", 128}};
  records.records.push_back(r);
  // 128 x 128 is nearest to the 256 x 256 record, whose tiles divide 128.
  std::vector<KernelChoice> choices = applyTuning(p.fn, &records, target, 16, 16);
  ASSERT_EQ(choices.size(), 1u);
  EXPECT_EQ(choices[0].source, formats::TuningSource::Nearest);
  auto tiles = choices[0].site.op->getAttrOfType<mlir::DenseI64ArrayAttr>(
      mlir::attune::kTileSizesAttr);
  ASSERT_TRUE(tiles);
  EXPECT_EQ(tiles.asArrayRef().vec(), (std::vector<int64_t>{64, 128}));
  // The attribute is a no-op for today's attention lowering: the compiled
  // kernel still matches the reference.
  std::string dir = path("att");
  auto files = extractKernel(choices[0].site, dir, 5);
  ASSERT_TRUE(static_cast<bool>(files)) << llvm::toString(files.takeError());
  EXPECT_EQ(trial(dir, r.config, 0), "");
}

} // namespace

// attune tune's budget plan: FLOPs per call from the key, weights that follow
// the work with a floor, and the kernels that matter most first.
TEST(TuningBudget, KernelFlopsFromTheKey) {
  formats::TuningKey mm{
      "fused_matmul", {{"batch", 8}, {"m", 128}, {"n", 3072}, {"k", 768}}, "f32", {}};
  EXPECT_DOUBLE_EQ(kernelFlops(mm), 2.0 * 8 * 128 * 3072 * 768);
  formats::TuningKey att{"attention",
                         {{"batch", 2}, {"heads", 12}, {"seq_q", 128}, {"seq_kv", 96},
                          {"head_dim", 64}},
                         "f32",
                         {}};
  EXPECT_DOUBLE_EQ(kernelFlops(att), 4.0 * 2 * 12 * 128 * 96 * 64);
  EXPECT_EQ(kernelFlops(formats::TuningKey{"conv", {{"m", 3}}, "f32", {}}), 0);
}

TEST(TuningBudget, WeightsFollowTheWorkWithAFloor) {
  // BERT-base at batch 8: QKV/out, FFN up, FFN down, attention, pooler.
  double gemm = 2.0 * 8 * 128 * 768 * 768, ffn = 4 * gemm;
  std::vector<double> work = {48 * gemm, 12 * 4.0 * 8 * 12 * 128 * 128 * 64, 12 * ffn,
                              12 * ffn, 2.0 * 8 * 768 * 768};
  std::vector<size_t> order;
  std::vector<double> w = budgetWeights(work, order);
  double total = 0;
  for (double x : work)
    total += x;
  ASSERT_EQ(w.size(), 5u);
  EXPECT_DOUBLE_EQ(w[0], work[0]);              // above the floor: the work itself
  EXPECT_DOUBLE_EQ(w[4], total / (8.0 * 5));    // the pooler: the floor
  EXPECT_EQ(order, (std::vector<size_t>{0, 2, 3, 1, 4})); // ties keep program order
  // Unknown work everywhere: even shares in program order.
  w = budgetWeights({0, 0, 0}, order);
  EXPECT_EQ(w, (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2}));
}

// The heuristic's K block (KernelConfig.cpp heuristicKc): blocks of <= 128
// for few rows, 384 for deep K beyond 32 rows, no blocking from 384 rows up
// or below K = 256. Expected values by hand from the rule's table.
TEST(HeuristicConfig, KBlockFollowsRowsAndDepth) {
  using mlir::attune::heuristicKc;
  EXPECT_EQ(heuristicKc(1, 768), 128);
  EXPECT_EQ(heuristicKc(32, 768), 128);
  EXPECT_EQ(heuristicKc(128, 768), 128);
  EXPECT_EQ(heuristicKc(129, 768), 768);
  EXPECT_EQ(heuristicKc(384, 768), 768);
  EXPECT_EQ(heuristicKc(32, 3072), 128);
  EXPECT_EQ(heuristicKc(33, 3072), 384);
  EXPECT_EQ(heuristicKc(128, 3072), 384);
  EXPECT_EQ(heuristicKc(128, 1100), 275); // largest divisor <= 384
  EXPECT_EQ(heuristicKc(8, 1100), 110);   // largest divisor <= 128
  EXPECT_EQ(heuristicKc(128, 500), 125);
  EXPECT_EQ(heuristicKc(1, 255), 255); // below 256: no blocking
  EXPECT_EQ(heuristicKc(1, 64), 64);
  EXPECT_EQ(heuristicKc(16, 509), 509); // prime: no divisor in [64, 128]
  // ... and the whole config carries it.
  mlir::attune::GemmShape s;
  s.m = 32;
  s.n = 768;
  s.k = 768;
  EXPECT_EQ(mlir::attune::heuristicMicroKernelConfig(s, 16, 16).kc, 128);
  s.m = 384;
  EXPECT_EQ(mlir::attune::heuristicMicroKernelConfig(s, 16, 16).kc, 768);
}
