/*===- runtime/src/model.c - Public API: load, run, describe, free ---------===*
 *
 * The attune_model_* functions of runtime.h over the metadata that the
 * generated C file provides in attune_generated_model. Loading checks the
 * ABI version and the weight table, opens the weights (weights.c) and
 * resolves one pointer per weight; running validates the arguments
 * (validate.c) and calls the generated entry with
 *   args = [weight pointers..., input data..., output data...].
 * Libraries with sequence-length buckets (ABI 2, abi.h) validate against the
 * largest bucket with the sequence dims free, run the smallest bucket that
 * holds the given length, and pad/unpad through scratch copies.
 * A loaded model is immutable, so runs on one model may happen concurrently.
 *===----------------------------------------------------------------------===*/
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static attune_status check_metadata(const attune_abi_model *abi) {
  if (abi->abi_version != ATTUNE_ABI_VERSION)
    return attune_rt_fail(ATTUNE_ERR_MISMATCH,
                          "library was generated for runtime ABI %u, this runtime implements "
                          "ABI %d", abi->abi_version, ATTUNE_ABI_VERSION);
  if (!abi->entry)
    return attune_rt_fail(ATTUNE_ERR_INTERNAL, "library has no entry point");
  for (uint32_t i = 0; i < abi->num_inputs + abi->num_outputs; i++) {
    const attune_abi_tensor *t =
        i < abi->num_inputs ? &abi->inputs[i] : &abi->outputs[i - abi->num_inputs];
    if (!t->name || t->rank < 0 || t->rank > ATTUNE_MAX_RANK || !attune_rt_dtype_size(t->dtype))
      return attune_rt_fail(ATTUNE_ERR_INTERNAL, "library metadata: bad tensor %u", i);
  }
  if (abi->kind > ATTUNE_ABI_DECODER || (abi->num_entries && !abi->entries) ||
      (abi->kind != ATTUNE_ABI_PLAIN && !abi->seq_lens) ||
      (abi->kind == ATTUNE_ABI_SEQ_BUCKETS && (!abi->input_seq_dims || !abi->output_seq_dims)) ||
      (abi->kind == ATTUNE_ABI_DECODER && abi->num_entries != 1))
    return attune_rt_fail(ATTUNE_ERR_INTERNAL, "library metadata: bad entry table");
  for (uint32_t e = 0; e < abi->num_entries; e++) {
    const attune_abi_entry *en = &abi->entries[e];
    if (!en->entry || (en->num_weights && !en->weights))
      return attune_rt_fail(ATTUNE_ERR_INTERNAL, "library metadata: bad entry %u", e);
    for (uint32_t w = 0; w < en->num_weights; w++)
      if (en->weights[w] >= abi->num_weights)
        return attune_rt_fail(ATTUNE_ERR_INTERNAL, "library metadata: entry %u weight %u", e, w);
    for (uint32_t i = 0; i < en->num_inputs + en->num_outputs; i++) {
      const attune_abi_tensor *t =
          i < en->num_inputs ? &en->inputs[i] : &en->outputs[i - en->num_inputs];
      if (!t->name || t->rank < 0 || t->rank > ATTUNE_MAX_RANK ||
          !attune_rt_dtype_size(t->dtype))
        return attune_rt_fail(ATTUNE_ERR_INTERNAL, "library metadata: entry %u: bad tensor %u",
                              e, i);
    }
    if (abi->kind == ATTUNE_ABI_SEQ_BUCKETS &&
        (en->num_inputs != abi->num_inputs || en->num_outputs != abi->num_outputs))
      return attune_rt_fail(ATTUNE_ERR_INTERNAL, "library metadata: bucket %u signature", e);
  }
  for (uint32_t i = 0; i < abi->num_weights; i++) {
    const attune_abi_weight *w = &abi->weights[i];
    if (w->offset % ATTUNE_WEIGHTS_ALIGN != 0 || w->offset > abi->weights_nbytes ||
        w->nbytes > abi->weights_nbytes - w->offset)
      return attune_rt_fail(ATTUNE_ERR_INTERNAL,
                            "library metadata: weight '%s' lies outside the weights blob",
                            w->name ? w->name : "?");
  }
  return ATTUNE_OK;
}

ATTUNE_API attune_status attune_model_load(const char *weights_path, attune_model **out) {
  if (!out)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "attune_model_load: out is NULL");
  *out = NULL;
  const attune_abi_model *abi = &attune_generated_model;
  attune_status st = check_metadata(abi);
  if (st != ATTUNE_OK)
    return st;
  st = attune_rt_check_isa(abi->isa, attune_rt_host_isa()); /* the target's ISA (cpu.c) */
  if (st != ATTUNE_OK)
    return st;
  st = attune_rt_require_features(abi->features); /* AMX permission (cpu.c) */
  if (st != ATTUNE_OK)
    return st;
  attune_model *m = calloc(1, sizeof *m);
  if (!m)
    return attune_rt_fail(ATTUNE_ERR_OUT_OF_MEMORY, "out of memory loading the model");
  m->abi = abi;
  st = attune_rt_weights_open(abi, weights_path, &m->weights);
  if (st != ATTUNE_OK) {
    free(m);
    return st;
  }
  if (abi->num_weights) {
    m->weight_ptrs = malloc(abi->num_weights * sizeof(void *));
    if (!m->weight_ptrs)
      goto oom;
    for (uint32_t i = 0; i < abi->num_weights; i++)
      m->weight_ptrs[i] = (void *)(m->weights.blob + abi->weights[i].offset);
  }
  if (!abi->signature_json && !(m->signature = attune_rt_signature_json(abi)))
    goto oom;
  *out = m;
  return ATTUNE_OK;
