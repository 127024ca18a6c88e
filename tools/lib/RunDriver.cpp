//===- RunDriver.cpp - attune run: compiled library or reference ----------===//
//
// Library mode: dlopen the .so, read its signature through the C API,
// read/validate the .npy inputs, run, summarize and write the outputs.
// Reference mode: import the model, bring it to the graph phase and run the
// op-by-op reference interpreter on the same inputs.
//
//===----------------------------------------------------------------------===//
#include "attune/Tools/RunDriver.h"
#include <chrono>
#include "attune/Tools/CompileDriver.h"

#include "attune/formats/Npy.h"
#include "attune/runtime.h"
#include "attune/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include <algorithm>
#include <cmath>
#include <dlfcn.h>
#include <random>
#include <nlohmann/json.hpp>
#include "llvm/ADT/ScopeExit.h"

namespace attune {

std::optional<ElementType> fromNpy(formats::NpyDType t) {
  switch (t) {
  case formats::NpyDType::F32: return ElementType::F32;
  case formats::NpyDType::I32: return ElementType::I32;
  case formats::NpyDType::I64: return ElementType::I64;
  case formats::NpyDType::Bool: return ElementType::Bool;
  default: return std::nullopt;
  }
}

formats::NpyDType toNpy(ElementType t) {
  switch (t) {
  case ElementType::I32: return formats::NpyDType::I32;
  case ElementType::I64: return formats::NpyDType::I64;
  case ElementType::Bool: return formats::NpyDType::Bool;
  default: return formats::NpyDType::F32;
  }
}

namespace {

llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

std::string describe(ElementType t, const std::vector<int64_t> &shape) {
  return std::string(elementTypeName(t)) + formatDims(shape);
}

/// An input slot of the model: name, type, shape, bound.
struct Slot {
  std::string name;
  ElementType type;
  std::vector<int64_t> shape;
  int64_t maxValue = -1;
  int32_t seqDim = -1; // bucketed libraries: any length up to shape[seqDim]
};

bool fitsSlot(const std::vector<int64_t> &shape, const Slot &slot) {
  if (shape.size() != slot.shape.size())
    return false;
  for (size_t d = 0; d < shape.size(); ++d)
    if (static_cast<int32_t>(d) == slot.seqDim ? shape[d] < 1 || shape[d] > slot.shape[d]
                                                : shape[d] != slot.shape[d])
      return false;
  return true;
}

llvm::Expected<ref::Tensor> readInput(const std::string &path, const Slot &slot) {
  formats::NpyArray arr;
  std::string error;
  if (!formats::readNpy(path, arr, error))
    return makeError(error);
  auto t = fromNpy(arr.dtype);
  if (!t)
    return makeError(path + ": input '" + slot.name + "' expects " +
                     describe(slot.type, slot.shape) + ", the file holds " +
                     formats::npyDescr(arr.dtype) + " data (supported: float32, int32, int64, bool)");
  if (*t != slot.type || !fitsSlot(arr.shape, slot))
    return makeError(path + ": input '" + slot.name + "' expects " +
                     describe(slot.type, slot.shape) +
                     (slot.seqDim >= 0 ? " (dimension " + std::to_string(slot.seqDim) +
                                             ": any length up to " +
                                             std::to_string(slot.shape[slot.seqDim]) + ")"
                                       : std::string()) +
                     ", the file holds " + describe(*t, arr.shape));
  ref::Tensor tensor{*t, arr.shape, std::move(arr.data)};
  return tensor;
}

/// Integer inputs with a bound (token ids < vocabulary size): the same check
/// the compiled library's runtime makes, so the reference path reports it
/// the same way.
llvm::Error checkRange(const ref::Tensor &t, const Slot &slot, const std::string &path) {
  if (slot.maxValue < 0 || (t.type != ElementType::I64 && t.type != ElementType::I32))
    return llvm::Error::success();
  for (int64_t i = 0, n = t.numElements(); i < n; ++i) {
    int64_t v = t.type == ElementType::I64 ? t.i64()[i] : t.i32()[i];
    if (v < 0 || v >= slot.maxValue)
      return makeError(path + ": input '" + slot.name + "': element " + std::to_string(i) +
                       " has value " + std::to_string(v) + ", expected a value in [0," +
                       std::to_string(slot.maxValue) + ")");
  }
  return llvm::Error::success();
}

ref::Tensor randomInput(const Slot &slot, std::mt19937_64 &rng) {
  ref::Tensor t = ref::Tensor::zeros(slot.type, slot.shape);
  int64_t n = t.numElements();
  for (int64_t i = 0; i < n; ++i) {
    switch (slot.type) {
    case ElementType::F32:
      t.f32()[i] = std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng);
      break;
    case ElementType::I64:
      t.i64()[i] = slot.maxValue > 0 ? static_cast<int64_t>(rng() % slot.maxValue) : 1;
      break;
    case ElementType::I32:
      t.i32()[i] = slot.maxValue > 0 ? static_cast<int32_t>(rng() % slot.maxValue) : 1;
      break;
    default:
      t.data[i] = 1;
    }
  }
  return t;
}

llvm::Expected<std::vector<NamedTensor>> gatherInputs(const std::vector<Slot> &slots,
                                                      const RunOptions &o) {
  std::vector<NamedTensor> inputs;
  std::mt19937_64 rng(o.seed);
  std::string expected;
  for (const Slot &s : slots)
    expected += (expected.empty() ? "" : ", ") + s.name + ": " + describe(s.type, s.shape);
  for (size_t i = 0; i < o.inputs.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (o.inputs[i].first == o.inputs[j].first)
        return makeError("--input " + o.inputs[i].first + " is given twice (" +
                         o.inputs[j].second + " and " + o.inputs[i].second + ")");
  for (const auto &given : o.inputs)
    if (llvm::none_of(slots, [&](const Slot &s) { return s.name == given.first; }))
      return makeError("--input " + given.first + "=" + given.second + ": the model has no input '" + given.first +
                       "' (inputs: " + expected + ")");
  for (const Slot &s : slots) {
    auto it = llvm::find_if(o.inputs, [&](auto &kv) { return kv.first == s.name; });
    if (it != o.inputs.end()) {
      auto t = readInput(it->second, s);
      if (!t)
        return t.takeError();
      if (auto err = checkRange(*t, s, it->second))
        return std::move(err);
      inputs.push_back({s.name, std::move(*t)});
    } else if (o.randomInputs) {
      inputs.push_back({s.name, randomInput(s, rng)});
    } else {
      return makeError("missing --input " + s.name + "=FILE.npy (the model's inputs: " +
                       expected + "; or pass --random-inputs)");
    }
  }
  return inputs;
}

} // namespace

void summarizeTensor(const NamedTensor &t, llvm::raw_ostream &out) {
  out << "  " << t.name << ": " << describe(t.tensor.type, t.tensor.shape);
  int64_t n = t.tensor.numElements();
  if (n == 0) {
    out << " (empty)\n";
    return;
  }
  auto value = [&](int64_t i) -> double {
    switch (t.tensor.type) {
    case ElementType::F32: return t.tensor.f32()[i];
    case ElementType::I64: return static_cast<double>(t.tensor.i64()[i]);
    case ElementType::I32: return t.tensor.i32()[i];
    default: return t.tensor.data[i];
    }
  };
  double mn = value(0), mx = value(0), sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    double v = value(i);
    mn = std::min(mn, v);
    mx = std::max(mx, v);
    sum += v;
  }
  out << llvm::format("  min %.6g  max %.6g  mean %.6g  first [", mn, mx, sum / n);
  for (int64_t i = 0; i < std::min<int64_t>(n, 4); ++i)
    out << (i ? ", " : "") << llvm::format("%.6g", value(i));
  out << (n > 4 ? ", ...]\n" : "]\n");
}

