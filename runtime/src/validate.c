/*===- runtime/src/validate.c - Checking the arguments of a run ------------===*
 *
 * Validates the tensors passed to attune_model_run against the signature in
 * attune_generated_model before any kernel touches them: array pointers,
 * input/output counts, names (when given), dtypes, ranks and every dim, data
 * pointers, and for integer inputs with max_value >= 0 that every element
 * lies in [0, max_value) (token ids < vocab size). Messages name the tensor
 * and say what was expected and what was found, e.g.
 *   input 'input_ids': expected shape [1,128], found [1,129]
 *===----------------------------------------------------------------------===*/
#include "internal.h"

#include <stdio.h>
#include <string.h>

static void format_shape(char *buf, size_t cap, const int64_t *shape, int32_t rank) {
  size_t len = 0;
  buf[0] = '\0';
  len += (size_t)snprintf(buf, cap, "[");
  for (int32_t d = 0; d < rank && len < cap; d++)
    len += (size_t)snprintf(buf + len, cap - len, d ? ",%lld" : "%lld", (long long)shape[d]);
  if (len < cap)
    snprintf(buf + len, cap - len, "]");
}

/* Shape check; dimension |seq_dim| (-1: none) may be any value in
 * [1, max_seq] but must equal *seq_len once that is set (> 0). */
static attune_status check_tensor(const char *kind, size_t i, const attune_abi_tensor *spec,
                                  const attune_tensor *t, int32_t seq_dim, int64_t max_seq,
                                  int64_t *seq_len) {
  if (t->name && strcmp(t->name, spec->name) != 0)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "%s %zu: expected name '%s', found '%s'",
                          kind, i, spec->name, t->name);
  if ((int32_t)t->dtype != spec->dtype)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "%s '%s': expected dtype %s, found %s",
                          kind, spec->name, attune_rt_dtype_name(spec->dtype),
                          attune_rt_dtype_name((int32_t)t->dtype));
  char want[200], found[200];
  format_shape(want, sizeof want, spec->shape, spec->rank);
  if (t->rank < 0 || t->rank > ATTUNE_MAX_RANK)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT,
                          "%s '%s': expected shape %s, found invalid rank %d", kind, spec->name,
                          want, (int)t->rank);
  int ok = t->rank == spec->rank;
  for (int32_t d = 0; ok && d < t->rank; d++)
    if (d != seq_dim && t->shape[d] != spec->shape[d])
      ok = 0;
  if (!ok) {
    format_shape(found, sizeof found, t->shape, t->rank);
    if (seq_dim >= 0)
      return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT,
                            "%s '%s': expected shape %s (dimension %d: any sequence length up "
                            "to %lld), found %s", kind, spec->name, want, (int)seq_dim,
                            (long long)max_seq, found);
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "%s '%s': expected shape %s, found %s",
                          kind, spec->name, want, found);
  }
  if (seq_dim >= 0) {
    int64_t len = t->shape[seq_dim];
    if (len < 1 || len > max_seq)
      return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT,
                            "%s '%s': sequence length %lld (dimension %d) is outside [1, %lld], "
                            "the compiled maximum", kind, spec->name, (long long)len,
                            (int)seq_dim, (long long)max_seq);
    if (*seq_len > 0 && len != *seq_len)
      return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT,
                            "%s '%s': sequence length %lld differs from the %lld of the "
                            "tensors before it", kind, spec->name, (long long)len,
                            (long long)*seq_len);
    *seq_len = len;
  }
  if (!t->data)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "%s '%s': data pointer is NULL", kind,
                          spec->name);
  return ATTUNE_OK;
}

static attune_status check_range(const attune_abi_tensor *spec, const attune_tensor *t) {
  int64_t numel = 1;
  for (int32_t d = 0; d < t->rank; d++)
    numel *= t->shape[d];
  for (int64_t k = 0; k < numel; k++) {
    int64_t v = spec->dtype == ATTUNE_I64 ? ((const int64_t *)t->data)[k]
                                          : (int64_t)((const int32_t *)t->data)[k];
    if (v < 0 || v >= spec->max_value)
      return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT,
                            "input '%s': element %lld has value %lld, expected a value in "
                            "[0,%lld)", spec->name, (long long)k, (long long)v,
                            (long long)spec->max_value);
  }
  return ATTUNE_OK;
}

attune_status attune_rt_validate_io(const attune_abi_tensor *ins, uint32_t num_ins,
                                    const attune_abi_tensor *outs, uint32_t num_outs,
                                    const int32_t *in_seq_dims, const int32_t *out_seq_dims,
                                    int64_t max_seq, const attune_tensor *in, size_t n_in,
                                    const attune_tensor *out, size_t n_out, int64_t *seq_len) {
  int64_t len = 0;
  if (n_in && !in)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "input array is NULL");
  if (n_out && !out)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "output array is NULL");
  if (n_in != num_ins)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "expected %u inputs, found %zu", num_ins,
                          n_in);
  if (n_out != num_outs)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "expected %u outputs, found %zu",
                          num_outs, n_out);
  attune_status st;
  for (size_t i = 0; i < n_in; i++)
    if ((st = check_tensor("input", i, &ins[i], &in[i], in_seq_dims ? in_seq_dims[i] : -1,
                           max_seq, &len)) != ATTUNE_OK)
      return st;
  for (size_t i = 0; i < n_out; i++)
    if ((st = check_tensor("output", i, &outs[i], &out[i], out_seq_dims ? out_seq_dims[i] : -1,
                           max_seq, &len)) != ATTUNE_OK)
      return st;
  for (size_t i = 0; i < n_in; i++) {
    const attune_abi_tensor *spec = &ins[i];
    if (spec->max_value >= 0 && (spec->dtype == ATTUNE_I64 || spec->dtype == ATTUNE_I32) &&
        (st = check_range(spec, &in[i])) != ATTUNE_OK)
      return st;
  }
  if (seq_len)
    *seq_len = len;
  return ATTUNE_OK;
}

attune_status attune_rt_validate(const attune_abi_model *abi, const attune_tensor *in,
                                 size_t n_in, const attune_tensor *out, size_t n_out) {
  return attune_rt_validate_io(abi->inputs, abi->num_inputs, abi->outputs, abi->num_outputs, NULL,
                               NULL, 0, in, n_in, out, n_out, NULL);
}
