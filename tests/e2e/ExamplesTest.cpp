//===- tests/e2e/ExamplesTest.cpp - the example encoders end to end -------===//
//
// examples/encoder_fused.json and examples/encoder_primitive.json describe the
// same 2-layer encoder (the second with primitive ops only). Both are
// compiled and run on inputs shaped like examples/encoder_input_ids.npy /
// encoder_attention_mask.npy (ids < 512 built by the test, mask with the last
// 3 positions 0), and on those .npy files themselves. Each library is
// compared with the reference interpreter, and the two libraries with each
// other: |a - b| <= 1e-5 + 1e-4 |b|. 1 and 4 threads must be bit-identical.
// A token id >= 512 must be rejected with an error naming input_ids. The
// fused encoder is also compiled for x86-64-avx2 and checked the same way.
//
//===----------------------------------------------------------------------===//
#include "E2E.h"

#include "attune/formats/Npy.h"

using namespace attune;
using namespace attune::e2e;

namespace {

const std::string kExamples = std::string(ATTUNE_SOURCE_DIR) + "/examples";

std::vector<NamedTensor> encoderInputs(uint64_t seed) {
  std::mt19937_64 rng(seed);
  Tensor ids = Tensor::zeros(ElementType::I64, {1, 16});
  ints(0, 511)(ids, rng);
  ids.i64()[0] = 0;   // the ends of the vocabulary
  ids.i64()[1] = 511;
  std::vector<int64_t> mask(16, 1);
  for (int i = 13; i < 16; ++i)
    mask[i] = 0;
  return {{"input_ids", std::move(ids)}, {"attention_mask", Tensor::fromI64({1, 16}, mask)}};
}

void readNpyInput(const std::string &path, const std::string &name, std::vector<NamedTensor> &out) {
  formats::NpyArray arr;
  std::string error;
  ASSERT_TRUE(formats::readNpy(path, arr, error)) << error;
  ASSERT_EQ(arr.dtype, formats::NpyDType::I64) << path;
  out.push_back({name, Tensor{ElementType::I64, arr.shape, arr.data}});
}

using Examples = E2ETest;

TEST_F(Examples, FusedAndPrimitiveEncodersMatchReferenceAndEachOther) {
  const std::string fused = kExamples + "/encoder_fused.json",
                    primitive = kExamples + "/encoder_primitive.json";
  const std::string fusedSo = path("fused/encoder_fused.so"),
                    primitiveSo = path("primitive/encoder_primitive.so");
  ASSERT_NO_FATAL_FAILURE(compileModel(fused, "", fusedSo));
  ASSERT_NO_FATAL_FAILURE(compileModel(primitive, "", primitiveSo));

  for (const std::string &model : {fused, primitive}) {
    std::vector<Slot> ins, outs;
    ASSERT_NO_FATAL_FAILURE(signature(model, "", ins, outs));
    ASSERT_EQ(ins.size(), 2u);
    EXPECT_EQ(ins[0].name, "input_ids");
    EXPECT_EQ(ins[1].name, "attention_mask");
    ASSERT_EQ(outs.size(), 1u);
    EXPECT_EQ(outs[0].name, "last_hidden_state");
    EXPECT_EQ(outs[0].shape, (std::vector<int64_t>{1, 16, 64}));
  }

  std::vector<std::vector<NamedTensor>> inputSets = {encoderInputs(7), encoderInputs(8)};
  std::vector<NamedTensor> fromNpy;
  ASSERT_NO_FATAL_FAILURE(readNpyInput(kExamples + "/encoder_input_ids.npy", "input_ids", fromNpy));
  ASSERT_NO_FATAL_FAILURE(
      readNpyInput(kExamples + "/encoder_attention_mask.npy", "attention_mask", fromNpy));
  inputSets.push_back(fromNpy);

  for (size_t s = 0; s < inputSets.size(); ++s) {
    SCOPED_TRACE(s < 2 ? "generated inputs " + std::to_string(s) : std::string("examples/*.npy inputs"));
    const auto &inputs = inputSets[s];
    std::vector<NamedTensor> fusedOut, fusedOut1, primOut, primOut1, fusedRef, primRef;
    ASSERT_NO_FATAL_FAILURE(runCompiled(fusedSo, inputs, 4, fusedOut));
    ASSERT_NO_FATAL_FAILURE(runCompiled(fusedSo, inputs, 1, fusedOut1));
    ASSERT_NO_FATAL_FAILURE(runCompiled(primitiveSo, inputs, 4, primOut));
    ASSERT_NO_FATAL_FAILURE(runCompiled(primitiveSo, inputs, 1, primOut1));
    ASSERT_NO_FATAL_FAILURE(reference(fused, "", inputs, fusedRef));
    ASSERT_NO_FATAL_FAILURE(reference(primitive, "", inputs, primRef));
    expectAllClose(fusedOut, fusedRef, "encoder_fused.so vs reference");
    expectAllClose(primOut, primRef, "encoder_primitive.so vs reference");
    expectAllClose(primOut, fusedOut, "encoder_primitive.so vs encoder_fused.so");
    expectAllClose(primRef, fusedRef, "reference: primitive vs fused graph");
    expectAllBitIdentical(fusedOut1, fusedOut, "encoder_fused.so: 1 thread vs 4 threads");
    expectAllBitIdentical(primOut1, primOut, "encoder_primitive.so: 1 thread vs 4 threads");
  }

  // Token ids are bounded by the vocabulary (512) in both libraries.
  for (const std::string &so : {fusedSo, primitiveSo}) {
    for (int64_t bad : {int64_t(512), int64_t(-1), int64_t(1) << 40}) {
      std::vector<NamedTensor> inputs = encoderInputs(9);
      inputs[0].tensor.i64()[5] = bad;
      auto r = runLibrary(so, inputs, 2);
      ASSERT_FALSE(static_cast<bool>(r)) << so << ": token id " << bad << " was accepted";
      std::string msg = llvm::toString(r.takeError());
      EXPECT_NE(msg.find("input_ids"), std::string::npos) << msg;
    }
  }
}

// The fused encoder compiled for x86-64-avx2 (8-wide vectors everywhere:
// GEMM micro-kernels, attention, layer norm, softmax, GELU) against the
// reference interpreter, on 1 and 4 threads.
TEST_F(Examples, FusedEncoderForAVX2MatchesReference) {
  std::string why = hostLacks({"avx2", "fma"});
  if (!why.empty())
    GTEST_SKIP() << why << ": an x86-64-avx2 library cannot run here";
  target_ = "x86-64-avx2";
  const std::string fused = kExamples + "/encoder_fused.json", so = path("avx2/encoder.so");
  ASSERT_NO_FATAL_FAILURE(compileModel(fused, "", so));
  for (uint64_t seed : {7, 8}) {
    std::vector<NamedTensor> inputs = encoderInputs(seed), out, out1, ref;
    ASSERT_NO_FATAL_FAILURE(runCompiled(so, inputs, 4, out));
    ASSERT_NO_FATAL_FAILURE(runCompiled(so, inputs, 1, out1));
    ASSERT_NO_FATAL_FAILURE(reference(fused, "", inputs, ref));
    expectAllClose(out, ref, "x86-64-avx2 encoder_fused.so vs reference");
    expectAllBitIdentical(out1, out, "x86-64-avx2 encoder_fused.so: 1 thread vs 4 threads");
  }
}

} // namespace
