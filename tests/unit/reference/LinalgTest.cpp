//===- LinalgTest.cpp - Reference semantics of matmul/embedding/attention -===//
#include "RefTestUtil.h"

#include <cmath>
#include <functional>

using namespace attune;
using namespace attune::ref;
using namespace attune::ref::test;

namespace {

using LinalgTest = RefTest;

TEST_F(LinalgTest, Matmul2x3By3x2) {
  auto r = run(R"(
    func.func @main(%a: tensor<2x3xf32>, %b: tensor<3x2xf32>) -> tensor<2x2xf32> {
      %c = attune.matmul %a, %b : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
      return %c : tensor<2x2xf32>
    })",
               {Tensor::fromF32({2, 3}, {1, 2, 3, 4, 5, 6}),
                Tensor::fromF32({3, 2}, {7, 8, 9, 10, 11, 12})});
  ASSERT_EQ(r.size(), 1u);
  expectClose(r[0], {2, 2}, {58, 64, 139, 154}, 0);
}

TEST_F(LinalgTest, MatmulTransposeB) {
  auto r = run(R"(
    func.func @main(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x2xf32> {
      %c = attune.matmul %a, %b {transpose_b} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x2xf32>
      return %c : tensor<2x2xf32>
    })",
               {Tensor::fromF32({2, 3}, {1, 2, 3, 4, 5, 6}),
                Tensor::fromF32({2, 3}, {7, 9, 11, 8, 10, 12})});
  ASSERT_EQ(r.size(), 1u);
  expectClose(r[0], {2, 2}, {58, 64, 139, 154}, 0);
}

TEST_F(LinalgTest, MatmulSharedRank2Rhs) {
  // Two batches of [1,2] x [2,2].
  auto r = run(R"(
    func.func @main(%a: tensor<2x1x2xf32>, %b: tensor<2x2xf32>) -> tensor<2x1x2xf32> {
      %c = attune.matmul %a, %b : (tensor<2x1x2xf32>, tensor<2x2xf32>) -> tensor<2x1x2xf32>
      return %c : tensor<2x1x2xf32>
    })",
               {Tensor::fromF32({2, 1, 2}, {1, 2, 3, 4}), Tensor::fromF32({2, 2}, {1, 10, 100, 1000})});
  ASSERT_EQ(r.size(), 1u);
  expectClose(r[0], {2, 1, 2}, {201, 2010, 403, 4030}, 0);
}

TEST_F(LinalgTest, MatmulBroadcastsBatchDims) {
  // lhs batch [2,1], rhs batch [3]: result batch [2,3]; [1,1] x [1,1] products.
  auto r = run(R"(
    func.func @main(%a: tensor<2x1x1x1xf32>, %b: tensor<3x1x1xf32>) -> tensor<2x3x1x1xf32> {
      %c = attune.matmul %a, %b : (tensor<2x1x1x1xf32>, tensor<3x1x1xf32>) -> tensor<2x3x1x1xf32>
      return %c : tensor<2x3x1x1xf32>
    })",
               {Tensor::fromF32({2, 1, 1, 1}, {1, 10}), Tensor::fromF32({3, 1, 1}, {2, 3, 4})});
  ASSERT_EQ(r.size(), 1u);
  expectClose(r[0], {2, 3, 1, 1}, {2, 3, 4, 20, 30, 40}, 0);
}

TEST_F(LinalgTest, EmbeddingGathersRows) {
  auto r = run(R"(
    func.func @main(%t: tensor<4x2xf32>, %ids: tensor<1x3xi64>, %ids32: tensor<2xi32>) -> (tensor<1x3x2xf32>, tensor<2x2xf32>) {
      %e = attune.embedding %t, %ids : (tensor<4x2xf32>, tensor<1x3xi64>) -> tensor<1x3x2xf32>
      %f = attune.embedding %t, %ids32 : (tensor<4x2xf32>, tensor<2xi32>) -> tensor<2x2xf32>
      return %e, %f : tensor<1x3x2xf32>, tensor<2x2xf32>
    })",
               {Tensor::fromF32({4, 2}, {0, 1, 10, 11, 20, 21, 30, 31}),
                Tensor::fromI64({1, 3}, {3, 0, 1}), Tensor::fromI32({2}, {2, 2})});
  ASSERT_EQ(r.size(), 2u);
  expectClose(r[0], {1, 3, 2}, {30, 31, 0, 1, 10, 11}, 0);
  expectClose(r[1], {2, 2}, {20, 21, 20, 21}, 0);
}

//===----------------------------------------------------------------------===//
// attention, against a naive double-precision formula
//===----------------------------------------------------------------------===//

