//===- ReductionTest.cpp - Reference semantics of reductions and norms ----===//
#include "RefTestUtil.h"

#include <cmath>

using namespace attune;
using namespace attune::ref;
using namespace attune::ref::test;

namespace {

using ReductionTest = RefTest;

// x = [[[1,2,3],[4,5,6]], [[7,8,9],[10,11,12]]] : [2,2,3]
Tensor x223() { return Tensor::fromF32({2, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}); }

TEST_F(ReductionTest, ReduceSumKeepdims) {
  auto r = run(R"(
    func.func @main(%x: tensor<2x2x3xf32>) -> (tensor<2x2x1xf32>, tensor<1x2x1xf32>) {
      %a = attune.reduce_sum %x {axes = array<i64: -1>, keepdims} : (tensor<2x2x3xf32>) -> tensor<2x2x1xf32>
      %b = attune.reduce_sum %x {axes = array<i64: 0, 2>, keepdims} : (tensor<2x2x3xf32>) -> tensor<1x2x1xf32>
      return %a, %b : tensor<2x2x1xf32>, tensor<1x2x1xf32>
    })",
               {x223()});
  ASSERT_EQ(r.size(), 2u);
  expectClose(r[0], {2, 2, 1}, {6, 15, 24, 33}, 0);
  expectClose(r[1], {1, 2, 1}, {1 + 2 + 3 + 7 + 8 + 9, 4 + 5 + 6 + 10 + 11 + 12}, 0);
}

TEST_F(ReductionTest, ReduceMeanAndMaxWithoutKeepdims) {
  auto r = run(R"(
    func.func @main(%x: tensor<2x2x3xf32>) -> (tensor<2x3xf32>, tensor<2xf32>, tensor<f32>) {
      %a = attune.reduce_mean %x {axes = array<i64: 1>} : (tensor<2x2x3xf32>) -> tensor<2x3xf32>
      %b = attune.reduce_max %x {axes = array<i64: -2, -1>} : (tensor<2x2x3xf32>) -> tensor<2xf32>
      %c = attune.reduce_mean %x {axes = array<i64: 0, 1, 2>} : (tensor<2x2x3xf32>) -> tensor<f32>
      return %a, %b, %c : tensor<2x3xf32>, tensor<2xf32>, tensor<f32>
    })",
               {x223()});
  ASSERT_EQ(r.size(), 3u);
  expectClose(r[0], {2, 3}, {2.5, 3.5, 4.5, 8.5, 9.5, 10.5}, 0);
  expectClose(r[1], {2}, {6, 12}, 0);
  expectClose(r[2], {}, {6.5}, 0);
}

TEST_F(ReductionTest, ReduceMaxOfNegativesAndNaN) {
  float nan = std::numeric_limits<float>::quiet_NaN();
  auto r = run(R"(
    func.func @main(%x: tensor<2x2xf32>) -> tensor<2xf32> {
      %m = attune.reduce_max %x {axes = array<i64: 1>} : (tensor<2x2xf32>) -> tensor<2xf32>
      return %m : tensor<2xf32>
    })",
               {Tensor::fromF32({2, 2}, {-5, -3, nan, 1})});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(f32s(r[0])[0], -3.0f);
  EXPECT_TRUE(std::isnan(f32s(r[0])[1]));
}

TEST_F(ReductionTest, SoftmaxOfOneTwoThree) {
  auto r = run(R"(
    func.func @main(%x: tensor<1x3xf32>) -> tensor<1x3xf32> {
      %p = attune.softmax %x : (tensor<1x3xf32>) -> tensor<1x3xf32>
      return %p : tensor<1x3xf32>
    })",
               {Tensor::fromF32({1, 3}, {1, 2, 3})});
  ASSERT_EQ(r.size(), 1u);
  expectClose(r[0], {1, 3}, {0.09003057317038046, 0.24472847105479767, 0.6652409557748219});
}

TEST_F(ReductionTest, SoftmaxAlongAxisZeroIsShiftInvariant) {
  // Columns [1, 1000] and [0, 0]: large values must not overflow.
  auto r = run(R"(
    func.func @main(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
      %p = attune.softmax %x {axis = 0 : i64} : (tensor<2x2xf32>) -> tensor<2x2xf32>
      return %p : tensor<2x2xf32>
    })",
               {Tensor::fromF32({2, 2}, {1000, 0, 1001, 0})});
  ASSERT_EQ(r.size(), 1u);
  double a = 1.0 / (1.0 + std::exp(1.0));
  expectClose(r[0], {2, 2}, {a, 0.5, 1 - a, 0.5});
}

TEST_F(ReductionTest, LayerNormOfKnownVector) {
  auto r = run(R"(
    func.func @main(%x: tensor<1x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<1x4xf32> {
      %y = attune.layer_norm %x, %g, %b {eps = 0.0 : f32} : (tensor<1x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
      return %y : tensor<1x4xf32>
    })",
               {Tensor::fromF32({1, 4}, {1, 2, 3, 4}), Tensor::fromF32({4}, {1, 2, 1, 0.5f}),
                Tensor::fromF32({4}, {0, 0, 1, -1})});
  ASSERT_EQ(r.size(), 1u);
  // mean 2.5, biased variance 1.25.
  double sd = std::sqrt(1.25);
  expectClose(r[0], {1, 4}, {-1.5 / sd, 2 * (-0.5 / sd), 0.5 / sd + 1, 0.5 * (1.5 / sd) - 1}, 2e-6);
}

TEST_F(ReductionTest, LayerNormOverTrailingDimsWithDefaultEps) {
  // axis = 1 on [2,2,2]: each batch row of 4 values is normalized together.
  auto r = run(R"(
    func.func @main(%x: tensor<2x2x2xf32>, %g: tensor<2x2xf32>, %b: tensor<2x2xf32>) -> tensor<2x2x2xf32> {
      %y = attune.layer_norm %x, %g, %b {axis = 1 : i64} : (tensor<2x2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2x2xf32>
      return %y : tensor<2x2x2xf32>
    })",
               {Tensor::fromF32({2, 2, 2}, {1, 2, 3, 4, 10, 10, 10, 14}),
                Tensor::fromF32({2, 2}, {1, 1, 1, 1}), Tensor::fromF32({2, 2}, {0, 0, 0, 0})});
  ASSERT_EQ(r.size(), 1u);
  double d0 = std::sqrt(1.25 + 1e-5);
  // Row 2: mean 11, centered [-1,-1,-1,3], variance 3.
  double d1 = std::sqrt(3.0 + 1e-5);
  expectClose(r[0], {2, 2, 2},
              {-1.5 / d0, -0.5 / d0, 0.5 / d0, 1.5 / d0, -1 / d1, -1 / d1, -1 / d1, 3 / d1},
              2e-6);
}

} // namespace
