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
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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
