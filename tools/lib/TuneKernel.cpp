//===- TuneKernel.cpp - one kernel as its own model; one timed trial ------===//
//
//   fused graph op  ──extractKernel──►  DIR/kernel.mlir        func @main(inputs) { weight ops; op }
//                                       DIR/kernel.safetensors random weights
//                                       DIR/input_<i>.npy      random inputs
//                                       DIR/expected_<i>.npy   reference interpreter outputs
//
//   attune __tune-trial --kernel DIR --config "mr=8 nr=48 ..." --result R.json
//     compile (CompileOptions::forceConfig) ─► load ─► run ─► compare ─► time ─► R.json
//   ... --versus-config "mr=6 ..." --versus-library B.so [--reuse-library]
//     the same for a second config; the two timed alternately (paired), the
//     median per-pair ratio versus / first in R.json (--reuse-library: the
//     first library is loaded as it is when it exists -- the tuner's
//     heuristic build, compiled once per kernel)
//
// The trial runs in a child process of attune tune (Tuner.cpp): whatever
// goes wrong in it (a compiler crash, a kernel writing out of bounds, a
// hang) is the child's death, which the parent records as a failed trial.
// Test hooks: ATTUNE_TUNE_TEST_CRASH=TEXT makes a trial one of whose config
// strings contains TEXT ("heuristic" for the baseline) abort before
// compiling; ATTUNE_TUNE_TEST_HANG=TEXT makes it hang (until --trial-timeout
// kills it); ATTUNE_TUNE_TEST_SLOW=TEXT makes such a config run twice in each
// timed run (2x slower, deterministically), ATTUNE_TUNE_TEST_SLOW_CONFIRM=TEXT
// the same in confirmation rounds (--confirm) only, which the former skips.
//
//===----------------------------------------------------------------------===//
#include "attune/Tools/Tuner.h"

#include "attune/IR/AttuneOps.h"
#include "attune/Reference/Interpreter.h"
#include "attune/Tools/RunDriver.h"
#include "attune/Transforms/Passes.h"
#include "attune/formats/Npy.h"
#include "attune/formats/Safetensors.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <thread>
#include <unistd.h>

using namespace mlir;
using namespace mlir::attune;

namespace attune {

namespace {

llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

std::optional<ElementType> elementTypeOf(Type t) {
  if (t.isF32()) return ElementType::F32;
  if (t.isInteger(64)) return ElementType::I64;
  if (t.isInteger(32)) return ElementType::I32;
  if (t.isInteger(1)) return ElementType::Bool;
  return std::nullopt;
}

/// f32: uniform in [-1, 1]; integers and bools: 1 (a mask that attends).
ref::Tensor randomTensor(ElementType type, std::vector<int64_t> shape, std::mt19937_64 &rng) {
  ref::Tensor t = ref::Tensor::zeros(type, std::move(shape));
  int64_t n = t.numElements();
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int64_t i = 0; i < n; ++i)
    switch (type) {
    case ElementType::F32: t.f32()[i] = u(rng); break;
    case ElementType::I64: t.i64()[i] = 1; break;
    case ElementType::I32: t.i32()[i] = 1; break;
    case ElementType::Bool: t.i1()[i] = 1; break;
    default: break;
    }
  return t;
}

std::string fileOf(const std::string &dir, const char *what, size_t i) {
  return dir + "/" + what + "_" + std::to_string(i) + ".npy";
}

llvm::Error writeTensor(const std::string &path, const ref::Tensor &t) {
  std::string error;
  formats::NpyArray a{toNpy(t.type), t.shape, t.data};
  if (!formats::writeNpy(path, a, error))
    return makeError(error);
  return llvm::Error::success();
}

llvm::Expected<ref::Tensor> readTensor(const std::string &path) {
  formats::NpyArray a;
  std::string error;
  if (!formats::readNpy(path, a, error))
    return makeError(error);
  auto t = fromNpy(a.dtype);
  if (!t)
    return makeError(path + ": unsupported dtype");
  return ref::Tensor{*t, a.shape, std::move(a.data)};
}

} // namespace

