/*===- runtime/src/cpu.c - CPU state the kernels need from the kernel -----===*
 *
 * AMX: Linux (5.16+) keeps the 8 KB of tile data (XFEATURE_XTILEDATA) off
 * for a process until it asks for it; the first tile instruction of a
 * process that has not is killed with SIGILL. Libraries whose kernels use
 * AMX (attune_abi_model.features & ATTUNE_ABI_FEATURE_AMX, set by the
 * compiler) ask at attune_model_load, once per process:
 *
 *   syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)
 *
 * The permission is process-wide and cannot be dropped, so one successful
 * request covers every thread of the pool and every later model. A refusal
 * (old kernel, a seccomp filter, a sigaltstack too small for the larger
 * signal frame) makes attune_model_load fail with ATTUNE_ERR_UNSUPPORTED
 * and a message, instead of a crash in the first GEMM.
 *
 * Test hook: ATTUNE_TEST_DENY_AMX=1 in the environment makes the request
 * fail as if the kernel had refused (checked on every call, so a test can
 * set it, see the error, unset it and load again).
 *
 * Instruction sets: a library records the extensions its target had
 * (attune_abi_model.isa); attune_model_load compares them with CPUID (and
 * XGETBV for the OS-enabled register state) and refuses a CPU that lacks
 * one, naming it, where the first kernel would otherwise die of SIGILL (a
 * library compiled for the build machine's host, run on an older CPU).
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#define ATTUNE_ARCH_REQ_XCOMP_PERM 0x1023
#define ATTUNE_XFEATURE_XTILEDATA 18
#endif

static pthread_once_t g_amx_once = PTHREAD_ONCE_INIT;
static int g_amx_errno; /* 0: permission granted */

static void request_amx(void) {
#if defined(__linux__) && defined(__x86_64__)
  long r = syscall(SYS_arch_prctl, ATTUNE_ARCH_REQ_XCOMP_PERM, ATTUNE_XFEATURE_XTILEDATA);
  g_amx_errno = r == 0 ? 0 : (errno ? errno : EINVAL);
#else
  g_amx_errno = ENOSYS;
#endif
}

attune_status attune_rt_require_features(uint32_t features) {
  if (!(features & ATTUNE_ABI_FEATURE_AMX))
    return ATTUNE_OK;
  const char *deny = getenv("ATTUNE_TEST_DENY_AMX");
  int err;
  if (deny && deny[0] && strcmp(deny, "0") != 0) {
    err = EPERM;
  } else {
    pthread_once(&g_amx_once, request_amx);
    err = g_amx_errno;
  }
  if (err == 0)
    return ATTUNE_OK;
  return attune_rt_fail(ATTUNE_ERR_UNSUPPORTED,
                        "this library's GEMMs use Intel AMX tiles, but the operating system "
                        "refused AMX state to the process (arch_prctl(ARCH_REQ_XCOMP_PERM, "
                        "XFEATURE_XTILEDATA): %s); needs Linux 5.16+ on a CPU with AMX, or "
                        "recompile with --target x86-64-avx512-bf16 or --dtype f32",
                        strerror(err));
}

