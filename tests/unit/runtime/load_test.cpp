//===- tests/unit/runtime/load_test.cpp - Loading models and weights ------===//
//
// attune_model_load on the fake models: embedded weights, a sidecar given by
// path, the sidecar found next to the library for a NULL path, and refusals
// of wrong, corrupt, truncated and missing weights files (status and a
// message naming the file).
//===----------------------------------------------------------------------===//
#include "fake_lib.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace {

class TempDir {
public:
  TempDir() {
    char tmpl[] = "/tmp/attune_rt_test_XXXXXX";
    if (!mkdtemp(tmpl))
      throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
  }
  ~TempDir() {
    std::string cmd = "rm -rf '" + dir_ + "'";
    if (std::system(cmd.c_str()) != 0)
      std::fprintf(stderr, "could not remove %s\n", dir_.c_str());
  }
  std::string path(const std::string &name) const { return dir_ + "/" + name; }

private:
  std::string dir_;
};

void expectRunsCorrectly(FakeLib &lib, attune_model *m) {
  Example ex(3);
  ASSERT_EQ(lib.run(m, ex.in.data(), 2, ex.out.data(), 1), ATTUNE_OK) << lib.lastError();
  EXPECT_EQ(ex.y, ex.expected());
}

// Loads with |path| and expects |status| and a message that names the file.
void expectLoadFails(FakeLib &lib, const std::string &path, attune_status status,
                     const std::string &messagePart) {
  attune_model *m = reinterpret_cast<attune_model *>(0x1);
  EXPECT_EQ(lib.load(path.c_str(), &m), status);
  EXPECT_EQ(m, nullptr);
  std::string msg = lib.lastError();
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find(messagePart), std::string::npos) << msg;
}

TEST(RuntimeLoad, EmbeddedRunsCorrectly) {
  FakeLib &lib = embeddedLib();
  attune_model *m = nullptr;
  ASSERT_EQ(lib.load(nullptr, &m), ATTUNE_OK) << lib.lastError();
  ASSERT_NE(m, nullptr);
  expectRunsCorrectly(lib, m);
  lib.free(m);
}

TEST(RuntimeLoad, SidecarExplicitPathRunsCorrectly) {
  TempDir dir;
  std::string path = dir.path("model.weights");
  writeWeights(path, fakeWeightsId());
  FakeLib &lib = sidecarLib();
  attune_model *m = nullptr;
  ASSERT_EQ(lib.load(path.c_str(), &m), ATTUNE_OK) << lib.lastError();
  expectRunsCorrectly(lib, m);
  // The mapping outlives the file name.
  std::remove(path.c_str());
  expectRunsCorrectly(lib, m);
  lib.free(m);
}

// attune_model_weights: the blob the kernels read (embedded or mapped), with
// the weight values at their offsets; bad arguments are refused.
TEST(RuntimeLoad, WeightsBlobIsWhatTheKernelsRead) {
  TempDir dir;
  std::string path = dir.path("model.weights");
  writeWeights(path, fakeWeightsId());
  for (FakeLib *lib : {&embeddedLib(), &sidecarLib()}) {
    attune_model *m = nullptr;
    ASSERT_EQ(lib->load(lib == &embeddedLib() ? nullptr : path.c_str(), &m), ATTUNE_OK)
        << lib->lastError();
    const void *data = nullptr;
    size_t n = 0;
    ASSERT_EQ(lib->weights(m, &data, &n), ATTUNE_OK) << lib->lastError();
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(n, size_t(FAKE_WEIGHTS_NBYTES));
    EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % 64, 0u);
    const float *w = static_cast<const float *>(data);
    const float *b = reinterpret_cast<const float *>(static_cast<const char *>(data) + 64);
    for (int j = 0; j < FAKE_COLS; ++j) {
      EXPECT_EQ(w[j], FAKE_W(j));
      EXPECT_EQ(b[j], FAKE_B(j));
    }
    EXPECT_EQ(lib->weights(m, nullptr, &n), ATTUNE_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lib->weights(nullptr, &data, &n), ATTUNE_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lib->lastError()).find("attune_model_weights"), std::string::npos);
    lib->free(m);
  }
}