namespace {

llvm::Error writeOutputs(const std::vector<NamedTensor> &outs, const std::string &dir,
                         llvm::raw_ostream &out) {
  if (dir.empty())
    return llvm::Error::success();
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return makeError(dir + ": cannot create directory: " + ec.message());
  for (const NamedTensor &t : outs) {
    std::string safe = t.name;
    for (char &c : safe)
      if (c == '/' || c == '\\')
        c = '_';
    std::string path = dir + "/" + safe + ".npy";
    formats::NpyArray arr{toNpy(t.tensor.type), t.tensor.shape, t.tensor.data};
    std::string error;
    if (!formats::writeNpy(path, arr, error))
      return makeError(error);
    out << "  wrote " << path << "\n";
  }
  return llvm::Error::success();
}

llvm::Expected<std::vector<NamedTensor>> runReferenceModel(const std::string &modelPath,
                                                           const std::string &weights,
                                                           const RunOptions &o,
                                                           std::vector<NamedTensor> *given) {
  auto ctx = createContext();
  auto model = loadModel(*ctx, modelPath, weights, o.modelOptions);
  if (!model)
    return model.takeError();
  if (auto err = lowerTo(*model->module, mlir::attune::Phase::Graph, mlir::attune::TargetOptions()))
    return std::move(err);
  auto fn = model->module->lookupSymbol<mlir::func::FuncOp>(mlir::attune::kEntryFunctionName);
  std::vector<Slot> slots;
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    auto t = llvm::cast<mlir::RankedTensorType>(fn.getArgument(i).getType());
    auto name = fn.getArgAttrOfType<mlir::StringAttr>(i, mlir::attune::kNameAttr);
    auto mv = fn.getArgAttrOfType<mlir::IntegerAttr>(i, mlir::attune::kMaxValueArgAttr);
    Slot s{name ? name.str() : "input_" + std::to_string(i), ElementType::F32,
           std::vector<int64_t>(t.getShape().begin(), t.getShape().end()), mv ? mv.getInt() : -1};
    mlir::Type et = t.getElementType();
    s.type = et.isInteger(64) ? ElementType::I64
             : et.isInteger(32) ? ElementType::I32
             : et.isInteger(1)  ? ElementType::Bool
                                : ElementType::F32;
    slots.push_back(s);
  }
  std::vector<NamedTensor> inputs;
  if (given) {
    inputs = *given;
  } else {
    auto g = gatherInputs(slots, o);
    if (!g)
      return g.takeError();
    inputs = std::move(*g);
  }
  std::vector<ref::Tensor> args;
  for (NamedTensor &t : inputs)
    args.push_back(t.tensor);
  auto results = ref::interpret(fn, args, &model->weights);
  if (!results)
    return results.takeError();
  std::vector<NamedTensor> outs;
  for (unsigned i = 0; i < results->size(); ++i) {
    auto name = fn.getResultAttrOfType<mlir::StringAttr>(i, mlir::attune::kNameAttr);
    outs.push_back({name ? name.str() : "output_" + std::to_string(i), (*results)[i]});
  }
  return outs;
}

} // namespace

