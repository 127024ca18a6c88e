//===- tests/unit/runtime/pool_test.cpp - attune_rt_parallel_for, alloc ---===//
//
// Links libattune_runtime.a directly (only the pool, alloc and error objects
// are pulled in) and checks that attune_rt_parallel_for covers [0,n) exactly
// once with disjoint non-empty ranges for many n and thread counts, also for
// nested calls and for many threads calling at once; that the pool really
// runs tasks on more than one thread; that ATTUNE_NUM_THREADS is honoured;
// and that attune_rt_alloc returns 64-byte aligned memory.
//===----------------------------------------------------------------------===//
#include "attune/abi.h"
#include "attune/runtime.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace {

struct Coverage {
  explicit Coverage(int64_t n) : hits(new std::atomic<int>[size_t(n)]), n(n) {
    for (int64_t i = 0; i < n; ++i)
      hits[i] = 0;
  }
  static void task(void *ctx, int64_t begin, int64_t end) {
    auto *c = static_cast<Coverage *>(ctx);
    if (begin < 0 || end > c->n || begin >= end)
      c->badRanges++;
    for (int64_t i = begin; i < end && i >= 0 && i < c->n; ++i)
      c->hits[i]++;
    c->calls++;
  }
  // Empty string when every index was hit exactly once.
  std::string check() const {
    if (badRanges)
      return std::to_string(badRanges.load()) + " bad ranges";
    for (int64_t i = 0; i < n; ++i)
      if (hits[i] != 1)
        return "index " + std::to_string(i) + " hit " + std::to_string(hits[i].load()) +
               " times (n=" + std::to_string(n) + ")";
    return "";
  }
  std::unique_ptr<std::atomic<int>[]> hits;
  int64_t n;
  std::atomic<int> badRanges{0}, calls{0};
};

const std::vector<int64_t> kSizes = {1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 63, 64, 65,
                                     100, 127, 1000, 1023, 4097, 100003, 1 << 20};

TEST(ParallelFor, ZeroAndNegativeDoNotCall) {
  Coverage c(1);
  attune_rt_parallel_for(Coverage::task, &c, 0);
  attune_rt_parallel_for(Coverage::task, &c, -5);
  EXPECT_EQ(c.calls.load(), 0);
}

TEST(ParallelFor, CoversRangeExactlyOnce) {
  for (int threads : {1, 2, 3, 4, 8, 13}) {
    ASSERT_EQ(attune_set_num_threads(threads), ATTUNE_OK);
    for (int64_t n : kSizes) {
      Coverage c(n);
      attune_rt_parallel_for(Coverage::task, &c, n);
      EXPECT_EQ(c.check(), "") << threads << " threads";
      if (threads > 1 && n >= threads)
        EXPECT_GE(c.calls.load(), threads) << "fewer chunks than threads, n=" << n;
    }
  }
}

struct Nested {
  Coverage outer{64};
  std::vector<std::unique_ptr<Coverage>> inner;
  static void task(void *ctx, int64_t begin, int64_t end) {
    auto *nested = static_cast<Nested *>(ctx);
    Coverage::task(&nested->outer, begin, end);
    for (int64_t i = begin; i < end; ++i)
      attune_rt_parallel_for(Coverage::task, nested->inner[size_t(i)].get(), 100 + i);
  }
};

TEST(ParallelFor, NestedCallsCoverExactlyOnce) {
  ASSERT_EQ(attune_set_num_threads(4), ATTUNE_OK);
  Nested nested;
  for (int64_t i = 0; i < 64; ++i)
    nested.inner.emplace_back(new Coverage(100 + i));
  attune_rt_parallel_for(Nested::task, &nested, 64);
  EXPECT_EQ(nested.outer.check(), "");
  for (auto &c : nested.inner)
    EXPECT_EQ(c->check(), "");
}

TEST(ParallelFor, ManyConcurrentCallers) {
  ASSERT_EQ(attune_set_num_threads(4), ATTUNE_OK);
  std::atomic<int> failures{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t)
    callers.emplace_back([&, t] {
      for (int it = 0; it < 200; ++it) {
        int64_t n = 1 + (t * 131 + it * 17) % 3000;
        Coverage c(n);
        attune_rt_parallel_for(Coverage::task, &c, n);
        if (!c.check().empty())
          failures++;
      }
    });
  for (auto &th : callers)
    th.join();
  EXPECT_EQ(failures.load(), 0);
}

