//===- tests/e2e/E2E.cpp - compile -> .so -> run -> compare helpers -------===//
#include "E2E.h"

#include "ElfNeeded.h"
#include "attune/formats/Safetensors.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <dlfcn.h>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

namespace attune::e2e {

const std::vector<std::string> &allowedNeeded() {
  static const std::vector<std::string> allowed = {"libc.so.6",       "libm.so.6",
                                                   "libpthread.so.0", "libdl.so.2",
                                                   "libgcc_s.so.1",   "ld-linux-x86-64.so.2"};
  return allowed;
}

//===----------------------------------------------------------------------===//
// MLIR text helpers
//===----------------------------------------------------------------------===//

std::string tensorType(const std::vector<int64_t> &shape, const std::string &elem) {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s + elem + ">";
}

std::string i64Array(const std::vector<int64_t> &values) {
  std::string s = "array<i64";
  for (size_t i = 0; i < values.size(); ++i)
    s += (i ? ", " : ": ") + std::to_string(values[i]);
  return s + ">";
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

std::vector<int64_t> broadcastShapes(const std::vector<int64_t> &a, const std::vector<int64_t> &b) {
  size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::string FuncBuilder::arg(const std::string &name, const std::string &type,
                             const std::string &extraAttrs) {
  args_.push_back("%" + name + ": " + type + " {attune.name = \"" + name + "\"" +
                  (extraAttrs.empty() ? "" : ", " + extraAttrs) + "}");
  return "%" + name;
}

std::string FuncBuilder::def(const std::string &value, const std::string &rhs) {
  body_.push_back("%" + value + " = " + rhs);
  return "%" + value;
}

void FuncBuilder::line(const std::string &text) { body_.push_back(text); }

void FuncBuilder::result(const std::string &name, const std::string &value,
                         const std::string &type) {
  results_.push_back({name, value, type});
}

std::string FuncBuilder::str() const {
  std::string s = "func.func @main(";
  for (size_t i = 0; i < args_.size(); ++i)
    s += (i ? ",\n                " : "") + args_[i];
  s += ") -> (";
  for (size_t i = 0; i < results_.size(); ++i)
    s += (i ? ", " : "") + results_[i].type + " {attune.name = \"" + results_[i].name + "\"}";
  s += ") {\n";
  for (const std::string &l : body_)
    s += "  " + l + "\n";
  s += "  return ";
  for (size_t i = 0; i < results_.size(); ++i)
    s += (i ? ", " : "") + results_[i].value;
  s += " : ";
  for (size_t i = 0; i < results_.size(); ++i)
    s += (i ? ", " : "") + results_[i].type;
  return s + "\n}\n";
}

//===----------------------------------------------------------------------===//
// Data
//===----------------------------------------------------------------------===//

namespace {

/// Stores `v` into element `i` of `t`, converted to its type.
void store(Tensor &t, int64_t i, double v) {
  switch (t.type) {
  case ElementType::F32: t.f32()[i] = static_cast<float>(v); break;
  case ElementType::I64: t.i64()[i] = static_cast<int64_t>(v); break;
  case ElementType::I32: t.i32()[i] = static_cast<int32_t>(v); break;
  case ElementType::Bool: t.i1()[i] = v != 0 ? 1 : 0; break;
  default: ADD_FAILURE() << "unsupported element type in test data"; break;
  }
}

void storeInt(Tensor &t, int64_t i, int64_t v) {
  switch (t.type) {
  case ElementType::I64: t.i64()[i] = v; break;
  case ElementType::I32: t.i32()[i] = static_cast<int32_t>(v); break;
  default: store(t, i, static_cast<double>(v)); break;
  }
}

std::optional<formats::DType> toDType(ElementType t) {
  switch (t) {
  case ElementType::F32: return formats::DType::F32;
  case ElementType::I64: return formats::DType::I64;
  case ElementType::I32: return formats::DType::I32;
  default: return std::nullopt;
  }
}

std::string describe(const Tensor &t) { return t.typeString(); }

double valueAt(const Tensor &t, int64_t i) {
  switch (t.type) {
  case ElementType::F32: return t.f32()[i];
  case ElementType::I64: return static_cast<double>(t.i64()[i]);
  case ElementType::I32: return t.i32()[i];
  default: return t.data[i];
  }
}

/// "[i,j,k]" multi-index of flat element `flat`.
std::string indexString(const std::vector<int64_t> &shape, int64_t flat) {
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return shapeString(idx);
}

} // namespace

Gen uniform(float lo, float hi) {
  return [=](Tensor &t, std::mt19937_64 &rng) {
    std::uniform_real_distribution<float> d(lo, hi);
    for (int64_t i = 0; i < t.numElements(); ++i)
      store(t, i, d(rng));
  };
}

Gen nonzero(float lo, float hi) {
  return [=](Tensor &t, std::mt19937_64 &rng) {
    std::uniform_real_distribution<float> d(lo, hi);
    for (int64_t i = 0; i < t.numElements(); ++i) {
      float v = d(rng);
      store(t, i, (rng() & 1) ? v : -v);
    }
  };
}

Gen ints(int64_t lo, int64_t hi) {
  return [=](Tensor &t, std::mt19937_64 &rng) {
    std::uniform_int_distribution<int64_t> d(lo, hi);
    for (int64_t i = 0; i < t.numElements(); ++i)
      storeInt(t, i, d(rng));
  };
}

Gen nonzeroInts(int64_t lo, int64_t hi) {
  return [=](Tensor &t, std::mt19937_64 &rng) {
    std::uniform_int_distribution<int64_t> d(lo, hi);
    for (int64_t i = 0; i < t.numElements(); ++i) {
      int64_t v;
      do
        v = d(rng);
      while (v == 0);
      storeInt(t, i, v);
    }
  };
}

Gen bools(double pTrue) {
  return [=](Tensor &t, std::mt19937_64 &rng) {
    std::bernoulli_distribution d(pTrue);
    for (int64_t i = 0; i < t.numElements(); ++i)
      store(t, i, d(rng) ? 1 : 0);
  };
}

Gen paddingMask(double pZero) {
  return [=](Tensor &t, std::mt19937_64 &rng) {
    std::bernoulli_distribution zero(pZero);
    int64_t cols = t.shape.empty() ? 1 : t.shape.back();
    int64_t n = t.numElements();
    bool anyZero = false;
    for (int64_t i = 0; i < n; ++i) {
      bool z = (i % cols) != 0 && zero(rng);
      anyZero |= z;
      store(t, i, z ? 0 : 1);
    }
    if (!anyZero && cols > 1)
      store(t, cols - 1, 0);
  };
}

Gen withPrefix(std::vector<double> values, Gen rest) {
  return [=](Tensor &t, std::mt19937_64 &rng) {
    rest(t, rng);
    for (size_t i = 0; i < values.size() && static_cast<int64_t>(i) < t.numElements(); ++i)
      store(t, static_cast<int64_t>(i), values[i]);
  };
}

std::vector<NamedTensor> makeInputs(const std::vector<Slot> &slots,
                                    const std::map<std::string, Gen> &gens, uint64_t seed) {
  std::vector<NamedTensor> out;
  for (size_t i = 0; i < slots.size(); ++i) {
    const Slot &s = slots[i];
    // One generator per input, seeded from the test's seed and the position,
    // so adding an input does not change the others' data.
    std::mt19937_64 rng(seed * 1000003u + i * 7919u + 17u);
    Tensor t = Tensor::zeros(s.type, s.shape);
    auto it = gens.find(s.name);
    if (it != gens.end())
      it->second(t, rng);
    else if (s.type == ElementType::F32)
      uniform(-1.0f, 1.0f)(t, rng);
    else if (s.type == ElementType::Bool)
      bools()(t, rng);
    else
      ints(0, 7)(t, rng);
    out.push_back({s.name, std::move(t)});
  }
  return out;
}

Weight makeWeight(const std::string &name, ElementType type, std::vector<int64_t> shape, Gen gen,
                  uint64_t seed) {
  std::mt19937_64 rng(seed);
  Tensor t = Tensor::zeros(type, std::move(shape));
  gen(t, rng);
  return {name, std::move(t)};
}

//===----------------------------------------------------------------------===//
// Comparisons
//===----------------------------------------------------------------------===//

void expectClose(const Tensor &actual, const Tensor &expected, const std::string &label,
                 double atol, double rtol) {
  if (actual.type != expected.type || actual.shape != expected.shape) {
    ADD_FAILURE() << label << ": compiled output is " << describe(actual)
                  << ", the reference interpreter gives " << describe(expected);
    return;
  }
  bool isFloat = actual.type == ElementType::F32;
  int64_t n = actual.numElements(), bad = 0, firstBad = -1;
  double maxAbs = 0, worstExcess = 0;
  int64_t worst = -1;
  for (int64_t i = 0; i < n; ++i) {
    double a = valueAt(actual, i), b = valueAt(expected, i);
    bool ok;
    if (isFloat) {
      double d = std::fabs(a - b);
      ok = (std::isnan(a) && std::isnan(b)) || d <= atol + rtol * std::fabs(b);
      if (!std::isnan(d))
        maxAbs = std::max(maxAbs, d);
      double excess = std::isnan(d) ? INFINITY : d - (atol + rtol * std::fabs(b));
      if (!ok && (worst < 0 || excess > worstExcess)) {
        worst = i;
        worstExcess = excess;
      }
    } else {
      // Integers compared exactly (bit patterns for i64 beyond 2^53).
      if (actual.type == ElementType::I64)
        ok = actual.i64()[i] == expected.i64()[i];
      else
        ok = a == b;
    }
    if (!ok) {
      ++bad;
      if (firstBad < 0)
        firstBad = i;
    }
  }
  if (bad) {
    std::ostringstream msg;
    msg.precision(9);
    msg << label << " (" << describe(actual) << "): " << bad << " of " << n
        << " elements differ from the reference interpreter";
    if (isFloat)
      msg << " beyond |a-b| <= " << atol << " + " << rtol << "|b| (max |a-b| " << maxAbs << ")";
    msg << "; first at " << indexString(actual.shape, firstBad) << ": compiled ";
    if (actual.type == ElementType::I64)
      msg << actual.i64()[firstBad] << " vs reference " << expected.i64()[firstBad];
    else
      msg << valueAt(actual, firstBad) << " vs reference " << valueAt(expected, firstBad);
    if (isFloat && worst >= 0 && worst != firstBad)
      msg << "; worst at " << indexString(actual.shape, worst) << ": compiled "
          << valueAt(actual, worst) << " vs reference " << valueAt(expected, worst);
    ADD_FAILURE() << msg.str();
  }
}

void expectBitIdentical(const Tensor &a, const Tensor &b, const std::string &label) {
  if (a.type != b.type || a.shape != b.shape) {
    ADD_FAILURE() << label << ": " << describe(a) << " vs " << describe(b);
    return;
  }
  if (a.data == b.data)
    return;
  size_t es = elementSize(a.type), diff = 0, first = SIZE_MAX;
  for (size_t i = 0; i < a.data.size() / es; ++i)
    if (std::memcmp(a.data.data() + i * es, b.data.data() + i * es, es) != 0) {
      ++diff;
      first = std::min(first, i);
    }
  std::ostringstream msg;
  msg.precision(9);
  msg << label << " (" << describe(a) << "): " << diff << " elements are not bit-identical; first at "
      << indexString(a.shape, static_cast<int64_t>(first)) << ": " << valueAt(a, first) << " vs "
      << valueAt(b, first);
  ADD_FAILURE() << msg.str();
}

void expectAllClose(const std::vector<NamedTensor> &actual, const std::vector<NamedTensor> &expected,
                    const std::string &what, double atol, double rtol) {
  ASSERT_EQ(actual.size(), expected.size()) << what << ": number of outputs";
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_EQ(actual[i].name, expected[i].name) << what << ": output " << i;
    expectClose(actual[i].tensor, expected[i].tensor,
                what + ": output '" + expected[i].name + "'", atol, rtol);
  }
}

void expectAllBitIdentical(const std::vector<NamedTensor> &a, const std::vector<NamedTensor> &b,
                           const std::string &what) {
  ASSERT_EQ(a.size(), b.size()) << what << ": number of outputs";
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name) << what << ": output " << i;
    expectBitIdentical(a[i].tensor, b[i].tensor, what + ": output '" + b[i].name + "'");
  }
}

