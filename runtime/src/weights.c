/*===- runtime/src/weights.c - Locating, mapping and checking weights ------===*
 *
 * Resolves where a model's weights come from and validates them:
 *  - an explicit path: that sidecar file;
 *  - NULL with an embedded blob: the blob, used in place;
 *  - NULL without one: "<library without .so>.weights" next to the library
 *    that contains this runtime (found with dladdr on a runtime symbol).
 * A sidecar is mapped read-only with mmap; its header (see abi.h) must carry
 * the magic, this library's weights_id and weights_nbytes, a 64-aligned
 * data_offset, and the file must hold data_offset + data_nbytes bytes.
 * A missing, unreadable or truncated file gives ATTUNE_ERR_IO; a file of
 * another format or another compile gives ATTUNE_ERR_MISMATCH.
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char g_anchor = 0; /* any object of this library, for dladdr */

/* "<dir>/libX.so" -> "<dir>/libX.weights" (malloc-ed), NULL if unknown. */
static char *sidecar_next_to_library(void) {
  Dl_info info;
  if (!dladdr(&g_anchor, &info) || !info.dli_fname || !*info.dli_fname)
    return NULL;
  size_t len = strlen(info.dli_fname);
  if (len >= 3 && strcmp(info.dli_fname + len - 3, ".so") == 0)
    len -= 3;
  char *path = malloc(len + sizeof ".weights");
  if (!path)
    return NULL;
  memcpy(path, info.dli_fname, len);
  memcpy(path + len, ".weights", sizeof ".weights");
  return path;
}

static uint64_t read_u64le(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static void hex16(const uint8_t *id, char out[33]) {
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < 16; i++) {
    out[2 * i] = digits[id[i] >> 4];
    out[2 * i + 1] = digits[id[i] & 15];
  }
  out[32] = '\0';
}

/* Checks the header of a mapped file of |size| bytes. */
static attune_status check_header(const attune_abi_model *abi, const char *path,
                                  const uint8_t *base, size_t size, const uint8_t **blob) {
  if (size < ATTUNE_WEIGHTS_HEADER_BYTES)
    return attune_rt_fail(ATTUNE_ERR_IO,
                          "weights file '%s' is truncated: %zu bytes, expected at least a "
                          "%d-byte header", path, size, ATTUNE_WEIGHTS_HEADER_BYTES);
  if (memcmp(base, ATTUNE_WEIGHTS_MAGIC, 8) != 0)
    return attune_rt_fail(ATTUNE_ERR_MISMATCH,
                          "weights file '%s' is not an Attune weights file (bad magic)", path);
  if (memcmp(base + 8, abi->weights_id, 16) != 0) {
    char want[33], found[33];
    hex16(abi->weights_id, want);
    hex16(base + 8, found);
    return attune_rt_fail(ATTUNE_ERR_MISMATCH,
                          "weights file '%s' was written by another compile: expected weights "
                          "id %s, found %s", path, want, found);
  }
  uint64_t nbytes = read_u64le(base + 24), offset = read_u64le(base + 32);
  if (nbytes != abi->weights_nbytes)
    return attune_rt_fail(ATTUNE_ERR_MISMATCH,
                          "weights file '%s': expected %llu data bytes, found %llu", path,
                          (unsigned long long)abi->weights_nbytes, (unsigned long long)nbytes);
  if (offset < 40 || offset % ATTUNE_WEIGHTS_ALIGN != 0)
    return attune_rt_fail(ATTUNE_ERR_MISMATCH,
                          "weights file '%s': data offset %llu is not a multiple of %d", path,
                          (unsigned long long)offset, ATTUNE_WEIGHTS_ALIGN);
  if (offset > size || nbytes > size - offset)
    return attune_rt_fail(ATTUNE_ERR_IO,
                          "weights file '%s' is truncated: %zu bytes, expected %llu", path,
                          size, (unsigned long long)(offset + nbytes));
  *blob = base + offset;
  return ATTUNE_OK;
}

static attune_status map_file(const attune_abi_model *abi, const char *path,
                              attune_rt_weights *out) {
  char msg[256];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return attune_rt_fail(ATTUNE_ERR_IO, "cannot open weights file '%s': %s", path,
                          strerror_r(errno, msg, sizeof msg));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return attune_rt_fail(ATTUNE_ERR_IO, "weights file '%s' is not a readable regular file",
                          path);
  }
  size_t size = (size_t)st.st_size;
  if (size < ATTUNE_WEIGHTS_HEADER_BYTES) {
    close(fd);
    const uint8_t *unused;
    return check_header(abi, path, NULL, size, &unused);
  }
  void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int err = errno;
  close(fd);
  if (map == MAP_FAILED)
    return attune_rt_fail(ATTUNE_ERR_IO, "cannot map weights file '%s': %s", path,
                          strerror_r(err, msg, sizeof msg));
  attune_status st2 = check_header(abi, path, map, size, &out->blob);
  if (st2 != ATTUNE_OK) {
    munmap(map, size);
    return st2;
  }
  out->map = map;
  out->map_len = size;
  return ATTUNE_OK;
}

attune_status attune_rt_weights_open(const attune_abi_model *abi, const char *path,
                                     attune_rt_weights *out) {
  out->blob = NULL;
  out->map = NULL;
  out->map_len = 0;
  if (path)
    return map_file(abi, path, out);
  if (abi->embedded_weights) {
    if ((uintptr_t)abi->embedded_weights % ATTUNE_WEIGHTS_ALIGN != 0)
      return attune_rt_fail(ATTUNE_ERR_INTERNAL, "embedded weights are not %d-byte aligned",
                            ATTUNE_WEIGHTS_ALIGN);
    out->blob = abi->embedded_weights;
    return ATTUNE_OK;
  }
  if (abi->num_weights == 0 && abi->weights_nbytes == 0)
    return ATTUNE_OK; /* nothing to load */
  char *sidecar = sidecar_next_to_library();
  if (!sidecar)
    return attune_rt_fail(ATTUNE_ERR_IO,
                          "cannot locate the weights file: the path of the library is unknown; "
                          "pass the .weights path to attune_model_load");
  attune_status st = map_file(abi, sidecar, out);
  free(sidecar);
  return st;
}

void attune_rt_weights_close(attune_rt_weights *w) {
  if (w->map)
    munmap(w->map, w->map_len);
  w->map = NULL;
  w->blob = NULL;
}
