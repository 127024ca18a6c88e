//===- tests/e2e/ElementwiseTest.cpp - elementwise ops, compiled vs reference -===//
//
// Every elementwise op (add, sub, mul, div, maximum, minimum, pow, equal,
// where, exp, sqrt, erf, tanh, relu, gelu none/tanh) compiled and compared with the reference
// interpreter on random data: one module per shape computing all of them as
// separate outputs (shapes from {1, 3, 17, 127, 129}, rank 0 to 3), plus
// NumPy broadcasting with rank-0 and size-1 operands, and integer variants.
// Tolerance: |compiled - reference| <= 1e-5 + 1e-4 |reference| (floats),
// exact for integers and bools; 1 and 4 threads bit-identical.
//
//===----------------------------------------------------------------------===//
#include "E2E.h"

#include <cmath>

using namespace attune;
using namespace attune::e2e;

namespace {

//===----------------------------------------------------------------------===//
// All elementwise ops on same-shape operands, swept over shapes.
//===----------------------------------------------------------------------===//

struct ElementwiseShape {
  std::vector<int64_t> shape;
};
void PrintTo(const ElementwiseShape &s, std::ostream *os) { *os << shapeString(s.shape); }

class ElementwiseSweep : public E2ETest, public ::testing::WithParamInterface<ElementwiseShape> {};

std::string elementwiseModule(const std::vector<int64_t> &shape) {
  std::string T = tensorType(shape), B = tensorType(shape, "i1");
  FuncBuilder f;
  std::string x = f.arg("x", T);     // uniform [-3, 3)
  std::string y = f.arg("y", T);     // |y| in [0.25, 3): divisor, never 0
  std::string p = f.arg("p", T);     // positive: sqrt, pow base
  std::string e1 = f.arg("e1", T);   // small integers: equal hits
  std::string e2 = f.arg("e2", T);
  std::string c = f.arg("c", B);
  auto bin = [&](const std::string &op, const std::string &a, const std::string &b) {
    std::string resT = op == "equal" ? B : T;
    f.result(op, f.def(op, "attune." + op + " " + a + ", " + b + " : (" + T + ", " + T + ") -> " + resT),
             resT);
  };
  bin("add", x, y);
  bin("sub", x, y);
  bin("mul", x, y);
  bin("div", x, y);
  bin("maximum", x, y);
  bin("minimum", x, y);
  f.result("pow", f.def("pow", "attune.pow " + p + ", " + x + " : (" + T + ", " + T + ") -> " + T), T);
  bin("equal", e1, e2);
  f.result("where", f.def("where", "attune.where " + c + ", " + x + ", " + y + " : (" + B + ", " + T +
                                       ", " + T + ") -> " + T),
           T);
  auto un = [&](const std::string &op, const std::string &in, const std::string &attrs = "",
                const std::string &name = "") {
    std::string n = name.empty() ? op : name;
    f.result(n, f.def(n, "attune." + op + " " + in + attrs + " : " + T), T);
  };
  un("exp", x);
  un("sqrt", p);
  un("erf", x);
  un("tanh", x);
  un("relu", x);
  un("gelu", x, "", "gelu_none");
  un("gelu", x, " {approximate = \"none\"}", "gelu_none_explicit");
  un("gelu", x, " {approximate = \"tanh\"}", "gelu_tanh");
  // A small chain, so elementwise fusion of producers and consumers is covered.
  std::string s = f.def("chain0", "attune.mul " + x + ", " + x + " : (" + T + ", " + T + ") -> " + T);
  std::string s2 = f.def("chain1", "attune.exp " + s + " : " + T);
  f.result("chain", f.def("chain", "attune.sub " + s2 + ", " + y + " : (" + T + ", " + T + ") -> " + T), T);
  return f.str();
}

std::map<std::string, Gen> elementwiseGens() {
  return {{"x", uniform(-3, 3)},       {"y", nonzero(0.25f, 3)}, {"p", uniform(0.1f, 3)},
          {"e1", ints(-2, 2)},         {"e2", ints(-2, 2)},      {"c", bools()}};
}

TEST_P(ElementwiseSweep, AllOpsMatchReference) {
  const auto &shape = GetParam().shape;
  checkModule("elementwise", elementwiseModule(shape), {}, elementwiseGens(), 11);
}

std::string shapeName(const std::vector<int64_t> &shape) {
  if (shape.empty())
    return "rank0";
  std::string s;
  for (int64_t d : shape)
    s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

INSTANTIATE_TEST_SUITE_P(Shapes, ElementwiseSweep,
                         ::testing::Values(ElementwiseShape{{}}, ElementwiseShape{{1}},
                                           ElementwiseShape{{17}}, ElementwiseShape{{129}},
                                           ElementwiseShape{{3, 129}},
                                           ElementwiseShape{{127, 3}},
                                           ElementwiseShape{{1, 17, 127}},
                                           ElementwiseShape{{129, 3, 17}}),
                         [](const auto &info) { return shapeName(info.param.shape); });

//===----------------------------------------------------------------------===//
// Broadcasting: rank-0 and size-1 operands on either side.
//===----------------------------------------------------------------------===//

using Broadcast = E2ETest;

TEST_F(Broadcast, BinaryOpsWithRankZeroAndSizeOneOperands) {
  FuncBuilder f;
  const std::string A = tensorType({1, 17, 127}), V = tensorType({127}), S = tensorType({}),
                    C = tensorType({17, 1}), D = tensorType({3, 1, 129}), E = tensorType({1, 17, 1}),
                    O = tensorType({1, 1, 1}), P = tensorType({17, 127});
  std::string a = f.arg("a", A), b = f.arg("b", V), s = f.arg("s", S), sp = f.arg("sp", S),
              c = f.arg("c", C), d = f.arg("d", D), e = f.arg("e", E), o = f.arg("o", O),
              p = f.arg("p", P), cond = f.arg("cond", tensorType({1, 127}, "i1")),
              cond2 = f.arg("cond2", tensorType({17, 1}, "i1")),
              ei = f.arg("ei", tensorType({17, 1})), ej = f.arg("ej", tensorType({1, 127}));
  auto bin = [&](const std::string &name, const std::string &op, const std::string &l,
                 const std::string &lt, const std::string &r, const std::string &rt,
                 const std::string &res) {
    f.result(name, f.def(name, "attune." + op + " " + l + ", " + r + " : (" + lt + ", " + rt + ") -> " + res),
             res);
  };
  const std::string R3 = tensorType({3, 17, 129});
  bin("add_rank1", "add", a, A, b, V, A);             // [1,17,127] + [127]
  bin("sub_scalar_lhs", "sub", s, S, a, A, A);        // [] - [1,17,127]
  bin("mul_col", "mul", a, A, c, C, A);               // [1,17,127] * [17,1]
  bin("div_scalar", "div", a, A, s, S, A);            // [1,17,127] / []
  bin("pow_scalar_exp", "pow", p, P, s, S, P);        // [17,127] ^ []
  bin("pow_scalar_base", "pow", sp, S, a, A, A);      // [] ^ [1,17,127]
  bin("add_outer", "add", d, D, e, E, R3);            // [3,1,129] + [1,17,1]
  bin("mul_ones", "mul", o, O, d, D, D);              // [1,1,1] * [3,1,129]
  bin("sub_rank1_lhs", "sub", b, V, a, A, A);         // [127] - [1,17,127]
  bin("div_col_lhs", "div", c, C, p, P, P);           // [17,1] / [17,127]
  bin("mul_scalars", "mul", s, S, sp, S, S);          // [] * []
  bin("maximum_scalar", "maximum", a, A, s, S, A);    // max([1,17,127], [])
  bin("minimum_col", "minimum", c, C, p, P, P);       // min([17,1], [17,127])
  // NaN propagates through maximum/minimum; signed zeros.
  const std::string N = tensorType({17});
  std::string n1 = f.arg("n1", N), n2 = f.arg("n2", N);
  bin("maximum_nan", "maximum", n1, N, n2, N, N);
  bin("minimum_nan", "minimum", n1, N, n2, N, N);
  bin("equal_outer", "equal", ei, tensorType({17, 1}), ej, tensorType({1, 127}),
      tensorType({17, 127}, "i1"));
  f.result("where_scalar", f.def("where_scalar", "attune.where " + cond + ", " + s + ", " + a + " : (" +
                                                     tensorType({1, 127}, "i1") + ", " + S + ", " + A +
                                                     ") -> " + A),
           A);
  f.result("where_bcast", f.def("where_bcast", "attune.where " + cond2 + ", " + a + ", " + b + " : (" +
                                                   tensorType({17, 1}, "i1") + ", " + A + ", " + V +
                                                   ") -> " + A),
           A);
  checkModule("broadcast", f.str(), {},
              {{"s", nonzero(0.25f, 2)},
               {"sp", uniform(0.5f, 2)},
               {"p", uniform(0.1f, 3)},
               {"c", nonzero(0.25f, 2)},
               {"ei", ints(-2, 2)},
               {"ej", ints(-2, 2)},
               {"cond", bools()},
               {"cond2", bools()},
               {"n1", withPrefix({NAN, 0.0, -0.0, 1.0, NAN, -1.0}, uniform(-1, 1))},
               {"n2", withPrefix({1.0, -0.0, 0.0, NAN, NAN, NAN}, uniform(-1, 1))}},
              12);
}

//===----------------------------------------------------------------------===//
// Integer elementwise arithmetic (wraps; div truncates toward zero).
//===----------------------------------------------------------------------===//

using IntegerElementwise = E2ETest;

TEST_F(IntegerElementwise, I64AndI32ArithmeticEqualWhere) {
  FuncBuilder f;
  const std::string I = tensorType({3, 17}, "i64"), J = tensorType({17}, "i64"),
                    K = tensorType({3, 17}, "i32"), L = tensorType({1, 17}, "i32"),
                    B = tensorType({3, 17}, "i1");
  std::string i = f.arg("i", I), j = f.arg("j", J), big = f.arg("big", I), k = f.arg("k", K),
              l = f.arg("l", L), c = f.arg("c", B), s1 = f.arg("s1", I), s2 = f.arg("s2", J);
  auto bin = [&](const std::string &name, const std::string &op, const std::string &a,
                 const std::string &at, const std::string &b, const std::string &bt,
                 const std::string &res) {
    f.result(name, f.def(name, "attune." + op + " " + a + ", " + b + " : (" + at + ", " + bt + ") -> " + res),
             res);
  };
  bin("add64", "add", i, I, j, J, I);
  bin("sub64", "sub", i, I, j, J, I);
  bin("mul64", "mul", i, I, j, J, I);
  bin("div64", "div", i, I, j, J, I);
  bin("mul64_wrap", "mul", big, I, big, I, I); // products beyond 2^63 wrap
  bin("add32", "add", k, K, l, L, K);
  bin("sub32", "sub", k, K, l, L, K);
  bin("mul32", "mul", k, K, l, L, K);
  bin("div32", "div", k, K, l, L, K);
  bin("max64", "maximum", i, I, j, J, I);
  bin("min32", "minimum", k, K, l, L, K);
  bin("equal64", "equal", s1, I, s2, J, B);
  f.result("where64", f.def("where64", "attune.where " + c + ", " + i + ", " + j + " : (" + B + ", " + I +
                                           ", " + J + ") -> " + I),
           I);
  checkModule("integer", f.str(), {},
              {{"i", ints(-100000, 100000)},
               {"j", nonzeroInts(-50, 50)},
               {"big", ints(-(int64_t(1) << 40), int64_t(1) << 40)},
               {"k", ints(-(int64_t(1) << 30), int64_t(1) << 30)},
               {"l", nonzeroInts(-1000, 1000)},
               {"c", bools()},
               {"s1", ints(-2, 2)},
               {"s2", ints(-2, 2)}},
              13);
}

} // namespace
