//===- tests/unit/runtime/amx_test.cpp - The AMX permission at load -------===//
//
// Libraries whose kernels use AMX tiles (attune_abi_model.features &
// ATTUNE_ABI_FEATURE_AMX) make attune_model_load ask Linux for AMX state
// (runtime/src/cpu.c). The fake AMX library has no tile instruction, so
// these run on any host:
//   - with the test hook ATTUNE_TEST_DENY_AMX=1 the load fails with
//     ATTUNE_ERR_UNSUPPORTED, no model, and a message naming AMX and the
//     arch_prctl request; libraries without AMX kernels load regardless;
//   - without the hook the real request decides: it must succeed exactly on
//     hosts whose CPU lists amx_tile (and then the model runs), and fail
//     with the same clean error elsewhere.
// And the instruction-set check that runs before it: a library marked as
// needing an extension no CPU has is refused with its name.
//===----------------------------------------------------------------------===//
#include "fake_lib.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace {

bool cpuHasAMX() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("flags", 0) == 0)
      return line.find(" amx_tile") != std::string::npos;
  return false;
}

FakeLib &amxLib() {
  static FakeLib lib(FAKE_AMX_SO);
  return lib;
}

struct DenyAMX {
  DenyAMX() { setenv("ATTUNE_TEST_DENY_AMX", "1", 1); }
  ~DenyAMX() { unsetenv("ATTUNE_TEST_DENY_AMX"); }
};

void expectRefused(FakeLib &lib) {
  attune_model *m = reinterpret_cast<attune_model *>(0x1);
  EXPECT_EQ(lib.load(nullptr, &m), ATTUNE_ERR_UNSUPPORTED);
  EXPECT_EQ(m, nullptr);
  std::string msg = lib.lastError();
  EXPECT_NE(msg.find("AMX"), std::string::npos) << msg;
  EXPECT_NE(msg.find("arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)"), std::string::npos)
      << msg;
}

TEST(RuntimeAMX, RefusalIsACleanError) {
  FakeLib &lib = amxLib();
  DenyAMX deny;
  expectRefused(lib);
}

TEST(RuntimeAMX, LibrariesWithoutAMXKernelsNeverAsk) {
  DenyAMX deny;
  attune_model *m = nullptr;
  ASSERT_EQ(embeddedLib().load(nullptr, &m), ATTUNE_OK) << embeddedLib().lastError();
  embeddedLib().free(m);
}

TEST(RuntimeAMX, RealRequestMatchesTheCPU) {
  FakeLib &lib = amxLib();
  if (!cpuHasAMX()) {
    // The OS cannot grant what the CPU lacks: the same clean error.
    expectRefused(lib);
    return;
  }
  attune_model *m = nullptr;
  ASSERT_EQ(lib.load(nullptr, &m), ATTUNE_OK) << lib.lastError();
  Example ex(3);
  ASSERT_EQ(lib.run(m, ex.in.data(), 2, ex.out.data(), 1), ATTUNE_OK) << lib.lastError();
  EXPECT_EQ(ex.y, ex.expected());
  lib.free(m);
  // Granted once, process-wide: the hook still wins (it is checked first),
  // and loading again without it succeeds without asking twice.
  {
    DenyAMX deny;
    expectRefused(lib);
  }
  ASSERT_EQ(lib.load(nullptr, &m), ATTUNE_OK) << lib.lastError();
  lib.free(m);
}

// A library compiled for an instruction set this CPU lacks is refused at
// load with the extension's name (here ISA bit 63, which no CPU has), not
// run into SIGILL.
TEST(RuntimeISA, LibraryForAMissingExtensionIsRefusedAtLoad) {
  static FakeLib lib(FAKE_ISA_SO);
  attune_model *m = reinterpret_cast<attune_model *>(0x1);
  EXPECT_EQ(lib.load(nullptr, &m), ATTUNE_ERR_UNSUPPORTED);
  EXPECT_EQ(m, nullptr);
  std::string msg = lib.lastError();
  EXPECT_NE(msg.find("ISA bit 63"), std::string::npos) << msg;
  EXPECT_NE(msg.find("recompile"), std::string::npos) << msg;
}

} // namespace
