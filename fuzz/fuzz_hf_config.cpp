//===- fuzz_hf_config.cpp - Fuzz the Hugging Face directory importer ------===//
//
// Input: the bytes of a config.json.
//
// At startup tests/fixtures/hf/bert/model.safetensors (a 2-layer BERT with
// hidden size 64, vocabulary 1259, masked-LM head) is read once and written
// into a private scratch directory. Each run writes the input to
// config.json next to it and calls importHuggingFace (batch 1, seqLen 8;
// pooling "", "mean" or "cls" and noMlmHead chosen from a hash of the
// input). The seeds in fuzz/corpus/fuzz_hf_config/ are the fixtures'
// config.json files and variants of bert's.
//
// An error return is fine (checked to be a message beginning with the
// directory's path). For an accepted config, checks what the importer
// promises: a module with one func.func @main that verifies, prints and
// parses back; every WeightTable entry has nbytes == numElements *
// elementSize and its bytes are read.
//
// One MLIRContext (threading off) serves kRunsPerContext runs, then it is
// replaced.
//===----------------------------------------------------------------------===//
#include "FuzzUtil.h"

#include "attune/Frontend/HFImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <memory>
#include <string>

using namespace attune;

namespace {

constexpr unsigned kRunsPerContext = 200;

std::string dir, configPath;

void checkModel(mlir::MLIRContext &ctx, ImportedModel &m) {
  FUZZ_CHECK(m.module, "import succeeded without a module");
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

  std::string text;
  {
    llvm::raw_string_ostream os(text);
    m.module->print(os);
  }
  diags.clear();
  mlir::ParserConfig config(&ctx);
  mlir::OwningOpRef<mlir::ModuleOp> reparsed =
      mlir::parseSourceString<mlir::ModuleOp>(text, config);
  FUZZ_CHECK(reparsed, "the printed module does not parse back: " + diags);
  FUZZ_CHECK(mlir::succeeded(mlir::verify(*reparsed)),
             "the reparsed module does not verify: " + diags);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  dir = attune_fuzz::fuzzScratchDir();
  configPath = dir + "/config.json";
  std::string weights =
      attune_fuzz::readFileOrDie(attune_fuzz::fixturesDir() + "/hf/bert/model.safetensors");
  attune_fuzz::writeFileOrDie(dir + "/model.safetensors", weights);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static std::unique_ptr<mlir::MLIRContext> ctx;
  static unsigned runs = 0;
  if (!ctx || runs++ % kRunsPerContext == 0)
    ctx = std::make_unique<mlir::MLIRContext>(mlir::MLIRContext::Threading::DISABLED);

  uint8_t salt = 0;
  for (size_t i = 0; i < size; ++i)
    salt = static_cast<uint8_t>(salt * 31 + data[i]);
  attune_fuzz::writeFileOrDie(configPath,
                              std::string_view(reinterpret_cast<const char *>(data), size));
  HFImportOptions opts;
  opts.seqLen = 8;
  static const char *const poolings[] = {"", "", "mean", "cls"};
  opts.pooling = poolings[salt & 3];
  opts.noMlmHead = salt & 4;

  llvm::Expected<ImportedModel> model = importHuggingFace(*ctx, dir, opts);
  if (!model) {
    std::string msg = llvm::toString(model.takeError());
    FUZZ_CHECK(!msg.empty(), "importHuggingFace failed without a message");
    FUZZ_CHECK(msg.rfind(dir, 0) == 0, "error does not begin with the directory: " + msg);
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
