//===- fuzz_npy.cpp - Fuzz the .npy reader and writer ---------------------===//
//
// Input: the bytes of a .npy file.
//  1. parseNpy. A false return (with a one-line message) is fine.
//  2. For an accepted array, checks what Npy.h promises: rank <= 64, no
//     negative dimension, data.size() == numElements * itemsize, bool
//     elements 0 or 1.
//  3. Round trip: writeNpy into a scratch file, then readNpy and parseNpy of
//     the written bytes must give back the same dtype, shape and data, and
//     the written file must be numpy's layout (data offset a multiple of
//     64). Writing the re-read array again must give identical bytes. The
//     writer may only fail with an I/O error here.
//===----------------------------------------------------------------------===//
#include "FuzzUtil.h"

#include "attune/formats/Npy.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace attune::formats;

namespace {

bool isIoError(const std::string &error) {
  for (const char *s : {": cannot create '", ": write failed: ", ": close failed: ",
                        ": cannot rename '"})
    if (error.find(s) != std::string::npos)
      return true;
  return false;
}

std::vector<uint8_t> slurp(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void checkArray(const NpyArray &a) {
  FUZZ_CHECK(a.shape.size() <= 64, "rank > 64 accepted");
  uint64_t n = 1;
  bool hasZero = false;
  for (int64_t d : a.shape) {
    FUZZ_CHECK(d >= 0, "negative dimension accepted");
    if (d == 0)
      hasZero = true;
    else
      FUZZ_CHECK(!__builtin_mul_overflow(n, static_cast<uint64_t>(d), &n),
                 "element count overflows for an accepted array");
  }
  uint64_t elems = hasZero ? 0 : n;
  FUZZ_CHECK(static_cast<uint64_t>(a.numElements()) == elems, "numElements() is wrong");
  FUZZ_CHECK(a.data.size() == elems * npyDTypeSize(a.dtype),
             "data.size() != numElements * itemsize");
  if (a.dtype == NpyDType::Bool)
    for (uint8_t b : a.data)
      FUZZ_CHECK(b <= 1, "bool element other than 0/1 accepted");
}

void roundTrip(const NpyArray &a) {
  static const std::string path = attune_fuzz::fuzzScratchDir() + "/roundtrip.npy";
  std::string error;
  if (!writeNpy(path, a, error)) {
    FUZZ_CHECK(!error.empty(), "writeNpy failed without a message");
    FUZZ_CHECK(isIoError(error), "writeNpy refused an array parseNpy accepted: " + error);
    return;
  }
  NpyArray back;
  std::string error2;
  FUZZ_CHECK(readNpy(path, back, error2), "readNpy refuses what writeNpy wrote: " + error2);
  FUZZ_CHECK(back.dtype == a.dtype, "round trip: dtype differs");
  FUZZ_CHECK(back.shape == a.shape, "round trip: shape differs");
  FUZZ_CHECK(back.data == a.data, "round trip: data differs");

  std::vector<uint8_t> bytes = slurp(path);
  FUZZ_CHECK(bytes.size() >= 10 + a.data.size(), "written file too short");
  size_t dataStart = bytes.size() - a.data.size();
  FUZZ_CHECK(dataStart % 64 == 0, "array data does not start at a multiple of 64 (numpy layout)");
  NpyArray again;
  std::string error3;
  FUZZ_CHECK(parseNpy(bytes.data(), bytes.size(), "written.npy", again, error3),
             "parseNpy refuses what writeNpy wrote: " + error3);
  FUZZ_CHECK(again.dtype == a.dtype && again.shape == a.shape && again.data == a.data,
             "parseNpy of the written bytes differs");

  // Writing is deterministic: the re-read array gives the same file.
  std::string error4;
  FUZZ_CHECK(writeNpy(path, back, error4) || isIoError(error4),
             "writeNpy refused its own output: " + error4);
  if (error4.empty())
    FUZZ_CHECK(slurp(path) == bytes, "writeNpy is not deterministic");
  ::unlink(path.c_str());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  NpyArray a;
  std::string error;
  if (!parseNpy(data, size, "fuzz.npy", a, error)) {
    FUZZ_CHECK(!error.empty(), "parseNpy failed without a message");
    FUZZ_CHECK(error.find('\n') == std::string::npos, "error message is not one line");
    FUZZ_CHECK(a.shape.empty() && a.data.empty(), "parseNpy wrote `out` on failure");
    if (attune_fuzz::verbose())
      std::fprintf(stderr, "refused: %s\n", error.c_str());
    return 0;
  }
  if (attune_fuzz::verbose())
    std::fprintf(stderr, "accepted: %s, rank %zu\n", npyDescr(a.dtype), a.shape.size());
  checkArray(a);
  roundTrip(a);
  return 0;
}