std::vector<float> pattern(int64_t n, double seed) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = static_cast<float>(std::sin(seed + 0.37 * i) * 1.5);
  return v;
}

/// out[b,i,h*D+d] = sum_j softmax_j(s) v, s = scale * q.k + additive; keys
/// with keep(b,i,j) == false are left out of the softmax.
std::vector<double> naiveAttention(const std::vector<float> &q, const std::vector<float> &k,
                                   const std::vector<float> &v, int64_t B, int64_t Sq,
                                   int64_t Skv, int64_t H, int64_t D, double scale,
                                   const std::function<bool(int64_t, int64_t, int64_t)> &keep,
                                   const std::function<double(int64_t, int64_t, int64_t, int64_t)>
                                       &additive) {
  int64_t HD = H * D;
  std::vector<double> out(B * Sq * HD, 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < Sq; ++i) {
        std::vector<double> s(Skv);
        double m = -INFINITY;
        for (int64_t j = 0; j < Skv; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < D; ++d)
            dot += double(q[(b * Sq + i) * HD + h * D + d]) * k[(b * Skv + j) * HD + h * D + d];
          s[j] = scale * dot + additive(b, h, i, j);
          if (keep(b, i, j))
            m = std::max(m, s[j]);
        }
        double sum = 0;
        for (int64_t j = 0; j < Skv; ++j) {
          s[j] = keep(b, i, j) ? std::exp(s[j] - m) : 0.0;
          sum += s[j];
        }
        for (int64_t d = 0; d < D; ++d)
          for (int64_t j = 0; j < Skv; ++j)
            out[(b * Sq + i) * HD + h * D + d] += s[j] / sum * v[(b * Skv + j) * HD + h * D + d];
      }
  return out;
}

auto noAdditive = [](int64_t, int64_t, int64_t, int64_t) { return 0.0; };

TEST_F(LinalgTest, AttentionOneHeadWithPaddingMask) {
  int64_t B = 2, S = 3, D = 2;
  auto q = pattern(B * S * D, 0.1), k = pattern(B * S * D, 1.2), v = pattern(B * S * D, 2.3);
  std::vector<int64_t> mask{1, 1, 0, 1, 1, 1};
  auto r = run(R"(
    func.func @main(%q: tensor<2x3x2xf32>, %k: tensor<2x3x2xf32>, %v: tensor<2x3x2xf32>, %m: tensor<2x3xi64>) -> tensor<2x3x2xf32> {
      %o = attune.attention %q, %k, %v mask %m {num_heads = 1 : i64} : (tensor<2x3x2xf32>, tensor<2x3x2xf32>, tensor<2x3x2xf32>, tensor<2x3xi64>) -> tensor<2x3x2xf32>
      return %o : tensor<2x3x2xf32>
    })",
               {Tensor::fromF32({B, S, D}, q), Tensor::fromF32({B, S, D}, k),
                Tensor::fromF32({B, S, D}, v), Tensor::fromI64({B, S}, mask)});
  ASSERT_EQ(r.size(), 1u);
  auto expected = naiveAttention(
      q, k, v, B, S, S, 1, D, 1.0 / std::sqrt(2.0),
      [&](int64_t b, int64_t, int64_t j) { return mask[b * S + j] != 0; }, noAdditive);
  expectClose(r[0], {B, S, D}, expected, 1e-5);
}

TEST_F(LinalgTest, AttentionCausal) {
  int64_t S = 3, D = 2;
  auto q = pattern(S * D, 0.4), k = pattern(S * D, 0.9), v = pattern(S * D, 1.7);
  auto r = run(R"(
    func.func @main(%q: tensor<1x3x2xf32>, %k: tensor<1x3x2xf32>, %v: tensor<1x3x2xf32>) -> tensor<1x3x2xf32> {
      %o = attune.attention %q, %k, %v {num_heads = 1 : i64, causal} : (tensor<1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>) -> tensor<1x3x2xf32>
      return %o : tensor<1x3x2xf32>
    })",
               {Tensor::fromF32({1, S, D}, q), Tensor::fromF32({1, S, D}, k),
                Tensor::fromF32({1, S, D}, v)});
  ASSERT_EQ(r.size(), 1u);
  // Row 0 attends only to key 0: its output is v[0] exactly.
  EXPECT_NEAR(r[0].f32()[0], v[0], 1e-7);
  EXPECT_NEAR(r[0].f32()[1], v[1], 1e-7);
  auto expected = naiveAttention(q, k, v, 1, S, S, 1, D, 1.0 / std::sqrt(2.0),
                                 [](int64_t, int64_t i, int64_t j) { return j <= i; }, noAdditive);
  expectClose(r[0], {1, S, D}, expected, 1e-5);
}

