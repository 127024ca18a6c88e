//===- MultiEntryTest.cpp - seq-length buckets and KV-cached decoding -----===//
//
// Libraries with several entry points (ABI 2):
//  - `--seq-lens`: one .so holding a specialization per length. A run at the
//    largest length must match PyTorch (fixture, max |Δ| <= 1e-4); a run at
//    a shorter length L (padded by the runtime to the next bucket) must match
//    a library compiled for exactly L (|Δ| <= 1e-5: padding is masked, only
//    summation order may differ); lengths above the largest are refused.
//  - GPT-2 incremental decoding: greedy generation through attune_decoder_*
//    must produce PyTorch's tokens (transformers' generate with its KV cache)
//    and each step's logits within 1e-4, whether the prompt runs through the
//    prefill entry at once or partly through decode steps; bad token ids and
//    a full cache are errors that leave no partial state.
//
//===----------------------------------------------------------------------===//
#include "attune/Tools/CompileDriver.h"
#include "attune/Tools/RunDriver.h"
#include "NpyTensor.h"
#include "attune/formats/Npy.h"

#include "llvm/Support/FileSystem.h"
#include "gtest/gtest.h"
#include <cmath>

using namespace attune;

namespace {

const std::string kFixtures = ATTUNE_FIXTURES_DIR;

ref::Tensor readNpy(const std::string &path) { return attune::test_support::readNpyTensor(path); }

class TempDir {
public:
  TempDir() {
    llvm::SmallString<128> dir;
    EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("attune-multi", dir));
    path = dir.str().str();
  }
  ~TempDir() { llvm::sys::fs::remove_directories(path); }
  std::string path;
};

std::string compileOrFail(CompileOptions o) {
  std::string log;
  llvm::raw_string_ostream los(log);
  llvm::Error err = compile(o, los);
  return err ? llvm::toString(std::move(err)) : "";
}

double maxAbsDiff(const ref::Tensor &a, const ref::Tensor &b) {
  EXPECT_EQ(a.shape, b.shape);
  if (a.shape != b.shape)
    return INFINITY;
  double m = 0;
  for (int64_t i = 0; i < a.numElements(); ++i)
    m = std::max(m, (double)std::fabs(a.f32()[i] - b.f32()[i]));
  return m;
}

/// The first `len` columns of a [B, S] tensor.
ref::Tensor prefix(const ref::Tensor &t, int64_t len) {
  int64_t b = t.shape[0], s = t.shape[1];
  ref::Tensor out = ref::Tensor::zeros(t.type, {b, len});
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < len; ++j)
      out.i64()[i * len + j] = t.i64()[i * s + j];
  return out;
}

std::map<std::string, ref::Tensor> byName(std::vector<NamedTensor> outs) {
  std::map<std::string, ref::Tensor> m;
  for (NamedTensor &t : outs)
    m[t.name] = std::move(t.tensor);
  return m;
}

