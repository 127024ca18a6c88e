//===- ShapeTest.cpp - Reference semantics of the shape ops and weights ---===//
#include "RefTestUtil.h"

using namespace attune;
using namespace attune::ref;
using namespace attune::ref::test;

namespace {

using ShapeTest = RefTest;

TEST_F(ShapeTest, ReshapeKeepsRowMajorOrder) {
  auto r = run(R"(
    func.func @main(%x: tensor<2x3xi64>) -> tensor<3x1x2xi64> {
      %r = attune.reshape %x : (tensor<2x3xi64>) -> tensor<3x1x2xi64>
      return %r : tensor<3x1x2xi64>
    })",
               {Tensor::fromI64({2, 3}, {1, 2, 3, 4, 5, 6})});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].shape, (std::vector<int64_t>{3, 1, 2}));
  EXPECT_EQ(i64s(r[0]), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
}

TEST_F(ShapeTest, Transpose) {
  // x[a,b,c] = 100a + 10b + c with shape [2,3,2]; perm (2,0,1) -> [2,2,3].
  std::vector<float> x;
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int c = 0; c < 2; ++c)
        x.push_back(100 * a + 10 * b + c);
  auto r = run(R"(
    func.func @main(%x: tensor<2x3x2xf32>) -> tensor<2x2x3xf32> {
      %t = attune.transpose %x {perm = array<i64: 2, 0, 1>} : (tensor<2x3x2xf32>) -> tensor<2x2x3xf32>
      return %t : tensor<2x2x3xf32>
    })",
               {Tensor::fromF32({2, 3, 2}, x)});
  ASSERT_EQ(r.size(), 1u);
  std::vector<double> expected; // out[c,a,b] = x[a,b,c]
  for (int c = 0; c < 2; ++c)
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 3; ++b)
        expected.push_back(100 * a + 10 * b + c);
  expectClose(r[0], {2, 2, 3}, expected, 0);
}

TEST_F(ShapeTest, SliceWithStepTwo) {
  // x = 0..19 as [4,5]; rows 1..4 step 2, cols 0..5 step 2.
  std::vector<float> x(20);
  for (int i = 0; i < 20; ++i)
    x[i] = i;
  auto r = run(R"(
    func.func @main(%x: tensor<4x5xf32>) -> tensor<2x3xf32> {
      %s = attune.slice %x {starts = array<i64: 1, 0>, ends = array<i64: 4, 5>, steps = array<i64: 2, 2>} : (tensor<4x5xf32>) -> tensor<2x3xf32>
      return %s : tensor<2x3xf32>
    })",
               {Tensor::fromF32({4, 5}, x)});
  ASSERT_EQ(r.size(), 1u);
  expectClose(r[0], {2, 3}, {5, 7, 9, 15, 17, 19}, 0);
}

TEST_F(ShapeTest, SplitAlongLastAxis) {
  auto r = run(R"(
    func.func @main(%x: tensor<2x5xi32>) -> (tensor<2x2xi32>, tensor<2x0xi32>, tensor<2x3xi32>) {
      %a, %b, %c = attune.split %x {axis = -1 : i64, sizes = array<i64: 2, 0, 3>} : (tensor<2x5xi32>) -> (tensor<2x2xi32>, tensor<2x0xi32>, tensor<2x3xi32>)
      return %a, %b, %c : tensor<2x2xi32>, tensor<2x0xi32>, tensor<2x3xi32>
    })",
               {Tensor::fromI32({2, 5}, {0, 1, 2, 3, 4, 10, 11, 12, 13, 14})});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(i32s(r[0]), (std::vector<int32_t>{0, 1, 10, 11}));
  EXPECT_EQ(r[1].shape, (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(r[1].numElements(), 0);
  EXPECT_EQ(i32s(r[2]), (std::vector<int32_t>{2, 3, 4, 12, 13, 14}));
}

TEST_F(ShapeTest, ConcatAlongAxes) {
  auto r = run(R"(
    func.func @main(%a: tensor<2x1xf32>, %b: tensor<2x2xf32>) -> (tensor<2x3xf32>, tensor<4x2xf32>) {
      %c = attune.concat %a, %b {axis = 1 : i64} : (tensor<2x1xf32>, tensor<2x2xf32>) -> tensor<2x3xf32>
      %d = attune.concat %b, %b {axis = -2 : i64} : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
      return %c, %d : tensor<2x3xf32>, tensor<4x2xf32>
    })",
               {Tensor::fromF32({2, 1}, {1, 2}), Tensor::fromF32({2, 2}, {10, 11, 20, 21})});
  ASSERT_EQ(r.size(), 2u);
  expectClose(r[0], {2, 3}, {1, 10, 11, 2, 20, 21}, 0);
  expectClose(r[1], {4, 2}, {10, 11, 20, 21, 10, 11, 20, 21}, 0);
}

TEST_F(ShapeTest, ExpandBroadcasts) {
  auto r = run(R"(
    func.func @main(%m: tensor<1x3xi1>) -> tensor<2x2x3xi1> {
      %e = attune.expand %m : (tensor<1x3xi1>) -> tensor<2x2x3xi1>
      return %e : tensor<2x2x3xi1>
    })",
               {Tensor::fromBool({1, 3}, {true, false, true})});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(bools(r[0]), (std::vector<int>{1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1}));
}

TEST_F(ShapeTest, WeightsAndArgumentPassThrough) {
  WeightTable w;
  std::vector<float> vals{1, 2, 3, 4};
  std::vector<uint8_t> bytes(reinterpret_cast<uint8_t *>(vals.data()),
                             reinterpret_cast<uint8_t *>(vals.data()) + 16);
  w.addOwned({"layer.weight", ElementType::F32, {2, 2}, nullptr, 0}, bytes);
  auto r = run(R"(
    func.func @main(%x: tensor<1x2xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) {
      %w = attune.weight @"layer.weight" : tensor<2x2xf32>
      %y = attune.matmul %x, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
      return %y, %x, %y : tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>
    })",
               {Tensor::fromF32({1, 2}, {1, 1})}, &w);
  ASSERT_EQ(r.size(), 3u);
  expectClose(r[0], {1, 2}, {4, 6}, 0);
  expectClose(r[1], {1, 2}, {1, 1}, 0);
  expectClose(r[2], {1, 2}, {4, 6}, 0);
}

} // namespace
