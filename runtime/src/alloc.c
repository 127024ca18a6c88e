/*===- runtime/src/alloc.c - 64-byte aligned scratch memory ----------------===*
 *
 * attune_rt_alloc / attune_rt_free, called by generated kernels for scratch
 * buffers. Memory is 64-byte aligned (one cache line, one AVX-512 vector);
 * the size is rounded up to a multiple of 64 so vector loops may touch the
 * whole last line. A request of 0 bytes returns a valid unique pointer;
 * a negative or overflowing request returns NULL.
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <stdlib.h>

void *attune_rt_alloc(int64_t nbytes) {
  if (nbytes < 0 || (uint64_t)nbytes > (uint64_t)SIZE_MAX - 64)
    return NULL;
  size_t size = ((size_t)nbytes + 63) & ~(size_t)63;
  if (size == 0)
    size = 64;
  void *p = NULL;
  if (posix_memalign(&p, 64, size) != 0)
    return NULL;
  return p;
}

void attune_rt_free(void *p) { free(p); }