TEST(SeqBuckets, DispatchesToTheSmallestBucketAndMatches) {
  std::string dir = kFixtures + "/hf/bert";
  TempDir tmp;
  CompileOptions o;
  o.model = dir;
  o.modelOptions.batch = 2;
  o.seqLens = {16, 5, 8}; // unsorted on purpose
  o.output = tmp.path + "/buckets.so";
  ASSERT_EQ(compileOrFail(o), "");
  auto lib = LoadedLibrary::open(o.output);
  ASSERT_TRUE(bool(lib)) << llvm::toString(lib.takeError());
  EXPECT_EQ((*lib)->seqLens(), (std::vector<int64_t>{5, 8, 16}));

  ref::Tensor ids = readNpy(dir + "/inputs/input_ids.npy");
  ref::Tensor mask = readNpy(dir + "/inputs/attention_mask.npy");
  ref::Tensor types = readNpy(dir + "/inputs/token_type_ids.npy");
  // Full length (the largest bucket) vs PyTorch.
  auto full = (*lib)->run({{"input_ids", ids}, {"attention_mask", mask}, {"token_type_ids", types}});
  ASSERT_TRUE(bool(full)) << llvm::toString(full.takeError());
  auto fullOut = byName(std::move(*full));
  double d = maxAbsDiff(fullOut["last_hidden_state"],
                        readNpy(dir + "/expected/last_hidden_state.npy"));
  EXPECT_LE(d, 1e-4);
  EXPECT_LE(maxAbsDiff(fullOut["logits"], readNpy(dir + "/expected/logits.npy")), 1e-4);

  // Shorter lengths: padded to the next bucket (6 -> 8, 3 -> 5, 11 -> 16) vs
  // libraries compiled for exactly that length.
  for (int64_t len : {6, 3, 11}) {
    SCOPED_TRACE("length " + std::to_string(len));
    std::vector<NamedTensor> in = {{"input_ids", prefix(ids, len)},
                                   {"attention_mask", prefix(mask, len)},
                                   {"token_type_ids", prefix(types, len)}};
    auto got = (*lib)->run(in);
    ASSERT_TRUE(bool(got)) << llvm::toString(got.takeError());
    CompileOptions e = o;
    e.seqLens.clear();
    e.modelOptions.seqLen = len;
    e.output = tmp.path + "/exact" + std::to_string(len) + ".so";
    ASSERT_EQ(compileOrFail(e), "");
    auto want = runLibrary(e.output, in);
    ASSERT_TRUE(bool(want)) << llvm::toString(want.takeError());
    auto g = byName(std::move(*got)), w = byName(std::move(*want));
    ASSERT_EQ(g.size(), w.size());
    for (auto &[name, t] : w) {
      EXPECT_EQ(g[name].shape, t.shape) << name;
      EXPECT_LE(maxAbsDiff(g[name], t), 1e-5) << name;
    }
  }

  // Longer than the largest bucket: refused with the limit in the message.
  ref::Tensor longIds = ref::Tensor::zeros(ElementType::I64, {2, 17});
  auto bad = (*lib)->run({{"input_ids", longIds}, {"attention_mask", longIds},
                          {"token_type_ids", longIds}});
  ASSERT_FALSE(bool(bad));
  std::string msg = llvm::toString(bad.takeError());
  EXPECT_NE(msg.find("sequence length 17 (dimension 1) is outside [1, 16]"), std::string::npos)
      << msg;
  // Inconsistent lengths across inputs.
  auto mixed = (*lib)->run({{"input_ids", prefix(ids, 6)}, {"attention_mask", prefix(mask, 7)},
                            {"token_type_ids", prefix(types, 6)}});
  ASSERT_FALSE(bool(mixed));
  msg = llvm::toString(mixed.takeError());
  EXPECT_NE(msg.find("sequence length 7 differs"), std::string::npos) << msg;
}

TEST(SeqBuckets, NeedsAModelWithAChoosableLength) {
  TempDir tmp;
  CompileOptions o;
  o.model = std::string(ATTUNE_SOURCE_DIR) + "/examples/encoder_fused.json";
  o.seqLens = {8, 16};
  o.output = tmp.path + "/m.so";
  std::string err = compileOrFail(o);
  EXPECT_NE(err.find("--seq-lens needs a model whose sequence length is chosen at compile time"),
            std::string::npos)
      << err;
}

struct Gpt2 {
  std::string dir = kFixtures + "/hf/gpt2";
  std::vector<int64_t> prompt;
  std::vector<int64_t> expectedIds;
  ref::Tensor expectedLogits; // [steps, vocab]
  Gpt2() {
    ref::Tensor p = readNpy(dir + "/expected/generate_prompt_ids.npy");
    prompt.assign(p.i64(), p.i64() + p.numElements());
    ref::Tensor g = readNpy(dir + "/expected/generated_ids.npy");
    expectedIds.assign(g.i64(), g.i64() + g.numElements());
    expectedLogits = readNpy(dir + "/expected/generated_logits.npy");
  }
};

