//===- tests/e2e/E2E.h - compile -> .so -> run -> compare helpers ---------===//
//
// Every end-to-end test follows the same recipe:
//   1. write an attune-dialect module (func.func @main, arguments and results
//      named with {attune.name = "..."}) and, when it uses attune.weight, a
//      .safetensors file into a fresh temporary directory;
//   2. compile it with attune::compile into a self-contained .so (sidecar
//      .weights next to it unless embedWeights);
//   3. run the .so with attune::runLibrary on deterministic pseudo-random
//      inputs, with 1 thread and with 4 threads (results must be
//      bit-identical);
//   4. run the reference interpreter (attune::ref::interpret) on the module
//      exactly as written (import phase: no canonicalization in between) with
//      the same inputs and weights;
//   5. compare every output: |actual - expected| <= kAtol + kRtol * |expected|
//      (integer and bool outputs: exactly equal);
//   6. also interpret the module after lowerTo(Phase::Graph) and compare with
//      step 4 (the graph-phase rewrites must preserve the function).
// The temporary directory is deleted when a test passes and kept (its path
// printed) when it fails, so the .mlir / .safetensors / .so can be replayed
// with the attune CLI.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TESTS_E2E_E2E_H
#define ATTUNE_TESTS_E2E_E2E_H

#include "attune/Reference/Interpreter.h"
#include "attune/Tools/CompileDriver.h"
#include "attune/Tools/RunDriver.h"
#include "attune/runtime.h"
#include "HostFeatures.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace attune::e2e {

using ref::Tensor;

/// The tolerance of every float comparison with the reference interpreter.
inline constexpr double kAtol = 1e-5;
inline constexpr double kRtol = 1e-4;

/// Libraries a compiled model may depend on (DT_NEEDED).
const std::vector<std::string> &allowedNeeded();

//===----------------------------------------------------------------------===//
// MLIR text helpers
//===----------------------------------------------------------------------===//

/// "tensor<3x129xf32>"; rank 0: "tensor<f32>".
std::string tensorType(const std::vector<int64_t> &shape, const std::string &elem = "f32");
/// "array<i64: 0, 2>"
std::string i64Array(const std::vector<int64_t> &values);
/// NumPy broadcast of two shapes (the test author guarantees compatibility).
std::vector<int64_t> broadcastShapes(const std::vector<int64_t> &a, const std::vector<int64_t> &b);
std::string shapeString(const std::vector<int64_t> &shape);

/// Accumulates a func.func @main in text form.
class FuncBuilder {
public:
  /// Adds an argument `%name` named `name`; extra attributes are appended
  /// inside the braces (e.g. "attune.max_value = 127 : i64"). Returns "%name".
  std::string arg(const std::string &name, const std::string &type,
                  const std::string &extraAttrs = "");
  /// Adds a body line defining `%value` ("%value = <rhs>"); returns "%value".
  std::string def(const std::string &value, const std::string &rhs);
  /// Adds a raw body line.
  void line(const std::string &text);
  /// Adds a result `value : type` named `name`.
  void result(const std::string &name, const std::string &value, const std::string &type);
  std::string str() const;

private:
  std::vector<std::string> args_, body_;
  struct Result {
    std::string name, value, type;
  };
  std::vector<Result> results_;
};

//===----------------------------------------------------------------------===//
// Deterministic input data
//===----------------------------------------------------------------------===//

/// Fills a tensor (whose type and shape are already set) in place.
using Gen = std::function<void(Tensor &, std::mt19937_64 &)>;

/// f32 uniform in [lo, hi).
Gen uniform(float lo, float hi);
/// f32 with |x| uniform in [lo, hi) and a random sign.
Gen nonzero(float lo, float hi);
/// Integers uniform in [lo, hi] (f32, i64, i32 tensors; bool: lo/hi ignored).
Gen ints(int64_t lo, int64_t hi);
/// Integers uniform in [lo, hi] without 0.
Gen nonzeroInts(int64_t lo, int64_t hi);
/// Random bools (i1), or 0/1 for an integer tensor; `pTrue` = P(1).
Gen bools(double pTrue = 0.5);
/// Key-padding mask [B, S] (i64, i32 or i1): 0 with probability `pZero`,
/// at least one zero in the tensor, and position 0 of each row always 1, so
/// no query row is ever fully masked.
Gen paddingMask(double pZero = 0.3);
/// Fixed values (converted to the tensor's type) at the front, the rest
/// filled by `rest`.
Gen withPrefix(std::vector<double> values, Gen rest);

/// Input slot of a compiled or parsed model.
struct Slot {
  std::string name;
  ElementType type = ElementType::F32;
  std::vector<int64_t> shape;
};

/// Inputs for `slots`: gens[name] if present, otherwise the default for the
/// type (f32: uniform [-1, 1); i64/i32: [0, 8); i1: bools).
std::vector<NamedTensor> makeInputs(const std::vector<Slot> &slots,
                                    const std::map<std::string, Gen> &gens, uint64_t seed);