// Each chunk waits (bounded) until two threads are inside the job at once.
struct Overlap {
  std::atomic<int> inside{0}, maxInside{0};
  std::mutex mu;
  std::set<std::thread::id> ids;
  static void task(void *ctx, int64_t, int64_t) {
    auto *o = static_cast<Overlap *>(ctx);
    {
      std::lock_guard<std::mutex> lock(o->mu);
      o->ids.insert(std::this_thread::get_id());
    }
    int now = ++o->inside;
    int seen = o->maxInside.load();
    while (now > seen && !o->maxInside.compare_exchange_weak(seen, now)) {
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (o->maxInside.load() < 2 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    --o->inside;
  }
};

TEST(ParallelFor, RunsOnMoreThanOneThread) {
  ASSERT_EQ(attune_set_num_threads(4), ATTUNE_OK);
  Overlap o;
  attune_rt_parallel_for(Overlap::task, &o, 16);
  EXPECT_GE(o.maxInside.load(), 2);
  EXPECT_GE(o.ids.size(), 2u);
}

TEST(ParallelFor, SingleThreadRunsInlineOnCaller) {
  ASSERT_EQ(attune_set_num_threads(1), ATTUNE_OK);
  Overlap o;
  o.maxInside = 2; // do not wait
  attune_rt_parallel_for(Overlap::task, &o, 1000);
  ASSERT_EQ(o.ids.size(), 1u);
  EXPECT_EQ(*o.ids.begin(), std::this_thread::get_id());
}

// ATTUNE_NUM_THREADS is read once, when the pool starts: use a fresh process.
TEST(ParallelForDeathTest, EnvironmentSetsThreadCount) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("ATTUNE_NUM_THREADS", "1", 1);
        Overlap o;
        o.maxInside = 2;
        attune_rt_parallel_for(Overlap::task, &o, 1000);
        std::exit(o.ids.size() == 1 && *o.ids.begin() == std::this_thread::get_id() ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(ParallelFor, SetNumThreadsRejectsInvalid) {
  EXPECT_EQ(attune_set_num_threads(0), ATTUNE_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(attune_last_error()).find("found 0"), std::string::npos);
  EXPECT_EQ(attune_set_num_threads(100000), ATTUNE_ERR_INVALID_ARGUMENT);
}

TEST(Alloc, AlignedAndUsable) {
  std::vector<void *> ptrs;
  for (int64_t n : {0, 1, 63, 64, 65, 1000, 1 << 20}) {
    auto *p = static_cast<unsigned char *>(attune_rt_alloc(n));
    ASSERT_NE(p, nullptr) << n;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u) << n;
    for (int64_t i = 0; i < n; ++i)
      p[i] = static_cast<unsigned char>(i);
    ptrs.push_back(p);
  }
  for (void *p : ptrs)
    attune_rt_free(p);
  attune_rt_free(nullptr);
}

TEST(Alloc, NegativeIsNull) { EXPECT_EQ(attune_rt_alloc(-1), nullptr); }

} // namespace

// The buffers of generated kernels (finalize-memref-to-llvm with generic
// functions): 64-byte aligned; freed blocks of >= 4 KiB are reused for the
// same size (no fresh pages per run); small ones go back to malloc.
extern "C" void *_mlir_memref_to_llvm_alloc(size_t nbytes);
extern "C" void _mlir_memref_to_llvm_free(void *p);

TEST(RuntimeAlloc, KernelBuffersAreAlignedAndReused) {
  void *a = _mlir_memref_to_llvm_alloc(100000);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  std::memset(a, 0x5a, 100000);
  _mlir_memref_to_llvm_free(a);
  void *b = _mlir_memref_to_llvm_alloc(100000);
  EXPECT_EQ(a, b) << "a freed block of the same size is handed out again";
  void *c = _mlir_memref_to_llvm_alloc(100000); // the cache is empty again
  EXPECT_NE(c, b);
  std::memset(c, 1, 100000);
  _mlir_memref_to_llvm_free(b);
  _mlir_memref_to_llvm_free(c);
  void *d = _mlir_memref_to_llvm_alloc(200000); // other size: a new block
  EXPECT_NE(d, b);
  EXPECT_NE(d, c);
  _mlir_memref_to_llvm_free(d);
  void *s = _mlir_memref_to_llvm_alloc(0);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(s) % 64, 0u);
  _mlir_memref_to_llvm_free(s);
  _mlir_memref_to_llvm_free(nullptr);
  EXPECT_EQ(_mlir_memref_to_llvm_alloc(SIZE_MAX - 8), nullptr);
}
