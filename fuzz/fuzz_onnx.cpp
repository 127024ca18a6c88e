//===- fuzz_onnx.cpp - Fuzz the ONNX importer ------------------------------===//
//
// Input: the bytes of an .onnx file (a serialized onnx.ModelProto).
//
// At startup a 4 KiB file `weights.bin` (deterministic floats) is written
// into a private scratch directory; each input is imported with
// importOnnxFromMemory as if it were `model.onnx` in that directory, so
// external-data initializers with location "weights.bin" resolve to real
// bytes (other locations are opened as given, relative to the scratch
// directory, and must be refused cleanly: absolute paths and ".." are
// errors). The first byte's low bits pick the batch / sequence bindings
// (1..4 / 1..8), so the shape-folding paths see several sizes.
//
// An error return is fine (checked: a message that begins with the model
// path). For an accepted model, checks what OnnxImporter.h promises: a
// module with one func.func @main that verifies and whose tensors are all
// static; every WeightTable entry's nbytes == numElements * elementSize and
// all its bytes are readable; the printed module parses back and verifies.
//
// One MLIRContext (threading off) serves kRunsPerContext runs.
//===----------------------------------------------------------------------===//
#include "FuzzUtil.h"

#include "attune/Frontend/OnnxImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

using namespace attune;

namespace {

constexpr unsigned kRunsPerContext = 1000;
std::string modelPath;

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
  m.module->walk([&](mlir::Operation *op) {
    for (mlir::Type t : op->getResultTypes())
      if (auto rt = llvm::dyn_cast<mlir::RankedTensorType>(t))
        FUZZ_CHECK(rt.hasStaticShape(), "a dynamic shape reached the IR");
  });

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
  FUZZ_CHECK(reparsed, "the printed module does not parse back: " + diags + "\n" + text);
  FUZZ_CHECK(mlir::succeeded(mlir::verify(*reparsed)),
             "the reparsed module does not verify: " + diags);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  const std::string &dir = attune_fuzz::fuzzScratchDir();
  modelPath = dir + "/model.onnx";
  std::vector<uint8_t> bytes(4096);
  for (size_t i = 0; i < bytes.size() / 4; ++i) {
    float v = static_cast<float>((i * 7) % 11) / 8.0f - 0.5f;
    std::memcpy(&bytes[i * 4], &v, 4);
  }
  attune_fuzz::writeFileOrDie(dir + "/weights.bin",
                              std::string(reinterpret_cast<char *>(bytes.data()), bytes.size()));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static std::unique_ptr<mlir::MLIRContext> ctx;
  static unsigned runs = 0;
  if (!ctx || runs++ % kRunsPerContext == 0)
    ctx = std::make_unique<mlir::MLIRContext>(mlir::MLIRContext::Threading::DISABLED);

  OnnxImportOptions options;
  uint8_t pick = size ? data[0] : 0;
  options.batch = 1 + (pick & 3);
  options.seqLen = 1 + ((pick >> 2) & 7);
  llvm::Expected<ImportedModel> model =
      importOnnxFromMemory(*ctx, data, size, modelPath, options);
  if (!model) {
    std::string msg = llvm::toString(model.takeError());
    FUZZ_CHECK(!msg.empty(), "importOnnx failed without a message");
    FUZZ_CHECK(msg.rfind(modelPath, 0) == 0, "error does not begin with the model path: " + msg);
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
