//===- tests/e2e/FusedOpsTest.cpp - fused ops and the fusion passes -------===//
//
// Compiled vs reference interpreter (|a-b| <= 1e-5 + 1e-4|b|, 1 and 4 threads
// bit-identical) for:
//   fused_matmul    - every activation, with/without bias and residual,
//                     transpose_b, batched and broadcast batches, weights
//                     from .safetensors; each module also returns the same
//                     computation written with primitive ops (matmul, add,
//                     gelu/relu), and the two outputs must agree;
//   skip_layer_norm - with/without bias, broadcast skip, axis -1 and -2, both
//                     results, against add + layer_norm;
// on dims from {1, 3, 17, 127, 129}; isnan on NaN/inf/numbers. Then the fusion passes (the `fused`
// phase):
//   - examples/encoder_primitive.json after the fused phase has as many
//     attention / layer norms / GELUs as examples/encoder_fused.json after
//     it (2 / 5 / 2), and no softmax, erf or reduce_mean is left over;
//   - the reference interpreter gives the same outputs before and after the
//     fused phase (on the example inputs);
//   - the FusionReport collected from a report-enabled run counts the fused
//     sites and names the reason of a deliberate miss;
//   - torch.onnx.export's output for the HF fixtures (tests/fixtures/onnx,
//     TorchScript and dynamo exporters) fuses completely, without misses
//     (skipped when the build has no ONNX support).
//
//===----------------------------------------------------------------------===//
#include "E2E.h"
#include "attune/Frontend/OnnxImporter.h"

#include "attune/IR/AttuneOps.h"
#include "attune/Pipelines/Pipelines.h"
#include "attune/Transforms/FusionReport.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <algorithm>
#include <cmath>

using namespace attune;
using namespace attune::e2e;

