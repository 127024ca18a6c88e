//===- tests/e2e/ShapeTest.cpp - shape ops, cast, constant, chunk counts --===//
//
// Compiled vs reference interpreter (|a-b| <= 1e-5 + 1e-4|b| for floats,
// exact for integers and bools; 1 and 4 threads bit-identical):
//   reshape, transpose, slice with steps, split, concat, expand on f32, i64,
//   i32 and i1 tensors (including a reshape of a transposed value);
//   cast i64->f32, f32->i32, f32->i64, i32->i64, i64->i32, f32->i1 (bool
//   output), i1->f32/i64, and the documented edge cases of float->int
//   (truncation toward zero, clamping, NaN -> 0);
//   constant: splat and dense, f32/i64/i32/i1, rank 0, returned directly;
//   one model compiled with several parallel chunk counts.
//
//===----------------------------------------------------------------------===//
#include "E2E.h"

#include <cmath>
#include <limits>

using namespace attune;
using namespace attune::e2e;

namespace {

std::string unary(FuncBuilder &f, const std::string &name, const std::string &op,
                  const std::string &in, const std::string &inT, const std::string &outT,
                  const std::string &attrs = "") {
  return f.def(name, "attune." + op + " " + in + (attrs.empty() ? "" : " " + attrs) + " : (" + inT +
                         ") -> " + outT);
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

using ShapeOps = E2ETest;

TEST_F(ShapeOps, ReshapeTransposeSliceSplitConcatExpandF32) {
  FuncBuilder f;
  const std::string X = tensorType({3, 17, 129});
  std::string x = f.arg("x", X), y = f.arg("y", tensorType({3, 1, 129})),
              z = f.arg("z", tensorType({3, 17, 1})), e = f.arg("e", tensorType({1, 17, 1})),
              s = f.arg("s", tensorType({})), b = f.arg("b", tensorType({129}));
  auto out = [&](const std::string &name, const std::string &op, const std::string &in,
                 const std::string &inT, const std::vector<int64_t> &shape,
                 const std::string &attrs = "") {
    std::string T = tensorType(shape);
    f.result(name, unary(f, name, op, in, inT, T, attrs), T);
    return "%" + name;
  };
  out("reshape_2d", "reshape", x, X, {51, 129});
  out("reshape_4d", "reshape", x, X, {3, 17, 3, 43});
  out("reshape_flat", "reshape", x, X, {6579});
  std::string t1 = out("transpose_201", "transpose", x, X, {129, 3, 17}, "{perm = array<i64: 2, 0, 1>}");
  out("transpose_021", "transpose", x, X, {3, 129, 17}, "{perm = array<i64: 0, 2, 1>}");
  out("reshape_of_transpose", "reshape", t1, tensorType({129, 3, 17}), {129, 51});
  out("slice_steps", "slice", x, X, {2, 6, 26},
      "{starts = array<i64: 0, 1, 0>, ends = array<i64: 3, 17, 129>, steps = array<i64: 2, 3, 5>}");
  out("slice_tail", "slice", x, X, {1, 2, 2},
      "{starts = array<i64: 1, 0, 127>, ends = array<i64: 2, 17, 129>, steps = array<i64: 1, 16, 1>}");
  const std::string P1 = tensorType({3, 17, 1}), P2 = tensorType({3, 17, 127});
  f.line("%sp0, %sp1, %sp2 = attune.split " + x + " {axis = 2 : i64, sizes = array<i64: 1, 127, 1>} : (" +
         X + ") -> (" + P1 + ", " + P2 + ", " + P1 + ")");
  f.result("split_a", "%sp0", P1);
  f.result("split_b", "%sp1", P2);
  f.result("split_c", "%sp2", P1);
  const std::string Q1 = tensorType({1, 17, 129}), Q2 = tensorType({2, 17, 129});
  f.line("%sq0, %sq1 = attune.split " + x + " {axis = 0 : i64, sizes = array<i64: 1, 2>} : (" + X +
         ") -> (" + Q1 + ", " + Q2 + ")");
  f.result("split_axis0_a", "%sq0", Q1);
  f.result("split_axis0_b", "%sq1", Q2);
  const std::string C1 = tensorType({3, 35, 129}), C2 = tensorType({3, 17, 130});
  f.result("concat_axis1", f.def("concat_axis1", "attune.concat " + x + ", " + y + ", " + x +
                                                     " {axis = 1 : i64} : (" + X + ", " +
                                                     tensorType({3, 1, 129}) + ", " + X + ") -> " + C1),
           C1);
  f.result("concat_axis2", f.def("concat_axis2", "attune.concat " + x + ", " + z + " {axis = 2 : i64} : (" +
                                                     X + ", " + tensorType({3, 17, 1}) + ") -> " + C2),
           C2);
  out("expand_size1", "expand", e, tensorType({1, 17, 1}), {3, 17, 129});
  out("expand_rank0", "expand", s, tensorType({}), {3, 17});
  out("expand_rank1", "expand", b, tensorType({129}), {2, 3, 129});
  checkModule("shape_f32", f.str(), {}, {}, 91);
}

TEST_F(ShapeOps, ReshapeTransposeSliceSplitConcatExpandIntAndBool) {
  FuncBuilder f;
  const std::string I = tensorType({17, 3}, "i64"), M = tensorType({1, 3}, "i1"),
                    Z = tensorType({127}, "i32"), BM = tensorType({17, 3}, "i1");
  std::string i = f.arg("i", I), j = f.arg("j", tensorType({1, 3}, "i64")), m = f.arg("m", M),
              z = f.arg("z", Z), bm = f.arg("bm", BM);
  auto out = [&](const std::string &name, const std::string &op, const std::string &in,
                 const std::string &inT, const std::string &T, const std::string &attrs = "") {
    f.result(name, unary(f, name, op, in, inT, T, attrs), T);
  };
  out("transpose_i64", "transpose", i, I, tensorType({3, 17}, "i64"), "{perm = array<i64: 1, 0>}");
  out("slice_i64", "slice", i, I, tensorType({6, 2}, "i64"),
      "{starts = array<i64: 1, 0>, ends = array<i64: 17, 3>, steps = array<i64: 3, 2>}");
  out("reshape_i64", "reshape", i, I, tensorType({51}, "i64"));
  f.result("concat_i64", f.def("concat_i64", "attune.concat " + i + ", " + j + " {axis = 0 : i64} : (" + I +
                                                 ", " + tensorType({1, 3}, "i64") + ") -> " +
                                                 tensorType({18, 3}, "i64")),
           tensorType({18, 3}, "i64"));
  out("expand_bool", "expand", m, M, BM);
  out("reshape_bool", "reshape", m, M, tensorType({3}, "i1"));
  out("transpose_bool", "transpose", bm, BM, tensorType({3, 17}, "i1"), "{perm = array<i64: 1, 0>}");
  const std::string Z1 = tensorType({1}, "i32"), Z2 = tensorType({126}, "i32");
  f.line("%z0, %z1 = attune.split " + z + " {axis = 0 : i64, sizes = array<i64: 1, 126>} : (" + Z +
         ") -> (" + Z1 + ", " + Z2 + ")");
  f.result("split_i32_a", "%z0", Z1);
  f.result("split_i32_b", "%z1", Z2);
  checkModule("shape_int", f.str(), {},
              {{"i", ints(-1000000, 1000000)},
               {"j", ints(-5, 5)},
               {"z", ints(-100000, 100000)},
               {"m", bools()},
               {"bm", bools()}},
              92);
}

//===----------------------------------------------------------------------===//
// cast
//===----------------------------------------------------------------------===//

using Cast = E2ETest;

TEST_F(Cast, BetweenF32I64I32AndBool) {
  FuncBuilder f;
  const std::string A = tensorType({3, 17}, "i64"), F = tensorType({3, 129}),
                    G = tensorType({1, 127}, "i32"), H = tensorType({17, 3}),
                    M = tensorType({3, 17}, "i1"), N = tensorType({129}, "i64");
  std::string a = f.arg("a", A), fl = f.arg("f", F), g = f.arg("g", G), h = f.arg("h", H),
              m = f.arg("m", M), n = f.arg("n", N);
  auto cast = [&](const std::string &name, const std::string &in, const std::string &inT,
                  const std::string &outT) { f.result(name, unary(f, name, "cast", in, inT, outT), outT); };
  cast("i64_to_f32", a, A, tensorType({3, 17}));
  cast("f32_to_i32", fl, F, tensorType({3, 129}, "i32"));
  cast("f32_to_i64", fl, F, tensorType({3, 129}, "i64"));
  cast("i32_to_i64", g, G, tensorType({1, 127}, "i64"));
  cast("i64_to_i32", n, N, tensorType({129}, "i32"));
  cast("f32_to_bool", h, H, tensorType({17, 3}, "i1"));
  cast("bool_to_f32", m, M, tensorType({3, 17}));
  cast("bool_to_i64", m, M, tensorType({3, 17}, "i64"));
  checkModule(
      "cast", f.str(), {},
      {{"a", withPrefix({double(int64_t(1) << 40) + 1, -9007199254740994.0, 16777217, -1},
                        ints(-1000000, 1000000))},
       {"f", withPrefix({0.99, -0.99, 1.5, -1.5, 0.0, -0.0, 2147483520.0, -2147483648.0},
                        uniform(-1000, 1000))},
       {"g", ints(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max())},
       {"n", ints(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max())},
       {"h", withPrefix({0.0, -0.0, 0.5, -1e-30}, ints(-1, 1))},
       {"m", bools()}},
      101);
}

// The reference interpreter documents float -> int casts as truncating toward
// zero and clamping out-of-range values to the integer range (NaN -> 0),
// "matching the CPU lowering"; this checks the compiled library does too.
TEST_F(Cast, FloatToIntOutOfRangeAndNaN) {
  FuncBuilder f;
  const std::string F = tensorType({12});
  std::string x = f.arg("x", F);
  f.result("f32_to_i32", unary(f, "to_i32", "cast", x, F, tensorType({12}, "i32")), tensorType({12}, "i32"));
  f.result("f32_to_i64", unary(f, "to_i64", "cast", x, F, tensorType({12}, "i64")), tensorType({12}, "i64"));
  const double inf = std::numeric_limits<double>::infinity();
  checkModule("cast_edges", f.str(), {},
              {{"x", withPrefix({3e9, -3e9, std::nan(""), inf, -inf, 1e19, -1e19, 2147483520.0,
                                 -2147483648.0, 0.99, -0.99, 1e10},
                                uniform(-1, 1))}},
              102);
}

//===----------------------------------------------------------------------===//
// constant
//===----------------------------------------------------------------------===//

using Constant = E2ETest;

TEST_F(Constant, SplatAndDenseOfEveryType) {
  FuncBuilder f;
  const std::string X = tensorType({3, 129}), X2 = tensorType({2, 3}), T = tensorType({127, 3});
  std::string x = f.arg("x", X), x2 = f.arg("x2", X2), y = f.arg("y", tensorType({3}));
  std::string c1 = f.def("c1", "attune.constant dense<2.500000e+00> : " + X);
  std::string c2 = f.def("c2", "attune.constant dense<[[1.0, -2.0, 3.5], [0.0, 4.25, -0.125]]> : " + X2);
  std::string c3 = f.def("c3", "attune.constant dense<-1.500000e+00> : tensor<f32>");
  std::string c4 = f.def("c4", "attune.constant dense<[0, 126, 1]> : tensor<3xi64>");
  std::string c5 = f.def("c5", "attune.constant dense<[true, false, true]> : tensor<3xi1>");
  std::string c6 = f.def("c6", "attune.constant dense<7> : tensor<17xi32>");
  std::string c7 = f.def("c7", "attune.constant dense<[[-3], [0], [9]]> : tensor<3x1xi64>");
  std::string table = f.def("table", "attune.weight @table : " + T);
  f.result("splat_add", f.def("r1", "attune.add " + x + ", " + c1 + " : (" + X + ", " + X + ") -> " + X), X);
  f.result("dense_mul", f.def("r2", "attune.mul " + x2 + ", " + c2 + " : (" + X2 + ", " + X2 + ") -> " + X2), X2);
  f.result("dense_direct", c2, X2);
  f.result("scalar_sub", f.def("r3", "attune.sub " + x + ", " + c3 + " : (" + X + ", tensor<f32>) -> " + X), X);
  f.result("constant_ids", f.def("r4", "attune.embedding " + table + ", " + c4 + " : (" + T +
                                           ", tensor<3xi64>) -> " + tensorType({3, 3})),
           tensorType({3, 3}));
  f.result("bool_select", f.def("r5", "attune.where " + c5 + ", " + y + ", " + c3 +
                                          " : (tensor<3xi1>, tensor<3xf32>, tensor<f32>) -> tensor<3xf32>"),
           tensorType({3}));
  f.result("splat_i32_direct", c6, tensorType({17}, "i32"));
  f.result("dense_i64_direct", c7, tensorType({3, 1}, "i64"));
  f.result("bool_direct", c5, tensorType({3}, "i1"));
  checkModule("constant", f.str(),
              {makeWeight("table", ElementType::F32, {127, 3}, uniform(-1, 1), 111)}, {}, 112);
}

//===----------------------------------------------------------------------===//
// One mixed model at several parallel chunk counts.
//===----------------------------------------------------------------------===//

class ParallelChunks : public E2ETest, public ::testing::WithParamInterface<int64_t> {};

TEST_P(ParallelChunks, MixedModelMatchesReference) {
  FuncBuilder f;
  const std::string X = tensorType({3, 17, 129}), W = tensorType({129, 127}), Y = tensorType({3, 17, 127}),
                    V = tensorType({127}), S = tensorType({3, 17, 1});
  std::string x = f.arg("x", X);
  std::string w = f.def("w", "attune.weight @w : " + W);
  std::string bias = f.def("bias", "attune.weight @bias : " + V);
  std::string g = f.def("g", "attune.weight @gamma : " + V);
  std::string be = f.def("be", "attune.weight @beta : " + V);
  std::string h = f.def("h", "attune.matmul " + x + ", " + w + " : (" + X + ", " + W + ") -> " + Y);
  std::string hb = f.def("hb", "attune.add " + h + ", " + bias + " : (" + Y + ", " + V + ") -> " + Y);
  std::string act = f.def("act", "attune.gelu " + hb + " : " + Y);
  std::string ln = f.def("ln", "attune.layer_norm " + act + ", " + g + ", " + be + " : (" + Y + ", " + V +
                                   ", " + V + ") -> " + Y);
  f.result("layer_norm", ln, Y);
  f.result("softmax", f.def("sm", "attune.softmax " + hb + " {axis = 1 : i64} : (" + Y + ") -> " + Y), Y);
  f.result("row_sum", f.def("rs", "attune.reduce_sum " + act + " {axes = array<i64: -1>, keepdims} : (" +
                                      Y + ") -> " + S),
           S);
  std::vector<Weight> weights = {makeWeight("w", ElementType::F32, {129, 127}, uniform(-0.2f, 0.2f), 121),
                                 makeWeight("bias", ElementType::F32, {127}, uniform(-0.1f, 0.1f), 122),
                                 makeWeight("gamma", ElementType::F32, {127}, uniform(0.5f, 1.5f), 123),
                                 makeWeight("beta", ElementType::F32, {127}, uniform(-0.1f, 0.1f), 124)};
  checkModule("mixed", f.str(), weights, {}, 125, nullptr, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Chunks, ParallelChunks, ::testing::Values(1, 3, 16, 127),
                         [](const auto &info) { return "chunks" + std::to_string(info.param); });

} // namespace
