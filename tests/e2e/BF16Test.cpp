//===- tests/e2e/BF16Test.cpp - attune compile --dtype bf16 ---------------===//
//
// The avx512_bf16 micro-kernel (codegen/lib/LLVMCPU/MicroKernelBF16.cpp) on
// odd shapes against the reference interpreter (f32, double sums):
//   M = 1, 7, 13, 128; N = 16, 48, 80, 768 (register tiles 16x16, 8x48,
//   16x16 x 5 panels, 8x48 x 16 panels); K = 5, 63 (odd: the unpaired last
//   row), 64, 1100 (odd, deep), 1536 (even: K blocks of 384); weights read
//   transposed (HF Linear) and with a fused bias + GELU epilogue.
// Tolerances, both per output:
//   relative error ||y - ref||_2 / ||ref||_2 <= 1e-2 (the bound), and
//   per element |y - ref| <= 2^-7 sum_k |a_k||b_k| + 1e-5 (each operand
//   rounded to bf16 is within 2^-8 relative; f32 sums): a layout error
//   anywhere shows up here even when the norm bound would still hold.
// Both are only meaningful if bf16 was used: each compile checks that the
// weight went into the weights file as bf16 (half the f32 bytes).
// Hosts without avx512_bf16 skip these; the fallback (a target without it
// keeps f32, and says so) and --dtype errors run everywhere.
//
//===----------------------------------------------------------------------===//
#include "E2E.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/TargetParser/Host.h"
#include <cmath>

