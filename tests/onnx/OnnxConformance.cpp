//===- OnnxConformance.cpp - ONNX's node tests through the whole compiler -===//
//
// For every directory test_* of ONNX's node test suite (Debian's
// libonnx-testdata: model.onnx + test_data_set_0/{input,output}_N.pb):
//
//   1. model.onnx uses an operator Attune does not import -> NOT SUPPORTED
//      (reason: the operator);
//   2. import it (attune::importOnnx). Inputs the model treats as shapes or
//      indices (Reshape's shape, Slice's starts, Gather's indices, ...) are
//      bound as compile-time constants when the first import asks for that
//      ("must be a compile-time constant", or a zero-size input such as an
//      empty axes list) or the library refuses an index at run time (negative
//      run-time indices): every INT64/INT32 input then becomes a constant from
//      its input_N.pb, and if that is not enough every input (Range over
//      floats);
//      an import error saying "not supported: ..." (a feature of a supported
//      operator, e.g. zero-size tensors, DOUBLE) -> NOT SUPPORTED with that
//      reason; any other import error -> FAILED;
//   3. compile the imported module through the normal pipeline to a .so
//      (attune::compile on the printed module + its weights), run it
//      (attune::runLibrary) on the remaining inputs and compare every output
//      with output_N.pb:
//        f32:  |got - want| <= 1e-5 + 1e-3 |want|   (ONNX's backend tests use
//              rtol 1e-3; the atol covers exp/erf/tanh's polynomial
//              approximations near 0)
//        f16:  1e-3 + 4e-3 |want|,  bf16: 1e-2 + 2e-2 |want|
//        int, bool: exact; shapes and element types must match.
//      Any failure -> FAILED.
//
// Prints one line per test (PASS / FAIL / NOT SUPPORTED + reason) and the
// counts; exits 1 if any test FAILED or fewer than --min-passed passed.
//
//   onnx_node_conformance [--data DIR] [--shard I/N] [--filter SUBSTR]
//                         [--min-passed N] [--keep]
//
//===----------------------------------------------------------------------===//
#include "OnnxTestUtil.h"

#include "attune/Frontend/OnnxImporter.h"
#include "attune/Tools/CompileDriver.h"
#include "attune/Tools/RunDriver.h"
#include "attune/formats/Safetensors.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace attune;
using attune::onnxtest::readFile;

