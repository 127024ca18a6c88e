//===- tests/unit/runtime/run_test.cpp - Validation in attune_model_run ---===//
//
// Every way attune_model_run refuses its arguments: NULL model, arrays and
// data, wrong counts, names, dtypes, ranks, shapes (inputs and outputs) and
// token ids out of [0, max_value). Each case checks the status, that the
// message names the tensor with expected vs found, and that the output was
// not written.
//===----------------------------------------------------------------------===//
#include "fake_lib.h"

#include <gtest/gtest.h>

#include <thread>

namespace {

class RuntimeRun : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_EQ(lib.load(nullptr, &model), ATTUNE_OK) << lib.lastError();
  }
  void TearDown() override { lib.free(model); }

  // Runs |ex| and expects INVALID_ARGUMENT with each of |parts| in the message.
  void expectInvalid(Example &ex, std::initializer_list<std::string> parts, size_t nIn = 2,
                     size_t nOut = 1) {
    EXPECT_EQ(lib.run(model, ex.in.data(), nIn, ex.out.data(), nOut),
              ATTUNE_ERR_INVALID_ARGUMENT);
    std::string msg = lib.lastError();
    for (const std::string &p : parts)
      EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
    EXPECT_EQ(ex.y, std::vector<float>(ex.y.size(), -1.0f)) << "output written on failure";
  }

  FakeLib &lib = embeddedLib();
  attune_model *model = nullptr;
};

TEST_F(RuntimeRun, ValidArgumentsSucceed) {
  Example ex;
  ASSERT_EQ(lib.run(model, ex.in.data(), 2, ex.out.data(), 1), ATTUNE_OK) << lib.lastError();
  EXPECT_EQ(ex.y, ex.expected());
}

TEST_F(RuntimeRun, NamesAreOptional) {
  Example ex(1);
  ex.in[0].name = ex.in[1].name = ex.out[0].name = nullptr;
  ASSERT_EQ(lib.run(model, ex.in.data(), 2, ex.out.data(), 1), ATTUNE_OK) << lib.lastError();
  EXPECT_EQ(ex.y, ex.expected());
}

TEST_F(RuntimeRun, NullModel) {
  Example ex;
  EXPECT_EQ(lib.run(nullptr, ex.in.data(), 2, ex.out.data(), 1), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(lib.lastError()).find("model is NULL"), std::string::npos);
}

TEST_F(RuntimeRun, NullArrays) {
  Example ex;
  EXPECT_EQ(lib.run(model, nullptr, 2, ex.out.data(), 1), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(lib.lastError()).find("input array is NULL"), std::string::npos);
  EXPECT_EQ(lib.run(model, ex.in.data(), 2, nullptr, 1), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(lib.lastError()).find("output array is NULL"), std::string::npos);
}

TEST_F(RuntimeRun, NullInputData) {
  Example ex;
  ex.in[1].data = nullptr;
  expectInvalid(ex, {"input 'ids'", "NULL"});
}

TEST_F(RuntimeRun, NullOutputData) {
  Example ex;
  ex.out[0].data = nullptr;
  expectInvalid(ex, {"output 'y'", "NULL"});
}

TEST_F(RuntimeRun, WrongInputCount) {
  Example ex;
  expectInvalid(ex, {"expected 2 inputs, found 1"}, 1, 1);
  expectInvalid(ex, {"expected 2 inputs, found 0"}, 0, 1);
}

TEST_F(RuntimeRun, WrongOutputCount) {
  Example ex;
  expectInvalid(ex, {"expected 1 outputs, found 2"}, 2, 2);
}

TEST_F(RuntimeRun, WrongName) {
  Example ex;
  ex.in[1].name = "input_ids";
  expectInvalid(ex, {"input 1", "expected name 'ids', found 'input_ids'"});
}

TEST_F(RuntimeRun, SwappedInputs) {
  Example ex;
  std::swap(ex.in[0], ex.in[1]);
  expectInvalid(ex, {"expected name 'x', found 'ids'"});
}

TEST_F(RuntimeRun, WrongDtype) {
  Example ex;
  ex.in[1].dtype = ATTUNE_I32;
  expectInvalid(ex, {"input 'ids'", "expected dtype i64, found i32"});
  Example ex2;
  ex2.out[0].dtype = ATTUNE_F16;
  expectInvalid(ex2, {"output 'y'", "expected dtype f32, found f16"});
}

TEST_F(RuntimeRun, WrongRank) {
  Example ex;
  ex.in[0].rank = 3;
  ex.in[0].shape[2] = 1;
  expectInvalid(ex, {"input 'x': expected shape [8,16], found [8,16,1]"});
  Example ex2;
  ex2.in[0].rank = 9;
  expectInvalid(ex2, {"input 'x'", "invalid rank 9"});
  Example ex3;
  ex3.in[0].rank = -1;
  expectInvalid(ex3, {"input 'x'", "invalid rank -1"});
}

TEST_F(RuntimeRun, WrongShape) {
  Example ex;
  ex.in[0].shape[1] = 17;
  expectInvalid(ex, {"input 'x': expected shape [8,16], found [8,17]"});
  Example ex2;
  ex2.in[1].shape[0] = 7;
  expectInvalid(ex2, {"input 'ids': expected shape [8], found [7]"});
}

TEST_F(RuntimeRun, WrongOutputShape) {
  Example ex;
  ex.out[0].shape[0] = 1;
  expectInvalid(ex, {"output 'y': expected shape [8,16], found [1,16]"});
}

TEST_F(RuntimeRun, TokenIdTooLarge) {
  Example ex;
  ex.ids[6] = FAKE_VOCAB;
  expectInvalid(ex, {"input 'ids'", "element 6", "value 5", "[0,5)"});
}

TEST_F(RuntimeRun, TokenIdNegative) {
  Example ex;
  ex.ids[3] = -2;
  expectInvalid(ex, {"input 'ids'", "element 3", "value -2", "[0,5)"});
}

TEST_F(RuntimeRun, TokenIdBoundsAreInclusiveExclusive) {
  Example ex;
  for (int i = 0; i < FAKE_ROWS; ++i)
    ex.ids[i] = (i % 2) ? FAKE_VOCAB - 1 : 0;
  ASSERT_EQ(lib.run(model, ex.in.data(), 2, ex.out.data(), 1), ATTUNE_OK) << lib.lastError();
  EXPECT_EQ(ex.y, ex.expected());
}

TEST_F(RuntimeRun, LastErrorIsThreadLocal) {
  std::string fresh = "unset";
  std::thread([&] { fresh = lib.lastError(); }).join();
  EXPECT_EQ(fresh, "");
  Example ex;
  ex.in[0].shape[0] = 9;
  expectInvalid(ex, {"input 'x'"});
  std::string other = "unset";
  std::thread([&] { other = lib.lastError(); }).join();
  EXPECT_EQ(other, "");
  EXPECT_NE(std::string(lib.lastError()), "");
}

} // namespace
