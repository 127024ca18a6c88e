//===- fuzz_safetensors.cpp - Fuzz the .safetensors reader ----------------===//
//
// Input: the bytes of a .safetensors file.
//  1. SafetensorsFile::openFromMemory. A nullptr return (with a message) is
//     fine: that is the reader refusing a bad file.
//  2. For an accepted file, checks what Safetensors.h promises: names() and
//     tensors() agree, find() finds each tensor, rank <= 8, nbytes ==
//     numElements * dtypeSize, every range lies in the data section, file
//     order is ascending offset and non-empty ranges do not overlap; then
//     reads every byte of every tensor (ASan reports any byte outside the
//     input buffer).
//  3. Round trip: writeSafetensors of the tensors + metadata into a scratch
//     file, SafetensorsFile::open of it, and the same tensors (names,
//     dtypes, shapes, bytes) and metadata must come back. The writer may
//     only fail with an I/O error here (it accepts everything the reader
//     does).
//===----------------------------------------------------------------------===//
#include "FuzzUtil.h"

#include "attune/formats/Safetensors.h"

#include <cstdint>
#include <cstring>
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

void checkTensors(const SafetensorsFile &f, const uint8_t *lo, const uint8_t *hi) {
  const auto &names = f.names();
  const auto &tensors = f.tensors();
  FUZZ_CHECK(names.size() == tensors.size(), "names() and tensors() differ in size");
  uint64_t checksum = 0;
  const TensorInfo *prev = nullptr;
  uint64_t maxEnd = 0; // largest end of a non-empty range so far
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorInfo &t = tensors[i];
    FUZZ_CHECK(names[i] == t.name, "names()[" + std::to_string(i) + "] != tensors()[i].name");
    FUZZ_CHECK(f.find(t.name) == &t, "find('" + t.name + "') does not return its tensor");
    FUZZ_CHECK(t.name != "__metadata__", "__metadata__ returned as a tensor");
    FUZZ_CHECK(t.shape.size() <= 8, "rank > 8 accepted");
    uint64_t n = 1;
    bool hasZero = false;
    for (int64_t d : t.shape) {
      FUZZ_CHECK(d >= 0, "negative dimension accepted");
      if (d == 0)
        hasZero = true;
      else
        FUZZ_CHECK(!__builtin_mul_overflow(n, static_cast<uint64_t>(d), &n),
                   "element count overflows for an accepted tensor");
    }
    FUZZ_CHECK(n <= static_cast<uint64_t>(INT64_MAX), "element count > INT64_MAX accepted");
    uint64_t elems = hasZero ? 0 : n;
    FUZZ_CHECK(static_cast<uint64_t>(t.numElements()) == elems, "numElements() is wrong");
    FUZZ_CHECK(t.nbytes == elems * dtypeSize(t.dtype),
               "nbytes != numElements * dtypeSize for '" + t.name + "'");
    if (t.nbytes > 0) {
      FUZZ_CHECK(t.data != nullptr, "null data for a non-empty tensor");
      uintptr_t b = reinterpret_cast<uintptr_t>(t.data);
      FUZZ_CHECK(b >= reinterpret_cast<uintptr_t>(lo) + 8 &&
                     t.nbytes <= reinterpret_cast<uintptr_t>(hi) - b,
                 "tensor '" + t.name + "' lies outside the input buffer");
      for (uint64_t k = 0; k < t.nbytes; ++k)
        checksum += t.data[k];
      FUZZ_CHECK(t.offset >= maxEnd, "non-empty ranges overlap");
      maxEnd = t.offset + t.nbytes;
    }
    if (prev)
      FUZZ_CHECK(prev->offset <= t.offset, "tensors are not in ascending offset order");
    prev = &t;
  }
  // Keep the reads alive.
  volatile uint64_t sink = checksum;
  (void)sink;
}

void roundTrip(const SafetensorsFile &f) {
  static const std::string path = attune_fuzz::fuzzScratchDir() + "/roundtrip.safetensors";
  std::vector<TensorToWrite> toWrite;
  for (const TensorInfo &t : f.tensors())
    toWrite.push_back({t.name, t.dtype, t.shape, t.data});
  std::string error;
  if (!writeSafetensors(path, toWrite, f.metadata(), error)) {
    FUZZ_CHECK(!error.empty(), "writeSafetensors failed without a message");
    FUZZ_CHECK(isIoError(error),
               "writeSafetensors refused a file the reader accepted: " + error);
    return;
  }
  std::string error2;
  std::unique_ptr<SafetensorsFile> back = SafetensorsFile::open(path, error2);
  FUZZ_CHECK(back != nullptr, "the reader refuses what the writer wrote: " + error2);
  FUZZ_CHECK(back->tensors().size() == f.tensors().size(), "round trip: tensor count differs");
  FUZZ_CHECK(back->metadata() == f.metadata(), "round trip: metadata differs");
  for (const TensorInfo &t : f.tensors()) {
    const TensorInfo *u = back->find(t.name);
    FUZZ_CHECK(u != nullptr, "round trip: tensor '" + t.name + "' is missing");
    FUZZ_CHECK(u->dtype == t.dtype && u->shape == t.shape && u->nbytes == t.nbytes,
               "round trip: dtype/shape/size of '" + t.name + "' differ");
    FUZZ_CHECK(t.nbytes == 0 || std::memcmp(u->data, t.data, t.nbytes) == 0,
               "round trip: bytes of '" + t.name + "' differ");
  }
  ::unlink(path.c_str());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string error;
  std::unique_ptr<SafetensorsFile> f =
      SafetensorsFile::openFromMemory(data, size, "fuzz.safetensors", error);
  if (!f) {
    FUZZ_CHECK(!error.empty(), "openFromMemory failed without a message");
    FUZZ_CHECK(error.find('\n') == std::string::npos, "error message is not one line");
    if (attune_fuzz::verbose())
      std::fprintf(stderr, "refused: %s\n", error.c_str());
    return 0;
  }
  if (attune_fuzz::verbose())
    std::fprintf(stderr, "accepted: %zu tensors\n", f->tensors().size());
  FUZZ_CHECK(f->path() == "fuzz.safetensors", "path() is not nameForErrors");
  checkTensors(*f, data, data + size);
  roundTrip(*f);
  return 0;
}