namespace {

enum class Status { Pass, Fail, NotSupported };

struct Result {
  Status status;
  std::string reason;
};

Result fail(const std::string &r) { return {Status::Fail, r}; }
Result notSupported(const std::string &r) { return {Status::NotSupported, r}; }

std::string firstLine(const std::string &s) {
  std::string l = s.substr(0, s.find('\n'));
  return l.size() > 300 ? l.substr(0, 300) + "..." : l;
}

/// FLOAT16/BFLOAT16 tensors as f32 (exact): the importer gives half-precision
/// graph inputs and outputs f32 at the library boundary.
ref::Tensor widen(const ref::Tensor &t) {
  if (t.type != ElementType::F16 && t.type != ElementType::BF16)
    return t;
  ref::Tensor r = ref::Tensor::zeros(ElementType::F32, t.shape);
  for (int64_t i = 0; i < t.numElements(); ++i)
    r.f32()[i] = static_cast<float>(onnxtest::elementAsDouble(t, i));
  return r;
}

bool writeWeights(const WeightTable &table, const std::string &path, std::string &error) {
  std::vector<formats::TensorToWrite> tensors;
  for (const auto &kv : table.entries()) {
    const WeightTable::Entry &e = kv.second;
    formats::TensorToWrite t;
    t.name = e.name;
    t.shape = e.shape;
    t.data = e.data;
    switch (e.type) {
    case ElementType::F32: t.dtype = formats::DType::F32; break;
    case ElementType::F16: t.dtype = formats::DType::F16; break;
    case ElementType::BF16: t.dtype = formats::DType::BF16; break;
    case ElementType::I64: t.dtype = formats::DType::I64; break;
    case ElementType::I32: t.dtype = formats::DType::I32; break;
    default: error = "weight '" + e.name + "' of type bool"; return false;
    }
    tensors.push_back(t);
  }
  return formats::writeSafetensors(path, tensors, {}, error);
}

void tolerance(ElementType t, double &atol, double &rtol) {
  atol = 1e-5;
  rtol = 1e-3;
  if (t == ElementType::F16) {
    atol = 1e-3;
    rtol = 4e-3;
  } else if (t == ElementType::BF16) {
    atol = 1e-2;
    rtol = 2e-2;
  }
}

Result runOne(const std::string &dir, const std::string &work) {
  auto bytes = readFile(dir + "/model.onnx");
  if (!bytes)
    return fail("cannot read model.onnx");
  onnx::ModelProto model;
  if (!model.ParseFromString(*bytes))
    return fail("model.onnx does not parse");
  const auto &supported = onnxSupportedOperators();
  std::set<std::string> missing;
  for (const auto &n : model.graph().node())
    if (!(n.domain().empty() || n.domain() == "ai.onnx") ||
        !std::binary_search(supported.begin(), supported.end(), n.op_type()))
      missing.insert(n.domain().empty() ? n.op_type() : n.domain() + "." + n.op_type());
  if (!missing.empty()) {
    std::string r = "operator";
    r += missing.size() > 1 ? "s " : " ";
    bool first = true;
    for (const std::string &m : missing) {
      r += (first ? "" : ", ") + m;
      first = false;
    }
    return notSupported(r);
  }

  // Graph inputs (without initializers) pair with input_N.pb in order.
  std::set<std::string> inits;
  for (const auto &t : model.graph().initializer())
    inits.insert(t.name());
  std::vector<std::string> inputNames;
  for (const auto &in : model.graph().input())
    if (!inits.count(in.name()))
      inputNames.push_back(in.name());
  std::string data = dir + "/test_data_set_0";
  std::map<std::string, std::string> inputBytes;
  std::map<std::string, ref::Tensor> inputTensors;
  std::map<std::string, int> inputTypes;
  for (size_t i = 0; i < inputNames.size(); ++i) {
    auto b = readFile(data + "/input_" + std::to_string(i) + ".pb");
    if (!b)
      return fail("missing input_" + std::to_string(i) + ".pb");
    onnx::TensorProto t;
    if (!t.ParseFromString(*b))
      return fail("input_" + std::to_string(i) + ".pb does not parse (not a TensorProto: "
                  "sequence/optional inputs)");
    std::string why;
    auto rt = onnxtest::toTensor(t, why);
    if (!rt)
      return notSupported("input '" + inputNames[i] + "' of " + why);
    inputBytes[inputNames[i]] = *b;
    inputTensors[inputNames[i]] = widen(*rt);
    inputTypes[inputNames[i]] = t.data_type();
  }
  std::vector<ref::Tensor> expected;
  std::vector<ElementType> expectedTypes; // before widening: picks the tolerance
  for (int i = 0; i < model.graph().output_size(); ++i) {
    auto b = readFile(data + "/output_" + std::to_string(i) + ".pb");
    onnx::TensorProto t;
    if (!b || !t.ParseFromString(*b))
      return fail("missing or unreadable output_" + std::to_string(i) + ".pb");
    std::string why;
    auto rt = onnxtest::toTensor(t, why);
    if (!rt)
      return notSupported("output " + std::to_string(i) + " of " + why);
    expectedTypes.push_back(rt->type);
    expected.push_back(widen(*rt));
  }

  // Import, compile, run. Integer inputs become compile-time constants when
  // the import needs them as shapes ("must be a compile-time constant") or
  // the library refuses their values at run time (negative indices: the
  // importer wraps constant indices only).
  std::string modelPath = dir + "/model.onnx";
  bool hasIntInputs = false;
  for (const auto &kv : inputTypes)
    hasIntInputs |= kv.second == onnx::TensorProto_DataType_INT64 ||
                    kv.second == onnx::TensorProto_DataType_INT32;
  // bind: 0 nothing, 1 integer inputs, 2 every input (Range over floats).
  auto attempt = [&](int bind, std::string &bound, bool &retry) -> Result {
    retry = false;
    bool bindInts = bind > 0;
    bound.clear();
    auto ctx = createContext();
    OnnxImportOptions opts;
    for (const auto &kv : inputTypes)
      if (bind == 2 || (bind == 1 && (kv.second == onnx::TensorProto_DataType_INT64 ||
                                      kv.second == onnx::TensorProto_DataType_INT32))) {
        opts.constantInputs[kv.first] = inputBytes[kv.first];
        bound += (bound.empty() ? "" : ",") + kv.first;
      }
    auto imported = importOnnx(*ctx, modelPath, opts);
    if (!imported) {
      std::string e = llvm::toString(imported.takeError());
      // Shape-like inputs (also empty axes lists: zero-size inputs) -> constants.
      if (bind < 2 && (e.find("must be a compile-time constant") != std::string::npos ||
                       (bind == 0 && e.find("not supported: zero-size") != std::string::npos &&
                        hasIntInputs))) {
        retry = true;
        return fail("import: " + firstLine(e));
      }
      if (e.find(": not supported: ") != std::string::npos)
        return notSupported(firstLine(e.substr(e.find(": not supported: ") + 17)));
      return fail(std::string(bindInts ? "import (integer inputs bound as constants): "
                                       : "import: ") +
                  firstLine(e));
    }
    llvm::sys::fs::remove_directories(work);
    llvm::sys::fs::create_directories(work);
    std::string mlirPath = work + "/model.mlir", weightsPath;
    {
      std::error_code ec;
      llvm::raw_fd_ostream os(mlirPath, ec);
      if (ec)
        return fail("cannot write " + mlirPath);
      imported->module->print(os);
    }
    if (!imported->weights.entries().empty()) {
      weightsPath = work + "/weights.safetensors";
      std::string err;
      if (!writeWeights(imported->weights, weightsPath, err))
        return fail("writing weights: " + err);
    }
    CompileOptions co;
    co.model = mlirPath;
    co.weights = weightsPath;
    co.output = work + "/model.so";
    co.parallelChunks = 4;
    std::string log;
    llvm::raw_string_ostream los(log);
    if (llvm::Error err = compile(co, los))
      return fail("compile: " + firstLine(llvm::toString(std::move(err))));
    auto fn = imported->module->lookupSymbol<mlir::func::FuncOp>("main");
    std::vector<NamedTensor> inputs;
    for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
      std::string name = fn.getArgAttrOfType<mlir::StringAttr>(i, "attune.name").str();
      inputs.push_back({name, inputTensors.at(name)});
    }
    auto outs = runLibrary(co.output, inputs, 2);
    if (!outs) {
      std::string e = llvm::toString(outs.takeError());
      retry = bind == 0 && e.find("expected a value in [") != std::string::npos;
      return fail("run: " + firstLine(e));
    }
    if (outs->size() != expected.size())
      return fail("expected " + std::to_string(expected.size()) + " outputs, found " +
                  std::to_string(outs->size()));
    for (size_t i = 0; i < expected.size(); ++i) {
      double atol, rtol;
      tolerance(expectedTypes[i], atol, rtol);
      std::string d = onnxtest::compare((*outs)[i].tensor, expected[i], atol, rtol);
      if (!d.empty())
        return fail("output " + std::to_string(i) + " '" + (*outs)[i].name + "': " + d);
    }
    return {Status::Pass, ""};
  };
  std::string bound;
  bool retry = false;
  Result r = attempt(0, bound, retry);
  if (retry)
    r = attempt(1, bound, retry);
  if (retry)
    r = attempt(2, bound, retry);
  if (r.status != Status::Pass)
    return r;
  return {Status::Pass, bound.empty() ? "" : "bound as constants: " + bound};
}

} // namespace

