//===- tests/unit/runtime/info_test.cpp - Signature, info and the .so -----===//
//
// The describing functions (signature JSON, counts, input/output info,
// version), which symbols the fake model .so exports (the runtime.h API
// only, never attune_rt_*), and its DT_NEEDED entries, read with
// tests/unit/support/ElfNeeded.h.
//===----------------------------------------------------------------------===//
#include "fake_lib.h"
#include "ElfNeeded.h"

#include <gtest/gtest.h>

#include <set>

namespace {

struct Loaded {
  explicit Loaded(FakeLib &lib, const char *path = nullptr) : lib(lib) {
    if (lib.load(path, &m) != ATTUNE_OK)
      throw std::runtime_error(lib.lastError());
  }
  ~Loaded() { lib.free(m); }
  FakeLib &lib;
  attune_model *m = nullptr;
};

TEST(RuntimeInfo, SignatureProvidedByGeneratedCode) {
  Loaded l(embeddedLib());
  EXPECT_STREQ(l.lib.signature(l.m), "{\"model\": \"fake_embedded\", \"provided\": true}");
}

TEST(RuntimeInfo, SignatureGeneratedFromMetadata) {
  std::string path = std::string("/tmp/attune_rt_sig_") + std::to_string(getpid()) + ".weights";
  writeWeights(path, fakeWeightsId());
  Loaded l(sidecarLib(), path.c_str());
  std::remove(path.c_str());
  EXPECT_STREQ(l.lib.signature(l.m),
               "{\"model\": \"fake_sidecar\", \"inputs\": ["
               "{\"name\": \"x\", \"dtype\": \"f32\", \"shape\": [8, 16]}, "
               "{\"name\": \"ids\", \"dtype\": \"i64\", \"shape\": [8], \"max_value\": 5}], "
               "\"outputs\": [{\"name\": \"y\", \"dtype\": \"f32\", \"shape\": [8, 16]}]}");
}

TEST(RuntimeInfo, SignatureOfNullModelIsEmpty) {
  EXPECT_STREQ(embeddedLib().signature(nullptr), "");
}

TEST(RuntimeInfo, Counts) {
  Loaded l(embeddedLib());
  EXPECT_EQ(l.lib.numInputs(l.m), 2u);
  EXPECT_EQ(l.lib.numOutputs(l.m), 1u);
  EXPECT_EQ(l.lib.numInputs(nullptr), 0u);
  EXPECT_EQ(l.lib.numOutputs(nullptr), 0u);
}

TEST(RuntimeInfo, InputAndOutputInfo) {
  Loaded l(embeddedLib());
  attune_tensor t;
  std::memset(&t, 0x5a, sizeof t);
  ASSERT_EQ(l.lib.inputInfo(l.m, 1, &t), ATTUNE_OK);
  EXPECT_STREQ(t.name, "ids");
  EXPECT_EQ(t.dtype, ATTUNE_I64);
  EXPECT_EQ(t.rank, 1);
  EXPECT_EQ(t.shape[0], FAKE_ROWS);
  EXPECT_EQ(t.shape[1], 0);
  EXPECT_EQ(t.data, nullptr);
  ASSERT_EQ(l.lib.outputInfo(l.m, 0, &t), ATTUNE_OK);
  EXPECT_STREQ(t.name, "y");
  EXPECT_EQ(t.dtype, ATTUNE_F32);
  EXPECT_EQ(t.rank, 2);
  EXPECT_EQ(t.shape[0], FAKE_ROWS);
  EXPECT_EQ(t.shape[1], FAKE_COLS);
}

TEST(RuntimeInfo, InfoRejectsBadArguments) {
  Loaded l(embeddedLib());
  attune_tensor t;
  EXPECT_EQ(l.lib.inputInfo(l.m, 2, &t), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(l.lib.lastError()).find("input index 2 out of range"), std::string::npos)
      << l.lib.lastError();
  EXPECT_EQ(l.lib.outputInfo(l.m, 1, &t), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(l.lib.inputInfo(nullptr, 0, &t), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(l.lib.outputInfo(l.m, 0, nullptr), ATTUNE_ERR_INVALID_ARGUMENT);
}

TEST(RuntimeInfo, Version) {
  EXPECT_STREQ(embeddedLib().version(), "attune 0.1.0 abi 2");
}

TEST(RuntimeInfo, SetNumThreadsRejectsInvalid) {
  FakeLib &lib = embeddedLib();
  EXPECT_EQ(lib.setNumThreads(0), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(lib.lastError()).find("found 0"), std::string::npos);
  EXPECT_EQ(lib.setNumThreads(-3), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lib.setNumThreads(2), ATTUNE_OK);
}

TEST(RuntimeSharedLibrary, ExportsApiButNotRuntimeInternals) {
  for (FakeLib *lib : {&embeddedLib(), &sidecarLib()}) {
    for (const char *hidden : {"attune_rt_parallel_for", "attune_rt_alloc", "attune_rt_free",
                               "attune_rt_fail", "attune_rt_validate", "attune_rt_weights_open"})
      EXPECT_EQ(dlsym(lib->handle, hidden), nullptr) << hidden << " is exported";
    EXPECT_NE(dlsym(lib->handle, "attune_model_load"), nullptr);
  }
}

TEST(RuntimeSharedLibrary, NeededIsSubsetOfSystemLibraries) {
  const std::set<std::string> allowed = {"libc.so.6",      "libm.so.6",     "libpthread.so.0",
                                         "libdl.so.2",     "libgcc_s.so.1", "ld-linux-x86-64.so.2"};
  for (const char *so : {FAKE_EMBEDDED_SO, FAKE_SIDECAR_SO}) {
    std::string error;
    std::vector<std::string> needed = elfNeeded(so, error);
    ASSERT_EQ(error, "") << so;
    EXPECT_NE(std::find(needed.begin(), needed.end(), "libc.so.6"), needed.end()) << so;
    for (const std::string &n : needed)
      EXPECT_TRUE(allowed.count(n)) << so << " needs " << n;
  }
}

TEST(RuntimeSharedLibrary, ElfNeededReadsTheTestBinary) {
  std::string error;
  std::vector<std::string> needed = elfNeeded("/proc/self/exe", error);
  ASSERT_EQ(error, "");
  // A C++ GoogleTest binary needs libstdc++ (or libc++): the parser finds it.
  bool cxx = false;
  for (const std::string &n : needed)
    cxx |= n.find("libstdc++") != std::string::npos || n.find("libc++") != std::string::npos;
  EXPECT_TRUE(cxx);
}

TEST(RuntimeSharedLibrary, ElfNeededReportsErrors) {
  std::string error;
  EXPECT_TRUE(elfNeeded("/nonexistent/lib.so", error).empty());
  EXPECT_NE(error.find("cannot open"), std::string::npos);
  std::string path = std::string("/tmp/attune_rt_notelf_") + std::to_string(getpid());
  std::ofstream(path) << "definitely not an ELF file";
  EXPECT_TRUE(elfNeeded(path, error).empty());
  EXPECT_NE(error.find("not an ELF file"), std::string::npos);
  std::remove(path.c_str());
}

} // namespace

// ABI 2 APIs on a plain (single-entry) library: no buckets, no decoder, and
// every null argument is an error, never a crash.
TEST(RuntimeInfo, PlainLibraryHasNoBucketsOrDecoder) {
  FakeLib &lib = embeddedLib();
  auto seqLens = reinterpret_cast<decltype(&attune_model_seq_lens)>(
      dlsym(lib.handle, "attune_model_seq_lens"));
  auto seqDim = reinterpret_cast<decltype(&attune_model_seq_dim)>(
      dlsym(lib.handle, "attune_model_seq_dim"));
  auto create = reinterpret_cast<decltype(&attune_decoder_create)>(
      dlsym(lib.handle, "attune_decoder_create"));
  auto feed = reinterpret_cast<decltype(&attune_decoder_feed)>(
      dlsym(lib.handle, "attune_decoder_feed"));
  auto length = reinterpret_cast<decltype(&attune_decoder_length)>(
      dlsym(lib.handle, "attune_decoder_length"));
  auto dfree = reinterpret_cast<decltype(&attune_decoder_free)>(
      dlsym(lib.handle, "attune_decoder_free"));
  ASSERT_TRUE(seqLens && seqDim && create && feed && length && dfree);
  attune_model *m = nullptr;
  ASSERT_EQ(lib.load(nullptr, &m), ATTUNE_OK);
  const int64_t *lens = reinterpret_cast<const int64_t *>(1);
  EXPECT_EQ(seqLens(m, &lens), 0u);
  EXPECT_EQ(lens, nullptr);
  EXPECT_EQ(seqLens(nullptr, nullptr), 0u);
  EXPECT_EQ(seqDim(m, 0, 0), -1);
  EXPECT_EQ(seqDim(nullptr, 1, 0), -1);
  attune_decoder *d = reinterpret_cast<attune_decoder *>(1);
  EXPECT_EQ(create(m, &d), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(d, nullptr);
  EXPECT_NE(std::string(lib.lastError()).find("no incremental decoding entry"), std::string::npos)
      << lib.lastError();
  EXPECT_EQ(create(nullptr, &d), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(create(m, nullptr), ATTUNE_ERR_INVALID_ARGUMENT);
  int64_t id = 0;
  EXPECT_EQ(feed(nullptr, &id, 1, nullptr), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(length(nullptr), 0u);
  dfree(nullptr);
  lib.free(m);
}
