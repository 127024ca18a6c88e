/*===- tests/unit/runtime/fake_multi.c - Fake multi-entry libraries --------===*
 *
 * Stand-ins for generated code with several entries (ABI 2), compiled twice:
 *
 * FAKE_KIND=1 (sequence buckets 4 and 8): inputs ids, mask i64 [2, S]
 *   (sequence dim 1); outputs y f32 [2, S, 3] = ids * w[k] (w = {1, 2, 3},
 *   weight 0), total f32 [2] = sum over s of ids * mask, bucket f32 [1] = S
 *   of the entry that ran (so tests see the dispatch).
 *
 * FAKE_KIND=2 (decoder; layers 2, width 2, prefill 3, capacity 6, vocab 4):
 *   keys of token t at layer l, dim e: ids[t] * 10 + l + e / 2; values =
 *   keys + 100. Logits after a token: (sum of all ids so far) * (v + 1). The
 *   decode step recomputes that sum from the cache it is given (past keys
 *   of the rows past_mask selects) and adds 1000 * (position - rows) and the
 *   values' deviation from keys + 100: both 0 when the runtime manages the
 *   cache correctly.
 *===----------------------------------------------------------------------===*/
#include "attune/abi.h"
#include "attune/runtime.h"

#include <stdint.h>

static const float fake_w[16] __attribute__((aligned(64))) = {1, 2, 3};
static const attune_abi_weight fake_weights[] = {{"w", 0, 12}};

#if FAKE_KIND == 1

static void run_bucket(void **a, int64_t S) {
  const float *w = a[0];
  const int64_t *ids = a[1], *mask = a[2];
  float *y = a[3], *total = a[4], *bucket = a[5];
  for (int64_t b = 0; b < 2; b++) {
    total[b] = 0;
    for (int64_t s = 0; s < S; s++) {
      for (int k = 0; k < 3; k++)
        y[(b * S + s) * 3 + k] = (float)ids[b * S + s] * w[k];
      total[b] += (float)(ids[b * S + s] * mask[b * S + s]);
    }
  }
  bucket[0] = (float)S;
}
static void entry8(void **a) { run_bucket(a, 8); }
static void entry4(void **a) { run_bucket(a, 4); }

static const attune_abi_tensor in8[] = {{"ids", ATTUNE_I64, 2, {2, 8}, 10},
                                        {"mask", ATTUNE_I64, 2, {2, 8}, -1}};
static const attune_abi_tensor out8[] = {{"y", ATTUNE_F32, 3, {2, 8, 3}, -1},
                                         {"total", ATTUNE_F32, 1, {2}, -1},
                                         {"bucket", ATTUNE_F32, 1, {1}, -1}};
static const attune_abi_tensor in4[] = {{"ids", ATTUNE_I64, 2, {2, 4}, 10},
                                        {"mask", ATTUNE_I64, 2, {2, 4}, -1}};
static const attune_abi_tensor out4[] = {{"y", ATTUNE_F32, 3, {2, 4, 3}, -1},
                                         {"total", ATTUNE_F32, 1, {2}, -1},
                                         {"bucket", ATTUNE_F32, 1, {1}, -1}};
static const uint32_t w4[] = {0};
static const attune_abi_entry entries[] = {{"seq4", 2, in4, 3, out4, 1, w4, entry4}};
static const int64_t seq_lens[] = {4, 8};
static const int32_t in_dims[] = {1, 1};
static const int32_t out_dims[] = {1, -1, -1};