Comparison compareTensors(const ref::Tensor &a, const ref::Tensor &b, double atol, double rtol) {
  Comparison c;
  if (a.type != b.type || a.shape != b.shape) {
    c.ok = false;
    c.detail = "type/shape differ: " + describe(a.type, a.shape) + " vs " + describe(b.type, b.shape);
    return c;
  }
  int64_t n = a.numElements();
  for (int64_t i = 0; i < n; ++i) {
    double x, y;
    switch (a.type) {
    case ElementType::F32: x = a.f32()[i]; y = b.f32()[i]; break;
    case ElementType::I64: x = a.i64()[i]; y = b.i64()[i]; break;
    case ElementType::I32: x = a.i32()[i]; y = b.i32()[i]; break;
    default: x = a.data[i]; y = b.data[i];
    }
    double d = std::fabs(x - y);
    bool bad = !(d <= atol + rtol * std::fabs(y)) && !(std::isnan(x) && std::isnan(y));
    c.maxAbs = std::max(c.maxAbs, std::isnan(d) ? INFINITY : d);
    if (y != 0)
      c.maxRel = std::max(c.maxRel, d / std::fabs(y));
    if (bad && c.ok) {
      c.ok = false;
      c.detail = "element " + std::to_string(i) + ": " + std::to_string(x) + " vs expected " +
                 std::to_string(y);
    }
  }
  return c;
}

struct LoadedLibrary::Api {
  decltype(&attune_model_load) load;
  decltype(&attune_model_run) run;
  decltype(&attune_model_free) free;
  decltype(&attune_last_error) lastError;
  decltype(&attune_model_num_inputs) numInputs;
  decltype(&attune_model_num_outputs) numOutputs;
  decltype(&attune_model_input_info) inputInfo;
  decltype(&attune_model_output_info) outputInfo;
  decltype(&attune_set_num_threads) setThreads;
  // Optional (ABI 2).
  decltype(&attune_model_seq_lens) seqLens = nullptr;
  decltype(&attune_model_seq_dim) seqDim = nullptr;
  decltype(&attune_decoder_create) decCreate = nullptr;
  decltype(&attune_decoder_feed) decFeed = nullptr;
  decltype(&attune_decoder_vocab_size) decVocab = nullptr;
  decltype(&attune_decoder_free) decFree = nullptr;
  decltype(&attune_model_weights) weights = nullptr;
};

