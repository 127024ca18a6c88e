/*===- attune/abi.h - Contract between generated code and the runtime ------===*
 *
 * Internal ABI: not for users. `attune compile` emits
 *   - an object with the model's kernels (from MLIR) whose entry point is
 *       void attune_model_entry(void **args);
 *     args = [weight_0 .. weight_{W-1}, input_0 .. input_{I-1},
 *             output_0 .. output_{O-1}], each a pointer to dense row-major data;
 *   - a generated C file defining `attune_generated_model` (below) with the
 *     model's metadata and, with --embed-weights, the weights blob;
 * and links them with libattune_runtime.a into one .so.
 *
 * Generated kernels call back into the runtime:
 *   void attune_rt_parallel_for(attune_rt_task_fn fn, void *ctx, int64_t n);
 *     runs fn(ctx, begin, end) over disjoint [begin,end) ranges covering
 *     [0,n), on the runtime's thread pool, and returns when all are done.
 *   void *attune_rt_alloc(int64_t nbytes) / void attune_rt_free(void *)
 *     64-byte aligned scratch memory.
 *
 * Sidecar weights file ("X.weights" next to "X.so"), little-endian:
 *   offset 0   char magic[8] = "ATTUNEW1"
 *   offset 8   uint8 weights_id[16]   (must equal attune_abi_model.weights_id)
 *   offset 24  uint64 data_nbytes     (must equal attune_abi_model.weights_nbytes)
 *   offset 32  uint64 data_offset     (= 64)
 *   offset 40  zero padding up to data_offset
 *   then the data blob; weight i lives at data_offset + weights[i].offset,
 *   every offset a multiple of 64.
 *
 * Further entry points (ABI 2). The fields up to `entry` describe the
 * primary entry, whose kernel takes every weight of the table in order. A
 * library may hold more entries, each with its own signature, kernel and
 * list of weights (indices into the table); what they are for is `kind`:
 *   ATTUNE_ABI_PLAIN        no further entries.
 *   ATTUNE_ABI_SEQ_BUCKETS  entries[i] is the model specialized for sequence
 *       length seq_lens[i] (ascending); the primary is the largest bucket,
 *       seq_lens[num_entries]. Every entry has the primary's inputs and
 *       outputs in the same order; in input i / output i the dimension
 *       input_seq_dims[i] / output_seq_dims[i] (-1: none) equals the
 *       bucket's length. attune_model_run accepts any length up to the
 *       largest bucket and runs the smallest bucket that holds it, padding
 *       the inputs with zeros (attention_mask 0 masks the padding).
 *   ATTUNE_ABI_DECODER      a causal decoder with a KV cache: the primary
 *       (prefill) takes input_ids/attention_mask [1, S] and returns logits
 *       [1, S, V], present_keys and present_values [L, 1, S, H*D];
 *       entries[0] ("decode") takes input_ids [1, 1], position_ids [1, 1],
 *       past_keys / past_values [L, 1, C, H*D] and past_mask [1, C + 1]
 *       (1 = attend; the last column is the new token itself) and returns
 *       logits [1, 1, V], keys and values [L, 1, 1, H*D] of the new token.
 *       C = seq_lens[0] is the cache capacity. The attune_decoder_* API
 *       drives the two.
 *===----------------------------------------------------------------------===*/
#ifndef ATTUNE_ABI_H
#define ATTUNE_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ATTUNE_ABI_VERSION 2
#define ATTUNE_WEIGHTS_MAGIC "ATTUNEW1"
#define ATTUNE_WEIGHTS_HEADER_BYTES 64
#define ATTUNE_WEIGHTS_ALIGN 64

typedef struct {
  const char *name;
  int32_t dtype; /* attune_dtype */
  int32_t rank;
  int64_t shape[8];
  /* Integer inputs only: valid element values are [0, max_value);
     -1 = not checked (e.g. attention masks). */
  int64_t max_value;
} attune_abi_tensor;

typedef struct {
  const char *name;
  uint64_t offset; /* into the weights blob, multiple of 64 */
  uint64_t nbytes;
} attune_abi_weight;

typedef struct {
  const char *name;
  uint32_t num_inputs;
  const attune_abi_tensor *inputs;
  uint32_t num_outputs;
  const attune_abi_tensor *outputs;
  uint32_t num_weights;
  const uint32_t *weights; /* indices into attune_abi_model.weights, kernel order */
  void (*entry)(void **args); /* args = [weights..., inputs..., outputs...] */
} attune_abi_entry;

enum { ATTUNE_ABI_PLAIN = 0, ATTUNE_ABI_SEQ_BUCKETS = 1, ATTUNE_ABI_DECODER = 2 };

typedef void (*attune_rt_task_fn)(void *ctx, int64_t begin, int64_t end);