TEST(RuntimeLoad, ExplicitPathOverridesEmbedded) {
  TempDir dir;
  std::string path = dir.path("model.weights");
  FakeLib &lib = embeddedLib();
  expectLoadFails(lib, path, ATTUNE_ERR_IO, "cannot open");
  writeWeights(path, fakeWeightsId());
  attune_model *m = nullptr;
  ASSERT_EQ(lib.load(path.c_str(), &m), ATTUNE_OK) << lib.lastError();
  expectRunsCorrectly(lib, m);
  lib.free(m);
}

// Discovery and the missing-file case share the file next to the library, so
// they are one test (ctest may run tests in parallel).
TEST(RuntimeLoad, NullPathFindsSidecarNextToLibrary) {
  FakeLib &lib = sidecarLib();
  std::string path = sidecarNextToLibrary();
  writeWeights(path, fakeWeightsId());
  attune_model *m = nullptr;
  ASSERT_EQ(lib.load(nullptr, &m), ATTUNE_OK) << lib.lastError();
  expectRunsCorrectly(lib, m);
  lib.free(m);

  ASSERT_EQ(std::remove(path.c_str()), 0);
  m = nullptr;
  EXPECT_EQ(lib.load(nullptr, &m), ATTUNE_ERR_IO);
  EXPECT_EQ(m, nullptr);
  std::string msg = lib.lastError();
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
}

TEST(RuntimeLoad, WrongWeightsIdIsMismatch) {
  TempDir dir;
  std::string path = dir.path("other.weights");
  auto id = fakeWeightsId();
  id[5] ^= 0xff;
  writeWeights(path, id);
  expectLoadFails(sidecarLib(), path, ATTUNE_ERR_MISMATCH, "another compile");
  expectLoadFails(embeddedLib(), path, ATTUNE_ERR_MISMATCH, "another compile");
}

TEST(RuntimeLoad, WrongDataSizeIsMismatch) {
  TempDir dir;
  std::string path = dir.path("size.weights");
  writeWeights(path, fakeWeightsId(), FAKE_WEIGHTS_NBYTES - 64);
  expectLoadFails(sidecarLib(), path, ATTUNE_ERR_MISMATCH, "expected 128 data bytes, found 64");
}

TEST(RuntimeLoad, BadMagicIsMismatch) {
  TempDir dir;
  std::string path = dir.path("magic.weights");
  writeWeights(path, fakeWeightsId(), FAKE_WEIGHTS_NBYTES, -1, "NOTATTUN");
  expectLoadFails(sidecarLib(), path, ATTUNE_ERR_MISMATCH, "not an Attune weights file");
}

TEST(RuntimeLoad, TruncatedWeightsIsIoError) {
  TempDir dir;
  std::string path = dir.path("short.weights");
  writeWeights(path, fakeWeightsId(), FAKE_WEIGHTS_NBYTES, 64 + FAKE_WEIGHTS_NBYTES - 1);
  expectLoadFails(sidecarLib(), path, ATTUNE_ERR_IO, "truncated");
  writeWeights(path, fakeWeightsId(), FAKE_WEIGHTS_NBYTES, 20); // inside the header
  expectLoadFails(sidecarLib(), path, ATTUNE_ERR_IO, "truncated");
  writeWeights(path, fakeWeightsId(), FAKE_WEIGHTS_NBYTES, 0);
  expectLoadFails(sidecarLib(), path, ATTUNE_ERR_IO, "truncated");
}

TEST(RuntimeLoad, MissingWeightsIsIoError) {
  TempDir dir;
  expectLoadFails(sidecarLib(), dir.path("absent.weights"), ATTUNE_ERR_IO, "cannot open");
  expectLoadFails(sidecarLib(), dir.path(""), ATTUNE_ERR_IO, "not a readable regular file");
}

TEST(RuntimeLoad, NullOutIsInvalidArgument) {
  EXPECT_EQ(embeddedLib().load(nullptr, nullptr), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(embeddedLib().lastError()).find("NULL"), std::string::npos);
}

TEST(RuntimeLoad, FreeNullIsNoop) { embeddedLib().free(nullptr); }

TEST(RuntimeLoad, ManyModelsAtOnce) {
  FakeLib &lib = embeddedLib();
  std::vector<attune_model *> models(16, nullptr);
  for (auto &m : models)
    ASSERT_EQ(lib.load(nullptr, &m), ATTUNE_OK);
  for (auto *m : models)
    expectRunsCorrectly(lib, m);
  for (auto *m : models)
    lib.free(m);
}

} // namespace
