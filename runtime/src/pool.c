/*===- runtime/src/pool.c - Thread pool and attune_rt_parallel_for ---------===*
 *
 * A work-sharing pool of pthreads, created lazily (pthread_once) and grown on
 * demand up to the configured thread count minus one (the caller is the
 * remaining thread). The count comes from attune_set_num_threads, else the
 * environment variable ATTUNE_NUM_THREADS, else the number of online CPUs.
 *
 * attune_rt_parallel_for splits [0,n) into chunks (at least one per thread
 * when n allows) and publishes a job whose atomic counter hands out chunk
 * indices. The CALLING thread always works on its own job and idle workers
 * join to help, so several threads running models at once never wait for
 * each other's work and never deadlock; a job finishes when its counter is
 * exhausted and every helper has left it. Calls from inside a task (nested
 * parallelism) run inline.
 *
 * Idle workers spin for a while (ATTUNE_SPIN_US, default 2000 us) before
 * they sleep on the condition variable: a model runs hundreds of parallel
 * loops of 0.1-1 ms back to back, and waking a sleeping thread (a futex wake,
 * an IPI under a hypervisor) took longer than the caller needed to finish
 * the whole loop alone, so the second thread never got a chunk. ATTUNE_SPIN_US=0
 * turns spinning off (shared machines that prefer CPU time over latency). A destructor joins the workers when the library
 * is unloaded, and a fork handler resets the pool in the child.
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include "internal.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ATTUNE_CPU_RELAX() _mm_pause()
#else
#define ATTUNE_CPU_RELAX() ((void)0)
#endif

#define ATTUNE_MAX_THREADS 1024
#define ATTUNE_CHUNKS_PER_THREAD 4

typedef struct attune_job {
  attune_rt_task_fn fn;
  void *ctx;
  int64_t n, chunk, nchunks;
  atomic_int_fast64_t next; /* next chunk index to hand out */
  int helpers;              /* workers inside the job (under g_pool.mu) */
  int max_helpers;
  pthread_cond_t done;      /* signalled when helpers drops to 0 */
  struct attune_job *link;
} attune_job;

static struct {
  pthread_mutex_t mu;
  pthread_cond_t work; /* a job was published, or shutdown */
  attune_job *jobs;    /* published jobs, newest first */
  pthread_t *workers;
  int nworkers, cap;
  int shutdown;
  int default_threads;
  int sleepers;        /* workers waiting on `work` */
  int64_t spin_ns;     /* how long an idle worker spins before sleeping */
} g_pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER};

static pthread_once_t g_pool_once = PTHREAD_ONCE_INIT;
static atomic_uint_fast64_t g_epoch; /* bumped whenever a job is published */
static atomic_int g_requested_threads; /* 0: not set by the API */
static __thread int t_in_task;         /* nested calls run inline */

static void run_chunks(attune_job *j) {
  for (;;) {
    int64_t c = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
    if (c >= j->nchunks)
      return;
    int64_t begin = c * j->chunk;
    int64_t end = j->n - begin < j->chunk ? j->n : begin + j->chunk;
    j->fn(j->ctx, begin, end);
  }
}

static attune_job *pick_job(void) {
  for (attune_job *j = g_pool.jobs; j; j = j->link)
    if (j->helpers < j->max_helpers &&
        atomic_load_explicit(&j->next, memory_order_relaxed) < j->nchunks)
      return j;
  return NULL;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Spins (without the lock) until a job is published after `seen` or the spin
 * time is up; returns whether one was. */
static int spin_for_work(uint_fast64_t seen) {
  if (g_pool.spin_ns <= 0)
    return 0;
  int64_t deadline = now_ns() + g_pool.spin_ns;
  for (unsigned i = 1;; i++) {
    if (atomic_load_explicit(&g_epoch, memory_order_acquire) != seen)
      return 1;
    ATTUNE_CPU_RELAX();
    if ((i & 255) == 0 && now_ns() > deadline)
      return 0;
  }
}

static void *worker_main(void *arg) {
  (void)arg;
  t_in_task = 1;
  pthread_mutex_lock(&g_pool.mu);
  while (!g_pool.shutdown) {
    attune_job *j = pick_job();
    if (!j) {
      uint_fast64_t seen = atomic_load_explicit(&g_epoch, memory_order_acquire);
      pthread_mutex_unlock(&g_pool.mu);
      int woke = spin_for_work(seen);
      pthread_mutex_lock(&g_pool.mu);
      if (woke || g_pool.shutdown || pick_job())
        continue;
      g_pool.sleepers++;
      pthread_cond_wait(&g_pool.work, &g_pool.mu);
      g_pool.sleepers--;
      continue;
    }
    j->helpers++;
    pthread_mutex_unlock(&g_pool.mu);
    run_chunks(j);
    pthread_mutex_lock(&g_pool.mu);
    if (--j->helpers == 0)
      pthread_cond_signal(&j->done);
  }
  pthread_mutex_unlock(&g_pool.mu);
  return NULL;
}

static int parse_threads(const char *s) {
  if (!s || !*s)
    return 0;
  char *end = NULL;
  long v = strtol(s, &end, 10);
  if (*end != '\0' || v < 1)
    return 0;
  return v > ATTUNE_MAX_THREADS ? ATTUNE_MAX_THREADS : (int)v;
}

static void pool_after_fork_child(void) {
  /* Only the forking thread exists in the child: forget the workers. */
  pthread_mutex_init(&g_pool.mu, NULL);
  pthread_cond_init(&g_pool.work, NULL);
  for (attune_job *j = g_pool.jobs; j; j = j->link)
    j->helpers = 0;
  g_pool.jobs = NULL;
  g_pool.nworkers = 0;
  g_pool.sleepers = 0;
}

static void pool_init(void) {
  int n = parse_threads(getenv("ATTUNE_NUM_THREADS"));
  if (n == 0) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    n = cpus < 1 ? 1 : cpus > ATTUNE_MAX_THREADS ? ATTUNE_MAX_THREADS : (int)cpus;
  }
  g_pool.default_threads = n;
  const char *spin = getenv("ATTUNE_SPIN_US");
  long us = 2000;
  if (spin && *spin) {
    char *end = NULL;
    long v = strtol(spin, &end, 10);
    if (*end == '\0' && v >= 0 && v <= 10000000)
      us = v;
  }
  g_pool.spin_ns = (int64_t)us * 1000;
  pthread_atfork(NULL, NULL, pool_after_fork_child);
}