typedef struct {
  uint32_t abi_version; /* ATTUNE_ABI_VERSION */
  const char *model_name;
  const char *signature_json;
  uint32_t num_inputs;
  const attune_abi_tensor *inputs;
  uint32_t num_outputs;
  const attune_abi_tensor *outputs;
  uint32_t num_weights;
  const attune_abi_weight *weights;
  uint64_t weights_nbytes;
  uint8_t weights_id[16];
  /* NULL: weights live in the sidecar file; else the embedded blob
     (64-byte aligned). */
  const uint8_t *embedded_weights;
  void (*entry)(void **args);
  /* ABI 2: further entries (see above). Zero-initialized = plain. */
  uint32_t kind;
  uint32_t num_entries;
  const attune_abi_entry *entries;
  const int64_t *seq_lens;        /* SEQ_BUCKETS: num_entries + 1; DECODER: 1 */
  const int32_t *input_seq_dims;  /* SEQ_BUCKETS: one per primary input */
  const int32_t *output_seq_dims; /* SEQ_BUCKETS: one per primary output */
  /* CPU features the kernels need from the OS (ATTUNE_ABI_FEATURE_*);
     attune_model_load requests them. Zero-initialized = none. */
  uint32_t features;
  /* Instruction-set extensions the code was compiled for (ATTUNE_ABI_ISA_*,
     the target's, whether or not the kernels use each): attune_model_load
     refuses a CPU that lacks one, with their names, instead of dying of
     SIGILL in the first kernel. Zero-initialized = none checked. */
  uint64_t isa;
} attune_abi_model;

/* attune_abi_model.features: the kernels use AMX tiles, so the process needs
   the OS's permission for AMX state (arch_prctl ARCH_REQ_XCOMP_PERM). */
#define ATTUNE_ABI_FEATURE_AMX 1u

/* attune_abi_model.isa bits; the names are LLVM's / Linux's (cpu.c keeps
   the table of names and CPUID bits). */
#define ATTUNE_ABI_ISA_AVX (1ull << 0)
#define ATTUNE_ABI_ISA_AVX2 (1ull << 1)
#define ATTUNE_ABI_ISA_FMA (1ull << 2)
#define ATTUNE_ABI_ISA_F16C (1ull << 3)
#define ATTUNE_ABI_ISA_BMI (1ull << 4)
#define ATTUNE_ABI_ISA_BMI2 (1ull << 5)
#define ATTUNE_ABI_ISA_LZCNT (1ull << 6)
#define ATTUNE_ABI_ISA_MOVBE (1ull << 7)
#define ATTUNE_ABI_ISA_AVX512F (1ull << 8)
#define ATTUNE_ABI_ISA_AVX512BW (1ull << 9)
#define ATTUNE_ABI_ISA_AVX512CD (1ull << 10)
#define ATTUNE_ABI_ISA_AVX512DQ (1ull << 11)
#define ATTUNE_ABI_ISA_AVX512VL (1ull << 12)
#define ATTUNE_ABI_ISA_AVX512BF16 (1ull << 13)
#define ATTUNE_ABI_ISA_AVX512VNNI (1ull << 14)
#define ATTUNE_ABI_ISA_AVX512VBMI (1ull << 15)
#define ATTUNE_ABI_ISA_AVX512VBMI2 (1ull << 16)
#define ATTUNE_ABI_ISA_AVX512BITALG (1ull << 17)
#define ATTUNE_ABI_ISA_AVX512VPOPCNTDQ (1ull << 18)
#define ATTUNE_ABI_ISA_AVX512IFMA (1ull << 19)
#define ATTUNE_ABI_ISA_AVX512FP16 (1ull << 20)
#define ATTUNE_ABI_ISA_AMX_TILE (1ull << 21)
#define ATTUNE_ABI_ISA_AMX_BF16 (1ull << 22)
#define ATTUNE_ABI_ISA_GFNI (1ull << 23)
#define ATTUNE_ABI_ISA_VAES (1ull << 24)
#define ATTUNE_ABI_ISA_VPCLMULQDQ (1ull << 25)
#define ATTUNE_ABI_ISA_COUNT 26
/* Their names, in bit order: LLVM's feature names (the compiler asks LLVM's
   subtarget for each, runtime/src/cpu.c reports them), uppercased with '-'
   as '_' after ATTUNE_ABI_ISA_ above. */
#define ATTUNE_ABI_ISA_NAMES                                                         \
  "avx", "avx2", "fma", "f16c", "bmi", "bmi2", "lzcnt", "movbe", "avx512f", "avx512bw",   \
      "avx512cd", "avx512dq", "avx512vl", "avx512bf16", "avx512vnni", "avx512vbmi",       \
      "avx512vbmi2", "avx512bitalg", "avx512vpopcntdq", "avx512ifma", "avx512fp16",       \
      "amx-tile", "amx-bf16", "gfni", "vaes", "vpclmulqdq"

/* Defined by the generated C file of each compiled library. */
extern const attune_abi_model attune_generated_model;

/* Runtime services called by generated code. */
void attune_rt_parallel_for(attune_rt_task_fn fn, void *ctx, int64_t n);
void *attune_rt_alloc(int64_t nbytes);
void attune_rt_free(void *p);

#ifdef __cplusplus
}
#endif
#endif /* ATTUNE_ABI_H */