llvm::Expected<KernelFiles> extractKernel(const KernelSite &site, const std::string &dir,
                                          uint64_t seed) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return makeError(dir + ": cannot create directory: " + ec.message());
  Operation *op = site.op;
  MLIRContext *ctx = op->getContext();
  Location loc = op->getLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder b(ctx);

  // Weights stay weights (prepacking must see them); other operands become
  // inputs. A value used twice is one input.
  SmallVector<Value> inputs, weights;
  for (Value v : op->getOperands()) {
    auto &list = v.getDefiningOp<WeightOp>() ? weights : inputs;
    if (!llvm::is_contained(list, v))
      list.push_back(v);
  }
  SmallVector<Type> argTypes;
  for (Value v : inputs)
    argTypes.push_back(v.getType());
  b.setInsertionPointToEnd(module->getBody());
  auto fn = b.create<func::FuncOp>(loc, kEntryFunctionName,
                                   b.getFunctionType(argTypes, op->getResultTypes()));
  for (size_t i = 0; i < inputs.size(); ++i)
    fn.setArgAttr(i, kNameAttr, b.getStringAttr("input_" + std::to_string(i)));
  for (unsigned i = 0; i < op->getNumResults(); ++i)
    fn.setResultAttr(i, kNameAttr, b.getStringAttr("output_" + std::to_string(i)));
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  IRMapping map;
  for (size_t i = 0; i < inputs.size(); ++i)
    map.map(inputs[i], entry->getArgument(i));

  std::mt19937_64 rng(seed);
  WeightTable table;
  std::vector<ref::Tensor> weightData;
  for (size_t i = 0; i < weights.size(); ++i) {
    auto type = cast<RankedTensorType>(weights[i].getType());
    auto et = elementTypeOf(type.getElementType());
    if (!et || *et != ElementType::F32)
      return makeError(site.key.str() + ": only f32 weights can be tuned");
    std::string name = "w" + std::to_string(i);
    auto w = b.create<WeightOp>(loc, type, FlatSymbolRefAttr::get(ctx, name));
    map.map(weights[i], w.getResult());
    ref::Tensor t = randomTensor(*et, {type.getShape().begin(), type.getShape().end()}, rng);
    table.addOwned(WeightTable::Entry{name, ElementType::F32, t.shape, nullptr, 0}, t.data);
    weightData.push_back(std::move(t));
  }
  Operation *clone = b.clone(*op, map);
  for (llvm::StringRef a : {kConfigAttr, kConfigSourceAttr, kTileSizesAttr})
    clone->removeAttr(a);
  b.create<func::ReturnOp>(loc, clone->getResults());
  if (failed(verify(*module)))
    return makeError(site.key.str() + ": the extracted kernel does not verify");

  // Model files.
  {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    std::ofstream f(dir + "/kernel.mlir");
    f << text;
    if (!f)
      return makeError(dir + "/kernel.mlir: write failed");
  }
  std::vector<formats::TensorToWrite> tw;
  for (size_t i = 0; i < weightData.size(); ++i)
    tw.push_back({"w" + std::to_string(i), formats::DType::F32, weightData[i].shape,
                  weightData[i].data.data()});
  std::string error;
  if (!formats::writeSafetensors(dir + "/kernel.safetensors", tw, {}, error))
    return makeError(error);

  // Inputs and reference outputs.
  std::vector<ref::Tensor> in;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto type = cast<RankedTensorType>(inputs[i].getType());
    auto et = elementTypeOf(type.getElementType());
    if (!et)
      return makeError(site.key.str() + ": unsupported input element type");
    in.push_back(randomTensor(*et, {type.getShape().begin(), type.getShape().end()}, rng));
    if (auto err = writeTensor(fileOf(dir, "input", i), in.back()))
      return std::move(err);
  }
  auto expected = ref::interpret(fn, in, &table);
  if (!expected)
    return makeError(site.key.str() + ": reference interpreter: " +
                     llvm::toString(expected.takeError()));
  for (size_t i = 0; i < expected->size(); ++i)
    if (auto err = writeTensor(fileOf(dir, "expected", i), (*expected)[i]))
      return std::move(err);
  return KernelFiles{dir, inputs.size(), expected->size()};
}

//===----------------------------------------------------------------------===//
// The child: attune __tune-trial
//===----------------------------------------------------------------------===//

namespace {

struct TrialArgs {
  std::string kernelDir, config, target = "host", result, library;
  // Paired mode: a second config compiled to a second library, timed
  // alternately with the first in this one process (the confirmation).
  std::string versusConfig, versusLibrary;
  bool versus = false, confirm = false, reuseLibrary = false;
  int threads = 1;
  int64_t chunks = 16;
  double minSeconds = 0.25;
};

bool parseFields(const std::string &text, formats::IntFields &out) {
  std::string s = text;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find(' ', pos);
    std::string item = s.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? s.size() : end + 1;
    if (item.empty())
      continue;
    size_t eq = item.find('=');
    if (eq == std::string::npos)
      return false;
    char *e = nullptr;
    long long v = strtoll(item.c_str() + eq + 1, &e, 10);
    if (*e)
      return false;
    out.push_back({item.substr(0, eq), v});
  }
  return true;
}

void writeResult(const std::string &path, const nlohmann::json &j) {
  std::ofstream f(path + ".tmp");
  f << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  f.close();
  std::rename((path + ".tmp").c_str(), path.c_str());
}