//===----------------------------------------------------------------------===//
// Fixture
//===----------------------------------------------------------------------===//

void E2ETest::SetUp() {
  const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string prefix = std::string("attune-e2e-") + info->name();
  for (char &c : prefix)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '-')
      c = '_';
  llvm::SmallString<256> dir;
  std::error_code ec = llvm::sys::fs::createUniqueDirectory(prefix, dir);
  ASSERT_FALSE(ec) << "cannot create a temporary directory: " << ec.message();
  dir_ = dir.str().str();
  ctx_ = createContext();
}

void E2ETest::TearDown() {
  if (dir_.empty())
    return;
  if (HasFailure())
    std::cerr << "[ e2e ] artifacts kept in " << dir_ << "\n";
  else
    llvm::sys::fs::remove_directories(dir_);
}

std::string E2ETest::path(const std::string &file) const { return dir_ + "/" + file; }

std::string E2ETest::writeFile(const std::string &file, const std::string &text) {
  std::string p = path(file);
  std::ofstream os(p, std::ios::binary);
  os << text;
  os.close();
  EXPECT_TRUE(os.good()) << "cannot write " << p;
  return p;
}

std::string E2ETest::writeWeights(const std::string &file, const std::vector<Weight> &weights) {
  std::string p = path(file);
  std::vector<formats::TensorToWrite> tensors;
  for (const Weight &w : weights) {
    auto dtype = toDType(w.tensor.type);
    if (!dtype) {
      ADD_FAILURE() << "weight " << w.name << ": unsupported type " << describe(w.tensor);
      continue;
    }
    tensors.push_back({w.name, *dtype, w.tensor.shape, w.tensor.data.data()});
  }
  std::string error;
  EXPECT_TRUE(formats::writeSafetensors(p, tensors, {}, error)) << error;
  return p;
}