namespace {

//===----------------------------------------------------------------------===//
// fused_matmul
//===----------------------------------------------------------------------===//

struct FusedMatmulCase {
  std::string name;
  std::vector<int64_t> lhs, rhs, result;
  bool transposeB = false;
  std::string activation = "none";
  bool bias = true, residual = false;
  bool rhsIsWeight = false;
};
void PrintTo(const FusedMatmulCase &c, std::ostream *os) { *os << c.name; }

class FusedMatmul : public E2ETest, public ::testing::WithParamInterface<FusedMatmulCase> {};

TEST_P(FusedMatmul, MatchesReferenceAndPrimitiveOps) {
  const FusedMatmulCase &c = GetParam();
  FuncBuilder f;
  const std::string L = tensorType(c.lhs), R = tensorType(c.rhs), Y = tensorType(c.result);
  const int64_t n = c.result.back();
  const std::string B = tensorType({n});
  std::string lhs = f.arg("lhs", L);
  std::vector<Weight> weights;
  std::string rhs;
  if (c.rhsIsWeight) {
    rhs = f.def("w", "attune.weight @\"dense.weight\" : " + R);
    weights.push_back(makeWeight("dense.weight", ElementType::F32, c.rhs, uniform(-1, 1), 71));
  } else {
    rhs = f.arg("rhs", R);
  }
  std::string bias = c.bias ? f.arg("bias", B) : "";
  std::string residual = c.residual ? f.arg("residual", Y) : "";

  // The fused op.
  std::string operands = lhs + ", " + rhs, types = L + ", " + R;
  if (c.bias) {
    operands += " bias " + bias;
    types += ", " + B;
  }
  if (c.residual) {
    operands += " residual " + residual;
    types += ", " + Y;
  }
  std::string attrs;
  if (c.activation != "none" || c.transposeB)
    attrs = std::string(" {activation = \"") + c.activation + "\"" +
            (c.transposeB ? ", transpose_b" : "") + "}";
  f.result("fused",
           f.def("fused", "attune.fused_matmul " + operands + attrs + " : (" + types + ") -> " + Y),
           Y);

  // The same with primitive ops.
  std::string y = f.def("mm", "attune.matmul " + lhs + ", " + rhs +
                                  (c.transposeB ? " {transpose_b}" : "") + " : (" + L + ", " + R +
                                  ") -> " + Y);
  if (c.bias)
    y = f.def("biased", "attune.add " + y + ", " + bias + " : (" + Y + ", " + B + ") -> " + Y);
  if (c.activation == "relu")
    y = f.def("act", "attune.relu " + y + " : " + Y);
  else if (c.activation == "gelu")
    y = f.def("act", "attune.gelu " + y + " : " + Y);
  else if (c.activation == "gelu_tanh")
    y = f.def("act", "attune.gelu " + y + " {approximate = \"tanh\"} : " + Y);
  if (c.residual)
    y = f.def("res", "attune.add " + y + ", " + residual + " : (" + Y + ", " + Y + ") -> " + Y);
  f.result("primitive", y, Y);

  std::vector<NamedTensor> out;
  ASSERT_NO_FATAL_FAILURE(checkModule("fused_matmul", f.str(), weights,
                                      {{"lhs", uniform(-1, 1)}, {"bias", uniform(-1, 1)}}, 73,
                                      &out));
  ASSERT_EQ(out.size(), 2u);
  expectClose(out[0].tensor, out[1].tensor, "compiled fused_matmul vs primitive ops");
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FusedMatmul,
    ::testing::Values(
        FusedMatmulCase{"m17_k129_n3_bias", {17, 129}, {129, 3}, {17, 3}},
        FusedMatmulCase{"m1_k1_n17_bias_relu", {1, 1}, {1, 17}, {1, 17}, false, "relu"},
        FusedMatmulCase{"m127_k3_n129_bias_gelu", {127, 3}, {3, 129}, {127, 129}, false, "gelu"},
        FusedMatmulCase{"m3_k17_n127_bias_gelu_tanh_residual", {3, 17}, {17, 127}, {3, 127}, false,
                        "gelu_tanh", true, true},
        FusedMatmulCase{"m129_k17_n3_residual_only", {129, 17}, {17, 3}, {129, 3}, false, "none",
                        false, true},
        FusedMatmulCase{"m17_k3_n1_relu_only", {17, 3}, {3, 1}, {17, 1}, false, "relu", false},
        FusedMatmulCase{"transpose_b_weight_gelu_1x17x129_127x129", {1, 17, 129}, {127, 129},
                        {1, 17, 127}, true, "gelu", true, false, true},
        FusedMatmulCase{"batched_3x17x129_3x129x1_bias_residual", {3, 17, 129}, {3, 129, 1},
                        {3, 17, 1}, false, "none", true, true},
        FusedMatmulCase{"batch_broadcast_1x3x17_3x17x129_transpose_b", {3, 1, 3, 17},
                        {1, 129, 17}, {3, 1, 3, 129}, true, "relu", true, true},
        FusedMatmulCase{"bert_ffn_1x17x129_129x127_weight", {1, 17, 129}, {129, 127},
                        {1, 17, 127}, false, "gelu", true, false, true},
        // N a multiple of 16: the micro-kernel path, tiled in one parallel
        // loop with its fill and epilogue (TileAndDistribute's GEMM groups):
        // tail rows (M = 13, 29, 127), M split and N split, K blocking
        // (K = 1100 > 1024), panel-packed weights (transpose_b weight).
        FusedMatmulCase{"mk_m13_k65_n48_bias_gelu_residual", {13, 65}, {65, 48}, {13, 48}, false,
                        "gelu", true, true},
        FusedMatmulCase{"mk_m127_k1100_n80_bias_relu", {127, 1100}, {1100, 80}, {127, 80}, false,
                        "relu", true, false},
        FusedMatmulCase{"mk_batched_2x29x33_2x33x32_residual_only", {2, 29, 33}, {2, 33, 32},
                        {2, 29, 32}, false, "none", false, true},
        FusedMatmulCase{"mk_weight_1x29x96_48x96_transpose_b_gelu_tanh", {1, 29, 96}, {48, 96},
                        {1, 29, 48}, true, "gelu_tanh", true, true, true},
        FusedMatmulCase{"mk_weight_1x128x64_64x768_bias_only", {1, 128, 64}, {64, 768},
                        {1, 128, 768}, false, "none", true, false, true}),
    [](const ::testing::TestParamInfo<FusedMatmulCase> &info) { return info.param.name; });

//===----------------------------------------------------------------------===//
// skip_layer_norm
//===----------------------------------------------------------------------===//

struct SkipLayerNormCase {
  std::string name;
  std::vector<int64_t> input, skip, norm; // norm: gamma/beta shape
  int64_t axis = -1;
  bool bias = false;
};
void PrintTo(const SkipLayerNormCase &c, std::ostream *os) { *os << c.name; }

class SkipLayerNorm : public E2ETest, public ::testing::WithParamInterface<SkipLayerNormCase> {};

TEST_P(SkipLayerNorm, MatchesReferenceAndPrimitiveOps) {
  const SkipLayerNormCase &c = GetParam();
  FuncBuilder f;
  const std::string X = tensorType(c.input), S = tensorType(c.skip), G = tensorType(c.norm);
  std::string x = f.arg("x", X), skip = f.arg("skip", S), gamma = f.arg("gamma", G),
              beta = f.arg("beta", G);
  std::string bias = c.bias ? f.arg("bias", G) : "";
  std::string attrs = "{axis = " + std::to_string(c.axis) + " : i64, eps = 1.0e-12 : f32}";
  std::string operands = x + ", " + skip + ", " + gamma + ", " + beta + (c.bias ? " bias " + bias : "");
  std::string types = X + ", " + S + ", " + G + ", " + G + (c.bias ? ", " + G : "");
  f.line("%y, %sum = attune.skip_layer_norm " + operands + " " + attrs + " : (" + types +
         ") -> (" + X + ", " + X + ")");
  f.result("fused", "%y", X);
  f.result("fused_sum", "%sum", X);
  std::string s = f.def("s", "attune.add " + x + ", " + skip + " : (" + X + ", " + S + ") -> " + X);
  if (c.bias)
    s = f.def("sb", "attune.add " + s + ", " + bias + " : (" + X + ", " + G + ") -> " + X);
  std::string ln = f.def("ln", "attune.layer_norm " + s + ", " + gamma + ", " + beta + " " + attrs +
                                   " : (" + X + ", " + G + ", " + G + ") -> " + X);
  f.result("primitive", ln, X);
  f.result("primitive_sum", s, X);

  std::vector<NamedTensor> out;
  ASSERT_NO_FATAL_FAILURE(checkModule("skip_layer_norm", f.str(), {},
                                      {{"x", uniform(-2, 2)}, {"gamma", uniform(0.5f, 1.5f)}}, 81,
                                      &out));
  ASSERT_EQ(out.size(), 4u);
  expectClose(out[0].tensor, out[2].tensor, "compiled skip_layer_norm vs add + layer_norm");
  expectClose(out[1].tensor, out[3].tensor, "compiled skip_layer_norm sum vs add");
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SkipLayerNorm,
    ::testing::Values(
        SkipLayerNormCase{"x3x17x129", {3, 17, 129}, {3, 17, 129}, {129}},
        SkipLayerNormCase{"x1x127_bias", {1, 127}, {1, 127}, {127}, -1, true},
        SkipLayerNormCase{"broadcast_skip_17x129_129", {17, 129}, {129}, {129}},
        SkipLayerNormCase{"axis_minus2_3x17x3_bias", {3, 17, 3}, {3, 17, 3}, {17, 3}, -2, true},
        SkipLayerNormCase{"size1_norm_dim_129x1", {129, 1}, {129, 1}, {1}}),
    [](const ::testing::TestParamInfo<SkipLayerNormCase> &info) { return info.param.name; });

//===----------------------------------------------------------------------===//
// isnan (ONNX IsNaN, SDPA's softmax guard)
//===----------------------------------------------------------------------===//

using IsNan = E2ETest;

TEST_F(IsNan, MatchesReferenceOnNaNsInfsAndNumbers) {
  FuncBuilder f;
  const std::string X = tensorType({3, 17, 129}), M = tensorType({3, 17, 129}, "i1");
  std::string x = f.arg("x", X), y = f.arg("y", X);
  f.result("isnan", f.def("m", "attune.isnan " + x + " : (" + X + ") -> " + M), M);
  // where(isnan(y), 0, y): y has NaNs but no infinities (the comparison
  // helper does not treat inf == inf as close).
  std::string my = f.def("my", "attune.isnan " + y + " : (" + X + ") -> " + M);
  std::string zero = f.def("zero", "attune.constant dense<0.0> : tensor<f32>");
  f.result("guarded", f.def("g", "attune.where " + my + ", " + zero + ", " + y + " : (" + M +
                                     ", tensor<f32>, " + X + ") -> " + X),
           X);
  std::vector<NamedTensor> out;
  ASSERT_NO_FATAL_FAILURE(checkModule(
      "isnan", f.str(), {},
      {{"x", withPrefix({NAN, 1.0, -INFINITY, INFINITY, -0.0, NAN, 3.5}, uniform(-2, 2))},
       {"y", withPrefix({NAN, 1.5, NAN}, uniform(-2, 2))}},
      91, &out));
  ASSERT_EQ(out.size(), 2u);
  const uint8_t *nan = out[0].tensor.data.data();
  EXPECT_EQ(nan[0], 1);
  EXPECT_EQ(nan[1], 0);
  EXPECT_EQ(nan[2], 0);
  EXPECT_EQ(nan[3], 0);
  EXPECT_EQ(nan[5], 1);
  EXPECT_EQ(out[1].tensor.f32()[0], 0.0f);
  EXPECT_EQ(out[1].tensor.f32()[1], 1.5f);
  EXPECT_EQ(out[1].tensor.f32()[2], 0.0f);
}

//===----------------------------------------------------------------------===//
// The fusion passes on the example encoders
//===----------------------------------------------------------------------===//

const std::string kExamples = std::string(ATTUNE_SOURCE_DIR) + "/examples";

struct OpCounts {
  int attention = 0, layerNorm = 0, skipLayerNorm = 0, gelu = 0, softmax = 0, erf = 0,
      reduceMean = 0, fusedMatmul = 0, matmul = 0;
  int layerNorms() const { return layerNorm + skipLayerNorm; }
};

OpCounts countOps(mlir::ModuleOp module) {
  using namespace mlir::attune;
  using mlir::dyn_cast;
  using mlir::isa;
  OpCounts c;
  module.walk([&](mlir::Operation *op) {
    if (isa<AttentionOp>(op))
      ++c.attention;
    else if (isa<LayerNormOp>(op))
      ++c.layerNorm;
    else if (isa<SkipLayerNormOp>(op))
      ++c.skipLayerNorm;
    else if (isa<GeluOp>(op))
      ++c.gelu;
    else if (auto fm = dyn_cast<FusedMatmulOp>(op)) {
      ++c.fusedMatmul;
      if (fm.getActivation().starts_with("gelu"))
        ++c.gelu;
    } else if (isa<SoftmaxOp>(op))
      ++c.softmax;
    else if (isa<ErfOp>(op))
      ++c.erf;
    else if (isa<ReduceMeanOp>(op))
      ++c.reduceMean;
    else if (isa<MatmulOp>(op))
      ++c.matmul;
  });
  return c;
}

std::vector<NamedTensor> exampleInputs() {
  std::vector<int64_t> ids(16), mask(16, 1);
  for (int i = 0; i < 16; ++i)
    ids[i] = (i * 37 + 5) % 512;
  for (int i = 12; i < 16; ++i)
    mask[i] = 0;
  return {{"input_ids", Tensor::fromI64({1, 16}, ids)},
          {"attention_mask", Tensor::fromI64({1, 16}, mask)}};
}

using Fusion = E2ETest;

TEST_F(Fusion, PrimitiveEncoderFusesLikeTheFusedOne) {
  OpCounts counts[2];
  const std::string files[2] = {kExamples + "/encoder_fused.json",
                                kExamples + "/encoder_primitive.json"};
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(files[i]);
    auto loaded = loadModel(*ctx_, files[i], "");
    ASSERT_TRUE(static_cast<bool>(loaded)) << llvm::toString(loaded.takeError());
    mlir::ModuleOp module = *loaded->module;
    auto fn = module.lookupSymbol<mlir::func::FuncOp>("main");
    std::vector<Tensor> args;
    for (const NamedTensor &t : exampleInputs())
      args.push_back(t.tensor);
    auto before = ref::interpret(fn, args, &loaded->weights);
    ASSERT_TRUE(static_cast<bool>(before)) << llvm::toString(before.takeError());

    llvm::Error err = lowerTo(module, mlir::attune::Phase::Import, mlir::attune::Phase::Fused,
                              mlir::attune::TargetOptions());
    ASSERT_FALSE(err) << llvm::toString(std::move(err));
    counts[i] = countOps(module);

    fn = module.lookupSymbol<mlir::func::FuncOp>("main");
    auto after = ref::interpret(fn, args, &loaded->weights);
    ASSERT_TRUE(static_cast<bool>(after)) << llvm::toString(after.takeError());
    ASSERT_EQ(before->size(), after->size());
    for (size_t r = 0; r < after->size(); ++r)
      expectClose((*after)[r], (*before)[r], "reference after vs before the fused phase");
  }
  const OpCounts &fused = counts[0], &prim = counts[1];
  EXPECT_EQ(prim.attention, fused.attention);
  EXPECT_EQ(prim.layerNorms(), fused.layerNorms());
  EXPECT_EQ(prim.skipLayerNorm, fused.skipLayerNorm);
  EXPECT_EQ(prim.gelu, fused.gelu);
  EXPECT_EQ(prim.fusedMatmul, fused.fusedMatmul);
  // The 2-layer encoder: one attention and one GELU per layer, a layer norm
  // after the embeddings and two per layer.
  EXPECT_EQ(prim.attention, 2);
  EXPECT_EQ(prim.layerNorms(), 5);
  EXPECT_EQ(prim.gelu, 2);
  EXPECT_EQ(prim.softmax, 0);
  EXPECT_EQ(prim.erf, 0);
  EXPECT_EQ(prim.reduceMean, 0);
}

