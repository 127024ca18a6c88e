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
// keeps f32, and says so) and --dtype errors run everywhere. These cases
// compile for x86-64-avx512-bf16, so they test vdpbf16ps even on AMX hosts.
//
// AMXShapes: the same checks for the AMX kernel (MicroKernelAMX.cpp) on
// the host target, on hosts with amx-tile + amx-bf16: M = 1 .. 128 around
// the 16-row tiles, N = 16 .. 768 (16-column tails), K = 32 .. 3072 and
// K = 40 (a narrower last tdpbf16ps), fused bias / GELU / residual, a batch
// of rows, 1, 2 and 4 threads. Shapes AMX refuses (odd K; N = 24 is no
// bf16 GEMM at all) must still be right through the fallback. Whether a
// library holds AMX kernels is observed, not assumed: with the runtime's
// test hook ATTUNE_TEST_DENY_AMX=1 (the OS "refuses" AMX state) loading it
// must fail with ATTUNE_ERR_UNSUPPORTED and a message iff it does.
//
//===----------------------------------------------------------------------===//
#include "E2E.h"

#include "llvm/Support/FileSystem.h"
#include <cmath>
#include <cstdlib>
#include <sys/syscall.h>
#include <unistd.h>

namespace attune::e2e {
namespace {

bool hostHasBF16() { return hostLacks({"avx512bf16"}).empty(); }

/// The host has AMX tiles for bf16 and the OS grants the process AMX state.
std::string hostLacksAMX() {
  if (std::string why = hostLacks({"amx-tile", "amx-bf16", "avx512bf16"}); !why.empty())
    return why;
  if (syscall(SYS_arch_prctl, 0x1023 /*ARCH_REQ_XCOMP_PERM*/, 18 /*XTILEDATA*/) != 0)
    return "the OS refuses AMX state (arch_prctl ARCH_REQ_XCOMP_PERM failed)";
  return "";
}

struct BF16Case {
  std::string name;
  int64_t m, k, n;
  bool transposeB = false;
  bool epilogue = false; // fused bias + GELU (HF intermediate dense)
  bool residual = false; // fused bias + residual add (HF output dense)
  int64_t batch = 0;     // > 0: x is [batch, m, k] (rows of several sequences)
  bool amx = true;       // AMXShapes: the kernel must be AMX (else the fallback)
};
void PrintTo(const BF16Case &c, std::ostream *os) {
  *os << (c.batch ? std::to_string(c.batch) + "x" : "") << c.m << "x" << c.k << "x" << c.n
      << (c.transposeB ? " (B^T)" : "") << (c.epilogue ? " +bias+gelu" : "")
      << (c.residual ? " +bias+residual" : "");
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

  /// ATTUNE_ERR_UNSUPPORTED (6) and the message when `so` is loaded with
  /// the runtime's AMX-refusal hook set; ATTUNE_OK when it loads anyway.
  std::pair<int, std::string> loadWithAMXDenied(const std::string &so) {
    Library lib(so);
    EXPECT_TRUE(lib.ok()) << lib.error;
    if (!lib.ok())
      return {-1, lib.error};
    setenv("ATTUNE_TEST_DENY_AMX", "1", 1);
    attune_model *m = nullptr;
    attune_status st = lib.load(nullptr, &m);
    unsetenv("ATTUNE_TEST_DENY_AMX");
    std::string msg = st == ATTUNE_OK ? "" : lib.lastError();
    EXPECT_EQ(st == ATTUNE_OK, m != nullptr);
    lib.free(m);
    return {static_cast<int>(st), msg};
  }

  /// Compiles case `c` for `target` with --dtype bf16, checks the weights
  /// file is bf16, runs it with each of `threads` (bit-identical results)
  /// and checks the bf16 error bounds against the reference interpreter.
  /// `expectAMX`: whether the library must hold AMX kernels (0/1), -1: no check.
  void checkCase(const BF16Case &c, const std::string &target, std::vector<int> threads,
                 int expectAMX);
};

void BF16Matmul::checkCase(const BF16Case &c, const std::string &target, std::vector<int> threads,
                           int expectAMX) {
  FuncBuilder f;
  std::vector<int64_t> wShape = c.transposeB ? std::vector<int64_t>{c.n, c.k}
                                             : std::vector<int64_t>{c.k, c.n};
  auto rows = [&](std::vector<int64_t> s) {
    if (c.batch)
      s.insert(s.begin(), c.batch);
    return s;
  };
  std::string X = tensorType(rows({c.m, c.k})), W = tensorType(wShape),
              Y = tensorType(rows({c.m, c.n})), Bs = tensorType({c.n});
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
  } else if (c.residual) {
    std::string b = f.def("b", "attune.weight @\"dense.bias\" : " + Bs);
    weights.push_back(makeWeight("dense.bias", ElementType::F32, {c.n}, uniform(-1, 1), 8));
    std::string r = f.arg("residual", Y);
    y = f.def("y", "attune.fused_matmul " + x + ", " + w + " bias " + b + " residual " + r +
                       (c.transposeB ? " {transpose_b}" : "") + " : (" + X + ", " + W + ", " +
                       Bs + ", " + Y + ") -> " + Y);
  } else {
    y = f.def("y", "attune.matmul " + x + ", " + w + attrs + " : (" + X + ", " + W + ") -> " + Y);
  }
  f.result("y", y, Y);
  std::string model = writeFile("mm.mlir", f.str());
  std::string wpath = writeWeights("mm.safetensors", weights);
  std::string so = path("mm.so");
  std::string log = compileBF16(model, wpath, so, target);
  bool bf16 = c.n % 16 == 0; // the only GEMMs --dtype bf16 takes
  if (bf16)
    EXPECT_EQ(log.find("using f32"), std::string::npos) << log;
  // The weights file holds the matrix in bf16 (+ the f32 bias).
  uint64_t size = 0;
  ASSERT_FALSE(llvm::sys::fs::file_size(path("mm.weights"), size));
  uint64_t expectBytes =
      (bf16 ? 2 : 4) * c.k * c.n + (c.epilogue || c.residual ? 4 * c.n : 0);
  EXPECT_LT(size, expectBytes + 4096) << "weights file " << size << " bytes";
  EXPECT_GE(size, expectBytes);
  if (expectAMX >= 0) {
    auto [st, msg] = loadWithAMXDenied(so);
    if (expectAMX) {
      EXPECT_EQ(st, ATTUNE_ERR_UNSUPPORTED) << "the library should hold AMX kernels";
      EXPECT_NE(msg.find("AMX"), std::string::npos) << msg;
      EXPECT_NE(msg.find("ARCH_REQ_XCOMP_PERM"), std::string::npos) << msg;
    } else {
      EXPECT_EQ(st, ATTUNE_OK) << "the library should have no AMX kernel: " << msg;
    }
  }

