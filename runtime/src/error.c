/*===- runtime/src/error.c - Last error, version and dtype helpers ---------===*
 *
 * Keeps the message of the last failure of each thread in a thread-local
 * buffer (attune_last_error returns "" until something failed on that
 * thread; a message stays until the next failure), and implements
 * attune_version plus the small dtype helpers shared by the other files.
 *===----------------------------------------------------------------------===*/
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>

static __thread char g_last_error[1024];

attune_status attune_rt_fail(attune_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g_last_error, sizeof g_last_error, fmt, ap);
  va_end(ap);
  return status;
}

ATTUNE_API const char *attune_last_error(void) { return g_last_error; }

#define ATTUNE_STR2(x) #x
#define ATTUNE_STR(x) ATTUNE_STR2(x)

ATTUNE_API const char *attune_version(void) {
  return "attune 0.1.0 abi " ATTUNE_STR(ATTUNE_ABI_VERSION);
}

const char *attune_rt_dtype_name(int32_t dtype) {
  switch (dtype) {
  case ATTUNE_F32: return "f32";
  case ATTUNE_F16: return "f16";
  case ATTUNE_BF16: return "bf16";
  case ATTUNE_I64: return "i64";
  case ATTUNE_I32: return "i32";
  case ATTUNE_BOOL: return "bool";
  default: return "?";
  }
}

size_t attune_rt_dtype_size(int32_t dtype) {
  switch (dtype) {
  case ATTUNE_F32: return 4;
  case ATTUNE_F16: return 2;
  case ATTUNE_BF16: return 2;
  case ATTUNE_I64: return 8;
  case ATTUNE_I32: return 4;
  case ATTUNE_BOOL: return 1;
  default: return 0;
  }
}
