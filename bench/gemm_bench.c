/* gemm_bench.c - times one f32 GEMM, or one run of an Attune-compiled library.
 *
 *   gemm_bench openblas M N K ITERS          cblas_sgemm (OpenBLAS)
 *   gemm_bench dnnl     M N K ITERS          dnnl_sgemm  (oneDNN)
 *   gemm_bench attune   LIB.so ITERS THREADS [MAX_SECONDS]
 *
 * GEMM: C[M,N] = A[M,K] * B[N,K]^T, row-major, i.e. a PyTorch nn.Linear /
 * BERT projection (weights stored [out, in]), the layout Attune's
 * `matmul transpose_b` graph compiles. Threads: OPENBLAS_NUM_THREADS for
 * OpenBLAS, OMP_NUM_THREADS for oneDNN (Debian's libdnnl uses OpenMP); the
 * caller sets them. OPENBLAS_CORETYPE forces OpenBLAS's kernel.
 *
 * `attune` mode loads any Attune library with dlopen, fills its inputs
 * (f32: uniform [-1,1); i64/i32: ids in [0, 1000), `*mask*` all ones,
 * `*type*` zeros), runs it with attune_set_num_threads(THREADS), and times
 * attune_model_run. It is the fallback for `attune bench` and the timer of
 * the single-matmul libraries.
 *
 * Prints one JSON object on stdout: min/p50/mean ms over ITERS timed calls
 * after a warm-up (3 calls, or 1 for calls over 0.5 s), and the library
 * details (OpenBLAS core name, oneDNN version).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attune/runtime.h" /* only for the types; the library is dlopen'ed */

#ifdef WITH_OPENBLAS
#include <cblas.h>
extern char *openblas_get_corename(void);
extern char *openblas_get_config(void);
extern int openblas_get_num_threads(void);
#endif
#ifdef WITH_DNNL
#include <dnnl.h>
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}
static float frand(void) { return (float)((next() >> 40) * (1.0 / (1 << 24))) * 2.f - 1.f; }

typedef void (*call_fn)(void *ctx);

/* Times |fn|: warm-up, then up to |iters| calls (stopping early once
 * |maxSeconds| of timed calls have passed, after at least 3). */
static int timeit(call_fn fn, void *ctx, int iters, double maxSeconds, double *ms, int *n) {
  double t0 = now();
  fn(ctx);
  double first = now() - t0;
  int warm = first > 0.5 ? 0 : 2;
  for (int i = 0; i < warm; ++i)
    fn(ctx);
  double start = now();
  int k = 0;
  for (; k < iters; ++k) {
    double a = now();
    fn(ctx);
    ms[k] = (now() - a) * 1e3;
    if (maxSeconds > 0 && k >= 2 && now() - start > maxSeconds) {
      ++k;
      break;
    }
  }
  *n = k;
  return 0;
}

static void report(const char *lib, long M, long N, long K, double *ms, int n, const char *extra) {
  double mean = 0;
  for (int i = 0; i < n; ++i)
    mean += ms[i];
  mean /= n;
  qsort(ms, n, sizeof(double), cmp);
  double p50 = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
  printf("{\"lib\":\"%s\",\"M\":%ld,\"N\":%ld,\"K\":%ld,\"runs\":%d,\"min_ms\":%.4f,"
         "\"p50_ms\":%.4f,\"mean_ms\":%.4f",
         lib, M, N, K, n, ms[0], p50, mean);
  if (M > 0)
    printf(",\"gflops_p50\":%.2f", 2.0 * M * N * K / (p50 * 1e-3) * 1e-9);
  if (extra && *extra)
    printf(",%s", extra);
  printf(",\"times_ms\":[");
  for (int i = 0; i < n; ++i)
    printf(i ? ",%.4f" : "%.4f", ms[i]);
  printf("]}\n");
}

typedef struct {
  long M, N, K;
  float *A, *B, *C;
} gemm_ctx;

#ifdef WITH_OPENBLAS
static void call_openblas(void *p) {
  gemm_ctx *g = p;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, g->M, g->N, g->K, 1.f, g->A, g->K, g->B,
              g->K, 0.f, g->C, g->N);
}
#endif
#ifdef WITH_DNNL
static void call_dnnl(void *p) {
  gemm_ctx *g = p;
  /* dnnl_sgemm is row-major: C = A * B^T with B stored [N,K] -> transb 'T', ldb K. */
  if (dnnl_sgemm('N', 'T', g->M, g->N, g->K, 1.f, g->A, g->K, g->B, g->K, 0.f, g->C, g->N) !=
      dnnl_success) {
    fprintf(stderr, "dnnl_sgemm failed\n");
    exit(1);
  }
}
#endif

typedef struct {
  attune_status (*run)(attune_model *, const attune_tensor *, size_t, attune_tensor *, size_t);
  attune_model *m;
  attune_tensor *in, *out;
  size_t nin, nout;
} attune_ctx;

static void call_attune(void *p) {
  attune_ctx *a = p;
  if (a->run(a->m, a->in, a->nin, a->out, a->nout) != ATTUNE_OK) {
    fprintf(stderr, "attune_model_run failed\n");
    exit(1);
  }
}

static size_t elems(const attune_tensor *t) {
  size_t n = 1;
  for (int i = 0; i < t->rank; ++i)
    n *= (size_t)t->shape[i];
  return n;
}
static size_t dsize(attune_dtype d) {
  switch (d) {
  case ATTUNE_F32: case ATTUNE_I32: return 4;
  case ATTUNE_I64: return 8;
  case ATTUNE_F16: case ATTUNE_BF16: return 2;
  default: return 1;
  }
}