namespace attune::e2e {
namespace {

bool hostHasBF16() {
  llvm::StringMap<bool> f = llvm::sys::getHostCPUFeatures();
  auto it = f.find("avx512bf16");
  return it != f.end() && it->second;
}

struct BF16Case {
  std::string name;
  int64_t m, k, n;
  bool transposeB = false;
  bool epilogue = false; // fused bias + GELU (HF intermediate dense)
};
void PrintTo(const BF16Case &c, std::ostream *os) {
  *os << c.m << "x" << c.k << "x" << c.n << (c.transposeB ? " (B^T)" : "")
      << (c.epilogue ? " +bias+gelu" : "");
}

class BF16Matmul : public E2ETest, public ::testing::WithParamInterface<BF16Case> {
protected:
  /// Compiles with --dtype bf16; returns the log.
  std::string compileBF16(const std::string &model, const std::string &weights,
                          const std::string &so, const std::string &target = "host") {
    CompileOptions o;
    o.model = model;
    o.weights = weights;
    o.output = so;
    o.target = target;
    o.dtype = "bf16";
    std::string log;
    llvm::raw_string_ostream os(log);
    llvm::Error err = compile(o, os);
    EXPECT_FALSE(err) << llvm::toString(std::move(err));
    return log;
  }
};

TEST_P(BF16Matmul, WithinBF16Bounds) {
  if (!hostHasBF16())
    GTEST_SKIP() << "host has no avx512_bf16";
  const BF16Case &c = GetParam();
  FuncBuilder f;
  std::vector<int64_t> wShape = c.transposeB ? std::vector<int64_t>{c.n, c.k}
                                             : std::vector<int64_t>{c.k, c.n};
  std::string X = tensorType({c.m, c.k}), W = tensorType(wShape), Y = tensorType({c.m, c.n}),
              Bs = tensorType({c.n});
  std::string x = f.arg("x", X);
  std::string w = f.def("w", "attune.weight @\"dense.weight\" : " + W);
  std::vector<Weight> weights{makeWeight("dense.weight", ElementType::F32, wShape,
                                         uniform(-1, 1), 7)};
  std::string attrs = c.transposeB ? " {transpose_b}" : "";
  std::string y;
  if (c.epilogue) {
    std::string b = f.def("b", "attune.weight @\"dense.bias\" : " + Bs);
    weights.push_back(makeWeight("dense.bias", ElementType::F32, {c.n}, uniform(-1, 1), 8));
    y = f.def("y", "attune.fused_matmul " + x + ", " + w + " bias " + b +
                       " {activation = \"gelu\"" + (c.transposeB ? ", transpose_b" : "") +
                       "} : (" + X + ", " + W + ", " + Bs + ") -> " + Y);
  } else {
    y = f.def("y", "attune.matmul " + x + ", " + w + attrs + " : (" + X + ", " + W + ") -> " + Y);
  }
  f.result("y", y, Y);
  std::string model = writeFile("mm.mlir", f.str());
  std::string wpath = writeWeights("mm.safetensors", weights);
  std::string so = path("mm.so");
  std::string log = compileBF16(model, wpath, so);
  EXPECT_EQ(log.find("using f32"), std::string::npos) << log;
  // The weights file holds the matrix in bf16 (+ the f32 bias).
  uint64_t size = 0;
  ASSERT_FALSE(llvm::sys::fs::file_size(path("mm.weights"), size));
  uint64_t expectBytes = 2 * c.k * c.n + (c.epilogue ? 4 * c.n : 0);
  EXPECT_LT(size, expectBytes + 4096) << "weights file " << size << " bytes";
  EXPECT_GE(size, expectBytes);

  std::vector<Slot> ins, outs;
  ASSERT_NO_FATAL_FAILURE(signature(model, wpath, ins, outs));
  std::vector<NamedTensor> inputs = makeInputs(ins, {}, 3), actual1, actual, expected;
  ASSERT_NO_FATAL_FAILURE(runCompiled(so, inputs, 1, actual1));
  ASSERT_NO_FATAL_FAILURE(runCompiled(so, inputs, 4, actual));
  expectAllBitIdentical(actual1, actual, "1 thread vs 4 threads");
  ASSERT_NO_FATAL_FAILURE(reference(model, wpath, inputs, expected));
  const float *a = inputs[0].tensor.f32(), *wt = weights[0].tensor.f32();
  const float *yv = actual[0].tensor.f32(), *rv = expected[0].tensor.f32();
  double num = 0, den = 0, worst = 0;
  int64_t bad = 0;
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      double absSum = 0;
      for (int64_t k = 0; k < c.k; ++k)
        absSum += std::fabs(a[i * c.k + k]) *
                  std::fabs(c.transposeB ? wt[j * c.k + k] : wt[k * c.n + j]);
      // GELU and the bias do not amplify an error (|GELU'| <= 1.13).
      double bound = 1.13 * std::ldexp(absSum, -7) + 1e-5;
      double d = std::fabs((double)yv[i * c.n + j] - rv[i * c.n + j]);
      num += d * d;
      den += (double)rv[i * c.n + j] * rv[i * c.n + j];
      worst = std::max(worst, d / bound);
      bad += d > bound;
    }
  double rel = std::sqrt(num / std::max(den, 1e-30));
  EXPECT_LE(rel, 1e-2) << "||y - ref|| / ||ref||";
  EXPECT_EQ(bad, 0) << "elements beyond 2^-7 sum|a||b| (worst at " << worst << "x the bound)";
  printf("%s: ||y-ref||/||ref|| = %.3g, max err / bound = %.3g\n", c.name.c_str(), rel, worst);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, BF16Matmul,
    ::testing::Values(BF16Case{"m1_k5_n16", 1, 5, 16}, BF16Case{"m7_k63_n48", 7, 63, 48},
                      BF16Case{"m13_k64_n80", 13, 64, 80},
                      BF16Case{"m128_k63_n768", 128, 63, 768},
                      BF16Case{"m13_k1100_n48", 13, 1100, 48},
                      BF16Case{"m7_k1536_n96", 7, 1536, 96},
                      BF16Case{"m1_k768_n768_transpose_b", 1, 768, 768, true},
                      BF16Case{"m128_k64_n768_transpose_b", 128, 64, 768, true},
                      BF16Case{"m13_k5_n80_bias_gelu", 13, 5, 80, false, true},
                      BF16Case{"m7_k64_n48_transpose_b_bias_gelu", 7, 64, 48, true, true}),
    [](const auto &info) { return info.param.name; });

//===----------------------------------------------------------------------===//
// Fallback and option errors (any host)
//===----------------------------------------------------------------------===//

using BF16Fallback = BF16Matmul;

// A target without avx512_bf16 keeps the f32 GEMMs, says so, and computes
// the f32 results (the usual 1e-4 bounds).
TEST_F(BF16Fallback, TargetWithoutAvx512BF16KeepsF32) {
  FuncBuilder f;
  std::string X = tensorType({7, 63}), W = tensorType({63, 48}), Y = tensorType({7, 48});
  std::string x = f.arg("x", X);
  std::string w = f.def("w", "attune.weight @\"dense.weight\" : " + W);
  f.result("y", f.def("y", "attune.matmul " + x + ", " + w + " : (" + X + ", " + W + ") -> " + Y),
           Y);
  std::vector<Weight> weights{
      makeWeight("dense.weight", ElementType::F32, {63, 48}, uniform(-1, 1), 7)};
  std::string model = writeFile("mm.mlir", f.str());
  std::string wpath = writeWeights("mm.safetensors", weights);
  std::string so = path("mm.so");
  std::string log = compileBF16(model, wpath, so, "x86-64-avx2");
  EXPECT_NE(log.find("bf16 requested but the target (x86-64-avx2"), std::string::npos) << log;
  EXPECT_NE(log.find("has no avx512_bf16; using f32"), std::string::npos) << log;
  uint64_t size = 0;
  ASSERT_FALSE(llvm::sys::fs::file_size(path("mm.weights"), size));
  EXPECT_GE(size, 4u * 63 * 48) << "the weight must stay f32";

  std::vector<Slot> ins, outs;
  ASSERT_NO_FATAL_FAILURE(signature(model, wpath, ins, outs));
  std::vector<NamedTensor> inputs = makeInputs(ins, {}, 3), actual, expected;
  ASSERT_NO_FATAL_FAILURE(runCompiled(so, inputs, 2, actual));
  ASSERT_NO_FATAL_FAILURE(reference(model, wpath, inputs, expected));
  expectAllClose(actual, expected, "f32 fallback vs reference");
}

TEST_F(BF16Fallback, UnknownDtypeIsAnError) {
  CompileOptions o;
  o.model = writeFile("m.mlir", "func.func @main() { return }");
  o.output = path("m.so");
  o.dtype = "fp8";
  std::string log;
  llvm::raw_string_ostream os(log);
  llvm::Error err = compile(o, os);
  ASSERT_TRUE(static_cast<bool>(err));
  EXPECT_EQ(llvm::toString(std::move(err)),
            "--dtype: unknown element type 'fp8' (expected one of: f32, bf16)");
}

} // namespace
} // namespace attune::e2e