oom:
  attune_model_free(m);
  return attune_rt_fail(ATTUNE_ERR_OUT_OF_MEMORY, "out of memory loading the model");
}

ATTUNE_API void attune_model_free(attune_model *m) {
  if (!m)
    return;
  attune_rt_weights_close(&m->weights);
  free(m->weight_ptrs);
  free(m->signature);
  free(m);
}

attune_status attune_rt_call_entry(attune_model *m, const attune_abi_entry *entry,
                                   const attune_tensor *in, const attune_tensor *out) {
  const attune_abi_model *abi = m->abi;
  uint32_t nw = entry ? entry->num_weights : abi->num_weights;
  uint32_t n_in = entry ? entry->num_inputs : abi->num_inputs;
  uint32_t n_out = entry ? entry->num_outputs : abi->num_outputs;
  size_t nargs = (size_t)nw + n_in + n_out;
  void *small[64];
  void **args = nargs <= 64 ? small : malloc(nargs * sizeof(void *));
  if (!args)
    return attune_rt_fail(ATTUNE_ERR_OUT_OF_MEMORY, "out of memory running the model");
  size_t k = 0;
  for (uint32_t i = 0; i < nw; i++)
    args[k++] = m->weight_ptrs[entry ? entry->weights[i] : i];
  for (size_t i = 0; i < n_in; i++)
    args[k++] = in[i].data;
  for (size_t i = 0; i < n_out; i++)
    args[k++] = out[i].data;
  (entry ? entry->entry : abi->entry)(args);
  if (args != small)
    free(args);
  return ATTUNE_OK;
}

static size_t numel_of(const attune_tensor *t) {
  size_t n = 1;
  for (int32_t d = 0; d < t->rank; d++)
    n *= (size_t)t->shape[d];
  return n;
}

/* Copies between a tensor with sequence length |len| and one with |bucket|
 * in dimension |dim| (everything else equal): outer x len x inner blocks. */
static void copy_seq(void *dst, const void *src, const attune_tensor *t, int32_t dim, int64_t len,
                     int64_t bucket, int to_bucket) {
  size_t esize = attune_rt_dtype_size((int32_t)t->dtype), outer = 1, inner = esize;
  for (int32_t d = 0; d < dim; d++)
    outer *= (size_t)t->shape[d];
  for (int32_t d = dim + 1; d < t->rank; d++)
    inner *= (size_t)t->shape[d];
  for (size_t o = 0; o < outer; o++) {
    size_t small_off = o * (size_t)len * inner, big_off = o * (size_t)bucket * inner;
    if (to_bucket)
      memcpy((char *)dst + big_off, (const char *)src + small_off, (size_t)len * inner);
    else
      memcpy((char *)dst + small_off, (const char *)src + big_off, (size_t)len * inner);
  }
}