/// Runs the fusion passes with `report` on `module` and returns the report.
mlir::attune::FusionReport fusionReport(mlir::MLIRContext &ctx, mlir::ModuleOp module) {
  mlir::attune::FusionReport report;
  mlir::PassManager pm(&ctx, mlir::ModuleOp::getOperationName());
  mlir::attune::addFusionPasses(pm, /*report=*/true);
  mlir::attune::FusionReportCollector collector(ctx, report);
  EXPECT_TRUE(mlir::succeeded(pm.run(module)));
  return report;
}

/// The same through runFusionPasses (the entry point for `attune inspect`).
mlir::attune::FusionReport fusionReport(mlir::MLIRContext &ctx, const std::string &mlir) {
  auto module = mlir::parseSourceString<mlir::ModuleOp>(mlir, &ctx);
  EXPECT_TRUE(module) << "cannot parse:\n" << mlir;
  if (!module)
    return {};
  mlir::FailureOr<mlir::attune::FusionReport> report = mlir::attune::runFusionPasses(*module);
  EXPECT_TRUE(mlir::succeeded(report));
  return mlir::succeeded(report) ? *report : mlir::attune::FusionReport();
}

TEST_F(Fusion, ReportCountsFusedSitesAndExplainsMisses) {
  auto loaded = loadModel(*ctx_, kExamples + "/encoder_primitive.json", "");
  ASSERT_TRUE(static_cast<bool>(loaded)) << llvm::toString(loaded.takeError());
  mlir::attune::FusionReport report = fusionReport(*ctx_, *loaded->module);
  EXPECT_EQ(report.count("attention").fused, 2);
  EXPECT_EQ(report.count("attention").missed, 0);
  EXPECT_EQ(report.count("softmax").fused, 2);
  EXPECT_EQ(report.count("gelu").fused, 2);
  EXPECT_EQ(report.count("layer_norm").fused, 5);
  // The embeddings sum and the two residual adds per layer.
  EXPECT_EQ(report.count("skip_layer_norm").fused, 5);
  EXPECT_GE(report.count("fused_matmul").fused, 1);
  EXPECT_TRUE(report.misses().empty()) << report.str();
  // Every site is named after its JSON node; the scope drops nothing from a
  // dotted name without '/'.
  bool sawLayer0 = false;
  for (const mlir::attune::FusionSite &s : report.sites())
    if (s.pattern == "attention" && s.node.rfind("l0.", 0) == 0)
      sawLayer0 = true;
  EXPECT_TRUE(sawLayer0) << report.str();

  // A deliberately broken attention: the softmax runs over the query axis.
  const std::string broken = R"mlir(
func.func @main(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %s = attune.matmul %q, %k {transpose_b} : (tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x8x8xf32> loc("/encoder/layer.0/attention/self/MatMul")
  %p = attune.softmax %s {axis = 2 : i64} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> loc("/encoder/layer.0/attention/self/Softmax")
  %o = attune.matmul %p, %v : (tensor<1x4x8x8xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}
)mlir";
  mlir::attune::FusionReport miss = fusionReport(*ctx_, broken);
  EXPECT_EQ(miss.count("attention").fused, 0);
  EXPECT_EQ(miss.count("attention").missed, 1);
  ASSERT_EQ(miss.misses().size(), 1u) << miss.str();
  const mlir::attune::FusionSite &m = miss.misses()[0];
  EXPECT_EQ(m.pattern, "attention");
  EXPECT_EQ(m.node, "/encoder/layer.0/attention/self/Softmax");
  EXPECT_EQ(m.scope, "/encoder/layer.0/attention/self");
  EXPECT_NE(m.reason.find("axis 2"), std::string::npos) << m.reason;
}

} // namespace

