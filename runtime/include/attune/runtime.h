/*===- attune/runtime.h - C API of every Attune-compiled library -----------===*
 *
 * Every shared library written by `attune compile` exports exactly this API
 * (one fixed ABI for all models). The library statically contains the Attune
 * runtime (thread pool, weight loading, input validation); it depends only on
 * libc, libm, libpthread and libdl.
 *
 * Ownership:
 *  - A model returned by attune_model_load must be released with
 *    attune_model_free.
 *  - The caller owns every tensor's memory, inputs and outputs. Output
 *    tensors must be allocated by the caller with the shapes and dtypes given
 *    by the signature.
 *  - Strings returned by attune_model_signature live as long as the model;
 *    the string returned by attune_last_error lives until the next API call
 *    on the same thread.
 *
 * Thread safety: attune_model_run may be called concurrently on one model
 * from any number of threads. An attune_decoder is used by one thread at a
 * time (several decoders may share one model).
 *===----------------------------------------------------------------------===*/
#ifndef ATTUNE_RUNTIME_H
#define ATTUNE_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ATTUNE_MAX_RANK 8

typedef enum {
  ATTUNE_OK = 0,
  ATTUNE_ERR_INVALID_ARGUMENT = 1, /* null pointer, wrong count/name/dtype/shape, bad token id */
  ATTUNE_ERR_IO = 2,               /* weights file missing or unreadable */
  ATTUNE_ERR_MISMATCH = 3,         /* weights file from another compile / ABI mismatch */
  ATTUNE_ERR_OUT_OF_MEMORY = 4,
  ATTUNE_ERR_INTERNAL = 5,
  ATTUNE_ERR_UNSUPPORTED = 6       /* the CPU/OS lacks what the library's kernels use (AMX state
                                      refused by the OS, see docs/c-api.md) */
} attune_status;

typedef enum {
  ATTUNE_F32 = 0,
  ATTUNE_F16 = 1,
  ATTUNE_BF16 = 2,
  ATTUNE_I64 = 3,
  ATTUNE_I32 = 4,
  ATTUNE_BOOL = 5 /* one byte per element, 0 or 1 */
} attune_dtype;

typedef struct {
  const char *name; /* optional for run(): NULL means "by position" */
  attune_dtype dtype;
  int32_t rank;
  int64_t shape[ATTUNE_MAX_RANK];
  void *data; /* caller-owned, dense row-major */
} attune_tensor;

typedef struct attune_model attune_model;

/* Loads the model compiled into this library. |weights_path|: NULL means the
 * weights embedded in the library (--embed-weights) or, when there are none,
 * the sidecar "<library without .so>.weights" next to the library; otherwise
 * the path of the sidecar written together with this library. A weights file
 * written by another compile is refused with ATTUNE_ERR_MISMATCH.
 * On success |*out| must be released with attune_model_free. */
attune_status attune_model_load(const char *weights_path, attune_model **out);

/* Runs the model. |in| has n_in tensors, |out| has n_out tensors, in
 * signature order (names, when given, must match). Validates counts, dtypes,
 * shapes, null pointers and integer input ranges (token ids < vocab size).
 * Thread-safe. */
attune_status attune_model_run(attune_model *m, const attune_tensor *in, size_t n_in,
                               attune_tensor *out, size_t n_out);

/* Sequence-length buckets (`attune compile --seq-lens 32,64,128`): the number
 * of compiled lengths (0 for a library without buckets) and, in |*lens|, the
 * lengths in ascending order (owned by the library). Such a library's run
 * accepts tensors whose sequence dimension (attune_model_seq_dim) is any
 * length L in [1, largest]: it runs the smallest bucket >= L, padding the
 * inputs with zeros (attention_mask 0 masks the padding), and writes outputs
 * with L in that dimension. input_info/output_info describe the largest
 * bucket. */
size_t attune_model_seq_lens(const attune_model *m, const int64_t **lens);

/* The sequence dimension of input (is_output = 0) or output |i| of a bucketed
 * library, -1 when the tensor has none or the library has no buckets. */
int32_t attune_model_seq_dim(const attune_model *m, int is_output, size_t i);

/* JSON: {"model": name, "inputs": [{"name","dtype","shape"}...], "outputs": [...]}.
 * Owned by the model. */
const char *attune_model_signature(const attune_model *m);

/* Number of inputs / outputs of the model (0 for NULL). */
size_t attune_model_num_inputs(const attune_model *m);
size_t attune_model_num_outputs(const attune_model *m);

/* Describes input / output |i| into |*desc| (name, dtype, rank, shape; data
 * is set to NULL). */
attune_status attune_model_input_info(const attune_model *m, size_t i, attune_tensor *desc);
attune_status attune_model_output_info(const attune_model *m, size_t i, attune_tensor *desc);

/* Thread-local message describing the last failure on this thread ("" when
 * none). */
const char *attune_last_error(void);

/* Number of worker threads used by run (default: ATTUNE_NUM_THREADS from the
 * environment, else the number of online CPUs). Takes effect for later runs. */
attune_status attune_set_num_threads(int n);

void attune_model_free(attune_model *m);

/* The model's weights blob as the library reads it (the mapped sidecar or
 * the embedded blob; read-only): |*data| and |*nbytes|. For tools that manage
 * memory themselves: pinning or advising the pages, or evicting the weights
 * from the CPU caches between timed runs (attune tune does, so that kernels
 * are timed with their weights in memory, as in a model run). */
attune_status attune_model_weights(const attune_model *m, const void **data, size_t *nbytes);

/* Incremental decoding with a KV cache, for libraries compiled from causal
 * decoders (GPT-2) at batch 1. The decoder keeps the keys and values of
 * every token fed so far; each token after the first prompt costs one
 * token's work. */
typedef struct attune_decoder attune_decoder;

/* ATTUNE_ERR_INVALID_ARGUMENT when the library is not a decoder. Release
 * with attune_decoder_free (before freeing the model). */
attune_status attune_decoder_create(attune_model *m, attune_decoder **out);

/* Appends |n| >= 1 tokens. On a fresh decoder the first tokens (up to the
 * compiled sequence length) run through the prefill entry at once, the
 * rest one decode step each. |logits| (vocab_size floats, may be NULL)
 * receives the next-token logits after the last one. Fails without changing
 * the state when a token id is outside [0, vocab) or the cache would exceed
 * its capacity. */
attune_status attune_decoder_feed(attune_decoder *d, const int64_t *ids, size_t n,
                                  float *logits);

/* Tokens in the cache; the most it holds; the logits' length. */
size_t attune_decoder_length(const attune_decoder *d);
size_t attune_decoder_capacity(const attune_decoder *d);
size_t attune_decoder_vocab_size(const attune_decoder *d);

/* Forgets every token (the cache is reused). */
void attune_decoder_reset(attune_decoder *d);
void attune_decoder_free(attune_decoder *d);

/* Version string of the runtime, e.g. "attune 0.1.0 abi 2". */
const char *attune_version(void);

#ifdef __cplusplus
}
#endif
#endif /* ATTUNE_RUNTIME_H */