const attune_abi_model attune_generated_model = {
    ATTUNE_ABI_VERSION, "fake_buckets", 0, 2, in8, 3, out8, 1, fake_weights, 64,
    {0xb1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    (const uint8_t *)fake_w, entry8,
    ATTUNE_ABI_SEQ_BUCKETS, 1, entries, seq_lens, in_dims, out_dims};

#else

#define L 2
#define E 2
#define S 3
#define C 6
#define V 4

static float key_of(int64_t id, int l, int e) { return (float)id * 10 + (float)l + (float)e / 2; }

static void prefill(void **a) {
  const int64_t *ids = a[1], *mask = a[2];
  float *logits = a[3], *keys = a[4], *values = a[5];
  float sum = 0;
  for (int s = 0; s < S; s++) {
    if (mask[s])
      sum += (float)ids[s];
    for (int v = 0; v < V; v++)
      logits[s * V + v] = sum * (float)(v + 1);
    for (int l = 0; l < L; l++)
      for (int e = 0; e < E; e++) {
        keys[(l * S + s) * E + e] = key_of(ids[s], l, e);
        values[(l * S + s) * E + e] = key_of(ids[s], l, e) + 100;
      }
  }
}

static void decode(void **a) {
  const int64_t *id = a[1], *pos = a[2], *mask = a[5];
  const float *pk = a[3], *pv = a[4];
  float *logits = a[6], *keys = a[7], *values = a[8];
  float sum = (float)id[0], dev = 0;
  int64_t rows = 0;
  for (int j = 0; j < C; j++) {
    if (!mask[j])
      continue;
    rows++;
    sum += (pk[j * E] - 0.0f) / 10; /* layer 0, e 0: id * 10 */
    for (int l = 0; l < L; l++)
      for (int e = 0; e < E; e++) {
        float k = pk[(l * C + j) * E + e], v = pv[(l * C + j) * E + e];
        dev += (v - k - 100) * (v - k - 100);
        dev += (k - key_of((int64_t)(pk[j * E] / 10), l, e)) * (k - key_of((int64_t)(pk[j * E] / 10), l, e));
      }
  }
  if (!mask[C])
    dev += 1e6f; /* the new token must always attend to itself */
  for (int v = 0; v < V; v++)
    logits[v] = sum * (float)(v + 1) + 1000.0f * (float)(pos[0] - rows) + dev;
  for (int l = 0; l < L; l++)
    for (int e = 0; e < E; e++) {
      keys[l * E + e] = key_of(id[0], l, e);
      values[l * E + e] = key_of(id[0], l, e) + 100;
    }
}

static const attune_abi_tensor pin[] = {{"input_ids", ATTUNE_I64, 2, {1, S}, V},
                                        {"attention_mask", ATTUNE_I64, 2, {1, S}, -1}};
static const attune_abi_tensor pout[] = {{"logits", ATTUNE_F32, 3, {1, S, V}, -1},
                                         {"present_keys", ATTUNE_F32, 4, {L, 1, S, E}, -1},
                                         {"present_values", ATTUNE_F32, 4, {L, 1, S, E}, -1}};
static const attune_abi_tensor din[] = {{"input_ids", ATTUNE_I64, 2, {1, 1}, V},
                                        {"position_ids", ATTUNE_I64, 2, {1, 1}, C},
                                        {"past_keys", ATTUNE_F32, 4, {L, 1, C, E}, -1},
                                        {"past_values", ATTUNE_F32, 4, {L, 1, C, E}, -1},
                                        {"past_mask", ATTUNE_I64, 2, {1, C + 1}, -1}};
static const attune_abi_tensor dout[] = {{"logits", ATTUNE_F32, 3, {1, 1, V}, -1},
                                         {"keys", ATTUNE_F32, 4, {L, 1, 1, E}, -1},
                                         {"values", ATTUNE_F32, 4, {L, 1, 1, E}, -1}};
static const uint32_t dw[] = {0};
static const attune_abi_entry entries[] = {{"decode", 5, din, 3, dout, 1, dw, decode}};
static const int64_t seq_lens[] = {C};

const attune_abi_model attune_generated_model = {
    ATTUNE_ABI_VERSION, "fake_decoder", 0, 2, pin, 3, pout, 1, fake_weights, 64,
    {0xd1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    (const uint8_t *)fake_w, prefill,
    ATTUNE_ABI_DECODER, 1, entries, seq_lens, 0, 0};

#endif
