//===- tests/unit/support/HostFeatures.h - what this test host's CPU has --===//
//
// Shared by the tests that need a CPU feature to run what they compiled
// (x86-64-avx2 libraries, bf16 / AMX kernels): hostLacks({"avx2", "fma"})
// is "" when the host has every feature (LLVM's names), else
// "host has no <first missing>", for the GTEST_SKIP message.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TESTS_SUPPORT_HOSTFEATURES_H
#define ATTUNE_TESTS_SUPPORT_HOSTFEATURES_H

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

#include <initializer_list>
#include <string>

namespace attune::test_support {

inline std::string hostLacks(std::initializer_list<const char *> features) {
  llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
  for (const char *f : features)
    if (!host.lookup(f))
      return std::string("host has no ") + f;
  return "";
}

} // namespace attune::test_support

#endif