void checkGeneration(const std::string &lib, const Gpt2 &ref) {
  auto l = LoadedLibrary::open(lib);
  ASSERT_TRUE(bool(l)) << llvm::toString(l.takeError());
  ASSERT_TRUE((*l)->hasDecoder());
  int64_t steps = static_cast<int64_t>(ref.expectedIds.size());
  auto g = (*l)->generate(ref.prompt, steps);
  ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
  EXPECT_EQ(g->tokens, ref.expectedIds);
  int64_t vocab = ref.expectedLogits.shape[1];
  ASSERT_EQ(static_cast<int64_t>(g->logits.size()), steps);
  double d = 0;
  for (int64_t s = 0; s < steps; ++s) {
    ASSERT_EQ(static_cast<int64_t>(g->logits[s].size()), vocab);
    for (int64_t v = 0; v < vocab; ++v)
      d = std::max(d, (double)std::fabs(g->logits[s][v] - ref.expectedLogits.f32()[s * vocab + v]));
  }
  EXPECT_LE(d, 1e-4);
  printf("gpt2 generation: %lld tokens, max |attune - torch| logits = %.3g\n", (long long)steps, d);
}

TEST(Decoder, GreedyGenerationMatchesPyTorch) {
  Gpt2 ref;
  TempDir tmp;
  CompileOptions o;
  o.model = ref.dir;
  o.modelOptions.seqLen = 16; // prompt (5 tokens) fits the prefill entry
  o.output = tmp.path + "/gpt2.so";
  ASSERT_EQ(compileOrFail(o), "");
  checkGeneration(o.output, ref);

  // A prefill shorter than the prompt: 3 tokens at once, the rest one by one.
  o.modelOptions.seqLen = 3;
  o.contextLen = 24;
  o.output = tmp.path + "/gpt2-short.so";
  ASSERT_EQ(compileOrFail(o), "");
  checkGeneration(o.output, ref);
}

TEST(Decoder, RejectsBadTokensAndAFullCache) {
  Gpt2 ref;
  TempDir tmp;
  CompileOptions o;
  o.model = ref.dir;
  o.modelOptions.seqLen = 4;
  o.contextLen = 8;
  o.output = tmp.path + "/gpt2.so";
  ASSERT_EQ(compileOrFail(o), "");
  auto l = LoadedLibrary::open(o.output);
  ASSERT_TRUE(bool(l)) << llvm::toString(l.takeError());
  // 5 prompt tokens + 4 new ones need 9 > 8 positions: the 4th step fails.
  auto g = (*l)->generate(ref.prompt, 5);
  ASSERT_FALSE(bool(g));
  std::string msg = llvm::toString(g.takeError());
  EXPECT_NE(msg.find("exceed the compiled context length"), std::string::npos) << msg;
  // 5 + 3 fits exactly.
  auto ok = (*l)->generate(ref.prompt, 4);
  ASSERT_TRUE(bool(ok)) << llvm::toString(ok.takeError());
  EXPECT_EQ(std::vector<int64_t>(ref.expectedIds.begin(), ref.expectedIds.begin() + 4), ok->tokens);
  // A token id outside the vocabulary.
  auto bad = (*l)->generate({1, 2, 1224}, 1);
  ASSERT_FALSE(bool(bad));
  msg = llvm::toString(bad.takeError());
  EXPECT_NE(msg.find("token 2 has id 1224, expected a value in [0,1224)"), std::string::npos)
      << msg;
}

TEST(Decoder, BucketsAndBatchesHaveNoDecoder) {
  Gpt2 ref;
  TempDir tmp;
  CompileOptions o;
  o.model = ref.dir;
  o.modelOptions.batch = 2;
  o.modelOptions.seqLen = 8;
  o.output = tmp.path + "/gpt2-b2.so";
  ASSERT_EQ(compileOrFail(o), "");
  auto l = LoadedLibrary::open(o.output);
  ASSERT_TRUE(bool(l)) << llvm::toString(l.takeError());
  EXPECT_FALSE((*l)->hasDecoder());
  auto g = (*l)->generate(ref.prompt, 2);
  ASSERT_FALSE(bool(g));
  std::string msg = llvm::toString(g.takeError());
  EXPECT_NE(msg.find("has no incremental decoding entry"), std::string::npos) << msg;

  o.modelOptions.batch = 1;
  o.contextLen = 4;
  o.output = tmp.path + "/gpt2-ctx.so";
  std::string err = compileOrFail(o);
  EXPECT_NE(err.find("--context 4 is shorter than --seq-len 8"), std::string::npos) << err;
}

} // namespace
