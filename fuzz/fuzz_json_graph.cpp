//===- fuzz_json_graph.cpp - Fuzz the attune-graph JSON importer ----------===//
//
// Input: the bytes of a JSON graph file (docs/json-graph.md).
//
// At startup a small, valid weights.safetensors is written into a private
// scratch directory (see kWeights below for its tensors; the seeds in
// fuzz/corpus/fuzz_json_graph/ and fuzz/json.dict use these names). Each run
// writes the input to graph.json in that directory and calls
// importJsonGraph on it, so "weights": "weights.safetensors" resolves to the
// fixed file (other names, absolute or relative, are opened as given: the
// importer must cope with whatever file or non-file that is).
//
// An error return is fine (checked to be one line naming the graph file).
// For an accepted graph, checks what JsonGraphImporter.h promises: a module
// with func.func @main that verifies; every weight in the WeightTable has
// nbytes == numElements * elementSize (all bytes are read). The module is
// also printed and parsed back (the printed form of a verified module must
// parse and verify).
//
// One MLIRContext (threading off) serves many runs, each import building a
// fresh module; it is replaced every kRunsPerContext runs so that uniqued
// types and attributes cannot pile up. MLIR diagnostics are captured by
// the importer; the ones from the checks here are swallowed.
//===----------------------------------------------------------------------===//
#include "FuzzUtil.h"

#include "attune/Frontend/JsonGraphImporter.h"
#include "attune/formats/Safetensors.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

using namespace attune;

namespace {

constexpr unsigned kRunsPerContext = 1000;

std::string graphPath, weightsPath;

void writeFileOrDie(const std::string &path, const uint8_t *data, size_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::perror(("fuzz: cannot create " + path).c_str());
    std::abort();
  }
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      std::perror(("fuzz: cannot write " + path).c_str());
      std::abort();
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  ::close(fd);
}

/// The fixed weights file: a handful of tensors of every dtype, including a
/// scalar and an empty one. Values are small and deterministic; the F16 and
/// BF16 ones include infinities, NaN and subnormals.
void writeWeights() {
  using formats::DType;
  struct Spec {
    const char *name;
    DType dtype;
    std::vector<int64_t> shape;
  };
  static const std::vector<Spec> specs = {
      {"w", DType::F32, {4, 4}},       {"b", DType::F32, {4}},
      {"emb", DType::F32, {10, 4}},    {"pos", DType::F32, {3, 4}},
      {"gamma", DType::F32, {4}},      {"beta", DType::F32, {4}},
      {"w2", DType::F32, {8, 4}},      {"b2", DType::F32, {8}},
      {"x3", DType::F32, {1, 3, 4}},   {"mask", DType::F32, {1, 1, 3, 3}},
      {"scalar", DType::F32, {}},      {"empty", DType::F32, {0, 4}},
      {"h16", DType::F16, {4, 4}},     {"hbf", DType::BF16, {4}},
      {"ids", DType::I64, {1, 3}},     {"pos_ids", DType::I64, {3}},
      {"i32", DType::I32, {1, 3}},
  };
  static std::vector<std::vector<uint8_t>> buffers;
  std::vector<formats::TensorToWrite> tensors;
  for (const Spec &s : specs) {
    int64_t n = 1;
    for (int64_t d : s.shape)
      n *= d;
    std::vector<uint8_t> bytes(static_cast<size_t>(n) * formats::dtypeSize(s.dtype));
    for (int64_t i = 0; i < n; ++i) {
      switch (s.dtype) {
      case DType::F32: {
        float v = static_cast<float>((i * 7) % 11) / 8.0f - 0.5f;
        std::memcpy(&bytes[i * 4], &v, 4);
        break;
      }
      case DType::F16:
      case DType::BF16: {
        static const uint16_t f16[] = {0x3c00, 0xbc00, 0x7c00, 0xfc00, 0x7e00, 0x0001, 0x0000, 0x8000};
        static const uint16_t bf16[] = {0x3f80, 0xbf80, 0x7f80, 0xff80, 0x7fc0, 0x0001, 0x0000, 0x8000};
        uint16_t v = (s.dtype == DType::F16 ? f16 : bf16)[i % 8];
        std::memcpy(&bytes[i * 2], &v, 2);
        break;
      }
      case DType::I64: {
        int64_t v = i % 10;
        std::memcpy(&bytes[i * 8], &v, 8);
        break;
      }
      case DType::I32: {
        int32_t v = static_cast<int32_t>(i % 10);
        std::memcpy(&bytes[i * 4], &v, 4);
        break;
      }
      }
    }
    buffers.push_back(std::move(bytes));
    tensors.push_back({s.name, s.dtype, s.shape, buffers.back().data()});
  }
  std::string error;
  if (!formats::writeSafetensors(weightsPath, tensors, {{"purpose", "fuzzing"}}, error)) {
    std::fprintf(stderr, "fuzz: cannot write the weights file: %s\n", error.c_str());
    std::abort();
  }
}