llvm::Expected<std::unique_ptr<LoadedLibrary>> LoadedLibrary::open(const std::string &path,
                                                                   int threads) {
  llvm::SmallString<256> abs(path);
  llvm::sys::fs::make_absolute(abs);
  if (!llvm::sys::fs::exists(abs))
    return makeError(path + ": no such file");
  std::unique_ptr<LoadedLibrary> lib(new LoadedLibrary());
  lib->path_ = path;
  lib->handle_ = dlopen(abs.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib->handle_)
    return makeError(path + ": cannot load: " + dlerror());
  auto sym = [&](const char *name) { return dlsym(lib->handle_, name); };
  lib->api_ = std::make_unique<Api>();
  Api &a = *lib->api_;
  a.load = reinterpret_cast<decltype(a.load)>(sym("attune_model_load"));
  a.run = reinterpret_cast<decltype(a.run)>(sym("attune_model_run"));
  a.free = reinterpret_cast<decltype(a.free)>(sym("attune_model_free"));
  a.lastError = reinterpret_cast<decltype(a.lastError)>(sym("attune_last_error"));
  a.numInputs = reinterpret_cast<decltype(a.numInputs)>(sym("attune_model_num_inputs"));
  a.numOutputs = reinterpret_cast<decltype(a.numOutputs)>(sym("attune_model_num_outputs"));
  a.inputInfo = reinterpret_cast<decltype(a.inputInfo)>(sym("attune_model_input_info"));
  a.outputInfo = reinterpret_cast<decltype(a.outputInfo)>(sym("attune_model_output_info"));
  a.setThreads = reinterpret_cast<decltype(a.setThreads)>(sym("attune_set_num_threads"));
  if (!a.load || !a.run || !a.free || !a.lastError || !a.numInputs || !a.numOutputs ||
      !a.inputInfo || !a.outputInfo || !a.setThreads)
    return makeError(path + ": not an Attune library (missing attune_* C API symbols)");
  a.seqLens = reinterpret_cast<decltype(a.seqLens)>(sym("attune_model_seq_lens"));
  a.seqDim = reinterpret_cast<decltype(a.seqDim)>(sym("attune_model_seq_dim"));
  a.decCreate = reinterpret_cast<decltype(a.decCreate)>(sym("attune_decoder_create"));
  a.decFeed = reinterpret_cast<decltype(a.decFeed)>(sym("attune_decoder_feed"));
  a.decVocab = reinterpret_cast<decltype(a.decVocab)>(sym("attune_decoder_vocab_size"));
  a.decFree = reinterpret_cast<decltype(a.decFree)>(sym("attune_decoder_free"));
  a.weights = reinterpret_cast<decltype(a.weights)>(sym("attune_model_weights"));
  if (threads > 0)
    a.setThreads(threads);
  if (a.load(nullptr, &lib->model_) != ATTUNE_OK)
    return makeError(path + ": " + a.lastError());
  return std::move(lib);
}

LoadedLibrary::~LoadedLibrary() {
  if (model_)
    api_->free(model_);
  if (handle_)
    dlclose(handle_);
}