/// A named weight to write into a .safetensors file (F32, I64 or I32 tensor).
struct Weight {
  std::string name;
  Tensor tensor;
};
/// A weight of `type`/`shape` filled by `gen` (seeded from `seed`).
Weight makeWeight(const std::string &name, ElementType type, std::vector<int64_t> shape, Gen gen,
                  uint64_t seed);

//===----------------------------------------------------------------------===//
// Comparisons
//===----------------------------------------------------------------------===//

/// Float outputs within kAtol + kRtol|b| (NaN matches NaN); integer/bool
/// outputs exactly; type and shape equal. `label` names the output in
/// failure messages.
void expectClose(const Tensor &actual, const Tensor &expected, const std::string &label,
                 double atol = kAtol, double rtol = kRtol);
/// Same type, shape and bytes.
void expectBitIdentical(const Tensor &a, const Tensor &b, const std::string &label);
/// Pairwise expectClose / expectBitIdentical of two output lists (names too).
void expectAllClose(const std::vector<NamedTensor> &actual, const std::vector<NamedTensor> &expected,
                    const std::string &what, double atol = kAtol, double rtol = kRtol);
void expectAllBitIdentical(const std::vector<NamedTensor> &a, const std::vector<NamedTensor> &b,
                           const std::string &what);

//===----------------------------------------------------------------------===//
// The fixture
//===----------------------------------------------------------------------===//

class E2ETest : public ::testing::Test {
protected:
  void SetUp() override;
  void TearDown() override;

  /// Path of `file` inside the test's temporary directory.
  std::string path(const std::string &file) const;
  /// Writes `text` to path(file); returns the path.
  std::string writeFile(const std::string &file, const std::string &text);
  /// Writes `weights` to path(file) (.safetensors); returns the path.
  std::string writeWeights(const std::string &file, const std::vector<Weight> &weights);

  /// Compiles `model` (+ `weights` for .mlir) to `soPath`; fails the test
  /// (fatally) with the driver's message on error. Also checks the .so's
  /// DT_NEEDED entries against allowedNeeded().
  void compileModel(const std::string &model, const std::string &weights, const std::string &soPath,
                    bool embedWeights = false, int64_t parallelChunks = 16);

  /// The @main signature of a model file (parsed, import phase).
  void signature(const std::string &model, const std::string &weights, std::vector<Slot> &inputs,
                 std::vector<Slot> &outputs);

  /// Runs the reference interpreter on `model` as written (`graphPhase`:
  /// after lowerTo(Phase::Graph) instead, as `attune run --reference`).
  void reference(const std::string &model, const std::string &weights,
                 const std::vector<NamedTensor> &inputs, std::vector<NamedTensor> &outputs,
                 bool graphPhase = false);

  /// runLibrary, failing the test (fatally) on error.
  void runCompiled(const std::string &so, const std::vector<NamedTensor> &inputs, int threads,
                   std::vector<NamedTensor> &outputs);

  /// The whole recipe for a module given as text (written to
  /// `<name>.mlir`, weights to `<name>.safetensors` when non-empty): compile,
  /// run with 1 and 4 threads (bit-identical), reference (as written and
  /// after the graph phase), compare.
  /// `outputsOut` (optional) receives the 4-thread outputs.
  void checkModule(const std::string &name, const std::string &mlir,
                   const std::vector<Weight> &weights = {},
                   const std::map<std::string, Gen> &gens = {}, uint64_t seed = 1,
                   std::vector<NamedTensor> *outputsOut = nullptr, int64_t parallelChunks = 16);

  std::string dir_;
  std::unique_ptr<mlir::MLIRContext> ctx_;
  /// The --target compileModel compiles for (a suite for another target
  /// sets it in its SetUp, after checking hostLacks).
  std::string target_ = "host";
};

using test_support::hostLacks; // HostFeatures.h

/// dlopen()s a compiled library and resolves the C API (runtime.h).
struct Library {
  explicit Library(const std::string &soPath);
  ~Library();
  Library(const Library &) = delete;
  Library &operator=(const Library &) = delete;
  bool ok() const { return handle && load && run && free && lastError && setThreads; }

  void *handle = nullptr;
  std::string error;
  decltype(&::attune_model_load) load = nullptr;
  decltype(&::attune_model_run) run = nullptr;
  decltype(&::attune_model_free) free = nullptr;
  decltype(&::attune_last_error) lastError = nullptr;
  decltype(&::attune_set_num_threads) setThreads = nullptr;
  decltype(&::attune_model_num_inputs) numInputs = nullptr;
  decltype(&::attune_model_num_outputs) numOutputs = nullptr;
  decltype(&::attune_model_input_info) inputInfo = nullptr;
  decltype(&::attune_model_output_info) outputInfo = nullptr;
};

/// attune_tensor descriptors pointing into `tensors` (names set from them).
std::vector<attune_tensor> describeTensors(std::vector<NamedTensor> &tensors);

/// Allocates outputs for a loaded model (from attune_model_output_info).
std::vector<NamedTensor> allocateOutputs(const Library &lib, attune_model *m);

} // namespace attune::e2e

#endif // ATTUNE_TESTS_E2E_E2E_H
