//===- multi_test.cpp - Runtime of multi-entry libraries (ABI 2) ----------===//
//
// Runs the runtime's bucket dispatch and decoder on fake libraries
// (fake_multi.c) whose kernels compute values that reveal what the runtime
// did: which bucket ran, whether the padding was zero and masked, whether
// the KV cache handed to each decode step holds exactly the tokens fed so
// far. Built in the sanitizer job too, so every path here runs under ASan and
// UBSan.
//===----------------------------------------------------------------------===//
#include "attune/runtime.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

struct Api {
  void *h = nullptr;
  decltype(&attune_model_load) load;
  decltype(&attune_model_run) run;
  decltype(&attune_model_free) free;
  decltype(&attune_last_error) lastError;
  decltype(&attune_model_seq_lens) seqLens;
  decltype(&attune_model_seq_dim) seqDim;
  decltype(&attune_decoder_create) create;
  decltype(&attune_decoder_feed) feed;
  decltype(&attune_decoder_length) length;
  decltype(&attune_decoder_capacity) capacity;
  decltype(&attune_decoder_vocab_size) vocab;
  decltype(&attune_decoder_reset) reset;
  decltype(&attune_decoder_free) dfree;
  attune_model *m = nullptr;

  explicit Api(const char *path) {
    h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h)
      throw std::runtime_error(dlerror());
    auto s = [&](auto &f, const char *name) {
      f = reinterpret_cast<std::remove_reference_t<decltype(f)>>(dlsym(h, name));
      if (!f)
        throw std::runtime_error(std::string("missing ") + name);
    };
    s(load, "attune_model_load");
    s(run, "attune_model_run");
    s(free, "attune_model_free");
    s(lastError, "attune_last_error");
    s(seqLens, "attune_model_seq_lens");
    s(seqDim, "attune_model_seq_dim");
    s(create, "attune_decoder_create");
    s(feed, "attune_decoder_feed");
    s(length, "attune_decoder_length");
    s(capacity, "attune_decoder_capacity");
    s(vocab, "attune_decoder_vocab_size");
    s(reset, "attune_decoder_reset");
    s(dfree, "attune_decoder_free");
    if (load(nullptr, &m) != ATTUNE_OK)
      throw std::runtime_error(lastError());
  }
  ~Api() {
    free(m);
    dlclose(h);
  }
};

attune_tensor tensor(const char *name, attune_dtype t, std::vector<int64_t> shape, void *data) {
  attune_tensor x{};
  x.name = name;
  x.dtype = t;
  x.rank = static_cast<int32_t>(shape.size());
  for (size_t i = 0; i < shape.size(); ++i)
    x.shape[i] = shape[i];
  x.data = data;
  return x;
}

struct BucketRun {
  std::vector<int64_t> ids, mask;
  std::vector<float> y, total = std::vector<float>(2, -1), bucket = std::vector<float>(1, -1);
  attune_status status;
};

BucketRun runBuckets(Api &a, int64_t len, int64_t outLen = -1) {
  BucketRun r;
  if (outLen < 0)
    outLen = len;
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t s = 0; s < len; ++s) {
      r.ids.push_back(1 + (b * 7 + s) % 9);
      r.mask.push_back(s + b < len ? 1 : 0); // second row: last token masked
    }
  r.y.assign(2 * outLen * 3, -1);
  attune_tensor in[2] = {tensor("ids", ATTUNE_I64, {2, len}, r.ids.data()),
                         tensor("mask", ATTUNE_I64, {2, len}, r.mask.data())};
  attune_tensor out[3] = {tensor("y", ATTUNE_F32, {2, outLen, 3}, r.y.data()),
                          tensor("total", ATTUNE_F32, {2}, r.total.data()),
                          tensor("bucket", ATTUNE_F32, {1}, r.bucket.data())};
  r.status = a.run(a.m, in, 2, out, 3);
  return r;
}

TEST(RuntimeBuckets, DescribesItsBuckets) {
  Api a(FAKE_BUCKETS_SO);
  const int64_t *lens = nullptr;
  ASSERT_EQ(a.seqLens(a.m, &lens), 2u);
  EXPECT_EQ(lens[0], 4);
  EXPECT_EQ(lens[1], 8);
  EXPECT_EQ(a.seqDim(a.m, 0, 0), 1);
  EXPECT_EQ(a.seqDim(a.m, 1, 0), 1);
  EXPECT_EQ(a.seqDim(a.m, 1, 1), -1);
  EXPECT_EQ(a.seqDim(a.m, 1, 7), -1); // out of range
}

TEST(RuntimeBuckets, RunsTheSmallestBucketThatHoldsTheLength) {
  Api a(FAKE_BUCKETS_SO);
  for (int64_t len = 1; len <= 8; ++len) {
    SCOPED_TRACE("length " + std::to_string(len));
    BucketRun r = runBuckets(a, len);
    ASSERT_EQ(r.status, ATTUNE_OK) << a.lastError();
    EXPECT_EQ(r.bucket[0], len <= 4 ? 4.0f : 8.0f);
    for (int64_t b = 0; b < 2; ++b) {
      float want = 0;
      for (int64_t s = 0; s < len; ++s) {
        want += static_cast<float>(r.ids[b * len + s] * r.mask[b * len + s]);
        for (int k = 0; k < 3; ++k)
          EXPECT_EQ(r.y[(b * len + s) * 3 + k], static_cast<float>(r.ids[b * len + s] * (k + 1)));
      }
      EXPECT_EQ(r.total[b], want) << "padding must be zero";
    }
  }
}