//===----------------------------------------------------------------------===//
// What today's exporters write: torch.onnx.export of the HF fixtures
//===----------------------------------------------------------------------===//

const std::string kOnnxFixtures = std::string(ATTUNE_SOURCE_DIR) + "/tests/fixtures/onnx";

struct OnnxCase {
  std::string file; // tests/fixtures/onnx/<file>.onnx
  int layerNorms, gelus;
};
void PrintTo(const OnnxCase &c, std::ostream *os) { *os << c.file; }

class OnnxExports : public E2ETest, public ::testing::WithParamInterface<OnnxCase> {};

TEST_P(OnnxExports, FuseCompletelyWithoutMisses) {
  const OnnxCase &p = GetParam();
  const std::string file = kOnnxFixtures + "/" + p.file + ".onnx";
  if (!onnxImporterAvailable())
    GTEST_SKIP() << "this build has no ONNX importer (configured with -DATTUNE_ENABLE_ONNX=OFF)";
  ModelOptions options;
  options.seqLen = 8;
  auto loaded = loadModel(*ctx_, file, "", options);
  ASSERT_TRUE(bool(loaded)) << llvm::toString(loaded.takeError());
  mlir::ModuleOp module = *loaded->module;
  llvm::Error err = lowerTo(module, mlir::attune::Phase::Graph, mlir::attune::TargetOptions());
  ASSERT_FALSE(err) << llvm::toString(std::move(err));
  mlir::FailureOr<mlir::attune::FusionReport> report = mlir::attune::runFusionPasses(module);
  ASSERT_TRUE(mlir::succeeded(report));
  SCOPED_TRACE(report->str());
  OpCounts c = countOps(module);
  // Two layers: two attentions, one GELU each (+ the MLM head's), layer
  // norms after the embeddings and twice per layer (+ the MLM head's; GPT-2:
  // twice per layer and a final one).
  EXPECT_EQ(report->count("attention").fused, 2);
  EXPECT_EQ(c.attention, 2);
  EXPECT_EQ(c.layerNorms(), p.layerNorms);
  EXPECT_EQ(c.gelu, p.gelus);
  EXPECT_EQ(c.softmax, 0);
  EXPECT_EQ(c.erf, 0);
  EXPECT_EQ(c.reduceMean, 0);
  EXPECT_TRUE(report->misses().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, OnnxExports,
    ::testing::Values(OnnxCase{"bert.torchscript", 6, 3}, OnnxCase{"bert.dynamo", 6, 3},
                      OnnxCase{"bert_pooler.torchscript", 5, 2},
                      OnnxCase{"bert_pooler.dynamo", 5, 2},
                      OnnxCase{"roberta.torchscript", 6, 3}, OnnxCase{"roberta.dynamo", 6, 3},
                      OnnxCase{"distilbert.torchscript", 6, 3},
                      OnnxCase{"distilbert.dynamo", 6, 3}, OnnxCase{"gpt2.torchscript", 5, 2},
                      OnnxCase{"gpt2.dynamo", 5, 2}),
    [](const ::testing::TestParamInfo<OnnxCase> &info) {
      std::string n = info.param.file;
      std::replace(n.begin(), n.end(), '.', '_');
      return n;
    });