static int attune_main(const char *path, int iters, int threads, double maxSeconds) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
#define SYM(var, name)                                                                           \
  *(void **)(&var) = dlsym(h, name);                                                             \
  if (!var) {                                                                                    \
    fprintf(stderr, "missing symbol %s\n", name);                                                \
    return 1;                                                                                    \
  }
  attune_status (*load)(const char *, attune_model **);
  size_t (*nin)(const attune_model *), (*nout)(const attune_model *);
  attune_status (*iinfo)(const attune_model *, size_t, attune_tensor *);
  attune_status (*oinfo)(const attune_model *, size_t, attune_tensor *);
  attune_status (*setThreads)(int);
  const char *(*lastError)(void);
  attune_ctx a;
  SYM(load, "attune_model_load");
  SYM(nin, "attune_model_num_inputs");
  SYM(nout, "attune_model_num_outputs");
  SYM(iinfo, "attune_model_input_info");
  SYM(oinfo, "attune_model_output_info");
  SYM(setThreads, "attune_set_num_threads");
  SYM(lastError, "attune_last_error");
  SYM(a.run, "attune_model_run");
  setThreads(threads);
  if (load(NULL, &a.m) != ATTUNE_OK) {
    fprintf(stderr, "attune_model_load: %s\n", lastError());
    return 1;
  }
  a.nin = nin(a.m);
  a.nout = nout(a.m);
  a.in = calloc(a.nin, sizeof(attune_tensor));
  a.out = calloc(a.nout, sizeof(attune_tensor));
  long M = 0, N = 0, K = 0;
  for (size_t i = 0; i < a.nin; ++i) {
    attune_tensor *t = &a.in[i];
    iinfo(a.m, i, t);
    size_t n = elems(t);
    t->data = malloc(n * dsize(t->dtype) + 64);
    int isMask = t->name && strstr(t->name, "mask"), isType = t->name && strstr(t->name, "type");
    for (size_t e = 0; e < n; ++e) {
      long v = isMask ? 1 : isType ? 0 : (long)(next() % 1000);
      switch (t->dtype) {
      case ATTUNE_F32: ((float *)t->data)[e] = frand(); break;
      case ATTUNE_I64: ((int64_t *)t->data)[e] = v; break;
      case ATTUNE_I32: ((int32_t *)t->data)[e] = (int32_t)v; break;
      case ATTUNE_BOOL: ((uint8_t *)t->data)[e] = 1; break;
      default: memset(t->data, 0, n * dsize(t->dtype)); e = n; break;
      }
    }
    if (a.nin == 1 && t->rank == 2 && t->dtype == ATTUNE_F32) {
      M = t->shape[0];
      K = t->shape[1];
    }
  }
  for (size_t i = 0; i < a.nout; ++i) {
    attune_tensor *t = &a.out[i];
    oinfo(a.m, i, t);
    t->data = malloc(elems(t) * dsize(t->dtype) + 64);
    if (a.nout == 1 && t->rank == 2 && M)
      N = t->shape[1];
  }
  if (!N)
    M = K = 0;
  double *ms = malloc(sizeof(double) * (iters + 1));
  int n = 0;
  timeit(call_attune, &a, iters, maxSeconds, ms, &n);
  char extra[64];
  snprintf(extra, sizeof extra, "\"threads\":%d", threads);
  report("attune", M, N, K, ms, n, extra);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: gemm_bench openblas|dnnl M N K ITERS | attune LIB.so ITERS THREADS "
                    "[MAX_SECONDS]\n");
    return 2;
  }
  if (!strcmp(argv[1], "attune")) {
    if (argc < 5)
      return 2;
    return attune_main(argv[2], atoi(argv[3]), atoi(argv[4]), argc > 5 ? atof(argv[5]) : 0);
  }
  if (argc < 6)
    return 2;
  gemm_ctx g = {atol(argv[2]), atol(argv[3]), atol(argv[4]), 0, 0, 0};
  int iters = atoi(argv[5]);
  g.A = aligned_alloc(64, ((g.M * g.K * 4) + 63) / 64 * 64);
  g.B = aligned_alloc(64, ((g.N * g.K * 4) + 63) / 64 * 64);
  g.C = aligned_alloc(64, ((g.M * g.N * 4) + 63) / 64 * 64);
  for (long i = 0; i < g.M * g.K; ++i)
    g.A[i] = frand();
  for (long i = 0; i < g.N * g.K; ++i)
    g.B[i] = frand() * 0.05f;
  double *ms = malloc(sizeof(double) * (iters + 1));
  int n = 0;
  char extra[512] = "";
  if (!strcmp(argv[1], "openblas")) {
#ifdef WITH_OPENBLAS
    timeit(call_openblas, &g, iters, 0, ms, &n);
    snprintf(extra, sizeof extra, "\"core\":\"%s\",\"threads\":%d,\"config\":\"%s\"",
             openblas_get_corename(), openblas_get_num_threads(), openblas_get_config());
    report("openblas", g.M, g.N, g.K, ms, n, extra);
#else
    fprintf(stderr, "built without OpenBLAS\n");
    return 1;
#endif
  } else if (!strcmp(argv[1], "dnnl")) {
#ifdef WITH_DNNL
    timeit(call_dnnl, &g, iters, 0, ms, &n);
    const dnnl_version_t *v = dnnl_version();
    const char *omp = getenv("OMP_NUM_THREADS");
    snprintf(extra, sizeof extra, "\"version\":\"%d.%d.%d\",\"cpu_runtime\":%u,\"threads\":%s",
             v->major, v->minor, v->patch, v->cpu_runtime, omp ? omp : "null");
    report("dnnl", g.M, g.N, g.K, ms, n, extra);
#else
    fprintf(stderr, "built without oneDNN\n");
    return 1;
#endif
  } else {
    fprintf(stderr, "unknown mode %s\n", argv[1]);
    return 2;
  }
  return 0;
}