TEST(RuntimeBuckets, RejectsBadLengths) {
  Api a(FAKE_BUCKETS_SO);
  BucketRun r = runBuckets(a, 9);
  EXPECT_EQ(r.status, ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(a.lastError()).find("sequence length 9 (dimension 1) is outside [1, 8]"),
            std::string::npos)
      << a.lastError();
  r = runBuckets(a, 5, 6); // output length differs from the inputs'
  EXPECT_EQ(r.status, ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(a.lastError()).find("output 'y': sequence length 6 differs from the 5"),
            std::string::npos)
      << a.lastError();
  std::vector<int64_t> ids(2 * 3, 10); // token id == max_value
  std::vector<int64_t> mask(2 * 3, 1);
  std::vector<float> y(2 * 3 * 3), total(2), bucket(1);
  attune_tensor in[2] = {tensor("ids", ATTUNE_I64, {2, 3}, ids.data()),
                         tensor("mask", ATTUNE_I64, {2, 3}, mask.data())};
  attune_tensor out[3] = {tensor("y", ATTUNE_F32, {2, 3, 3}, y.data()),
                          tensor("total", ATTUNE_F32, {2}, total.data()),
                          tensor("bucket", ATTUNE_F32, {1}, bucket.data())};
  EXPECT_EQ(a.run(a.m, in, 2, out, 3), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(a.lastError()).find("expected a value in [0,10)"), std::string::npos)
      << a.lastError();
  in[0].shape[0] = 3; // a non-sequence dim must match exactly
  EXPECT_EQ(a.run(a.m, in, 2, out, 3), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(a.run(a.m, nullptr, 2, out, 3), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(a.run(a.m, in, 1, out, 3), ATTUNE_ERR_INVALID_ARGUMENT);
}

std::vector<float> expectedLogits(float sum) {
  return {sum, 2 * sum, 3 * sum, 4 * sum};
}

TEST(RuntimeDecoder, FeedsPrefillThenDecodeStepsOverItsCache) {
  Api a(FAKE_DECODER_SO);
  attune_decoder *d = nullptr;
  ASSERT_EQ(a.create(a.m, &d), ATTUNE_OK) << a.lastError();
  EXPECT_EQ(a.capacity(d), 6u);
  EXPECT_EQ(a.vocab(d), 4u);
  std::vector<float> logits(4);
  int64_t two[] = {1, 2};
  ASSERT_EQ(a.feed(d, two, 2, logits.data()), ATTUNE_OK) << a.lastError(); // prefill
  EXPECT_EQ(logits, expectedLogits(3));
  EXPECT_EQ(a.length(d), 2u);
  int64_t three = 3;
  ASSERT_EQ(a.feed(d, &three, 1, logits.data()), ATTUNE_OK) << a.lastError(); // decode
  EXPECT_EQ(logits, expectedLogits(6));
  int64_t ones[] = {1, 1, 1};
  ASSERT_EQ(a.feed(d, ones, 3, logits.data()), ATTUNE_OK) << a.lastError();
  EXPECT_EQ(logits, expectedLogits(9));
  EXPECT_EQ(a.length(d), 6u);
  // Full: refused, state unchanged.
  int64_t one = 1;
  EXPECT_EQ(a.feed(d, &one, 1, logits.data()), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(a.lastError()).find("exceed the compiled context length"),
            std::string::npos)
      << a.lastError();
  EXPECT_EQ(a.length(d), 6u);
  // Reset, then a prompt longer than the prefill (3 at once + 1 step).
  a.reset(d);
  EXPECT_EQ(a.length(d), 0u);
  int64_t four[] = {2, 0, 3, 1};
  ASSERT_EQ(a.feed(d, four, 4, logits.data()), ATTUNE_OK) << a.lastError();
  EXPECT_EQ(logits, expectedLogits(6));
  // A single first token goes through the decode step with an empty cache.
  a.reset(d);
  ASSERT_EQ(a.feed(d, &three, 1, logits.data()), ATTUNE_OK) << a.lastError();
  EXPECT_EQ(logits, expectedLogits(3));
  // Bad ids: refused before anything runs.
  int64_t bad[] = {1, 4};
  EXPECT_EQ(a.feed(d, bad, 2, logits.data()), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(a.lastError()).find("token 1 has id 4, expected a value in [0,4)"),
            std::string::npos)
      << a.lastError();
  EXPECT_EQ(a.length(d), 1u);
  int64_t neg = -1;
  EXPECT_EQ(a.feed(d, &neg, 1, nullptr), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(a.feed(d, nullptr, 1, nullptr), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(a.feed(d, &one, 0, nullptr), ATTUNE_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(a.feed(d, &one, 1, nullptr), ATTUNE_OK); // logits optional
  EXPECT_EQ(a.length(d), 2u);
  a.dfree(d);
}

TEST(RuntimeDecoder, DecodersOnOneModelAreIndependent) {
  Api a(FAKE_DECODER_SO);
  attune_decoder *d1 = nullptr, *d2 = nullptr;
  ASSERT_EQ(a.create(a.m, &d1), ATTUNE_OK);
  ASSERT_EQ(a.create(a.m, &d2), ATTUNE_OK);
  std::vector<float> l1(4), l2(4);
  int64_t p1[] = {1, 1}, p2[] = {3, 3, 3};
  ASSERT_EQ(a.feed(d1, p1, 2, l1.data()), ATTUNE_OK);
  ASSERT_EQ(a.feed(d2, p2, 3, l2.data()), ATTUNE_OK);
  int64_t two = 2;
  ASSERT_EQ(a.feed(d1, &two, 1, l1.data()), ATTUNE_OK);
  ASSERT_EQ(a.feed(d2, &two, 1, l2.data()), ATTUNE_OK);
  EXPECT_EQ(l1, expectedLogits(4));
  EXPECT_EQ(l2, expectedLogits(11));
  a.dfree(d1);
  a.dfree(d2);
}

} // namespace