static attune_status run_buckets(attune_model *m, const attune_tensor *in, size_t n_in,
                                 attune_tensor *out, size_t n_out) {
  const attune_abi_model *abi = m->abi;
  int64_t max_seq = abi->seq_lens[abi->num_entries], len = 0;
  attune_status st = attune_rt_validate_io(abi->inputs, abi->num_inputs, abi->outputs,
                                           abi->num_outputs, abi->input_seq_dims,
                                           abi->output_seq_dims, max_seq, in, n_in, out, n_out,
                                           &len);
  if (st != ATTUNE_OK)
    return st;
  uint32_t b = 0;
  while (b < abi->num_entries && (len == 0 || abi->seq_lens[b] < len))
    b++;
  const attune_abi_entry *entry = b < abi->num_entries ? &abi->entries[b] : NULL;
  int64_t bucket = abi->seq_lens[b];
  if (len == 0 || bucket == len)
    return attune_rt_call_entry(m, entry, in, out);

  /* Pad into scratch tensors of the bucket's shapes (zeros: pad token 0,
   * attention_mask 0), run, copy the first |len| rows of each output back. */
  size_t n = n_in + n_out;
  attune_tensor *padded = calloc(n, sizeof *padded);
  if (!padded)
    return attune_rt_fail(ATTUNE_ERR_OUT_OF_MEMORY, "out of memory padding the inputs");
  st = ATTUNE_OK;
  for (size_t i = 0; i < n && st == ATTUNE_OK; i++) {
    const attune_tensor *t = i < n_in ? &in[i] : &out[i - n_in];
    int32_t dim = i < n_in ? abi->input_seq_dims[i] : abi->output_seq_dims[i - n_in];
    padded[i] = *t;
    if (dim < 0)
      continue;
    padded[i].shape[dim] = bucket;
    size_t bytes = numel_of(&padded[i]) * attune_rt_dtype_size((int32_t)t->dtype);
    padded[i].data = calloc(1, bytes ? bytes : 1);
    if (!padded[i].data) {
      st = attune_rt_fail(ATTUNE_ERR_OUT_OF_MEMORY, "out of memory padding the inputs");
      break;
    }
    if (i < n_in)
      copy_seq(padded[i].data, t->data, t, dim, len, bucket, 1);
  }
  if (st == ATTUNE_OK)
    st = attune_rt_call_entry(m, entry, padded, padded + n_in);
  for (size_t i = 0; i < n; i++) {
    const attune_tensor *t = i < n_in ? &in[i] : &out[i - n_in];
    int32_t dim = i < n_in ? abi->input_seq_dims[i] : abi->output_seq_dims[i - n_in];
    if (dim < 0 || padded[i].data == t->data)
      continue;
    if (st == ATTUNE_OK && i >= n_in && padded[i].data)
      copy_seq(out[i - n_in].data, padded[i].data, t, dim, len, bucket, 0);
    free(padded[i].data);
  }
  free(padded);
  return st;
}

ATTUNE_API attune_status attune_model_run(attune_model *m, const attune_tensor *in, size_t n_in,
                                          attune_tensor *out, size_t n_out) {
  if (!m)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "attune_model_run: model is NULL");
  if (m->abi->kind == ATTUNE_ABI_SEQ_BUCKETS)
    return run_buckets(m, in, n_in, out, n_out);
  attune_status st = attune_rt_validate(m->abi, in, n_in, out, n_out);
  if (st != ATTUNE_OK)
    return st;
  return attune_rt_call_entry(m, NULL, in, out);
}

ATTUNE_API size_t attune_model_seq_lens(const attune_model *m, const int64_t **lens) {
  if (lens)
    *lens = NULL;
  if (!m || m->abi->kind != ATTUNE_ABI_SEQ_BUCKETS)
    return 0;
  if (lens)
    *lens = m->abi->seq_lens;
  return m->abi->num_entries + 1;
}

ATTUNE_API int32_t attune_model_seq_dim(const attune_model *m, int is_output, size_t i) {
  if (!m || m->abi->kind != ATTUNE_ABI_SEQ_BUCKETS)
    return -1;
  if (is_output)
    return i < m->abi->num_outputs ? m->abi->output_seq_dims[i] : -1;
  return i < m->abi->num_inputs ? m->abi->input_seq_dims[i] : -1;
}

ATTUNE_API const char *attune_model_signature(const attune_model *m) {
  if (!m) {
    attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "attune_model_signature: model is NULL");
    return "";
  }
  return m->signature ? m->signature : m->abi->signature_json;
}

ATTUNE_API attune_status attune_model_weights(const attune_model *m, const void **data,
                                              size_t *nbytes) {
  if (!m || !data || !nbytes)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT,
                          "attune_model_weights: model, data and nbytes must not be NULL");
  *data = m->weights.blob;
  *nbytes = (size_t)m->abi->weights_nbytes;
  return ATTUNE_OK;
}

ATTUNE_API size_t attune_model_num_inputs(const attune_model *m) {
  return m ? m->abi->num_inputs : 0;
}

ATTUNE_API size_t attune_model_num_outputs(const attune_model *m) {
  return m ? m->abi->num_outputs : 0;
}

static attune_status describe(const attune_model *m, size_t i, attune_tensor *desc, int input) {
  const char *kind = input ? "input" : "output";
  if (!m || !desc)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "attune_model_%s_info: %s is NULL", kind,
                          m ? "desc" : "model");
  uint32_t n = input ? m->abi->num_inputs : m->abi->num_outputs;
  if (i >= n)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT,
                          "%s index %zu out of range: the model has %u %ss", kind, i, n, kind);
  const attune_abi_tensor *t = input ? &m->abi->inputs[i] : &m->abi->outputs[i];
  memset(desc, 0, sizeof *desc);
  desc->name = t->name;
  desc->dtype = (attune_dtype)t->dtype;
  desc->rank = t->rank;
  for (int32_t d = 0; d < t->rank; d++)
    desc->shape[d] = t->shape[d];
  desc->data = NULL;
  return ATTUNE_OK;
}

ATTUNE_API attune_status attune_model_input_info(const attune_model *m, size_t i,
                                                 attune_tensor *desc) {
  return describe(m, i, desc, 1);
}

ATTUNE_API attune_status attune_model_output_info(const attune_model *m, size_t i,
                                                  attune_tensor *desc) {
  return describe(m, i, desc, 0);
}
