//===- ErrorTest.cpp - Error messages of the reference interpreter --------===//
#include "RefTestUtil.h"

#include "llvm/ADT/StringRef.h"

using namespace attune;
using namespace attune::ref;
using namespace attune::ref::test;

namespace {

using ErrorTest = RefTest;

#define EXPECT_CONTAINS(haystack, needle)                                                     \
  EXPECT_TRUE(llvm::StringRef(haystack).contains(needle))                                     \
      << "message: " << (haystack) << "\nexpected to contain: " << (needle)

const char *kEmbedding = R"(
    func.func @main(%t: tensor<4x2xf32>, %ids: tensor<3xi64>) -> tensor<3x2xf32> {
      %e = attune.embedding %t, %ids : (tensor<4x2xf32>, tensor<3xi64>) -> tensor<3x2xf32> loc("bert/embeddings")
      return %e : tensor<3x2xf32>
    })";

TEST_F(ErrorTest, EmbeddingIdOutOfRange) {
  std::string msg = runError(kEmbedding, {Tensor::zeros(ElementType::F32, {4, 2}),
                                          Tensor::fromI64({3}, {0, 7, 1})});
  EXPECT_EQ(msg, "attune.embedding at \"bert/embeddings\": id 7 at flat index 1 is outside [0, 4)");
  msg = runError(kEmbedding, {Tensor::zeros(ElementType::F32, {4, 2}),
                              Tensor::fromI64({3}, {0, 1, -1})});
  EXPECT_CONTAINS(msg, "id -1 at flat index 2 is outside [0, 4)");
}

TEST_F(ErrorTest, WrongInputShapeNamesTheArgument) {
  std::string msg = runError(R"(
    func.func @main(%x: tensor<2x3xf32> {attune.name = "hidden"}) -> tensor<2x3xf32> {
      return %x : tensor<2x3xf32>
    })",
                             {Tensor::zeros(ElementType::F32, {3, 2})});
  EXPECT_CONTAINS(msg, "input 0 (\"hidden\"): expected f32[2,3], found f32[3,2]");
}

TEST_F(ErrorTest, WrongInputTypeAndCount) {
  const char *src = R"(
    func.func @main(%a: tensor<2xf32>, %b: tensor<2xi64>) -> tensor<2xi64> {
      return %b : tensor<2xi64>
    })";
  std::string msg =
      runError(src, {Tensor::zeros(ElementType::F32, {2}), Tensor::zeros(ElementType::I32, {2})});
  EXPECT_CONTAINS(msg, "input 1: expected i64[2], found i32[2]");
  msg = runError(src, {Tensor::zeros(ElementType::F32, {2})});
  EXPECT_CONTAINS(msg, "expected 2 inputs, found 1");
}

const char *kWeight = R"(
    func.func @main() -> tensor<2x2xf32> {
      %w = attune.weight @"enc.w" : tensor<2x2xf32> loc("enc.w")
      return %w : tensor<2x2xf32>
    })";

TEST_F(ErrorTest, MissingWeight) {
  WeightTable w;
  w.source = "model.safetensors";
  std::string msg = runError(kWeight, {}, &w);
  EXPECT_EQ(msg, "attune.weight at \"enc.w\": weight \"enc.w\" is not in the weight table "
                 "(model.safetensors)");
  msg = runError(kWeight, {}, nullptr);
  EXPECT_CONTAINS(msg, "weight \"enc.w\": no weight table was given");
}

TEST_F(ErrorTest, WeightWithWrongShapeOrType) {
  WeightTable w;
  w.addOwned({"enc.w", ElementType::F32, {4}, nullptr, 0}, std::vector<uint8_t>(16));
  std::string msg = runError(kWeight, {}, &w);
  EXPECT_CONTAINS(msg, "weight \"enc.w\": expected f32[2,2], found f32[4]");
  WeightTable h;
  h.addOwned({"enc.w", ElementType::F16, {2, 2}, nullptr, 0}, std::vector<uint8_t>(8));
  msg = runError(kWeight, {}, &h);
  EXPECT_CONTAINS(msg, "weight \"enc.w\": expected f32[2,2], found f16[2,2]");
}

TEST_F(ErrorTest, F16IsRejected) {
  std::string msg = runError(R"(
    func.func @main(%x: tensor<2xf32>) -> tensor<2xf16> {
      %h = attune.cast %x : (tensor<2xf32>) -> tensor<2xf16> loc("to_half")
      return %h : tensor<2xf16>
    })",
                             {Tensor::zeros(ElementType::F32, {2})});
  EXPECT_CONTAINS(msg, "attune.cast at \"to_half\"");
  EXPECT_CONTAINS(msg, "f16 is not supported by the reference interpreter");
  msg = runError(R"(
    func.func @main(%x: tensor<2xbf16>) -> tensor<2xbf16> {
      return %x : tensor<2xbf16>
    })",
                 {Tensor::zeros(ElementType::BF16, {2})});
  EXPECT_CONTAINS(msg, "input 0: bf16 is not supported by the reference interpreter");
}

TEST_F(ErrorTest, UnknownOpNamesOpAndLocation) {
  std::string msg = runError(R"(
    func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
      %y = "mystery.op"(%x) : (tensor<2xf32>) -> tensor<2xf32> loc("here")
      return %y : tensor<2xf32>
    })",
                             {Tensor::zeros(ElementType::F32, {2})});
  EXPECT_CONTAINS(msg, "mystery.op at \"here\"");
  EXPECT_CONTAINS(msg, "not supported by the reference interpreter");
}

TEST_F(ErrorTest, IntegerDivisionByZero) {
  std::string msg = runError(R"(
    func.func @main(%a: tensor<2xi32>, %b: tensor<2xi32>) -> tensor<2xi32> {
      %r = attune.div %a, %b : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32> loc("d")
      return %r : tensor<2xi32>
    })",
                             {Tensor::fromI32({2}, {1, 2}), Tensor::fromI32({2}, {1, 0})});
  EXPECT_EQ(msg, "attune.div at \"d\": integer division by zero at flat index 1 of the result");
}

TEST_F(ErrorTest, IntegerPowIsRejected) {
  std::string msg = runError(R"(
    func.func @main(%a: tensor<2xi64>) -> tensor<2xi64> {
      %r = attune.pow %a, %a : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
      return %r : tensor<2xi64>
    })",
                             {Tensor::fromI64({2}, {1, 2})});
  EXPECT_CONTAINS(msg, "attune.pow at ");
  EXPECT_CONTAINS(msg, "integer pow is not supported");
}

TEST_F(ErrorTest, DynamicShapesAreRejected) {
  std::string msg = runError(R"(
    func.func @main(%x: tensor<?xf32>) -> tensor<?xf32> {
      return %x : tensor<?xf32>
    })",
                             {Tensor::zeros(ElementType::F32, {2})});
  EXPECT_CONTAINS(msg, "input 0: expected a static shape");
}

} // namespace