  std::vector<Slot> ins, outs;
  ASSERT_NO_FATAL_FAILURE(signature(model, wpath, ins, outs));
  std::vector<NamedTensor> inputs = makeInputs(ins, {}, 3), actual, expected;
  for (int t : threads) {
    std::vector<NamedTensor> out;
    ASSERT_NO_FATAL_FAILURE(runCompiled(so, inputs, t, out));
    if (actual.empty())
      actual = std::move(out);
    else
      expectAllBitIdentical(actual, out, std::to_string(threads.front()) + " vs " +
                                             std::to_string(t) + " threads");
  }
  ASSERT_NO_FATAL_FAILURE(reference(model, wpath, inputs, expected));
  const float *a = inputs[0].tensor.f32(), *wt = weights[0].tensor.f32();
  const float *yv = actual[0].tensor.f32(), *rv = expected[0].tensor.f32();
  double num = 0, den = 0, worst = 0;
  int64_t bad = 0;
  for (int64_t i = 0; i < std::max<int64_t>(c.batch, 1) * c.m; ++i)
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
  printf("%s (%s): ||y-ref||/||ref|| = %.3g, max err / bound = %.3g\n", c.name.c_str(),
         target.c_str(), rel, worst);
}

TEST_P(BF16Matmul, WithinBF16Bounds) {
  if (!hostHasBF16())
    GTEST_SKIP() << "host has no avx512_bf16";
  checkCase(GetParam(), "x86-64-avx512-bf16", {1, 4}, /*expectAMX=*/0);
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
// AMX (host target on hosts with amx-tile + amx-bf16)
//===----------------------------------------------------------------------===//

using AMXMatmul = BF16Matmul;

TEST_P(AMXMatmul, WithinBF16Bounds) {
  std::string why = hostLacksAMX();
  if (!why.empty())
    GTEST_SKIP() << why;
  const BF16Case &c = GetParam();
  checkCase(c, "host", {1, 2, 4}, c.amx ? 1 : 0);
}

INSTANTIATE_TEST_SUITE_P(
    AMXShapes, AMXMatmul,
    ::testing::Values(
        BF16Case{"m1_k32_n16", 1, 32, 16}, BF16Case{"m7_k64_n48", 7, 64, 48},
        BF16Case{"m15_k96_n80", 15, 96, 80}, BF16Case{"m16_k32_n16", 16, 32, 16},
        BF16Case{"m17_k96_n48", 17, 96, 48}, BF16Case{"m33_k64_n80", 33, 64, 80},
        BF16Case{"m128_k768_n768", 128, 768, 768},
        BF16Case{"m33_k3072_n48", 33, 3072, 48},
        BF16Case{"m15_k40_n48_ktail", 15, 40, 48},
        BF16Case{"m128_k768_n768_transpose_b", 128, 768, 768, true},
        BF16Case{"m17_k768_n80_bias_gelu", 17, 768, 80, false, true},
        BF16Case{"m33_k96_n48_bias_residual", 33, 96, 48, true, false, true},
        BF16Case{"b3_m7_k64_n48_batch", 7, 64, 48, false, false, false, 3},
        BF16Case{"b2_m16_k96_n80_batch_bias_gelu", 16, 96, 80, true, true, false, 2},
        // Refused by AMX (odd K: the panels' last row is unpaired), or no
        // bf16 GEMM at all (N = 24): still right, through the fallbacks.
        BF16Case{"m17_k63_n48_odd_k_fallback", 17, 63, 48, false, false, false, 0, false},
        BF16Case{"m16_k32_n24_f32_fallback", 16, 32, 24, false, false, false, 0, false}),
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
