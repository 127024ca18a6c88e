//===- tests/unit/runtime/concurrency_test.cpp - Concurrent runs ----------===//
//
// attune_model_run from several threads at once on one model (the fake
// model's kernel uses the runtime pool, with nesting): results must be
// bit-identical to sequential runs, for any thread count. Also checks that
// unloading the library (dlclose) joins the pool's workers.
//===----------------------------------------------------------------------===//
#include "fake_lib.h"

#include <gtest/gtest.h>

#include <dirent.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace {

std::vector<std::vector<float>> sequentialResults(FakeLib &lib, attune_model *m, int n) {
  std::vector<std::vector<float>> results;
  for (int s = 0; s < n; ++s) {
    Example ex(s);
    if (lib.run(m, ex.in.data(), 2, ex.out.data(), 1) != ATTUNE_OK)
      ADD_FAILURE() << lib.lastError();
    EXPECT_EQ(ex.y, ex.expected());
    results.push_back(ex.y);
  }
  return results;
}

void concurrentRunsMatchSequential(int callers, int poolThreads) {
  FakeLib &lib = embeddedLib();
  ASSERT_EQ(lib.setNumThreads(poolThreads), ATTUNE_OK);
  attune_model *m = nullptr;
  ASSERT_EQ(lib.load(nullptr, &m), ATTUNE_OK) << lib.lastError();
  const int seeds = 16, iterations = 100;
  std::vector<std::vector<float>> want = sequentialResults(lib, m, seeds);
  std::atomic<int> mismatches{0}, failures{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < callers; ++t)
    threads.emplace_back([&, t] {
      while (!go.load())
        std::this_thread::yield();
      for (int it = 0; it < iterations; ++it) {
        int seed = (t * 5 + it) % seeds;
        Example ex(seed);
        if (lib.run(m, ex.in.data(), 2, ex.out.data(), 1) != ATTUNE_OK)
          failures++;
        else if (std::memcmp(ex.y.data(), want[seed].data(), ex.y.size() * sizeof(float)) != 0)
          mismatches++;
      }
    });
  go = true;
  for (auto &th : threads)
    th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
  lib.free(m);
}

TEST(RuntimeConcurrency, TwoThreadsMatchSequential) { concurrentRunsMatchSequential(2, 4); }

TEST(RuntimeConcurrency, EightThreadsMatchSequential) { concurrentRunsMatchSequential(8, 4); }

TEST(RuntimeConcurrency, EightThreadsWithSingleThreadedPool) {
  concurrentRunsMatchSequential(8, 1);
}

TEST(RuntimeConcurrency, EightThreadsWithLargePool) { concurrentRunsMatchSequential(8, 16); }

TEST(RuntimeConcurrency, ResultsIndependentOfThreadCount) {
  FakeLib &lib = embeddedLib();
  attune_model *m = nullptr;
  ASSERT_EQ(lib.load(nullptr, &m), ATTUNE_OK);
  std::vector<float> first;
  for (int n : {1, 2, 3, 8, 1}) {
    ASSERT_EQ(lib.setNumThreads(n), ATTUNE_OK);
    Example ex(7);
    ASSERT_EQ(lib.run(m, ex.in.data(), 2, ex.out.data(), 1), ATTUNE_OK);
    if (first.empty())
      first = ex.y;
    EXPECT_EQ(ex.y, first) << n << " threads";
  }
  lib.free(m);
}

int threadCount() {
  int n = 0;
  if (DIR *d = opendir("/proc/self/task")) {
    while (dirent *e = readdir(d))
      n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

// In a fresh process: run with workers started, dlclose, and check that the
// workers are gone (joined by the library's destructor) and nothing crashes.
TEST(RuntimeConcurrencyDeathTest, DlcloseJoinsWorkers) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        std::thread([] {}).join(); // sanitizers may start a helper thread now
        int before = threadCount();
        {
          FakeLib lib(FAKE_EMBEDDED_SO);
          lib.setNumThreads(4);
          attune_model *m = nullptr;
          if (lib.load(nullptr, &m) != ATTUNE_OK)
            std::exit(2);
          Example ex(1);
          if (lib.run(m, ex.in.data(), 2, ex.out.data(), 1) != ATTUNE_OK || ex.y != ex.expected())
            std::exit(3);
          lib.free(m);
          if (threadCount() <= before)
            std::exit(6); // no workers started: the test proves nothing
          if (dlclose(lib.handle) != 0)
            std::exit(4);
        }
        if (dlopen(FAKE_EMBEDDED_SO, RTLD_NOW | RTLD_NOLOAD))
          std::exit(5); // still loaded: the test proves nothing
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        std::exit(threadCount() == before ? 0 : 7);
      },
      ::testing::ExitedWithCode(0), "");
}

} // namespace