/* ATTUNE_ABI_ISA_* bit i: where CPUID reports it (names: abi.h). */
static const char *const g_isa_names[] = {ATTUNE_ABI_ISA_NAMES};
static const struct {
  unsigned leaf, subleaf;
  char reg; /* 'b', 'c', 'd' or 'a' */
  unsigned bit;
  unsigned xcr0; /* register state the OS must enable */
} g_isa[ATTUNE_ABI_ISA_COUNT] = {
    {1, 0, 'c', 28, 0x6},           /* avx */
    {7, 0, 'b', 5, 0x6},            /* avx2 */
    {1, 0, 'c', 12, 0x6},           /* fma */
    {1, 0, 'c', 29, 0x6},           /* f16c */
    {7, 0, 'b', 3, 0},              /* bmi */
    {7, 0, 'b', 8, 0},              /* bmi2 */
    {0x80000001u, 0, 'c', 5, 0},    /* lzcnt */
    {1, 0, 'c', 22, 0},             /* movbe */
    {7, 0, 'b', 16, 0xe6},          /* avx512f */
    {7, 0, 'b', 30, 0xe6},          /* avx512bw */
    {7, 0, 'b', 28, 0xe6},          /* avx512cd */
    {7, 0, 'b', 17, 0xe6},          /* avx512dq */
    {7, 0, 'b', 31, 0xe6},          /* avx512vl */
    {7, 1, 'a', 5, 0xe6},           /* avx512bf16 */
    {7, 0, 'c', 11, 0xe6},          /* avx512vnni */
    {7, 0, 'c', 1, 0xe6},           /* avx512vbmi */
    {7, 0, 'c', 6, 0xe6},           /* avx512vbmi2 */
    {7, 0, 'c', 12, 0xe6},          /* avx512bitalg */
    {7, 0, 'c', 14, 0xe6},          /* avx512vpopcntdq */
    {7, 0, 'b', 21, 0xe6},          /* avx512ifma */
    {7, 0, 'd', 23, 0xe6},          /* avx512fp16 */
    {7, 0, 'd', 24, 0x60000},       /* amx-tile */
    {7, 0, 'd', 22, 0x60000},       /* amx-bf16 */
    {7, 0, 'c', 8, 0},              /* gfni */
    {7, 0, 'c', 9, 0x6},            /* vaes */
    {7, 0, 'c', 10, 0x6},           /* vpclmulqdq */
};
_Static_assert(sizeof g_isa_names / sizeof g_isa_names[0] == ATTUNE_ABI_ISA_COUNT,
               "ATTUNE_ABI_ISA_NAMES and ATTUNE_ABI_ISA_COUNT disagree");

const char *attune_rt_isa_name(int bit) {
  return bit >= 0 && bit < ATTUNE_ABI_ISA_COUNT ? g_isa_names[bit] : NULL;
}

uint64_t attune_rt_host_isa(void) {
  uint64_t isa = 0;
#if defined(__x86_64__)
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d))
    return 0;
  uint64_t xcr0 = 0;
  if (c & (1u << 27)) { /* OSXSAVE: XGETBV is there */
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = ((uint64_t)hi << 32) | lo;
  }
  unsigned maxLeaf = __get_cpuid_max(0, NULL), maxExt = __get_cpuid_max(0x80000000u, NULL);
  for (int i = 0; i < ATTUNE_ABI_ISA_COUNT; ++i) {
    unsigned leaf = g_isa[i].leaf;
    if (leaf < 0x80000000u ? leaf > maxLeaf : leaf > maxExt)
      continue;
    __cpuid_count(leaf, g_isa[i].subleaf, a, b, c, d);
    unsigned r = g_isa[i].reg == 'a' ? a : g_isa[i].reg == 'b' ? b : g_isa[i].reg == 'c' ? c : d;
    if ((r >> g_isa[i].bit & 1u) && (xcr0 & g_isa[i].xcr0) == g_isa[i].xcr0)
      isa |= 1ull << i;
  }
#endif
  return isa;
}

attune_status attune_rt_check_isa(uint64_t required, uint64_t available) {
  uint64_t missing = required & ~available;
  if (!missing)
    return ATTUNE_OK;
  char names[512];
  size_t used = 0;
  names[0] = '\0';
  for (int i = 0; i < 64 && used < sizeof names; ++i)
    if (missing >> i & 1u) {
      const char *n = attune_rt_isa_name(i);
      int w = n ? snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", n)
                : snprintf(names + used, sizeof names - used, "%sISA bit %d", used ? ", " : "", i);
      used += w > 0 ? (size_t)w : 0;
    }
  return attune_rt_fail(ATTUNE_ERR_UNSUPPORTED,
                        "this library was compiled for a CPU with %s (its --target), which this "
                        "CPU does not have; recompile it on this machine (--target host) or for "
                        "an older target (--target x86-64-avx2)",
                        names);
}
