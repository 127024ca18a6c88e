//===- tests/e2e/LinalgTest.cpp - matmul, embedding, reductions, norms ----===//
//
// Compiled vs reference interpreter on random data (|a-b| <= 1e-5 + 1e-4|b|,
// 1 and 4 threads bit-identical) for:
//   matmul     - 2-D, batched 3-D, rank-2 rhs shared by every batch,
//                transpose_b, batch broadcast with size-1 dims, rank-2 lhs
//                with batched rhs, weights from .safetensors;
//   embedding  - tables from weights, i64 / i32 / rank-0 ids inputs and ids
//                stored as an I64 weight;
//   reduce_*   - sum / mean / max, keepdims and not, over the last, a middle,
//                several and all axes;
//   layer_norm - axis -1 and a 2-dim normalization, gamma/beta as weights and
//                as inputs, a size-1 normalized dim, an offset input;
//   softmax    - last axis, axis 1, axis 0, large logits, size-1 axis.
// Dims come from {1, 3, 17, 127, 129}.
//
//===----------------------------------------------------------------------===//
#include "E2E.h"

using namespace attune;
using namespace attune::e2e;

namespace {

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

struct MatmulCase {
  std::string name;
  std::vector<int64_t> lhs, rhs, result;
  bool transposeB = false;
  bool rhsIsWeight = false; // rhs (and a bias [N]) from the .safetensors file
};
void PrintTo(const MatmulCase &c, std::ostream *os) {
  *os << shapeString(c.lhs) << " x " << shapeString(c.rhs) << (c.transposeB ? "^T" : "") << " -> "
      << shapeString(c.result);
}

class Matmul : public E2ETest, public ::testing::WithParamInterface<MatmulCase> {
protected:
  void check(const MatmulCase &c);
};

void Matmul::check(const MatmulCase &c) {
  FuncBuilder f;
  std::string L = tensorType(c.lhs), R = tensorType(c.rhs), Y = tensorType(c.result);
  std::string lhs = f.arg("lhs", L);
  std::vector<Weight> weights;
  std::string rhs;
  if (c.rhsIsWeight) {
    rhs = f.def("w", "attune.weight @\"dense.weight\" : " + R);
    weights.push_back(makeWeight("dense.weight", ElementType::F32, c.rhs, uniform(-1, 1), 21));
  } else {
    rhs = f.arg("rhs", R);
  }
  std::string y = f.def("y", "attune.matmul " + lhs + ", " + rhs +
                                 (c.transposeB ? " {transpose_b}" : "") + " : (" + L + ", " + R +
                                 ") -> " + Y);
  f.result("y", y, Y);
  if (c.rhsIsWeight) {
    int64_t n = c.result.back();
    std::string BT = tensorType({n});
    std::string bias = f.def("bias", "attune.weight @\"dense.bias\" : " + BT);
    weights.push_back(makeWeight("dense.bias", ElementType::F32, {n}, uniform(-1, 1), 22));
    f.result("linear", f.def("linear", "attune.add " + y + ", " + bias + " : (" + Y + ", " + BT + ") -> " + Y),
             Y);
  }
  checkModule("matmul", f.str(), weights, {}, 31);
}

TEST_P(Matmul, MatchesReference) { check(GetParam()); }

// The same cases compiled for --target x86-64-avx2 (8-wide vectors, 16
// registers: the micro-kernel's AVX2 register tiles 4x24, 6x16 and 12x8; N
// not a multiple of 8 takes the generic path or is padded), run on this host.
class MatmulAVX2 : public Matmul {
protected:
  void SetUp() override {
    Matmul::SetUp();
    target_ = "x86-64-avx2";
  }
};

TEST_P(MatmulAVX2, MatchesReference) {
  std::string why = hostLacks({"avx2", "fma"});
  if (!why.empty())
    GTEST_SKIP() << why << ": an x86-64-avx2 library cannot run here";
  check(GetParam());
}

const auto kMatmulCases = ::testing::Values(
        MatmulCase{"m17_k129_n3", {17, 129}, {129, 3}, {17, 3}},
        MatmulCase{"m127_k3_n129", {127, 3}, {3, 129}, {127, 129}},
        MatmulCase{"m1_k1_n17", {1, 1}, {1, 17}, {1, 17}},
        MatmulCase{"m17_k129_n3_transpose_b", {17, 129}, {3, 129}, {17, 3}, true},
        MatmulCase{"batched_3x17x129_3x129x1", {3, 17, 129}, {3, 129, 1}, {3, 17, 1}},
        MatmulCase{"batched_rhs_rank2_3x17x129_129x1", {3, 17, 129}, {129, 1}, {3, 17, 1}},
        MatmulCase{"batched_transpose_b_3x17x129_3x127x129", {3, 17, 129}, {3, 127, 129},
                   {3, 17, 127}, true},
        MatmulCase{"batch_broadcast_3x1x17x127_1x17x127x3", {3, 1, 17, 127}, {1, 17, 127, 3},
                   {3, 17, 17, 3}},
        MatmulCase{"rhs_rank2_transpose_b_3x17x129_127x129", {3, 17, 129}, {127, 129}, {3, 17, 127},
                   true},
        MatmulCase{"lhs_rank2_17x129_3x129x3", {17, 129}, {3, 129, 3}, {3, 17, 3}},
        MatmulCase{"linear_weight_1x17x129_129x127", {1, 17, 129}, {129, 127}, {1, 17, 127}, false,
                   true},
        // Register-blocked micro-kernel (N a multiple of 16): register tiles
        // 8x48, 12x32, 16x16 with tail rows, batch loops, broadcast rhs,
        // weights stored transposed (prepacked), split across forall chunks.
        MatmulCase{"mk_m17_k129_n48", {17, 129}, {129, 48}, {17, 48}},
        MatmulCase{"mk_m1_k3_n144", {1, 3}, {3, 144}, {1, 144}},
        MatmulCase{"mk_m13_k17_n32", {13, 17}, {17, 32}, {13, 32}},
        MatmulCase{"mk_m3_k1_n80", {3, 1}, {1, 80}, {3, 80}},
        MatmulCase{"mk_m128_k33_n96", {128, 33}, {33, 96}, {128, 96}},
        MatmulCase{"mk_batched_3x9x17_3x17x64", {3, 9, 17}, {3, 17, 64}, {3, 9, 64}},
        MatmulCase{"mk_rhs_rank2_2x24x31_31x48", {2, 24, 31}, {31, 48}, {2, 24, 48}},
        MatmulCase{"mk_weight_transpose_b_1x17x129_96x129", {1, 17, 129}, {96, 129}, {1, 17, 96},
                   true, true},
        MatmulCase{"mk_weight_64x127_127x768", {64, 127}, {127, 768}, {64, 768}, false, true},
        // K blocks (heuristicKc), tail rows: few rows take blocks <= 128 (128
        // for K = 1536, 110 for K = 1100, 128 for K = 768 at 100 rows), 33+
        // rows and K > 1024 blocks <= 384 (384 for K = 1536).
        MatmulCase{"mk_deep_k_9x1536_1536x48", {9, 1536}, {1536, 48}, {9, 48}, false, true},
        MatmulCase{"mk_deep_k_3x1100_1100x32", {3, 1100}, {1100, 32}, {3, 32}},
        MatmulCase{"mk_deep_k_40x1536_1536x48", {40, 1536}, {1536, 48}, {40, 48}, false, true},
        MatmulCase{"mk_kblock_100x768_768x96", {100, 768}, {768, 96}, {100, 96}, false, true},
        // N a multiple of 8, not of 16: the micro-kernel on 8-wide vectors
        // (microKernelWidth), weights prepacked at nr = 8 / 24.
        MatmulCase{"mk8_m13_k17_n24", {13, 17}, {17, 24}, {13, 24}},
        MatmulCase{"mk8_weight_1x17x129_129x40", {1, 17, 129}, {129, 40}, {1, 17, 40}, false,
                   true},
        // Tall: one K block of all rows is over 1 MiB (700 x 400 floats), so
        // the split is along M first.
        MatmulCase{"mk_tall_weight_1x700x400_400x48", {1, 700, 400}, {400, 48}, {1, 700, 48},
                   false, true},
        // N >= 64 and not a multiple of 8 (vocabulary heads): the weight is
        // stored with zero columns up to a multiple of 48, the matmul computes
        // the padded width and a slice keeps N.
        MatmulCase{"pad_weight_2x9x33_33x101", {2, 9, 33}, {33, 101}, {2, 9, 101}, false, true},
        MatmulCase{"pad_weight_transpose_b_1x17x129_70x129", {1, 17, 129}, {70, 129},
                   {1, 17, 70}, true, true});
INSTANTIATE_TEST_SUITE_P(Cases, Matmul, kMatmulCases,
                         [](const auto &info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Cases, MatmulAVX2, kMatmulCases,
                         [](const auto &info) { return info.param.name; });

//===----------------------------------------------------------------------===//
// embedding
//===----------------------------------------------------------------------===//

using Embedding = E2ETest;

TEST_F(Embedding, TablesFromWeightsWithI64I32AndRank0Ids) {
  FuncBuilder f;
  const std::string T1 = tensorType({127, 17}), T2 = tensorType({3, 129});
  std::string ids = f.arg("ids", tensorType({3, 17}, "i64"), "attune.max_value = 127 : i64");
  std::string ids32 = f.arg("ids32", tensorType({1, 129}, "i32"), "attune.max_value = 3 : i64");
  std::string id0 = f.arg("id0", tensorType({}, "i64"), "attune.max_value = 127 : i64");
  std::string t1 = f.def("t1", "attune.weight @\"word.weight\" : " + T1);
  std::string t2 = f.def("t2", "attune.weight @\"small.weight\" : " + T2);
  std::string pos = f.def("pos", "attune.weight @position_ids : " + tensorType({1, 17}, "i64"));
  const std::string E1 = tensorType({3, 17, 17}), E3 = tensorType({1, 17, 17});
  std::string e1 = f.def("e1", "attune.embedding " + t1 + ", " + ids + " : (" + T1 + ", " +
                                   tensorType({3, 17}, "i64") + ") -> " + E1);
  f.result("word", e1, E1);
  f.result("small", f.def("e2", "attune.embedding " + t2 + ", " + ids32 + " : (" + T2 + ", " +
                                    tensorType({1, 129}, "i32") + ") -> " +
                                    tensorType({1, 129, 129})),
           tensorType({1, 129, 129}));
  f.result("scalar_id", f.def("e0", "attune.embedding " + t1 + ", " + id0 + " : (" + T1 + ", " +
                                        tensorType({}, "i64") + ") -> " + tensorType({17})),
           tensorType({17}));
  std::string e3 = f.def("e3", "attune.embedding " + t1 + ", " + pos + " : (" + T1 + ", " +
                                   tensorType({1, 17}, "i64") + ") -> " + E3);
  f.result("position", e3, E3);
  f.result("sum", f.def("s", "attune.add " + e1 + ", " + e3 + " : (" + E1 + ", " + E3 + ") -> " + E1), E1);
  std::vector<Weight> weights = {
      makeWeight("word.weight", ElementType::F32, {127, 17}, uniform(-1, 1), 41),
      makeWeight("small.weight", ElementType::F32, {3, 129}, uniform(-1, 1), 42),
      // Every row id 0..126 is possible; the ends are forced in.
      makeWeight("position_ids", ElementType::I64, {1, 17}, withPrefix({0, 126}, ints(0, 126)), 43)};
  checkModule("embedding", f.str(), weights,
              {{"ids", withPrefix({0, 126, 1}, ints(0, 126))},
               {"ids32", withPrefix({0, 2}, ints(0, 2))},
               {"id0", ints(0, 126)}},
              44);
}

//===----------------------------------------------------------------------===//
// reduce_sum / reduce_mean / reduce_max
//===----------------------------------------------------------------------===//

struct ReduceCase {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<int64_t> axes;
};
void PrintTo(const ReduceCase &c, std::ostream *os) {
  *os << shapeString(c.shape) << " axes " << shapeString(c.axes);
}

class Reduce : public E2ETest, public ::testing::WithParamInterface<ReduceCase> {};

TEST_P(Reduce, SumMeanMaxWithAndWithoutKeepdims) {
  const ReduceCase &c = GetParam();
  int64_t rank = static_cast<int64_t>(c.shape.size());
  std::vector<bool> reduced(rank, false);
  for (int64_t a : c.axes)
    reduced[a < 0 ? a + rank : a] = true;
  std::vector<int64_t> kept, dropped;
  for (int64_t d = 0; d < rank; ++d) {
    kept.push_back(reduced[d] ? 1 : c.shape[d]);
    if (!reduced[d])
      dropped.push_back(c.shape[d]);
  }
  FuncBuilder f;
  std::string X = tensorType(c.shape);
  std::string x = f.arg("x", X);
  for (const char *op : {"reduce_sum", "reduce_mean", "reduce_max"})
    for (bool keep : {false, true}) {
      std::string name = std::string(op) + (keep ? "_keepdims" : "");
      std::string Y = tensorType(keep ? kept : dropped);
      f.result(name, f.def(name, std::string("attune.") + op + " " + x + " {axes = " + i64Array(c.axes) +
                                     (keep ? ", keepdims" : "") + "} : (" + X + ") -> " + Y),
               Y);
    }
  checkModule("reduce", f.str(), {}, {{"x", uniform(-2, 2)}}, 51);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Reduce,
    ::testing::Values(ReduceCase{"last_3x17x129", {3, 17, 129}, {-1}},
                      ReduceCase{"middle_3x17x129", {3, 17, 129}, {1}},
                      ReduceCase{"first_and_last_3x17x129", {3, 17, 129}, {0, 2}},
                      ReduceCase{"negative_axes_17x3x129", {17, 3, 129}, {-3, -1}},
                      ReduceCase{"size1_axes_1x127x1", {1, 127, 1}, {0, 2}},
                      ReduceCase{"all_axes_127x129", {127, 129}, {0, 1}},
                      ReduceCase{"last_rank1_129", {129}, {0}}),
    [](const auto &info) { return info.param.name; });

//===----------------------------------------------------------------------===//
// layer_norm
//===----------------------------------------------------------------------===//

using LayerNorm = E2ETest;

TEST_F(LayerNorm, LastAxisTwoDimsInputsAndEdgeShapes) {
  FuncBuilder f;
  const std::string X = tensorType({3, 17, 129}), G = tensorType({129}), G2 = tensorType({17, 129}),
                    X3 = tensorType({1, 127}), G3 = tensorType({127}), X4 = tensorType({17, 1}),
                    G4 = tensorType({1});
  std::string x = f.arg("x", X), x3 = f.arg("x3", X3), g3 = f.arg("g3", G3), b3 = f.arg("b3", G3),
              x4 = f.arg("x4", X4), g4 = f.arg("g4", G4), b4 = f.arg("b4", G4),
              xo = f.arg("xo", X);
  std::string g = f.def("g", "attune.weight @\"ln.weight\" : " + G);
  std::string b = f.def("b", "attune.weight @\"ln.bias\" : " + G);
  std::string g2 = f.def("g2", "attune.weight @\"ln2.weight\" : " + G2);
  std::string b2 = f.def("b2", "attune.weight @\"ln2.bias\" : " + G2);
  f.result("last_axis", f.def("y1", "attune.layer_norm " + x + ", " + g + ", " + b + " : (" + X + ", " +
                                        G + ", " + G + ") -> " + X),
           X);
  f.result("last_axis_eps12", f.def("y1e", "attune.layer_norm " + x + ", " + g + ", " + b +
                                               " {axis = 2 : i64, eps = 1.0e-12 : f32} : (" + X +
                                               ", " + G + ", " + G + ") -> " + X),
           X);
  f.result("two_dims", f.def("y2", "attune.layer_norm " + x + ", " + g2 + ", " + b2 +
                                       " {axis = 1 : i64} : (" + X + ", " + G2 + ", " + G2 + ") -> " + X),
           X);
  f.result("gamma_input", f.def("y3", "attune.layer_norm " + x3 + ", " + g3 + ", " + b3 + " : (" + X3 +
                                          ", " + G3 + ", " + G3 + ") -> " + X3),
           X3);
  f.result("size1_dim", f.def("y4", "attune.layer_norm " + x4 + ", " + g4 + ", " + b4 + " : (" + X4 +
                                        ", " + G4 + ", " + G4 + ") -> " + X4),
           X4);
  f.result("offset_input", f.def("y5", "attune.layer_norm " + xo + ", " + g + ", " + b + " : (" + X +
                                           ", " + G + ", " + G + ") -> " + X),
           X);
  std::vector<Weight> weights = {
      makeWeight("ln.weight", ElementType::F32, {129}, uniform(0.5f, 1.5f), 61),
      makeWeight("ln.bias", ElementType::F32, {129}, uniform(-0.5f, 0.5f), 62),
      makeWeight("ln2.weight", ElementType::F32, {17, 129}, uniform(0.5f, 1.5f), 63),
      makeWeight("ln2.bias", ElementType::F32, {17, 129}, uniform(-0.5f, 0.5f), 64)};
  checkModule("layer_norm", f.str(), weights,
              {{"x", uniform(-2, 2)}, {"xo", uniform(2, 4)}, {"g3", uniform(0.5f, 1.5f)}}, 65);
}

//===----------------------------------------------------------------------===//
// softmax
//===----------------------------------------------------------------------===//

using Softmax = E2ETest;

TEST_F(Softmax, LastAxisAxis1Axis0LargeLogitsSize1) {
  FuncBuilder f;
  const std::string X = tensorType({3, 17, 129}), X2 = tensorType({1, 127}), X3 = tensorType({129, 3}),
                    X4 = tensorType({17, 1}), X5 = tensorType({3, 129, 17});
  std::string x = f.arg("x", X), x2 = f.arg("x2", X2), x3 = f.arg("x3", X3), x4 = f.arg("x4", X4),
              x5 = f.arg("x5", X5);
  auto sm = [&](const std::string &name, const std::string &in, const std::string &T,
                const std::string &attrs) {
    f.result(name, f.def(name, "attune.softmax " + in + attrs + " : (" + T + ") -> " + T), T);
  };
  sm("last_axis", x, X, "");
  sm("last_axis_explicit", x, X, " {axis = -1 : i64}");
  sm("axis1", x, X, " {axis = 1 : i64}");
  sm("axis1_of_3x129x17", x5, X5, " {axis = 1 : i64}");
  sm("large_logits", x2, X2, " {axis = -1 : i64}");
  sm("axis0", x3, X3, " {axis = 0 : i64}");
  sm("size1_axis", x4, X4, " {axis = 1 : i64}");
  checkModule("softmax", f.str(), {},
              {{"x", uniform(-4, 4)}, {"x2", uniform(-60, 60)}, {"x3", uniform(-4, 4)},
               {"x5", uniform(-4, 4)}},
              71);
}

} // namespace