llvm::Expected<std::vector<NamedTensor>>
LoadedLibrary::run(const std::vector<NamedTensor> &inputs) {
  Api &a = *api_;
  std::vector<attune_tensor> in(a.numInputs(model_)), out(a.numOutputs(model_));
  if (inputs.size() != in.size())
    return makeError(path_ + ": expected " + std::to_string(in.size()) + " inputs, got " +
                     std::to_string(inputs.size()));
  for (size_t i = 0; i < in.size(); ++i) {
    a.inputInfo(model_, i, &in[i]);
    in[i].data = const_cast<uint8_t *>(inputs[i].tensor.data.data());
    in[i].dtype = static_cast<attune_dtype>(inputs[i].tensor.type);
    in[i].rank = static_cast<int32_t>(inputs[i].tensor.shape.size());
    for (size_t d = 0; d < inputs[i].tensor.shape.size() && d < ATTUNE_MAX_RANK; ++d)
      in[i].shape[d] = inputs[i].tensor.shape[d];
  }
  // Bucketed libraries: the outputs take the inputs' sequence length.
  int64_t seqLen = 0;
  if (a.seqDim)
    for (size_t i = 0; i < in.size() && !seqLen; ++i) {
      int32_t d = a.seqDim(model_, 0, i);
      if (d >= 0 && d < in[i].rank)
        seqLen = in[i].shape[d];
    }
  std::vector<NamedTensor> outs;
  for (size_t i = 0; i < out.size(); ++i) {
    a.outputInfo(model_, i, &out[i]);
    if (seqLen > 0) {
      int32_t d = a.seqDim(model_, 1, i);
      if (d >= 0 && d < out[i].rank)
        out[i].shape[d] = seqLen;
    }
    std::vector<int64_t> shape(out[i].shape, out[i].shape + out[i].rank);
    outs.push_back({out[i].name, ref::Tensor::zeros(static_cast<ElementType>(out[i].dtype), shape)});
  }
  for (size_t i = 0; i < out.size(); ++i)
    out[i].data = outs[i].tensor.data.data();
  if (a.run(model_, in.data(), in.size(), out.data(), out.size()) != ATTUNE_OK)
    return makeError(path_ + ": " + a.lastError());
  return outs;
}

llvm::ArrayRef<uint8_t> LoadedLibrary::weights() const {
  const void *data = nullptr;
  size_t n = 0;
  if (!api_->weights || api_->weights(model_, &data, &n) != ATTUNE_OK)
    return {};
  return {static_cast<const uint8_t *>(data), n};
}

void LoadedLibrary::evictWeightsFromCaches() const {
  llvm::ArrayRef<uint8_t> bytes = weights();
#if defined(__x86_64__) || defined(__i386__)
  for (size_t i = 0; i < bytes.size(); i += 64)
    __builtin_ia32_clflush(bytes.data() + i);
  __builtin_ia32_mfence();
#else
  (void)bytes;
#endif
}

std::vector<int64_t> LoadedLibrary::seqLens() const {
  const int64_t *lens = nullptr;
  size_t n = api_->seqLens ? api_->seqLens(model_, &lens) : 0;
  return n ? std::vector<int64_t>(lens, lens + n) : std::vector<int64_t>();
}

bool LoadedLibrary::hasDecoder() const {
  if (!api_->decCreate)
    return false;
  attune_decoder *d = nullptr;
  if (api_->decCreate(model_, &d) != ATTUNE_OK)
    return false;
  api_->decFree(d);
  return true;
}

llvm::Expected<LoadedLibrary::Generation>
LoadedLibrary::generate(const std::vector<int64_t> &prompt, int64_t steps) {
  Api &a = *api_;
  if (!a.decCreate || !a.decFeed || !a.decVocab || !a.decFree)
    return makeError(path_ + ": the library has no incremental decoding API");
  attune_decoder *d = nullptr;
  if (a.decCreate(model_, &d) != ATTUNE_OK)
    return makeError(path_ + ": " + a.lastError());
  auto cleanup = llvm::make_scope_exit([&] { a.decFree(d); });
  if (prompt.empty())
    return makeError("generation needs a prompt of at least one token");
  Generation g;
  std::vector<float> logits(a.decVocab(d));
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  if (a.decFeed(d, prompt.data(), prompt.size(), logits.data()) != ATTUNE_OK)
    return makeError(path_ + ": " + a.lastError());
  auto t1 = Clock::now();
  g.prefillSeconds = std::chrono::duration<double>(t1 - t0).count();
  for (int64_t s = 0; s < steps; ++s) {
    g.logits.push_back(logits);
    int64_t next = std::max_element(logits.begin(), logits.end()) - logits.begin();
    g.tokens.push_back(next);
    if (s + 1 < steps && a.decFeed(d, &next, 1, logits.data()) != ATTUNE_OK)
      return makeError(path_ + ": " + a.lastError());
  }
  g.decodeSeconds = std::chrono::duration<double>(Clock::now() - t1).count();
  return g;
}