int main(int argc, char **argv) {
  std::string dataDir = "/usr/share/libonnx-testdata/data/node", filter;
  int shard = 0, shards = 1;
  long minPassed = 0;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        fprintf(stderr, "%s needs a value\n", a.c_str());
        exit(2);
      }
      return argv[++i];
    };
    if (a == "--data")
      dataDir = next();
    else if (a == "--filter")
      filter = next();
    else if (a == "--min-passed")
      minPassed = std::stol(next());
    else if (a == "--keep")
      keep = true;
    else if (a == "--shard") {
      std::string s = next();
      if (sscanf(s.c_str(), "%d/%d", &shard, &shards) != 2 || shards < 1 || shard < 0 ||
          shard >= shards) {
        fprintf(stderr, "--shard expects I/N with 0 <= I < N\n");
        return 2;
      }
    } else {
      fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (!onnxImporterAvailable()) {
    fprintf(stderr, "this build has no ONNX importer (ATTUNE_ENABLE_ONNX=OFF)\n");
    return 1;
  }
  std::vector<std::string> tests;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dataDir, ec), end; it != end && !ec;
       it.increment(ec)) {
    std::string name = llvm::sys::path::filename(it->path()).str();
    if (name.rfind("test_", 0) == 0 && (filter.empty() || name.find(filter) != std::string::npos))
      tests.push_back(name);
  }
  if (ec || tests.empty()) {
    fprintf(stderr, "no node tests found in %s (apt install libonnx-testdata)\n", dataDir.c_str());
    return 1;
  }
  std::sort(tests.begin(), tests.end());
  llvm::SmallString<128> tmp;
  if (llvm::sys::fs::createUniqueDirectory("attune-onnx-conformance", tmp)) {
    fprintf(stderr, "cannot create a temporary directory\n");
    return 1;
  }
  std::map<Status, int> counts;
  std::map<std::string, int> reasons;
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < tests.size(); ++i) {
    if (static_cast<int>(i % shards) != shard)
      continue;
    const std::string &t = tests[i];
    std::string work = tmp.str().str() + "/" + t;
    Result r = runOne(dataDir + "/" + t, work);
    counts[r.status]++;
    const char *tag = r.status == Status::Pass   ? "PASS"
                      : r.status == Status::Fail ? "FAIL"
                                                 : "NOT SUPPORTED";
    printf("%-14s %s%s%s\n", tag, t.c_str(), r.reason.empty() ? "" : ": ", r.reason.c_str());
    fflush(stdout);
    if (r.status == Status::NotSupported)
      reasons[r.reason.rfind("operator", 0) == 0 ? "unsupported operator" : r.reason]++;
    if (!(keep && r.status == Status::Fail))
      llvm::sys::fs::remove_directories(work);
    else
      printf("               kept %s\n", work.c_str());
  }
  if (!keep)
    llvm::sys::fs::remove_directories(tmp);
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  printf("\nnot-supported reasons:\n");
  for (const auto &kv : reasons)
    printf("  %4d  %s\n", kv.second, kv.first.c_str());
  printf("\nONNX node tests (shard %d/%d): %d passed, %d failed, %d not supported (%.0f s)\n",
         shard, shards, counts[Status::Pass], counts[Status::Fail], counts[Status::NotSupported],
         secs);
  if (counts[Status::Fail])
    return 1;
  if (counts[Status::Pass] < minPassed) {
    printf("expected at least %ld passing tests in this shard, found %d\n", minPassed,
           counts[Status::Pass]);
    return 1;
  }
  return 0;
}
