//===- tests/unit/runtime/fake_lib.h - Opening the fake model libraries ---===//
//
// Helpers shared by the runtime tests: FakeLib dlopens a fake model .so by
// absolute path (FAKE_EMBEDDED_SO / FAKE_SIDECAR_SO, set by CMake) and
// resolves the runtime.h API with dlsym; Example builds inputs, outputs and
// the expected result of the fake model; writeWeights writes a sidecar file
// with a chosen header so tests can corrupt it.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TESTS_FAKE_LIB_H
#define ATTUNE_TESTS_FAKE_LIB_H

#include "attune/runtime.h"
#include "fake_model.h"

#include <dlfcn.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

struct FakeLib {
  void *handle = nullptr;
  decltype(&attune_model_load) load = nullptr;
  decltype(&attune_model_run) run = nullptr;
  decltype(&attune_model_signature) signature = nullptr;
  decltype(&attune_model_num_inputs) numInputs = nullptr;
  decltype(&attune_model_num_outputs) numOutputs = nullptr;
  decltype(&attune_model_input_info) inputInfo = nullptr;
  decltype(&attune_model_output_info) outputInfo = nullptr;
  decltype(&attune_last_error) lastError = nullptr;
  decltype(&attune_set_num_threads) setNumThreads = nullptr;
  decltype(&attune_model_free) free = nullptr;
  decltype(&attune_version) version = nullptr;
  decltype(&attune_model_weights) weights = nullptr;

  // Opens |path| (kept open for the process: tests share one copy).
  static FakeLib &get(const std::string &path);
  explicit FakeLib(const std::string &path, int flags = RTLD_NOW | RTLD_LOCAL) {
    handle = dlopen(path.c_str(), flags);
    if (!handle)
      throw std::runtime_error(std::string("dlopen failed: ") + dlerror());
    sym(load, "attune_model_load");
    sym(run, "attune_model_run");
    sym(signature, "attune_model_signature");
    sym(numInputs, "attune_model_num_inputs");
    sym(numOutputs, "attune_model_num_outputs");
    sym(inputInfo, "attune_model_input_info");
    sym(outputInfo, "attune_model_output_info");
    sym(lastError, "attune_last_error");
    sym(setNumThreads, "attune_set_num_threads");
    sym(free, "attune_model_free");
    sym(version, "attune_version");
    sym(weights, "attune_model_weights");
  }
  template <typename F> void sym(F &f, const char *name) {
    f = reinterpret_cast<F>(dlsym(handle, name));
    if (!f)
      throw std::runtime_error(std::string("missing symbol ") + name);
  }
};

inline FakeLib &FakeLib::get(const std::string &path) {
  static FakeLib embedded(FAKE_EMBEDDED_SO), sidecar(FAKE_SIDECAR_SO);
  return path == FAKE_EMBEDDED_SO ? embedded : sidecar;
}

inline FakeLib &embeddedLib() { return FakeLib::get(FAKE_EMBEDDED_SO); }
inline FakeLib &sidecarLib() { return FakeLib::get(FAKE_SIDECAR_SO); }

// Inputs, outputs and expected result of one run of the fake model.
struct Example {
  std::vector<float> x = std::vector<float>(FAKE_ROWS * FAKE_COLS);
  std::vector<int64_t> ids = std::vector<int64_t>(FAKE_ROWS);
  std::vector<float> y = std::vector<float>(FAKE_ROWS * FAKE_COLS, -1.0f);
  std::array<attune_tensor, 2> in{};
  std::array<attune_tensor, 1> out{};

  explicit Example(int seed = 0) {
    for (int k = 0; k < FAKE_ROWS * FAKE_COLS; ++k)
      x[k] = 0.1f * float((k * 7 + seed * 13) % 23) - 1.0f;
    for (int i = 0; i < FAKE_ROWS; ++i)
      ids[i] = (i + seed) % FAKE_VOCAB;
    in[0] = tensor("x", ATTUNE_F32, {FAKE_ROWS, FAKE_COLS}, x.data());
    in[1] = tensor("ids", ATTUNE_I64, {FAKE_ROWS}, ids.data());
    out[0] = tensor("y", ATTUNE_F32, {FAKE_ROWS, FAKE_COLS}, y.data());
  }
  Example(const Example &) = delete;

  static attune_tensor tensor(const char *name, attune_dtype dtype,
                              std::initializer_list<int64_t> shape, void *data) {
    attune_tensor t{};
    t.name = name;
    t.dtype = dtype;
    t.rank = int32_t(shape.size());
    int d = 0;
    for (int64_t s : shape)
      t.shape[d++] = s;
    t.data = data;
    return t;
  }

  std::vector<float> expected() const {
    std::vector<float> e(x.size());
    for (int i = 0; i < FAKE_ROWS; ++i)
      for (int j = 0; j < FAKE_COLS; ++j)
        e[i * FAKE_COLS + j] = x[i * FAKE_COLS + j] * FAKE_W(j) + FAKE_B(j) + float(ids[i]);
    return e;
  }
};

// Writes a sidecar weights file. |nbytesField| and |id| go in the header;
// the file is cut to |truncateTo| bytes when that is non-negative.
inline void writeWeights(const std::string &path, const std::array<uint8_t, 16> &id,
                         uint64_t nbytesField = FAKE_WEIGHTS_NBYTES, long truncateTo = -1,
                         const char *magic = "ATTUNEW1") {
  std::vector<uint8_t> bytes(64 + FAKE_WEIGHTS_NBYTES, 0);
  std::memcpy(bytes.data(), magic, 8);
  std::memcpy(bytes.data() + 8, id.data(), 16);
  uint64_t offset = 64;
  for (int i = 0; i < 8; ++i) {
    bytes[24 + i] = uint8_t(nbytesField >> (8 * i));
    bytes[32 + i] = uint8_t(offset >> (8 * i));
  }
  for (int j = 0; j < FAKE_COLS; ++j) {
    float w = FAKE_W(j), b = FAKE_B(j);
    std::memcpy(bytes.data() + 64 + 4 * j, &w, 4);
    std::memcpy(bytes.data() + 128 + 4 * j, &b, 4);
  }
  if (truncateTo >= 0)
    bytes.resize(size_t(truncateTo));
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size()));
}

inline std::array<uint8_t, 16> fakeWeightsId() { return FAKE_WEIGHTS_ID_INIT; }

// Path of the sidecar that attune_model_load(NULL) looks for.
inline std::string sidecarNextToLibrary() {
  std::string so = FAKE_SIDECAR_SO;
  return so.substr(0, so.size() - 3) + ".weights";
}

#endif // ATTUNE_TESTS_FAKE_LIB_H