void E2ETest::compileModel(const std::string &model, const std::string &weights,
                           const std::string &soPath, bool embedWeights, int64_t parallelChunks) {
  CompileOptions o;
  o.model = model;
  o.weights = weights;
  o.output = soPath;
  o.target = target_;
  o.embedWeights = embedWeights;
  o.parallelChunks = parallelChunks;
  std::string log;
  llvm::raw_string_ostream os(log);
  llvm::Error err = compile(o, os);
  ASSERT_FALSE(err) << "attune::compile(" << model << ") failed:\n"
                    << llvm::toString(std::move(err)) << "\nlog:\n"
                    << os.str();
  std::string error;
  std::vector<std::string> needed = elfNeeded(soPath, error);
  ASSERT_TRUE(error.empty()) << error;
  for (const std::string &n : needed)
    EXPECT_NE(std::find(allowedNeeded().begin(), allowedNeeded().end(), n), allowedNeeded().end())
        << soPath << " depends on " << n
        << " (allowed: libc, libm, libpthread, libdl, libgcc_s, ld-linux)";
}

namespace {
Slot slotOf(mlir::Type type, mlir::StringAttr name, const std::string &fallback) {
  auto t = llvm::cast<mlir::RankedTensorType>(type);
  Slot s;
  s.name = name ? name.str() : fallback;
  s.shape.assign(t.getShape().begin(), t.getShape().end());
  mlir::Type e = t.getElementType();
  s.type = e.isInteger(64)   ? ElementType::I64
           : e.isInteger(32) ? ElementType::I32
           : e.isInteger(1)  ? ElementType::Bool
                             : ElementType::F32;
  return s;
}
} // namespace

