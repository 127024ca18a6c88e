/*===- tests/unit/runtime/fake_model.c - Stand-in for generated code -------===*
 *
 * Defines attune_generated_model the way `attune compile` would, for a tiny
 * model (see fake_model.h). Compiled twice: FAKE_EMBEDDED=1 embeds the
 * weights blob and provides signature_json; FAKE_EMBEDDED=0 reads a sidecar
 * and leaves signature_json NULL so the runtime generates it. FAKE_AMX=1
 * (with embedded weights) marks the library as holding AMX kernels. The entry runs
 * rows on the pool with attune_rt_parallel_for and, nested inside each row,
 * columns with a second (inline) attune_rt_parallel_for.
 *===----------------------------------------------------------------------===*/
#include "attune/abi.h"
#include "attune/runtime.h"
#include "fake_model.h"

typedef struct {
  const float *x, *w, *b;
  const int64_t *ids;
  float *y;
  int64_t row;
} fake_ctx;

static void fake_cols(void *p, int64_t begin, int64_t end) {
  const fake_ctx *c = p;
  for (int64_t j = begin; j < end; j++) {
    int64_t k = c->row * FAKE_COLS + j;
    c->y[k] = c->x[k] * c->w[j] + c->b[j] + (float)c->ids[c->row];
  }
}

static void fake_rows(void *p, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; i++) {
    fake_ctx c = *(const fake_ctx *)p;
    c.row = i;
    attune_rt_parallel_for(fake_cols, &c, FAKE_COLS); /* nested: inline */
  }
}

static void fake_entry(void **args) {
  fake_ctx c = {args[2], args[0], args[1], args[3], args[4], 0};
  attune_rt_parallel_for(fake_rows, &c, FAKE_ROWS);
}

static const attune_abi_tensor fake_inputs[] = {
    {"x", ATTUNE_F32, 2, {FAKE_ROWS, FAKE_COLS}, -1},
    {"ids", ATTUNE_I64, 1, {FAKE_ROWS}, FAKE_VOCAB},
};
static const attune_abi_tensor fake_outputs[] = {
    {"y", ATTUNE_F32, 2, {FAKE_ROWS, FAKE_COLS}, -1},
};
static const attune_abi_weight fake_weights[] = {{"w", 0, 64}, {"b", 64, 64}};

#if FAKE_EMBEDDED
#define FAKE_ROW16(F) F(0), F(1), F(2), F(3), F(4), F(5), F(6), F(7), \
                      F(8), F(9), F(10), F(11), F(12), F(13), F(14), F(15)
static const float fake_blob[2 * FAKE_COLS] __attribute__((aligned(64))) = {
    FAKE_ROW16(FAKE_W), FAKE_ROW16(FAKE_B)};
#define FAKE_NAME "fake_embedded"
#define FAKE_SIGNATURE "{\"model\": \"fake_embedded\", \"provided\": true}"
#define FAKE_BLOB ((const uint8_t *)fake_blob)
#else
#define FAKE_NAME "fake_sidecar"
#define FAKE_SIGNATURE 0
#define FAKE_BLOB 0
#endif

const attune_abi_model attune_generated_model = {
    ATTUNE_ABI_VERSION,
    FAKE_NAME,
    FAKE_SIGNATURE,
    2,
    fake_inputs,
    1,
    fake_outputs,
    2,
    fake_weights,
    FAKE_WEIGHTS_NBYTES,
    FAKE_WEIGHTS_ID_INIT,
    FAKE_BLOB,
    fake_entry,
#if defined(FAKE_AMX) && FAKE_AMX
    /* Marked as a library with AMX kernels (its entry has none, so it runs
       on any host once the runtime's AMX request succeeded). */
    0, 0, 0, 0, 0, 0, ATTUNE_ABI_FEATURE_AMX, 0,
#elif defined(FAKE_ISA) && FAKE_ISA
    /* Compiled for an instruction set no CPU has (bit 63 is no extension):
       attune_model_load must refuse it before any kernel runs. */
    0, 0, 0, 0, 0, 0, 0, 1ull << 63,
#endif
};
