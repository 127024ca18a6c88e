/*===- runtime/src/decoder.c - Incremental decoding with a KV cache --------===*
 *
 * attune_decoder_* over a library of kind ATTUNE_ABI_DECODER (abi.h):
 *   - the first tokens fed to a fresh decoder (up to the compiled sequence
 *     length S) run through the primary (prefill) entry, right-padded with
 *     attention_mask 0; causal attention keeps the real positions exact. The
 *     present keys/values of the real positions are copied into the cache.
 *   - every later token runs the "decode" entry: its own query against the
 *     cache [L, 1, C, H*D] plus itself, masked by past_mask (1 for the
 *     positions filled so far and for the new token). Its keys/values are
 *     appended to the cache.
 * The cache is plain memory owned by the decoder; entries are called
 * directly (the decoder builds every tensor itself and checks token ids
 * and capacity before touching any state).
 *===----------------------------------------------------------------------===*/
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  const attune_abi_tensor *specs;
  uint32_t n;
  attune_tensor *t; /* tensors with their own zeroed buffers */
} io_set;

struct attune_decoder {
  attune_model *m;
  const attune_abi_entry *dec;
  int64_t layers, capacity, width, prefill_len, vocab, max_id;
  size_t len;
  float *keys, *values; /* [layers][capacity][width] */
  io_set pin, pout, din, dout;
  int p_ids, p_mask, p_logits, p_keys, p_values;
  int d_ids, d_pos, d_pk, d_pv, d_mask, d_logits, d_keys, d_values;
};

static int find(const io_set *s, const char *name) {
  for (uint32_t i = 0; i < s->n; i++)
    if (strcmp(s->specs[i].name, name) == 0)
      return (int)i;
  return -1;
}

static void io_free(io_set *s) {
  if (!s->t)
    return;
  for (uint32_t i = 0; i < s->n; i++)
    free(s->t[i].data);
  free(s->t);
  s->t = NULL;
}

static int io_alloc(io_set *s, const attune_abi_tensor *specs, uint32_t n) {
  s->specs = specs;
  s->n = n;
  s->t = calloc(n ? n : 1, sizeof *s->t);
  if (!s->t)
    return 0;
  for (uint32_t i = 0; i < n; i++) {
    size_t numel = 1;
    for (int32_t d = 0; d < specs[i].rank; d++)
      numel *= (size_t)specs[i].shape[d];
    s->t[i].name = specs[i].name;
    s->t[i].dtype = (attune_dtype)specs[i].dtype;
    s->t[i].rank = specs[i].rank;
    memcpy(s->t[i].shape, specs[i].shape, sizeof s->t[i].shape);
    s->t[i].data = calloc(numel ? numel : 1, attune_rt_dtype_size(specs[i].dtype));
    if (!s->t[i].data)
      return 0;
  }
  return 1;
}

static int is_shape(const attune_abi_tensor *t, int32_t dtype, int32_t rank) {
  return t->dtype == dtype && t->rank == rank;
}

ATTUNE_API attune_status attune_decoder_create(attune_model *m, attune_decoder **out) {
  if (!out)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "attune_decoder_create: out is NULL");
  *out = NULL;
  if (!m)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "attune_decoder_create: model is NULL");
  const attune_abi_model *abi = m->abi;
  if (abi->kind != ATTUNE_ABI_DECODER)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT,
                          "model '%s' has no incremental decoding entry (compile a causal "
                          "decoder such as GPT-2 at batch 1)", abi->model_name);
  attune_decoder *d = calloc(1, sizeof *d);
  if (!d)
    return attune_rt_fail(ATTUNE_ERR_OUT_OF_MEMORY, "out of memory creating a decoder");
  d->m = m;
  d->dec = &abi->entries[0];
  if (!io_alloc(&d->pin, abi->inputs, abi->num_inputs) ||
      !io_alloc(&d->pout, abi->outputs, abi->num_outputs) ||
      !io_alloc(&d->din, d->dec->inputs, d->dec->num_inputs) ||
      !io_alloc(&d->dout, d->dec->outputs, d->dec->num_outputs)) {
    attune_decoder_free(d);
    return attune_rt_fail(ATTUNE_ERR_OUT_OF_MEMORY, "out of memory creating a decoder");
  }
  d->p_ids = find(&d->pin, "input_ids");
  d->p_mask = find(&d->pin, "attention_mask");
  d->p_logits = find(&d->pout, "logits");
  d->p_keys = find(&d->pout, "present_keys");
  d->p_values = find(&d->pout, "present_values");
  d->d_ids = find(&d->din, "input_ids");
  d->d_pos = find(&d->din, "position_ids");
  d->d_pk = find(&d->din, "past_keys");
  d->d_pv = find(&d->din, "past_values");
  d->d_mask = find(&d->din, "past_mask");
  d->d_logits = find(&d->dout, "logits");
  d->d_keys = find(&d->dout, "keys");
  d->d_values = find(&d->dout, "values");
  int ok = d->p_ids >= 0 && d->p_logits >= 0 && d->p_keys >= 0 && d->p_values >= 0 &&
           d->d_ids >= 0 && d->d_pos >= 0 && d->d_pk >= 0 && d->d_pv >= 0 && d->d_mask >= 0 &&
           d->d_logits >= 0 && d->d_keys >= 0 && d->d_values >= 0;
  if (ok) {
    const attune_abi_tensor *pk = &d->din.specs[d->d_pk], *ids = &d->pin.specs[d->p_ids],
                            *lg = &d->dout.specs[d->d_logits];
    ok = is_shape(pk, ATTUNE_F32, 4) && is_shape(ids, ATTUNE_I64, 2) &&
         is_shape(lg, ATTUNE_F32, 3) && ids->shape[0] == 1;
    if (ok) {
      d->layers = pk->shape[0];
      d->capacity = pk->shape[2];
      d->width = pk->shape[3];
      d->prefill_len = ids->shape[1];
      d->vocab = lg->shape[2];
      d->max_id = ids->max_value >= 0 ? ids->max_value : d->vocab;
      ok = d->capacity >= d->prefill_len && abi->seq_lens[0] == d->capacity &&
           is_shape(&d->din.specs[d->d_mask], ATTUNE_I64, 2) &&
           d->din.specs[d->d_mask].shape[1] == d->capacity + 1;
    }
  }
  if (!ok) {
    attune_decoder_free(d);
    return attune_rt_fail(ATTUNE_ERR_INTERNAL, "library metadata: malformed decoder entries");
  }
  /* The decode entry reads the cache in place: its past_keys/values buffers
   * are the cache. */
  d->keys = d->din.t[d->d_pk].data;
  d->values = d->din.t[d->d_pv].data;

  *out = d;
  return ATTUNE_OK;
}