void E2ETest::signature(const std::string &model, const std::string &weights,
                        std::vector<Slot> &inputs, std::vector<Slot> &outputs) {
  auto loaded = loadModel(*ctx_, model, weights);
  ASSERT_TRUE(static_cast<bool>(loaded)) << llvm::toString(loaded.takeError());
  auto fn = loaded->module->lookupSymbol<mlir::func::FuncOp>("main");
  ASSERT_TRUE(fn) << model << ": no @main";
  inputs.clear();
  outputs.clear();
  for (unsigned i = 0; i < fn.getNumArguments(); ++i)
    inputs.push_back(slotOf(fn.getArgument(i).getType(),
                            fn.getArgAttrOfType<mlir::StringAttr>(i, "attune.name"),
                            "input_" + std::to_string(i)));
  for (unsigned i = 0; i < fn.getNumResults(); ++i)
    outputs.push_back(slotOf(fn.getResultTypes()[i],
                             fn.getResultAttrOfType<mlir::StringAttr>(i, "attune.name"),
                             "output_" + std::to_string(i)));
}

void E2ETest::reference(const std::string &model, const std::string &weights,
                        const std::vector<NamedTensor> &inputs, std::vector<NamedTensor> &outputs,
                        bool graphPhase) {
  auto loaded = loadModel(*ctx_, model, weights);
  ASSERT_TRUE(static_cast<bool>(loaded)) << llvm::toString(loaded.takeError());
  if (graphPhase) {
    llvm::Error err =
        lowerTo(*loaded->module, mlir::attune::Phase::Graph, mlir::attune::TargetOptions());
    ASSERT_FALSE(err) << llvm::toString(std::move(err));
  }
  auto fn = loaded->module->lookupSymbol<mlir::func::FuncOp>("main");
  ASSERT_TRUE(fn) << model << ": no @main";
  std::vector<Tensor> args;
  for (const NamedTensor &t : inputs)
    args.push_back(t.tensor);
  auto results = ref::interpret(fn, args, &loaded->weights);
  ASSERT_TRUE(static_cast<bool>(results))
      << "reference interpreter: " << llvm::toString(results.takeError());
  outputs.clear();
  for (unsigned i = 0; i < results->size(); ++i) {
    auto name = fn.getResultAttrOfType<mlir::StringAttr>(i, "attune.name");
    outputs.push_back({name ? name.str() : "output_" + std::to_string(i), (*results)[i]});
  }
}

