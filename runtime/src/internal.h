/*===- runtime/src/internal.h - Private declarations of the runtime --------===*
 *
 * Declarations shared by the runtime's C files and never installed: the
 * export macro for the public API, the thread-local error setter, dtype
 * helpers, the weights loader and the layout of struct attune_model.
 * Everything declared here has hidden visibility (the runtime is compiled
 * with -fvisibility=hidden), so it never leaks out of a compiled model.
 *===----------------------------------------------------------------------===*/
#ifndef ATTUNE_RUNTIME_INTERNAL_H
#define ATTUNE_RUNTIME_INTERNAL_H

#include "attune/abi.h"
#include "attune/runtime.h"

#include <stddef.h>
#include <stdint.h>

/* Marks a definition of a runtime.h function as exported from the .so. */
#define ATTUNE_API __attribute__((visibility("default")))

#if defined(__GNUC__)
#define ATTUNE_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define ATTUNE_PRINTF(fmt, args)
#endif

/* Formats the thread-local last error message and returns |status|. */
attune_status attune_rt_fail(attune_status status, const char *fmt, ...) ATTUNE_PRINTF(2, 3);

/* "f32", "i64", ... or "?" for an unknown value. */
const char *attune_rt_dtype_name(int32_t dtype);
/* Size of one element in bytes, 0 for an unknown dtype. */
size_t attune_rt_dtype_size(int32_t dtype);

/* Weights mapped from a sidecar file (map != NULL) or borrowed from the
 * embedded blob (map == NULL). */
typedef struct {
  const uint8_t *blob; /* weights_nbytes bytes, 64-byte aligned */
  void *map;           /* mmap base, NULL when not mapped */
  size_t map_len;
} attune_rt_weights;

/* Resolves |path| (NULL: embedded blob or the sidecar next to the library),
 * then maps and validates it against |abi|. Sets the last error on failure. */
attune_status attune_rt_weights_open(const attune_abi_model *abi, const char *path,
                                     attune_rt_weights *out);
void attune_rt_weights_close(attune_rt_weights *w);

/* Builds the signature JSON from the metadata; malloc-ed, NULL on OOM. */
char *attune_rt_signature_json(const attune_abi_model *abi);

/* Validates the arguments of attune_model_run against |abi|. */
attune_status attune_rt_validate(const attune_abi_model *abi, const attune_tensor *in,
                                 size_t n_in, const attune_tensor *out, size_t n_out);

/* The same for an explicit signature. With seq-dim arrays (one per tensor,
 * -1 = none), those dims may take any length in [1, max_seq], the same in
 * every tensor, returned in *seq_len (0 when no tensor has one). */
attune_status attune_rt_validate_io(const attune_abi_tensor *ins, uint32_t num_ins,
                                    const attune_abi_tensor *outs, uint32_t num_outs,
                                    const int32_t *in_seq_dims, const int32_t *out_seq_dims,
                                    int64_t max_seq, const attune_tensor *in, size_t n_in,
                                    const attune_tensor *out, size_t n_out, int64_t *seq_len);

/* Asks the OS for what |features| (ATTUNE_ABI_FEATURE_*) need (cpu.c):
 * AMX state permission, once per process. ATTUNE_ERR_UNSUPPORTED with the
 * last error set when refused. */
attune_status attune_rt_require_features(uint32_t features);

/* ATTUNE_ABI_ISA_* of this CPU, as CPUID reports them and the OS enables
 * their register state (XGETBV); 0 off x86-64 (cpu.c). */
uint64_t attune_rt_host_isa(void);
/* The name of ISA bit |bit| ("avx512f"), NULL past ATTUNE_ABI_ISA_COUNT. */
const char *attune_rt_isa_name(int bit);
/* ATTUNE_OK when |available| has every bit of |required|; else
 * ATTUNE_ERR_UNSUPPORTED, the last error naming the missing extensions. */
attune_status attune_rt_check_isa(uint64_t required, uint64_t available);

/* Calls |entry| with the model's weights (by index), then the data of |in|
 * and |out|; no validation. */
attune_status attune_rt_call_entry(attune_model *m, const attune_abi_entry *entry,
                                   const attune_tensor *in, const attune_tensor *out);

struct attune_model {
  const attune_abi_model *abi;
  attune_rt_weights weights;
  void **weight_ptrs; /* num_weights pointers into weights.blob */
  char *signature;    /* owned when generated, else NULL */
};

#endif /* ATTUNE_RUNTIME_INTERNAL_H */
