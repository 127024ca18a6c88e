/*===- runtime/src/signature.c - Signature JSON from the model metadata ----===*
 *
 * Builds {"model": name, "inputs": [{"name","dtype","shape"}...],
 * "outputs": [...]} from attune_generated_model, for libraries whose
 * generated code does not provide signature_json itself. Integer inputs
 * with a checked range also carry "max_value". Strings are JSON-escaped.
 *===----------------------------------------------------------------------===*/
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *data;
  size_t len, cap;
  int oom;
} strbuf;

static void sb_append(strbuf *b, const char *s, size_t n) {
  if (b->oom)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
      b->oom = 1;
      return;
    }
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static void sb_puts(strbuf *b, const char *s) { sb_append(b, s, strlen(s)); }

static void sb_printf(strbuf *b, const char *fmt, ...) ATTUNE_PRINTF(2, 3);
static void sb_printf(strbuf *b, const char *fmt, ...) {
  char tmp[64];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0)
    sb_append(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void sb_json_string(strbuf *b, const char *s) {
  sb_puts(b, "\"");
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\') {
      char esc[2] = {'\\', (char)*p};
      sb_append(b, esc, 2);
    } else if (*p < 0x20) {
      sb_printf(b, "\\u%04x", *p);
    } else {
      sb_append(b, (const char *)p, 1);
    }
  }
  sb_puts(b, "\"");
}

static void sb_tensors(strbuf *b, const attune_abi_tensor *t, uint32_t n, int is_input) {
  sb_puts(b, "[");
  for (uint32_t i = 0; i < n; i++) {
    sb_puts(b, i ? ", {\"name\": " : "{\"name\": ");
    sb_json_string(b, t[i].name);
    sb_printf(b, ", \"dtype\": \"%s\", \"shape\": [", attune_rt_dtype_name(t[i].dtype));
    for (int32_t d = 0; d < t[i].rank && d < ATTUNE_MAX_RANK; d++)
      sb_printf(b, d ? ", %lld" : "%lld", (long long)t[i].shape[d]);
    sb_puts(b, "]");
    if (is_input && t[i].max_value >= 0 &&
        (t[i].dtype == ATTUNE_I64 || t[i].dtype == ATTUNE_I32))
      sb_printf(b, ", \"max_value\": %lld", (long long)t[i].max_value);
    sb_puts(b, "}");
  }
  sb_puts(b, "]");
}

char *attune_rt_signature_json(const attune_abi_model *abi) {
  strbuf b = {0};
  sb_puts(&b, "{\"model\": ");
  sb_json_string(&b, abi->model_name);
  sb_puts(&b, ", \"inputs\": ");
  sb_tensors(&b, abi->inputs, abi->num_inputs, 1);
  sb_puts(&b, ", \"outputs\": ");
  sb_tensors(&b, abi->outputs, abi->num_outputs, 0);
  sb_puts(&b, "}");
  if (b.oom) {
    free(b.data);
    return NULL;
  }
  return b.data;
}