void checkModel(mlir::MLIRContext &ctx, ImportedModel &m) {
  FUZZ_CHECK(m.module, "import succeeded without a module");
  FUZZ_CHECK(!m.name.empty(), "empty model name");
  unsigned mains = 0;
  m.module->walk([&](mlir::func::FuncOp f) { mains += f.getSymName() == "main"; });
  FUZZ_CHECK(mains == 1, "the module does not hold exactly one func.func @main");

  std::string diags;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    diags += d.str() + "; ";
    return mlir::success();
  });
  FUZZ_CHECK(mlir::succeeded(mlir::verify(*m.module)),
             "the returned module does not verify: " + diags);

  for (const auto &[name, e] : m.weights.entries()) {
    FUZZ_CHECK(name == e.name, "WeightTable key != entry name");
    uint64_t n = 1;
    for (int64_t d : e.shape) {
      FUZZ_CHECK(d >= 0, "negative weight dimension");
      n *= static_cast<uint64_t>(d);
    }
    FUZZ_CHECK(e.nbytes == n * elementSize(e.type),
               "weight '" + name + "': nbytes != numElements * elementSize");
    FUZZ_CHECK(e.nbytes == 0 || e.data, "weight '" + name + "': null data");
    uint64_t sum = 0;
    for (size_t k = 0; k < e.nbytes; ++k)
      sum += e.data[k];
    volatile uint64_t sink = sum;
    (void)sink;
  }

  // The printed module must parse back and verify.
  std::string text;
  {
    llvm::raw_string_ostream os(text);
    m.module->print(os);
  }
  diags.clear();
  mlir::ParserConfig config(&ctx);
  mlir::OwningOpRef<mlir::ModuleOp> reparsed =
      mlir::parseSourceString<mlir::ModuleOp>(text, config);
  FUZZ_CHECK(reparsed, "the printed module does not parse back: " + diags + "\n" + text);
  FUZZ_CHECK(mlir::succeeded(mlir::verify(*reparsed)),
             "the reparsed module does not verify: " + diags);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  const std::string &dir = attune_fuzz::fuzzScratchDir();
  graphPath = dir + "/graph.json";
  weightsPath = dir + "/weights.safetensors";
  writeWeights();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static std::unique_ptr<mlir::MLIRContext> ctx;
  static unsigned runs = 0;
  if (!ctx || runs++ % kRunsPerContext == 0)
    ctx = std::make_unique<mlir::MLIRContext>(mlir::MLIRContext::Threading::DISABLED);

  writeFileOrDie(graphPath, data, size);
  llvm::Expected<ImportedModel> model = importJsonGraph(*ctx, graphPath);
  if (!model) {
    std::string msg = llvm::toString(model.takeError());
    FUZZ_CHECK(!msg.empty(), "importJsonGraph failed without a message");
    FUZZ_CHECK(msg.rfind(graphPath, 0) == 0, "error does not begin with the graph path: " + msg);
    if (attune_fuzz::verbose())
      std::fprintf(stderr, "refused: %s\n", msg.c_str());
    return 0;
  }
  if (attune_fuzz::verbose())
    std::fprintf(stderr, "imported '%s' (%zu weights)\n", model->name.c_str(),
                 model->weights.entries().size());
  checkModel(*ctx, *model);
  return 0;
}
