//===- ElementwiseTest.cpp - Reference semantics of elementwise ops -------===//
#include "RefTestUtil.h"

#include <cmath>
#include <limits>

using namespace attune;
using namespace attune::ref;
using namespace attune::ref::test;

namespace {

using ElementwiseTest = RefTest;

TEST_F(ElementwiseTest, AddBroadcastsTrailingDims) {
  auto r = run(R"(
    func.func @main(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
      %r = attune.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
      return %r : tensor<2x3xf32>
    })",
               {Tensor::fromF32({2, 3}, {1, 2, 3, 4, 5, 6}), Tensor::fromF32({3}, {10, 20, 30})});
  ASSERT_EQ(r.size(), 1u);
  expectClose(r[0], {2, 3}, {11, 22, 33, 14, 25, 36});
}

TEST_F(ElementwiseTest, SubBroadcastsSizeOneDimsBothWays) {
  // [2,1] - [1,3] -> [2,3]
  auto r = run(R"(
    func.func @main(%a: tensor<2x1xf32>, %b: tensor<1x3xf32>) -> tensor<2x3xf32> {
      %r = attune.sub %a, %b : (tensor<2x1xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
      return %r : tensor<2x3xf32>
    })",
               {Tensor::fromF32({2, 1}, {10, 20}), Tensor::fromF32({1, 3}, {1, 2, 3})});
  ASSERT_EQ(r.size(), 1u);
  expectClose(r[0], {2, 3}, {9, 8, 7, 19, 18, 17});
}

TEST_F(ElementwiseTest, MulDivPowWithScalar) {
  auto r = run(R"(
    func.func @main(%a: tensor<3xf32>, %s: tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
      %m = attune.mul %a, %s : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
      %d = attune.div %a, %s : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
      %p = attune.pow %a, %s : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
      return %m, %d, %p : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
    })",
               {Tensor::fromF32({3}, {1, 3, -4}), Tensor::fromF32({}, {2})});
  ASSERT_EQ(r.size(), 3u);
  expectClose(r[0], {3}, {2, 6, -8});
  expectClose(r[1], {3}, {0.5, 1.5, -2});
  expectClose(r[2], {3}, {1, 9, 16});
}

TEST_F(ElementwiseTest, IntegerDivTruncatesTowardZero) {
  auto r = run(R"(
    func.func @main(%a: tensor<4xi64>, %b: tensor<4xi64>) -> tensor<4xi64> {
      %r = attune.div %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
      return %r : tensor<4xi64>
    })",
               {Tensor::fromI64({4}, {7, -7, 7, -7}), Tensor::fromI64({4}, {2, 2, -2, -2})});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(i64s(r[0]), (std::vector<int64_t>{3, -3, -3, 3}));
}

TEST_F(ElementwiseTest, IntegerArithmeticWraps) {
  int32_t max = std::numeric_limits<int32_t>::max();
  auto r = run(R"(
    func.func @main(%a: tensor<2xi32>, %b: tensor<2xi32>) -> (tensor<2xi32>, tensor<2xi32>) {
      %s = attune.add %a, %b : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
      %m = attune.mul %a, %b : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
      return %s, %m : tensor<2xi32>, tensor<2xi32>
    })",
               {Tensor::fromI32({2}, {max, -3}), Tensor::fromI32({2}, {1, 5})});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(i32s(r[0]), (std::vector<int32_t>{std::numeric_limits<int32_t>::min(), 2}));
  EXPECT_EQ(i32s(r[1]), (std::vector<int32_t>{max, -15}));
}

TEST_F(ElementwiseTest, EqualAndWhere) {
  auto r = run(R"(
    func.func @main(%a: tensor<2x2xi64>, %b: tensor<2xi64>, %x: tensor<2x2xf32>, %y: tensor<f32>) -> (tensor<2x2xi1>, tensor<2x2xf32>) {
      %e = attune.equal %a, %b : (tensor<2x2xi64>, tensor<2xi64>) -> tensor<2x2xi1>
      %w = attune.where %e, %x, %y : (tensor<2x2xi1>, tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xf32>
      return %e, %w : tensor<2x2xi1>, tensor<2x2xf32>
    })",
               {Tensor::fromI64({2, 2}, {1, 2, 1, 5}), Tensor::fromI64({2}, {1, 5}),
                Tensor::fromF32({2, 2}, {10, 20, 30, 40}), Tensor::fromF32({}, {-1})});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(bools(r[0]), (std::vector<int>{1, 0, 1, 1}));
  expectClose(r[1], {2, 2}, {10, -1, 30, 40});
}