TEST_F(LinalgTest, AttentionCausalShorterQueryBoolMaskAndScale) {
  // Sq = 2, Skv = 3: query i sees keys j <= i + 1; key 1 of batch 0 is padding.
  int64_t Sq = 2, Skv = 3, D = 2;
  auto q = pattern(Sq * D, 0.2), k = pattern(Skv * D, 0.5), v = pattern(Skv * D, 0.8);
  auto r = run(R"(
    func.func @main(%q: tensor<1x2x2xf32>, %k: tensor<1x3x2xf32>, %v: tensor<1x3x2xf32>, %m: tensor<1x3xi1>) -> tensor<1x2x2xf32> {
      %o = attune.attention %q, %k, %v mask %m {num_heads = 1 : i64, causal, scale = 0.5 : f32} : (tensor<1x2x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3xi1>) -> tensor<1x2x2xf32>
      return %o : tensor<1x2x2xf32>
    })",
               {Tensor::fromF32({1, Sq, D}, q), Tensor::fromF32({1, Skv, D}, k),
                Tensor::fromF32({1, Skv, D}, v), Tensor::fromBool({1, Skv}, {true, false, true})});
  ASSERT_EQ(r.size(), 1u);
  auto expected = naiveAttention(
      q, k, v, 1, Sq, Skv, 1, D, 0.5,
      [](int64_t, int64_t i, int64_t j) { return j <= i + 1 && j != 1; }, noAdditive);
  expectClose(r[0], {1, Sq, D}, expected, 1e-5);
  // Query 0 sees only key 0.
  EXPECT_NEAR(r[0].f32()[0], v[0], 1e-7);
}

TEST_F(LinalgTest, AttentionTwoHeadsAdditiveMask) {
  int64_t B = 1, S = 3, H = 2, D = 2, HD = 4;
  auto q = pattern(S * HD, 0.3), k = pattern(S * HD, 1.1), v = pattern(S * HD, 2.9);
  std::vector<float> add{0, -1, -2, 0.5f, 0, -10, 1, 1, 0}; // [1,1,3,3]
  auto r = run(R"(
    func.func @main(%q: tensor<1x3x4xf32>, %k: tensor<1x3x4xf32>, %v: tensor<1x3x4xf32>, %m: tensor<1x1x3x3xf32>) -> tensor<1x3x4xf32> {
      %o = attune.attention %q, %k, %v mask %m {num_heads = 2 : i64} : (tensor<1x3x4xf32>, tensor<1x3x4xf32>, tensor<1x3x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x3x4xf32>
      return %o : tensor<1x3x4xf32>
    })",
               {Tensor::fromF32({B, S, HD}, q), Tensor::fromF32({B, S, HD}, k),
                Tensor::fromF32({B, S, HD}, v), Tensor::fromF32({1, 1, S, S}, add)});
  ASSERT_EQ(r.size(), 1u);
  auto expected = naiveAttention(
      q, k, v, B, S, S, H, D, 1.0 / std::sqrt(2.0), [](int64_t, int64_t, int64_t) { return true; },
      [&](int64_t, int64_t, int64_t i, int64_t j) { return double(add[i * S + j]); });
  expectClose(r[0], {B, S, HD}, expected, 1e-5);
}

TEST_F(LinalgTest, AttentionFullyMaskedRowAveragesValues) {
  // Every key masked: all scores are -FLT_MAX, so the softmax is uniform.
  auto r = run(R"(
    func.func @main(%q: tensor<1x1x2xf32>, %k: tensor<1x2x2xf32>, %v: tensor<1x2x2xf32>, %m: tensor<1x2xi32>) -> tensor<1x1x2xf32> {
      %o = attune.attention %q, %k, %v mask %m {num_heads = 1 : i64} : (tensor<1x1x2xf32>, tensor<1x2x2xf32>, tensor<1x2x2xf32>, tensor<1x2xi32>) -> tensor<1x1x2xf32>
      return %o : tensor<1x1x2xf32>
    })",
               {Tensor::fromF32({1, 1, 2}, {1, 2}), Tensor::fromF32({1, 2, 2}, {3, -1, 0, 5}),
                Tensor::fromF32({1, 2, 2}, {2, 4, 6, 10}), Tensor::fromI32({1, 2}, {0, 0})});
  ASSERT_EQ(r.size(), 1u);
  expectClose(r[0], {1, 1, 2}, {4, 7});
}

} // namespace
