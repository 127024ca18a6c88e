/*===- runtime/src/alloc.c - Scratch memory for generated kernels ----------===*
 *
 * attune_rt_alloc / attune_rt_free: 64-byte aligned scratch memory (one
 * cache line, one AVX-512 vector); the size is rounded up to a multiple of
 * 64 so vector loops may touch the whole last line. A request of 0 bytes
 * returns a valid unique pointer; a negative or overflowing request returns
 * NULL.
 *
 * _mlir_memref_to_llvm_alloc / _mlir_memref_to_llvm_free: what MLIR's
 * finalize-memref-to-llvm{use-generic-functions} makes the kernels call for
 * every intermediate buffer (instead of malloc/free). Every run of a model
 * allocates the same buffer sizes; large blocks from malloc are fresh mmaps
 * whose first touch page-faults, which cost more than many kernels. So freed
 * blocks are kept in a small cache keyed by size (a mutex-protected list,
 * at most ATTUNE_ALLOC_CACHE_BYTES in total) and handed out again. The cache
 * is emptied when the library is unloaded. Blocks carry a 64-byte header
 * holding their size.
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <pthread.h>
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

#define ATTUNE_ALLOC_CACHE_BYTES ((size_t)512 << 20)
#define ATTUNE_ALLOC_HEADER 64
/* Blocks below this size come from malloc's own bins: not worth caching. */
#define ATTUNE_ALLOC_CACHE_MIN 4096

typedef struct cached_block {
  struct cached_block *next;
  size_t size; /* usable bytes after the header */
} cached_block;

static struct {
  pthread_mutex_t mu;
  cached_block *head;
  size_t bytes;
} g_cache = {PTHREAD_MUTEX_INITIALIZER, NULL, 0};

void *_mlir_memref_to_llvm_alloc(size_t nbytes) __attribute__((visibility("hidden")));
void _mlir_memref_to_llvm_free(void *p) __attribute__((visibility("hidden")));

void *_mlir_memref_to_llvm_alloc(size_t nbytes) {
  if (nbytes > SIZE_MAX - ATTUNE_ALLOC_HEADER - 63)
    return NULL;
  size_t size = (nbytes + 63) & ~(size_t)63;
  if (size == 0)
    size = 64;
  if (size >= ATTUNE_ALLOC_CACHE_MIN) {
    pthread_mutex_lock(&g_cache.mu);
    for (cached_block **pp = &g_cache.head; *pp; pp = &(*pp)->next)
      if ((*pp)->size == size) {
        cached_block *b = *pp;
        *pp = b->next;
        g_cache.bytes -= size;
        pthread_mutex_unlock(&g_cache.mu);
        return (char *)b + ATTUNE_ALLOC_HEADER;
      }
    pthread_mutex_unlock(&g_cache.mu);
  }
  void *p = NULL;
  if (posix_memalign(&p, 64, size + ATTUNE_ALLOC_HEADER) != 0)
    return NULL;
  ((cached_block *)p)->size = size;
  return (char *)p + ATTUNE_ALLOC_HEADER;
}

void _mlir_memref_to_llvm_free(void *ptr) {
  if (!ptr)
    return;
  cached_block *b = (cached_block *)((char *)ptr - ATTUNE_ALLOC_HEADER);
  if (b->size >= ATTUNE_ALLOC_CACHE_MIN) {
    pthread_mutex_lock(&g_cache.mu);
    if (g_cache.bytes + b->size <= ATTUNE_ALLOC_CACHE_BYTES) {
      b->next = g_cache.head;
      g_cache.head = b;
      g_cache.bytes += b->size;
      pthread_mutex_unlock(&g_cache.mu);
      return;
    }
    pthread_mutex_unlock(&g_cache.mu);
  }
  free(b);
}

__attribute__((destructor)) static void attune_alloc_cache_release(void) {
  pthread_mutex_lock(&g_cache.mu);
  cached_block *b = g_cache.head;
  g_cache.head = NULL;
  g_cache.bytes = 0;
  pthread_mutex_unlock(&g_cache.mu);
  while (b) {
    cached_block *next = b->next;
    free(b);
    b = next;
  }
}