/* Starts workers until there are |want|; called with g_pool.mu held. A
 * failure to start a thread is not an error: the caller does the work. */
static void ensure_workers(int want) {
  if (g_pool.nworkers >= want)
    return;
  if (want > g_pool.cap) {
    pthread_t *w = realloc(g_pool.workers, (size_t)want * sizeof *w);
    if (!w)
      return;
    g_pool.workers = w;
    g_pool.cap = want;
  }
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old); /* workers take no signals */
  while (g_pool.nworkers < want &&
         pthread_create(&g_pool.workers[g_pool.nworkers], NULL, worker_main, NULL) == 0)
    g_pool.nworkers++;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static int current_threads(void) {
  int n = atomic_load(&g_requested_threads);
  return n > 0 ? n : g_pool.default_threads;
}

void attune_rt_parallel_for(attune_rt_task_fn fn, void *ctx, int64_t n) {
  if (n <= 0)
    return;
  if (t_in_task || n == 1) {
    fn(ctx, 0, n);
    return;
  }
  pthread_once(&g_pool_once, pool_init);
  int threads = current_threads();
  if (threads <= 1) {
    fn(ctx, 0, n);
    return;
  }
  attune_job j;
  int64_t want = (int64_t)threads * ATTUNE_CHUNKS_PER_THREAD;
  j.fn = fn;
  j.ctx = ctx;
  j.n = n;
  int64_t target = want < n ? want : n; /* number of chunks aimed at */
  j.chunk = n / target + (n % target != 0);
  j.nchunks = n / j.chunk + (n % j.chunk != 0);
  atomic_init(&j.next, 0);
  j.helpers = 0;
  j.max_helpers = j.nchunks - 1 < threads - 1 ? (int)j.nchunks - 1 : threads - 1;

  pthread_mutex_lock(&g_pool.mu);
  if (!g_pool.shutdown)
    ensure_workers(threads - 1);
  if (g_pool.shutdown || g_pool.nworkers == 0) {
    pthread_mutex_unlock(&g_pool.mu);
    t_in_task = 1;
    fn(ctx, 0, n);
    t_in_task = 0;
    return;
  }
  pthread_cond_init(&j.done, NULL);
  j.link = g_pool.jobs;
  g_pool.jobs = &j;
  atomic_fetch_add_explicit(&g_epoch, 1, memory_order_release);
  if (g_pool.sleepers > 0)
    pthread_cond_broadcast(&g_pool.work);
  pthread_mutex_unlock(&g_pool.mu);

  t_in_task = 1;
  run_chunks(&j);
  t_in_task = 0;

  pthread_mutex_lock(&g_pool.mu);
  for (attune_job **p = &g_pool.jobs; *p; p = &(*p)->link)
    if (*p == &j) {
      *p = j.link;
      break;
    }
  while (j.helpers > 0)
    pthread_cond_wait(&j.done, &g_pool.mu);
  pthread_mutex_unlock(&g_pool.mu);
  pthread_cond_destroy(&j.done);
}

ATTUNE_API attune_status attune_set_num_threads(int n) {
  if (n < 1 || n > ATTUNE_MAX_THREADS)
    return attune_rt_fail(ATTUNE_ERR_INVALID_ARGUMENT,
                          "attune_set_num_threads: expected 1..%d threads, found %d",
                          ATTUNE_MAX_THREADS, n);
  atomic_store(&g_requested_threads, n);
  return ATTUNE_OK;
}

/* Joins the workers before the library's code is unmapped (dlclose/exit). */
__attribute__((destructor)) static void pool_shutdown(void) {
  pthread_mutex_lock(&g_pool.mu);
  g_pool.shutdown = 1;
  atomic_fetch_add_explicit(&g_epoch, 1, memory_order_release); /* stop spinners */
  pthread_cond_broadcast(&g_pool.work);
  pthread_t *workers = g_pool.workers;
  int n = g_pool.nworkers;
  g_pool.workers = NULL;
  g_pool.nworkers = g_pool.cap = 0;
  pthread_mutex_unlock(&g_pool.mu);
  for (int i = 0; i < n; i++)
    if (!pthread_equal(workers[i], pthread_self()))
      pthread_join(workers[i], NULL);
  free(workers);
}
