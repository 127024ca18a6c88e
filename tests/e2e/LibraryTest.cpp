//===- tests/e2e/LibraryTest.cpp - properties of compiled libraries -------===//
//
//   - DT_NEEDED of compiled libraries (sidecar and embedded weights) is a
//     subset of libc/libm/libpthread/libdl/libgcc_s/ld-linux: no libstdc++,
//     libomp, LLVM or MLIR;
//   - an --embed-weights library runs alone (no .weights file anywhere near
//     it) and gives bit-identical results to the sidecar library;
//   - a sidecar .weights written by ANOTHER compile of the same model is
//     refused by attune_model_load with ATTUNE_ERR_MISMATCH;
//   - two threads calling attune_model_run concurrently on one loaded model
//     get bit-identical outputs to sequential calls;
//   - token ids >= the vocabulary size (or negative) are rejected with an
//     error naming the input, through runLibrary and the C API.
//
//===----------------------------------------------------------------------===//
#include "E2E.h"

#include "ElfNeeded.h"

#include "llvm/Support/FileSystem.h"

#include <atomic>
#include <thread>

using namespace attune;
using namespace attune::e2e;

namespace {

/// A small model using libm-style math (exp, erf, tanh, pow, sqrt), matmul,
/// softmax, layer_norm and weights: [3,17,129] -> two outputs.
std::string mathModel() {
  FuncBuilder f;
  const std::string X = tensorType({3, 17, 129}), W = tensorType({129, 127}), Y = tensorType({3, 17, 127}),
                    V = tensorType({127});
  std::string x = f.arg("x", X);
  std::string w = f.def("w", "attune.weight @w : " + W);
  std::string b = f.def("b", "attune.weight @b : " + V);
  std::string h = f.def("h", "attune.matmul " + x + ", " + w + " : (" + X + ", " + W + ") -> " + Y);
  std::string hb = f.def("hb", "attune.add " + h + ", " + b + " : (" + Y + ", " + V + ") -> " + Y);
  std::string g = f.def("g", "attune.gelu " + hb + " : " + Y);
  std::string t = f.def("t", "attune.gelu " + hb + " {approximate = \"tanh\"} : " + Y);
  std::string e = f.def("e", "attune.exp " + hb + " : " + Y);
  std::string sq = f.def("sq", "attune.sqrt " + e + " : " + Y);
  std::string p = f.def("p", "attune.pow " + sq + ", " + g + " : (" + Y + ", " + Y + ") -> " + Y);
  std::string s = f.def("s", "attune.add " + p + ", " + t + " : (" + Y + ", " + Y + ") -> " + Y);
  f.result("mixed", s, Y);
  f.result("ln", f.def("ln", "attune.layer_norm " + s + ", " + b + ", " + b + " : (" + Y + ", " + V + ", " + V +
                                 ") -> " + Y),
           Y);
  f.result("probs", f.def("sm", "attune.softmax " + hb + " : (" + Y + ") -> " + Y), Y);
  return f.str();
}

std::vector<Weight> mathWeights() {
  return {makeWeight("w", ElementType::F32, {129, 127}, uniform(-0.2f, 0.2f), 201),
          makeWeight("b", ElementType::F32, {127}, uniform(0.5f, 1.0f), 202)};
}

/// An embedding model whose ids input is named token_ids.
std::string embeddingModel(bool withMaxValue) {
  FuncBuilder f;
  const std::string T = tensorType({129, 17}), I = tensorType({3, 17}, "i64"), E = tensorType({3, 17, 17});
  std::string ids = f.arg("token_ids", I, withMaxValue ? "attune.max_value = 129 : i64" : "");
  std::string t = f.def("t", "attune.weight @table : " + T);
  f.result("emb", f.def("e", "attune.embedding " + t + ", " + ids + " : (" + T + ", " + I + ") -> " + E), E);
  return f.str();
}

class Libraries : public E2ETest {
protected:
  /// Writes the math model + weights and compiles it to `so`.
  void compileMath(const std::string &so, bool embed) {
    std::string model = path("math.mlir"), weights = path("math.safetensors");
    if (!llvm::sys::fs::exists(model)) {
      writeFile("math.mlir", mathModel());
      writeWeights("math.safetensors", mathWeights());
    }
    compileModel(model, weights, so, embed);
  }
  std::vector<NamedTensor> mathInputs(uint64_t seed) {
    std::vector<Slot> ins, outs;
    signature(path("math.mlir"), path("math.safetensors"), ins, outs);
    return makeInputs(ins, {{"x", uniform(-1, 1)}}, seed);
  }
};

TEST_F(Libraries, NeededEntriesAreOnlySystemLibraries) {
  ASSERT_NO_FATAL_FAILURE(compileMath(path("sidecar/math.so"), false));
  ASSERT_NO_FATAL_FAILURE(compileMath(path("embedded/math.so"), true));
  for (const std::string &so : {path("sidecar/math.so"), path("embedded/math.so")}) {
    std::string error;
    std::vector<std::string> needed = elfNeeded(so, error);
    ASSERT_TRUE(error.empty()) << error;
    std::string list;
    for (const std::string &n : needed)
      list += n + " ";
    for (const std::string &n : needed) {
      EXPECT_NE(std::find(allowedNeeded().begin(), allowedNeeded().end(), n), allowedNeeded().end())
          << so << " needs " << n << " (all: " << list << ")";
      for (const char *banned : {"stdc++", "c++", "omp", "LLVM", "MLIR", "mlir"})
        EXPECT_EQ(n.find(banned), std::string::npos) << so << " needs " << n;
    }
  }
}

TEST_F(Libraries, EmbeddedWeightsNeedNoSidecarAndMatchSidecarLibrary) {
  const std::string sidecarSo = path("sidecar/math.so"), embeddedSo = path("embedded/math.so");
  ASSERT_NO_FATAL_FAILURE(compileMath(sidecarSo, false));
  ASSERT_NO_FATAL_FAILURE(compileMath(embeddedSo, true));
  EXPECT_TRUE(llvm::sys::fs::exists(path("sidecar/math.weights")));
  EXPECT_FALSE(llvm::sys::fs::exists(path("embedded/math.weights")))
      << "--embed-weights wrote a sidecar";
  // Move the embedded library where no .weights file exists at all.
  const std::string alone = path("alone/model.so");
  ASSERT_FALSE(llvm::sys::fs::create_directories(path("alone")));
  ASSERT_FALSE(llvm::sys::fs::copy_file(embeddedSo, alone));
  ASSERT_FALSE(llvm::sys::fs::remove_directories(path("embedded")));

  std::vector<NamedTensor> inputs = mathInputs(203);
  std::vector<NamedTensor> a, b, expected;
  ASSERT_NO_FATAL_FAILURE(runCompiled(sidecarSo, inputs, 4, a));
  ASSERT_NO_FATAL_FAILURE(runCompiled(alone, inputs, 4, b));
  ASSERT_NO_FATAL_FAILURE(reference(path("math.mlir"), path("math.safetensors"), inputs, expected));
  expectAllBitIdentical(b, a, "embedded vs sidecar library");
  expectAllClose(b, expected, "embedded library vs reference");

  // The sidecar library, on the other hand, cannot run without its weights.
  ASSERT_FALSE(llvm::sys::fs::rename(path("sidecar/math.weights"), path("sidecar/moved.weights")));
  auto r = runLibrary(sidecarSo, inputs, 1);
  EXPECT_FALSE(static_cast<bool>(r)) << "sidecar library ran without its .weights file";
  if (!r)
    llvm::consumeError(r.takeError());
}

TEST_F(Libraries, SidecarFromAnotherCompileIsRefused) {
  const std::string aSo = path("a/math.so"), bSo = path("b/math.so");
  ASSERT_NO_FATAL_FAILURE(compileMath(aSo, false));
  ASSERT_NO_FATAL_FAILURE(compileMath(bSo, false));
  Library lib(aSo);
  ASSERT_TRUE(lib.ok()) << lib.error;

  attune_model *m = nullptr;
  EXPECT_EQ(lib.load(path("b/math.weights").c_str(), &m), ATTUNE_ERR_MISMATCH)
      << "weights of another compile accepted; last error: " << lib.lastError();
  EXPECT_STRNE(lib.lastError(), "");
  if (m) {
    lib.free(m);
    m = nullptr;
  }
  // Positive controls: its own sidecar, explicitly and by default.
  ASSERT_EQ(lib.load(path("a/math.weights").c_str(), &m), ATTUNE_OK) << lib.lastError();
  lib.free(m);
  m = nullptr;
  ASSERT_EQ(lib.load(nullptr, &m), ATTUNE_OK) << lib.lastError();
  lib.free(m);
  m = nullptr;

  // The other compile's sidecar put in place of a's own.
  ASSERT_FALSE(llvm::sys::fs::copy_file(path("b/math.weights"), path("a/math.weights")));
  EXPECT_EQ(lib.load(nullptr, &m), ATTUNE_ERR_MISMATCH) << lib.lastError();
  if (m)
    lib.free(m);
  auto r = runLibrary(aSo, mathInputs(204), 1);
  EXPECT_FALSE(static_cast<bool>(r)) << "runLibrary accepted a mismatched sidecar";
  if (!r)
    llvm::consumeError(r.takeError());
}

TEST_F(Libraries, ConcurrentRunsOnOneModelAreBitIdenticalToSequentialRuns) {
  const std::string so = path("math.so");
  ASSERT_NO_FATAL_FAILURE(compileMath(so, false));
  Library lib(so);
  ASSERT_TRUE(lib.ok()) << lib.error;
  ASSERT_EQ(lib.setThreads(4), ATTUNE_OK);
  attune_model *m = nullptr;
  ASSERT_EQ(lib.load(nullptr, &m), ATTUNE_OK) << lib.lastError();

  // Two different input sets; sequential results first.
  std::vector<std::vector<NamedTensor>> inputs = {mathInputs(205), mathInputs(206)};
  std::vector<std::vector<NamedTensor>> sequential;
  for (auto &in : inputs) {
    std::vector<NamedTensor> out = allocateOutputs(lib, m);
    auto inDesc = describeTensors(in);
    auto outDesc = describeTensors(out);
    ASSERT_EQ(lib.run(m, inDesc.data(), inDesc.size(), outDesc.data(), outDesc.size()), ATTUNE_OK)
        << lib.lastError();
    sequential.push_back(std::move(out));
  }
  // They must differ from each other, or the test would prove nothing.
  ASSERT_NE(sequential[0][0].tensor.data, sequential[1][0].tensor.data);

  constexpr int kIterations = 20;
  std::atomic<int> ready{0};
  std::vector<std::vector<std::vector<NamedTensor>>> results(2);
  std::vector<std::string> errors(2);
  auto worker = [&](int t) {
    std::vector<NamedTensor> in = inputs[t];
    auto inDesc = describeTensors(in);
    ready.fetch_add(1);
    while (ready.load() < 2) {
    }
    for (int i = 0; i < kIterations; ++i) {
      std::vector<NamedTensor> out = allocateOutputs(lib, m);
      auto outDesc = describeTensors(out);
      if (lib.run(m, inDesc.data(), inDesc.size(), outDesc.data(), outDesc.size()) != ATTUNE_OK) {
        errors[t] = lib.lastError();
        return;
      }
      results[t].push_back(std::move(out));
    }
  };
  std::thread t0(worker, 0), t1(worker, 1);
  t0.join();
  t1.join();
  for (int t = 0; t < 2; ++t) {
    EXPECT_EQ(errors[t], "") << "thread " << t;
    ASSERT_EQ(results[t].size(), size_t(kIterations)) << "thread " << t;
    for (int i = 0; i < kIterations; ++i)
      expectAllBitIdentical(results[t][i], sequential[t],
                            "thread " + std::to_string(t) + " iteration " + std::to_string(i) +
                                " vs sequential run");
  }
  lib.free(m);
}

class TokenIds : public E2ETest {
protected:
  void checkRejected(bool withMaxValue) {
    std::string model = writeFile("emb.mlir", embeddingModel(withMaxValue));
    std::string weights = writeWeights(
        "emb.safetensors", {makeWeight("table", ElementType::F32, {129, 17}, uniform(-1, 1), 301)});
    std::string so = path("emb.so");
    ASSERT_NO_FATAL_FAILURE(compileModel(model, weights, so));
    std::vector<Slot> ins, outs;
    ASSERT_NO_FATAL_FAILURE(signature(model, weights, ins, outs));

    // In range (including 0 and 128): runs and matches the reference.
    std::vector<NamedTensor> good = makeInputs(ins, {{"token_ids", withPrefix({0, 128}, ints(0, 128))}}, 302);
    std::vector<NamedTensor> out, expected;
    ASSERT_NO_FATAL_FAILURE(runCompiled(so, good, 2, out));
    ASSERT_NO_FATAL_FAILURE(reference(model, weights, good, expected));
    expectAllClose(out, expected, "embedding in range");

    // Out of range: through runLibrary ...
    for (int64_t bad : {int64_t(129), int64_t(-1), int64_t(1) << 40}) {
      std::vector<NamedTensor> in = good;
      in[0].tensor.i64()[20] = bad;
      auto r = runLibrary(so, in, 2);
      if (r) {
        ADD_FAILURE() << "token id " << bad << " (vocabulary 129) was accepted by the compiled library";
        continue;
      }
      std::string msg = llvm::toString(r.takeError());
      EXPECT_NE(msg.find("token_ids"), std::string::npos) << msg;
    }
    // ... and through the C API directly.
    Library lib(so);
    ASSERT_TRUE(lib.ok()) << lib.error;
    attune_model *m = nullptr;
    ASSERT_EQ(lib.load(nullptr, &m), ATTUNE_OK) << lib.lastError();
    std::vector<NamedTensor> in = good;
    in[0].tensor.i64()[7] = 129;
    std::vector<NamedTensor> o = allocateOutputs(lib, m);
    auto inDesc = describeTensors(in);
    auto outDesc = describeTensors(o);
    EXPECT_EQ(lib.run(m, inDesc.data(), inDesc.size(), outDesc.data(), outDesc.size()),
              ATTUNE_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lib.lastError()).find("token_ids"), std::string::npos) << lib.lastError();
    lib.free(m);
  }
};

TEST_F(TokenIds, OutOfVocabularyIdIsRejectedNamingTheInput) {
  // The ids argument carries attune.max_value = 129 (as the JSON importer sets).
  checkRejected(true);
}

TEST_F(TokenIds, OutOfVocabularyIdIsRejectedWithoutExplicitMaxValue) {
  // attune.embedding documents: "Ids outside [0, V) are rejected by the
  // compiled library before they are used" -- here the .mlir input feeds the
  // embedding directly but carries no attune.max_value attribute.
  checkRejected(false);
}

} // namespace
