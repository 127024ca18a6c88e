/*===- runtime/src/model.c - Public API: load, run, describe, free ---------===*
 *
 * The attune_model_* functions of runtime.h over the metadata that the
 * generated C file provides in attune_generated_model. Loading checks the
 * ABI version and the weight table, opens the weights (weights.c) and
 * resolves one pointer per weight; running validates the arguments
 * (validate.c) and calls the generated entry with
 *   args = [weight pointers..., input data..., output data...].
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

ATTUNE_API attune_status attune_model_run(attune_model *m, const attune_tensor *in, size_t n_in,
                                          attune_tensor *out, size_t n_out) {
  if (!m)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "attune_model_run: model is NULL");
  const attune_abi_model *abi = m->abi;
  attune_status st = attune_rt_validate(abi, in, n_in, out, n_out);
  if (st != ATTUNE_OK)
    return st;
  size_t nargs = (size_t)abi->num_weights + n_in + n_out;
  void *small[64];
  void **args = nargs <= 64 ? small : malloc(nargs * sizeof(void *));
  if (!args)
    return attune_rt_fail(ATTUNE_ERR_OUT_OF_MEMORY, "out of memory running the model");
  size_t k = 0;
  for (uint32_t i = 0; i < abi->num_weights; i++)
    args[k++] = m->weight_ptrs[i];
  for (size_t i = 0; i < n_in; i++)
    args[k++] = in[i].data;
  for (size_t i = 0; i < n_out; i++)
    args[k++] = out[i].data;
  abi->entry(args);
  if (args != small)
    free(args);
  return ATTUNE_OK;
}

ATTUNE_API const char *attune_model_signature(const attune_model *m) {
  if (!m) {
    attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT, "attune_model_signature: model is NULL");
    return "";
  }
  return m->signature ? m->signature : m->abi->signature_json;
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
