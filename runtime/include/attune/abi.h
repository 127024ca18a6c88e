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
 *===----------------------------------------------------------------------===*/
#ifndef ATTUNE_ABI_H
#define ATTUNE_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ATTUNE_ABI_VERSION 1
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
} attune_abi_model;

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