ATTUNE_API void attune_decoder_free(attune_decoder *d) {
  if (!d)
    return;
  io_free(&d->pin);
  io_free(&d->pout);
  io_free(&d->din);
  io_free(&d->dout);
  free(d);
}

ATTUNE_API void attune_decoder_reset(attune_decoder *d) {
  if (d)
    d->len = 0;
}

ATTUNE_API size_t attune_decoder_length(const attune_decoder *d) { return d ? d->len : 0; }
ATTUNE_API size_t attune_decoder_capacity(const attune_decoder *d) {
  return d ? (size_t)d->capacity : 0;
}
ATTUNE_API size_t attune_decoder_vocab_size(const attune_decoder *d) {
  return d ? (size_t)d->vocab : 0;
}

/* Copies |rows| rows of width W per layer from a [L, 1, src_rows, W] tensor
 * (starting at row 0) into the cache at row |at|. */
static void append_rows(float *cache, const float *src, int64_t layers, int64_t capacity,
                        int64_t width, int64_t src_rows, size_t at, size_t rows) {
  for (int64_t l = 0; l < layers; l++)
    memcpy(cache + ((size_t)l * (size_t)capacity + at) * (size_t)width,
           src + (size_t)l * (size_t)src_rows * (size_t)width, rows * (size_t)width * sizeof(float));
}

ATTUNE_API attune_status attune_decoder_feed(attune_decoder *d, const int64_t *ids, size_t n,
                                             float *logits) {
  if (!d || !ids)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "attune_decoder_feed: %s is NULL",
                          d ? "ids" : "decoder");
  if (n == 0)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "attune_decoder_feed: no tokens");
  if (n > (size_t)d->capacity - d->len)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT,
                          "the decoder holds %zu of at most %lld tokens: %zu more exceed the "
                          "compiled context length", d->len, (long long)d->capacity, n);
  for (size_t i = 0; i < n; i++)
    if (ids[i] < 0 || ids[i] >= d->max_id)
      return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT,
                            "token %zu has id %lld, expected a value in [0,%lld)", i,
                            (long long)ids[i], (long long)d->max_id);
  attune_status st;
  size_t done = 0;
  const float *last = NULL;
  if (d->len == 0 && n > 1) {
    size_t p = n < (size_t)d->prefill_len ? n : (size_t)d->prefill_len;
    int64_t *pid = d->pin.t[d->p_ids].data;
    for (int64_t i = 0; i < d->prefill_len; i++)
      pid[i] = (size_t)i < p ? ids[i] : 0;
    if (d->p_mask >= 0) {
      int64_t *pm = d->pin.t[d->p_mask].data;
      for (int64_t i = 0; i < d->prefill_len; i++)
        pm[i] = (size_t)i < p;
    }
    if ((st = attune_rt_call_entry(d->m, NULL, d->pin.t, d->pout.t)) != ATTUNE_OK)
      return st;
    append_rows(d->keys, d->pout.t[d->p_keys].data, d->layers, d->capacity, d->width,
                d->prefill_len, 0, p);
    append_rows(d->values, d->pout.t[d->p_values].data, d->layers, d->capacity, d->width,
                d->prefill_len, 0, p);
    d->len = p;
    done = p;
    last = (const float *)d->pout.t[d->p_logits].data + (p - 1) * (size_t)d->vocab;
  }
  int64_t *mask = d->din.t[d->d_mask].data;
  for (; done < n; done++) {
    *(int64_t *)d->din.t[d->d_ids].data = ids[done];
    *(int64_t *)d->din.t[d->d_pos].data = (int64_t)d->len;
    for (int64_t j = 0; j < d->capacity; j++)
      mask[j] = (size_t)j < d->len;
    mask[d->capacity] = 1;
    if ((st = attune_rt_call_entry(d->m, d->dec, d->din.t, d->dout.t)) != ATTUNE_OK)
      return st;
    append_rows(d->keys, d->dout.t[d->d_keys].data, d->layers, d->capacity, d->width, 1,
                d->len, 1);
    append_rows(d->values, d->dout.t[d->d_values].data, d->layers, d->capacity, d->width, 1,
                d->len, 1);
    d->len++;
    last = d->dout.t[d->d_logits].data;
  }
  if (logits)
    memcpy(logits, last, (size_t)d->vocab * sizeof(float));
  return ATTUNE_OK;
}