void E2ETest::runCompiled(const std::string &so, const std::vector<NamedTensor> &inputs,
                          int threads, std::vector<NamedTensor> &outputs) {
  auto r = runLibrary(so, inputs, threads);
  ASSERT_TRUE(static_cast<bool>(r)) << "runLibrary(" << so << ", threads " << threads
                                    << "): " << llvm::toString(r.takeError());
  outputs = std::move(*r);
}

void E2ETest::checkModule(const std::string &name, const std::string &mlir,
                          const std::vector<Weight> &weights,
                          const std::map<std::string, Gen> &gens, uint64_t seed,
                          std::vector<NamedTensor> *outputsOut, int64_t parallelChunks) {
  std::string model = writeFile(name + ".mlir", mlir);
  std::string wpath = weights.empty() ? "" : writeWeights(name + ".safetensors", weights);
  std::string so = path(name + ".so");
  SCOPED_TRACE("model " + model);
  ASSERT_NO_FATAL_FAILURE(compileModel(model, wpath, so, false, parallelChunks));

  std::vector<Slot> ins, outs;
  ASSERT_NO_FATAL_FAILURE(signature(model, wpath, ins, outs));
  std::vector<NamedTensor> inputs = makeInputs(ins, gens, seed);

  std::vector<NamedTensor> one, four, expected;
  ASSERT_NO_FATAL_FAILURE(runCompiled(so, inputs, 1, one));
  ASSERT_NO_FATAL_FAILURE(runCompiled(so, inputs, 4, four));
  ASSERT_NO_FATAL_FAILURE(reference(model, wpath, inputs, expected));
  ASSERT_EQ(four.size(), outs.size());
  expectAllClose(four, expected, name + " (4 threads) vs reference");
  expectAllBitIdentical(one, four, name + ": 1 thread vs 4 threads");
  // The graph phase (canonicalize, cse, folders) must not change the
  // function's meaning either.
  std::vector<NamedTensor> expectedGraph;
  ASSERT_NO_FATAL_FAILURE(reference(model, wpath, inputs, expectedGraph, /*graphPhase=*/true));
  expectAllClose(expectedGraph, expected, name + ": reference after the graph phase vs as written");
  if (outputsOut)
    *outputsOut = std::move(four);
}

//===----------------------------------------------------------------------===//
// C API access
//===----------------------------------------------------------------------===//

Library::Library(const std::string &soPath) {
  handle = dlopen(soPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    error = dlerror();
    return;
  }
  auto sym = [&](auto &fn, const char *name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(handle, name));
  };
  sym(load, "attune_model_load");
  sym(run, "attune_model_run");
  sym(free, "attune_model_free");
  sym(lastError, "attune_last_error");
  sym(setThreads, "attune_set_num_threads");
  sym(numInputs, "attune_model_num_inputs");
  sym(numOutputs, "attune_model_num_outputs");
  sym(inputInfo, "attune_model_input_info");
  sym(outputInfo, "attune_model_output_info");
  if (!ok())
    error = soPath + ": missing attune_* symbols";
}

Library::~Library() {
  if (handle)
    dlclose(handle);
}

std::vector<attune_tensor> describeTensors(std::vector<NamedTensor> &tensors) {
  std::vector<attune_tensor> out(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    attune_tensor &d = out[i];
    std::memset(&d, 0, sizeof d);
    d.name = tensors[i].name.c_str();
    d.dtype = static_cast<attune_dtype>(tensors[i].tensor.type);
    d.rank = static_cast<int32_t>(tensors[i].tensor.shape.size());
    for (size_t k = 0; k < tensors[i].tensor.shape.size(); ++k)
      d.shape[k] = tensors[i].tensor.shape[k];
    d.data = tensors[i].tensor.data.data();
  }
  return out;
}

std::vector<NamedTensor> allocateOutputs(const Library &lib, attune_model *m) {
  std::vector<NamedTensor> outs;
  for (size_t i = 0; i < lib.numOutputs(m); ++i) {
    attune_tensor d;
    std::memset(&d, 0, sizeof d);
    EXPECT_EQ(lib.outputInfo(m, i, &d), ATTUNE_OK);
    outs.push_back({d.name ? d.name : "", Tensor::zeros(static_cast<ElementType>(d.dtype),
                                                        std::vector<int64_t>(d.shape, d.shape + d.rank))});
  }
  return outs;
}

} // namespace attune::e2e