llvm::Expected<std::vector<NamedTensor>> runLibrary(const std::string &libraryPath,
                                                    const std::vector<NamedTensor> &inputs,
                                                    int threads) {
  auto lib = LoadedLibrary::open(libraryPath, threads);
  if (!lib)
    return lib.takeError();
  return (*lib)->run(inputs);
}

/// attune bench: warm-up runs, then timed runs; prints and optionally
/// writes (JSON) min / p50 / p90 / mean latency.
llvm::Error benchLibrary(const RunOptions &o, const std::vector<NamedTensor> &inputs,
                         llvm::raw_ostream &out) {
  auto lib = LoadedLibrary::open(o.target, o.threads);
  if (!lib)
    return lib.takeError();
  using Clock = std::chrono::steady_clock;
  for (int i = 0; i < o.benchWarmup; ++i)
    if (auto r = (*lib)->run(inputs); !r)
      return r.takeError();
  std::vector<double> ms;
  auto start = Clock::now();
  for (int i = 0; i < o.benchIterations; ++i) {
    if (o.benchColdWeights)
      (*lib)->evictWeightsFromCaches(); // not timed
    auto t0 = Clock::now();
    auto r = (*lib)->run(inputs);
    if (!r)
      return r.takeError();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (o.benchSeconds > 0 && i + 1 >= 3 &&
        std::chrono::duration<double>(Clock::now() - start).count() > o.benchSeconds)
      break;
  }
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  auto pct = [&](double p) {
    return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * (sorted.size() - 1) + 0.5))];
  };
  double mean = 0;
  for (double v : ms)
    mean += v / ms.size();
  std::string shapes;
  for (const NamedTensor &t : inputs)
    shapes += (shapes.empty() ? "" : " ") + t.name + formatDims(t.tensor.shape);
  out << "bench: " << o.target << " (" << shapes << ")\n";
  out << llvm::format("  %zu runs after %d warm-up%s: min %.3f ms  p50 %.3f ms  p90 %.3f ms  "
                      "mean %.3f ms\n",
                      ms.size(), o.benchWarmup,
                      o.benchColdWeights ? ", weights evicted from the caches before each" : "",
                      sorted.front(), pct(0.5), pct(0.9), mean);
  if (!o.benchJson.empty()) {
    nlohmann::json j = {{"library", o.target}, {"runs", ms.size()},
                        {"warmup", o.benchWarmup}, {"threads", o.threads},
                        {"min_ms", sorted.front()}, {"p50_ms", pct(0.5)},
                        {"p90_ms", pct(0.9)}, {"mean_ms", mean}, {"inputs", shapes},
                        {"weights", o.benchColdWeights ? "cold" : "warm"},
                        {"times_ms", ms}};
    std::error_code ec;
    llvm::raw_fd_ostream os(o.benchJson, ec);
    if (ec)
      return makeError(o.benchJson + ": cannot write: " + ec.message());
    os << j.dump(2) << "\n";
  }
  return llvm::Error::success();
}