std::string firstLine(std::string s) {
  size_t nl = s.find('\n');
  if (nl != std::string::npos)
    s = s.substr(0, nl);
  return s.size() > 300 ? s.substr(0, 300) + "..." : s;
}

} // namespace

int tuneTrialMain(int argc, char **argv) {
  TrialArgs a;
  for (int i = 0; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (k == "--kernel") a.kernelDir = next();
    else if (k == "--config") a.config = next();
    else if (k == "--target") a.target = next();
    else if (k == "--result") a.result = next();
    else if (k == "--library") a.library = next();
    else if (k == "--threads") a.threads = std::atoi(next().c_str());
    else if (k == "--chunks") a.chunks = std::atoll(next().c_str());
    else if (k == "--min-seconds") a.minSeconds = std::atof(next().c_str());
    else if (k == "--versus-config") { a.versusConfig = next(); a.versus = true; }
    else if (k == "--versus-library") a.versusLibrary = next();
    else if (k == "--confirm") a.confirm = true;
    else if (k == "--reuse-library") a.reuseLibrary = true;
  }
  if (a.kernelDir.empty() || a.result.empty() || a.library.empty()) {
    llvm::errs() << "__tune-trial: internal command of attune tune "
                    "(--kernel DIR --library OUT.so --result R.json [--config FIELDS])\n";
    return 2;
  }
  nlohmann::json r;
  auto fail = [&](const std::string &reason) {
    r["ok"] = false;
    r["reason"] = reason;
    writeResult(a.result, r);
    return 0;
  };
  // Whether the test hook variable `var` names `config` ("heuristic": the
  // baseline).
  auto hooked = [](const char *var, const std::string &config) {
    const char *text = std::getenv(var);
    return text && *text &&
           (config.empty() ? std::string("heuristic") : config).find(text) != std::string::npos;
  };
  auto hookedAny = [&](const char *var) {
    return hooked(var, a.config) || (a.versus && hooked(var, a.versusConfig));
  };
  if (hookedAny("ATTUNE_TUNE_TEST_CRASH"))
    std::abort(); // test hook: a crashing candidate
  if (hookedAny("ATTUNE_TUNE_TEST_HANG"))
    for (;;)
      pause(); // test hook: a candidate that never finishes (--trial-timeout)

  std::vector<NamedTensor> inputs;
  for (size_t i = 0;; ++i) {
    std::string p = fileOf(a.kernelDir, "input", i);
    if (!llvm::sys::fs::exists(p))
      break;
    auto t = readTensor(p);
    if (!t)
      return fail(llvm::toString(t.takeError()));
    inputs.push_back({"input_" + std::to_string(i), std::move(*t)});
  }
  // Compiles `config` to `library`, loads it and checks its outputs against
  // the reference; "" or why it failed.
  double maxErr = 0;
  auto prepare = [&](const std::string &config, const std::string &library,
                     std::unique_ptr<LoadedLibrary> &out, bool reuse = false) -> std::string {
    CompileOptions co;
    co.model = a.kernelDir + "/kernel.mlir";
    co.weights = a.kernelDir + "/kernel.safetensors";
    co.output = library;
    co.target = a.target;
    co.parallelChunks = a.chunks;
    co.kvCache = false;
    if (!parseFields(config, co.forceConfig))
      return "malformed --config '" + config + "'";
    std::string log;
    llvm::raw_string_ostream logStream(log);
    if (!(reuse && llvm::sys::fs::exists(library)))
      if (auto err = compile(co, logStream))
        return "compile failed: " + firstLine(llvm::toString(std::move(err)));
    auto lib = LoadedLibrary::open(library, a.threads);
    if (!lib)
      return "load failed: " + firstLine(llvm::toString(lib.takeError()));
    auto outputs = (*lib)->run(inputs);
    if (!outputs)
      return "run failed: " + firstLine(llvm::toString(outputs.takeError()));
    for (size_t i = 0; i < outputs->size(); ++i) {
      auto expected = readTensor(fileOf(a.kernelDir, "expected", i));
      if (!expected)
        return llvm::toString(expected.takeError());
      double scale = 0;
      if (expected->type == ElementType::F32)
        for (int64_t j = 0; j < expected->numElements(); ++j)
          scale = std::max(scale, double(std::fabs(expected->f32()[j])));
      Comparison c = compareTensors((*outputs)[i].tensor, *expected,
                                    kTrialAtolScale * std::max(1.0, scale), kTrialRtol);
      maxErr = std::max(maxErr, c.maxAbs);
      if (!c.ok)
        return "wrong result in output " + std::to_string(i) + ": " + firstLine(c.detail);
    }
    out = std::move(*lib);
    return "";
  };
  std::unique_ptr<LoadedLibrary> lib, versusLib;
  if (std::string why = prepare(a.config, a.library, lib, a.reuseLibrary); !why.empty())
    return fail(why);
  if (a.versus) {
    if (a.versusLibrary.empty())
      return fail("--versus-config needs --versus-library");
    if (std::string why = prepare(a.versusConfig, a.versusLibrary, versusLib); !why.empty())
      return fail("versus: " + why);
  }
  auto slowed = [&](const std::string &config) {
    return hooked(a.confirm ? "ATTUNE_TUNE_TEST_SLOW_CONFIRM" : "ATTUNE_TUNE_TEST_SLOW", config);
  };
  const bool slowA = slowed(a.config), slowB = a.versus && slowed(a.versusConfig);

  // Timing. Before each timed run the weights are evicted from the caches:
  // in a model every weight is read once per run, from memory (BERT-base's
  // 440 MB do not fit in any cache), and a kernel timed with cache-hot
  // weights favours configs that lose in the model (docs/tuning.md). Inputs
  // stay warm, as a kernel's activations come from the op before it.
  using Clock = std::chrono::steady_clock;
  auto timedRun = [&](LoadedLibrary &l, bool slow, double &ms) -> std::string {
    l.evictWeightsFromCaches();
    auto t0 = Clock::now();
    for (int rep = 0; rep < (slow ? 2 : 1); ++rep)
      if (auto o = l.run(inputs); !o)
        return "run failed: " + firstLine(llvm::toString(o.takeError()));
    ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    return "";
  };
  for (LoadedLibrary *l : {lib.get(), versusLib.get()})
    for (int w = 0; l && w < 2; ++w)
      if (auto o = l->run(inputs); !o)
        return fail("run failed: " + firstLine(llvm::toString(o.takeError())));
  r["ok"] = true;
  r["max_abs_error"] = maxErr;
  r["weights"] = "cold"; // evicted from the caches before every timed run
  auto start = Clock::now();
  auto more = [&](size_t n) {
    return n < 5 || (std::chrono::duration<double>(Clock::now() - start).count() < a.minSeconds &&
                     n < 2000);
  };
  if (!a.versus) {
    // At least 5 runs and minSeconds; the fastest run is the one least
    // disturbed by other load on the machine (the median moves with it); it
    // is the trial's time.
    std::vector<double> ms;
    while (more(ms.size())) {
      double t = 0;
      if (std::string why = timedRun(*lib, slowA, t); !why.empty())
        return fail(why);
      ms.push_back(t);
    }
    std::sort(ms.begin(), ms.end());
    r["time_ms"] = ms.front();
    r["median_ms"] = ms[ms.size() / 2];
    r["runs"] = ms.size();
    writeResult(a.result, r);
    return 0;
  }

  // Paired: the two libraries alternately (the order flips every pair), each
  // timed run right after an untimed one of the same library, as kernels run
  // back to back in a model. Each library has its own thread pool, whose idle
  // workers spin for ATTUNE_SPIN_US (2 ms by default) after a run; before
  // switching libraries the process sleeps past that, so that one library's
  // spinning workers never compete with the other's run. A pair sees the
  // same machine within milliseconds, which separate processes seconds
  // apart do not on a shared VM: the median per-pair ratio (versus / this)
  // is what the tuner ranks candidates and confirms winners by.
  long spinUs = 2000;
  if (const char *spin = std::getenv("ATTUNE_SPIN_US"); spin && *spin)
    spinUs = std::max(0L, std::strtol(spin, nullptr, 10));
  std::vector<double> msA, msB, ratio;
  while (more(ratio.size())) {
    double t[2] = {0, 0};
    bool versusFirst = ratio.size() % 2;
    for (int step = 0; step < 2; ++step) {
      bool isVersus = (step == 0) == versusFirst;
      LoadedLibrary &l = isVersus ? *versusLib : *lib;
      std::this_thread::sleep_for(std::chrono::microseconds(spinUs + 1000));
      if (auto o = l.run(inputs); !o)
        return fail("run failed: " + firstLine(llvm::toString(o.takeError())));
      if (std::string why = timedRun(l, isVersus ? slowB : slowA, t[isVersus]); !why.empty())
        return fail(why);
    }
    msA.push_back(t[0]);
    msB.push_back(t[1]);
    ratio.push_back(t[0] > 0 ? t[1] / t[0] : 1.0);
  }
  size_t faster = llvm::count_if(ratio, [](double x) { return x < 0.98; });
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  r["time_ms"] = *std::min_element(msA.begin(), msA.end());
  r["median_ms"] = median(msA);
  r["versus_time_ms"] = *std::min_element(msB.begin(), msB.end());
  r["versus_median_ms"] = median(msB);
  r["pairs"] = ratio.size();
  r["median_ratio"] = median(ratio);
  r["versus_faster_pairs"] = faster;
  writeResult(a.result, r);
  return 0;
}

} // namespace attune