TEST_F(ElementwiseTest, FloatEqualIsOrdered) {
  float nan = std::numeric_limits<float>::quiet_NaN();
  auto r = run(R"(
    func.func @main(%a: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<3xi1> {
      %e = attune.equal %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
      return %e : tensor<3xi1>
    })",
               {Tensor::fromF32({3}, {1, nan, 0.0f}), Tensor::fromF32({3}, {1, nan, -0.0f})});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(bools(r[0]), (std::vector<int>{1, 0, 1}));
}

TEST_F(ElementwiseTest, UnaryMath) {
  auto r = run(R"(
    func.func @main(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
      %e = attune.exp %x : tensor<3xf32>
      %s = attune.sqrt %x : tensor<3xf32>
      %f = attune.erf %x : tensor<3xf32>
      %t = attune.tanh %x : tensor<3xf32>
      return %e, %s, %f, %t : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
    })",
               {Tensor::fromF32({3}, {0, 1, 4})});
  ASSERT_EQ(r.size(), 4u);
  expectClose(r[0], {3}, {1, 2.718281828459045, 54.598150033144236});
  expectClose(r[1], {3}, {0, 1, 2});
  expectClose(r[2], {3}, {0, 0.8427007929497149, 0.9999999845827421});
  expectClose(r[3], {3}, {0, 0.7615941559557649, 0.999329299739067});
}

TEST_F(ElementwiseTest, ReluIsIeeeMaximum) {
  float nan = std::numeric_limits<float>::quiet_NaN();
  auto r = run(R"(
    func.func @main(%x: tensor<5xf32>) -> tensor<5xf32> {
      %r = attune.relu %x : tensor<5xf32>
      return %r : tensor<5xf32>
    })",
               {Tensor::fromF32({5}, {-2, 3, -0.0f, nan, 0.5f})});
  ASSERT_EQ(r.size(), 1u);
  std::vector<float> v = f32s(r[0]);
  EXPECT_TRUE(sameFloat(v[0], 0.0f));
  EXPECT_TRUE(sameFloat(v[1], 3.0f));
  EXPECT_TRUE(sameFloat(v[2], 0.0f)) << "relu(-0) is +0";
  EXPECT_TRUE(std::isnan(v[3])) << "relu(NaN) is NaN";
  EXPECT_TRUE(sameFloat(v[4], 0.5f));
}

TEST_F(ElementwiseTest, GeluExactAndTanh) {
  auto r = run(R"(
    func.func @main(%x: tensor<5xf32>) -> (tensor<5xf32>, tensor<5xf32>, tensor<5xf32>) {
      %n = attune.gelu %x : tensor<5xf32>
      %e = attune.gelu %x {approximate = "none"} : tensor<5xf32>
      %t = attune.gelu %x {approximate = "tanh"} : tensor<5xf32>
      return %n, %e, %t : tensor<5xf32>, tensor<5xf32>, tensor<5xf32>
    })",
               {Tensor::fromF32({5}, {-2, -1, 0.5f, 1, 3})});
  ASSERT_EQ(r.size(), 3u);
  // Values from the formulas in double precision.
  std::vector<double> exact{-0.04550026389635842, -0.15865525393145707, 0.34573123063700656,
                            0.8413447460685429, 2.99595030590511};
  std::vector<double> tanhForm{-0.04540230591222494, -0.15880800939172324, 0.34571400982514394,
                               0.8411919906082768, 2.996362607918227};
  expectClose(r[0], {5}, exact, 2e-6);
  expectClose(r[1], {5}, exact, 2e-6);
  expectClose(r[2], {5}, tanhForm, 2e-6);
}

TEST_F(ElementwiseTest, CastIntToFloatAndFloatToBool) {
  float nan = std::numeric_limits<float>::quiet_NaN();
  auto r = run(R"(
    func.func @main(%i: tensor<3xi64>, %f: tensor<4xf32>) -> (tensor<3xf32>, tensor<4xi1>) {
      %a = attune.cast %i : (tensor<3xi64>) -> tensor<3xf32>
      %b = attune.cast %f : (tensor<4xf32>) -> tensor<4xi1>
      return %a, %b : tensor<3xf32>, tensor<4xi1>
    })",
               {Tensor::fromI64({3}, {-3, 0, 16777217}), Tensor::fromF32({4}, {0, -0.0f, 0.25f, nan})});
  ASSERT_EQ(r.size(), 2u);
  // 2^24 + 1 rounds to nearest even in float.
  expectClose(r[0], {3}, {-3, 0, 16777216}, 0);
  EXPECT_EQ(bools(r[1]), (std::vector<int>{0, 0, 1, 1}));
}