llvm::Error run(const RunOptions &o, llvm::raw_ostream &out) {
  std::vector<NamedTensor> inputs, outputs;
  if (o.reference) {
    auto r = runReferenceModel(o.target, o.weights, o, nullptr);
    if (!r)
      return r.takeError();
    outputs = std::move(*r);
    out << "reference interpreter: " << o.target << "\n";
  } else {
    // Signature first (to read and validate the inputs), then run.
    llvm::SmallString<256> abs(o.target);
    llvm::sys::fs::make_absolute(abs);
    if (!llvm::sys::fs::exists(abs))
      return makeError(o.target + ": no such file");
    void *h = dlopen(abs.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h)
      return makeError(o.target + ": cannot load: " + dlerror());
    auto load = reinterpret_cast<decltype(&attune_model_load)>(dlsym(h, "attune_model_load"));
    auto inInfo = reinterpret_cast<decltype(&attune_model_input_info)>(dlsym(h, "attune_model_input_info"));
    auto nIn = reinterpret_cast<decltype(&attune_model_num_inputs)>(dlsym(h, "attune_model_num_inputs"));
    auto freeFn = reinterpret_cast<decltype(&attune_model_free)>(dlsym(h, "attune_model_free"));
    auto lastError = reinterpret_cast<decltype(&attune_last_error)>(dlsym(h, "attune_last_error"));
    if (!load || !inInfo || !nIn || !freeFn || !lastError) {
      dlclose(h);
      return makeError(o.target + ": not an Attune library (missing attune_* C API symbols)");
    }
    attune_model *m = nullptr;
    if (load(nullptr, &m) != ATTUNE_OK) {
      std::string msg = lastError();
      dlclose(h);
      return makeError(o.target + ": " + msg);
    }
    auto sigFn = reinterpret_cast<decltype(&attune_model_signature)>(
        dlsym(h, "attune_model_signature"));
    nlohmann::json sig = nlohmann::json::parse(sigFn ? sigFn(m) : "{}", nullptr, false);
    std::vector<Slot> slots;
    for (size_t i = 0; i < nIn(m); ++i) {
      attune_tensor t;
      inInfo(m, i, &t);
      int64_t maxValue = -1;
      if (sig.is_object() && sig.contains("inputs") && sig["inputs"].is_array() &&
          i < sig["inputs"].size() && sig["inputs"][i].contains("max_value") &&
          sig["inputs"][i]["max_value"].is_number_integer())
        maxValue = sig["inputs"][i]["max_value"].get<int64_t>();
      int32_t seqDim = -1;
      if (sig.is_object() && sig.contains("inputs") && sig["inputs"].is_array() &&
          i < sig["inputs"].size() && sig["inputs"][i].contains("seq_dim") &&
          sig["inputs"][i]["seq_dim"].is_number_integer())
        seqDim = sig["inputs"][i]["seq_dim"].get<int32_t>();
      slots.push_back({t.name, static_cast<ElementType>(t.dtype),
                       std::vector<int64_t>(t.shape, t.shape + t.rank), maxValue, seqDim});
    }
    freeFn(m);
    dlclose(h);
    if (o.textMode()) {
      std::vector<TextSlot> textSlots;
      for (const Slot &s : slots)
        textSlots.push_back({s.name, s.type, s.shape, s.seqDim});
      return runText(o, textSlots, out);
    }
    if (o.benchSeqLen > 0) {
      bool any = false;
      for (Slot &s : slots)
        if (s.seqDim >= 0) {
          if (o.benchSeqLen > s.shape[s.seqDim])
            return makeError("--seq-len " + std::to_string(o.benchSeqLen) +
                             " exceeds the library's largest bucket (" +
                             std::to_string(s.shape[s.seqDim]) + ")");
          s.shape[s.seqDim] = o.benchSeqLen;
          any = true;
        }
      if (!any)
        return makeError("--seq-len: " + o.target + " has no sequence buckets; its inputs have "
                         "fixed shapes (compile with --seq-lens to choose at run time)");
    }
    // Token-id bounds come from the signature JSON; the runtime enforces them.
    auto g = gatherInputs(slots, o);
    if (!g)
      return g.takeError();
    inputs = std::move(*g);
    if (o.benchIterations > 0)
      return benchLibrary(o, inputs, out);
    auto r = runLibrary(o.target, inputs, o.threads);
    if (!r)
      return r.takeError();
    outputs = std::move(*r);
    out << "library: " << o.target << "\n";
  }
  out << "outputs:\n";
  for (const NamedTensor &t : outputs)
    summarizeTensor(t, out);
  if (auto err = writeOutputs(outputs, o.outputDir, out))
    return err;
  if (!o.compareWith.empty() && !o.reference) {
    auto expected = runReferenceModel(o.compareWith, o.weights, o, &inputs);
    if (!expected)
      return expected.takeError();
    bool ok = true;
    out << "compared with the reference interpreter (|a-b| <= " << o.atol << " + " << o.rtol
        << "|b|):\n";
    for (size_t i = 0; i < outputs.size() && i < expected->size(); ++i) {
      Comparison c = compareTensors(outputs[i].tensor, (*expected)[i].tensor, o.atol, o.rtol);
      out << llvm::format("  %s: max |a-b| %.3g  %s", outputs[i].name.c_str(), c.maxAbs,
                          c.ok ? "ok" : "MISMATCH")
          << (c.ok ? "" : " (" + c.detail + ")") << "\n";
      ok &= c.ok;
    }
    if (!ok)
      return makeError("outputs differ from the reference interpreter");
  }
  return llvm::Error::success();
}

} // namespace attune
