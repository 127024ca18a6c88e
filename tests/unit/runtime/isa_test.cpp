//===- tests/unit/runtime/isa_test.cpp - instruction-set checks at load ---===//
//
// cpu.c's CPUID table against the compiler's own view of this CPU
// (__builtin_cpu_supports), the names of the ATTUNE_ABI_ISA_* bits, and the
// refusal message of attune_rt_check_isa (the check attune_model_load runs
// before any kernel). Linked with the runtime archive directly.
//===----------------------------------------------------------------------===//
#include "attune/abi.h"
#include "attune/runtime.h"

#include <gtest/gtest.h>

#include <string>

extern "C" {
uint64_t attune_rt_host_isa(void);
const char *attune_rt_isa_name(int bit);
attune_status attune_rt_check_isa(uint64_t required, uint64_t available);
}

namespace {

int bitOf(uint64_t mask) { return __builtin_ctzll(mask); }

TEST(RuntimeISA, NamesFollowTheABIBits) {
  EXPECT_STREQ(attune_rt_isa_name(bitOf(ATTUNE_ABI_ISA_AVX)), "avx");
  EXPECT_STREQ(attune_rt_isa_name(bitOf(ATTUNE_ABI_ISA_AVX2)), "avx2");
  EXPECT_STREQ(attune_rt_isa_name(bitOf(ATTUNE_ABI_ISA_AVX512F)), "avx512f");
  EXPECT_STREQ(attune_rt_isa_name(bitOf(ATTUNE_ABI_ISA_AVX512BF16)), "avx512bf16");
  EXPECT_STREQ(attune_rt_isa_name(bitOf(ATTUNE_ABI_ISA_AMX_TILE)), "amx-tile");
  EXPECT_STREQ(attune_rt_isa_name(bitOf(ATTUNE_ABI_ISA_VPCLMULQDQ)), "vpclmulqdq");
  EXPECT_EQ(bitOf(ATTUNE_ABI_ISA_VPCLMULQDQ), ATTUNE_ABI_ISA_COUNT - 1);
  EXPECT_EQ(attune_rt_isa_name(ATTUNE_ABI_ISA_COUNT), nullptr);
  EXPECT_EQ(attune_rt_isa_name(-1), nullptr);
}

#if defined(__x86_64__)
TEST(RuntimeISA, HostDetectionAgreesWithTheCompiler) {
  uint64_t isa = attune_rt_host_isa();
  __builtin_cpu_init();
  struct {
    const char *name;
    uint64_t bit;
    bool has;
  } checks[] = {
      {"avx", ATTUNE_ABI_ISA_AVX, __builtin_cpu_supports("avx") != 0},
      {"avx2", ATTUNE_ABI_ISA_AVX2, __builtin_cpu_supports("avx2") != 0},
      {"fma", ATTUNE_ABI_ISA_FMA, __builtin_cpu_supports("fma") != 0},
      {"bmi", ATTUNE_ABI_ISA_BMI, __builtin_cpu_supports("bmi") != 0},
      {"bmi2", ATTUNE_ABI_ISA_BMI2, __builtin_cpu_supports("bmi2") != 0},
      {"avx512f", ATTUNE_ABI_ISA_AVX512F, __builtin_cpu_supports("avx512f") != 0},
      {"avx512bw", ATTUNE_ABI_ISA_AVX512BW, __builtin_cpu_supports("avx512bw") != 0},
      {"avx512cd", ATTUNE_ABI_ISA_AVX512CD, __builtin_cpu_supports("avx512cd") != 0},
      {"avx512dq", ATTUNE_ABI_ISA_AVX512DQ, __builtin_cpu_supports("avx512dq") != 0},
      {"avx512vl", ATTUNE_ABI_ISA_AVX512VL, __builtin_cpu_supports("avx512vl") != 0},
      {"avx512bf16", ATTUNE_ABI_ISA_AVX512BF16, __builtin_cpu_supports("avx512bf16") != 0},
      {"avx512vnni", ATTUNE_ABI_ISA_AVX512VNNI, __builtin_cpu_supports("avx512vnni") != 0},
      {"avx512vbmi", ATTUNE_ABI_ISA_AVX512VBMI, __builtin_cpu_supports("avx512vbmi") != 0},
      {"avx512vbmi2", ATTUNE_ABI_ISA_AVX512VBMI2, __builtin_cpu_supports("avx512vbmi2") != 0},
      {"avx512bitalg", ATTUNE_ABI_ISA_AVX512BITALG, __builtin_cpu_supports("avx512bitalg") != 0},
      {"avx512vpopcntdq", ATTUNE_ABI_ISA_AVX512VPOPCNTDQ,
       __builtin_cpu_supports("avx512vpopcntdq") != 0},
      {"avx512ifma", ATTUNE_ABI_ISA_AVX512IFMA, __builtin_cpu_supports("avx512ifma") != 0},
      {"gfni", ATTUNE_ABI_ISA_GFNI, __builtin_cpu_supports("gfni") != 0},
      {"vaes", ATTUNE_ABI_ISA_VAES, __builtin_cpu_supports("vaes") != 0},
      {"vpclmulqdq", ATTUNE_ABI_ISA_VPCLMULQDQ, __builtin_cpu_supports("vpclmulqdq") != 0},
  };
  for (const auto &c : checks)
    EXPECT_EQ((isa & c.bit) != 0, c.has) << c.name;
}
#endif

TEST(RuntimeISA, MissingExtensionsAreNamed) {
  EXPECT_EQ(attune_rt_check_isa(0, 0), ATTUNE_OK);
  EXPECT_EQ(attune_rt_check_isa(ATTUNE_ABI_ISA_AVX2,
                                ATTUNE_ABI_ISA_AVX | ATTUNE_ABI_ISA_AVX2 | ATTUNE_ABI_ISA_FMA),
            ATTUNE_OK);
  ASSERT_EQ(attune_rt_check_isa(ATTUNE_ABI_ISA_AVX2 | ATTUNE_ABI_ISA_AVX512F |
                                    ATTUNE_ABI_ISA_AMX_TILE,
                                ATTUNE_ABI_ISA_AVX2),
            ATTUNE_ERR_UNSUPPORTED);
  std::string msg = attune_last_error();
  EXPECT_NE(msg.find("avx512f, amx-tile"), std::string::npos) << msg;
  // avx2 is there, so it appears only in the advice (--target x86-64-avx2).
  ASSERT_NE(msg.find("x86-64-avx2"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("avx2"), msg.find("x86-64-avx2") + 7) << msg;
  EXPECT_NE(msg.find("--target host"), std::string::npos) << msg;
  ASSERT_EQ(attune_rt_check_isa(1ull << 63, ~0ull >> 1), ATTUNE_ERR_UNSUPPORTED);
  msg = attune_last_error();
  EXPECT_NE(msg.find("ISA bit 63"), std::string::npos) << msg;
}

} // namespace