TEST_F(ElementwiseTest, CastFloatToIntTruncatesAndClamps) {
  float nan = std::numeric_limits<float>::quiet_NaN();
  auto r = run(R"(
    func.func @main(%f: tensor<6xf32>) -> (tensor<6xi64>, tensor<6xi32>) {
      %a = attune.cast %f : (tensor<6xf32>) -> tensor<6xi64>
      %b = attune.cast %f : (tensor<6xf32>) -> tensor<6xi32>
      return %a, %b : tensor<6xi64>, tensor<6xi32>
    })",
               {Tensor::fromF32({6}, {2.9f, -2.9f, 1e20f, -1e20f, nan, 3e9f})});
  ASSERT_EQ(r.size(), 2u);
  int64_t i64max = std::numeric_limits<int64_t>::max(), i64min = std::numeric_limits<int64_t>::min();
  int32_t i32max = std::numeric_limits<int32_t>::max(), i32min = std::numeric_limits<int32_t>::min();
  EXPECT_EQ(i64s(r[0]), (std::vector<int64_t>{2, -2, i64max, i64min, 0, 3000000000}));
  EXPECT_EQ(i32s(r[1]), (std::vector<int32_t>{2, -2, i32max, i32min, 0, i32max}));
}

TEST_F(ElementwiseTest, CastBetweenIntsAndFromBool) {
  auto r = run(R"(
    func.func @main(%i: tensor<3xi64>, %j: tensor<2xi32>, %b: tensor<2xi1>) -> (tensor<3xi32>, tensor<2xi64>, tensor<2xf32>, tensor<2xi64>, tensor<3xi1>) {
      %a = attune.cast %i : (tensor<3xi64>) -> tensor<3xi32>
      %c = attune.cast %j : (tensor<2xi32>) -> tensor<2xi64>
      %d = attune.cast %b : (tensor<2xi1>) -> tensor<2xf32>
      %e = attune.cast %b : (tensor<2xi1>) -> tensor<2xi64>
      %f = attune.cast %i : (tensor<3xi64>) -> tensor<3xi1>
      return %a, %c, %d, %e, %f : tensor<3xi32>, tensor<2xi64>, tensor<2xf32>, tensor<2xi64>, tensor<3xi1>
    })",
               {Tensor::fromI64({3}, {int64_t(1) << 32 | 5, -1, 0}), Tensor::fromI32({2}, {-7, 7}),
                Tensor::fromBool({2}, {true, false})});
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(i32s(r[0]), (std::vector<int32_t>{5, -1, 0}));
  EXPECT_EQ(i64s(r[1]), (std::vector<int64_t>{-7, 7}));
  expectClose(r[2], {2}, {1, 0}, 0);
  EXPECT_EQ(i64s(r[3]), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(bools(r[4]), (std::vector<int>{1, 1, 0}));
}

TEST_F(ElementwiseTest, ConstantsDenseAndSplat) {
  auto r = run(R"(
    func.func @main() -> (tensor<2x2xf32>, tensor<3xi64>, tensor<2xi1>, tensor<f32>) {
      %a = attune.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
      %b = attune.constant dense<7> : tensor<3xi64>
      %c = attune.constant dense<[true, false]> : tensor<2xi1>
      %d = attune.constant dense<1.0e-05> : tensor<f32>
      return %a, %b, %c, %d : tensor<2x2xf32>, tensor<3xi64>, tensor<2xi1>, tensor<f32>
    })",
               {});
  ASSERT_EQ(r.size(), 4u);
  expectClose(r[0], {2, 2}, {1, 2, 3, 4}, 0);
  EXPECT_EQ(i64s(r[1]), (std::vector<int64_t>{7, 7, 7}));
  EXPECT_EQ(bools(r[2]), (std::vector<int>{1, 0}));
  EXPECT_EQ(r[3].shape, std::vector<int64_t>{});
  EXPECT_EQ(f32s(r[3])[0], 1.0e-05f);
}

} // namespace
