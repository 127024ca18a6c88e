//===- ModelLoader.cpp - Load a model description into the attune dialect -===//
//
// MODEL is an .onnx model (OnnxImporter), a .json graph (JsonGraphImporter) or
// attune-dialect .mlir whose
// attune.weight references resolve in --weights FILE.safetensors.
//
//===----------------------------------------------------------------------===//
#include "attune/Tools/CompileDriver.h"
#include "attune/Tools/InitAll.h"

#include "attune/Frontend/HFImporter.h"
#include "attune/Frontend/JsonGraphImporter.h"
#include "attune/Frontend/OnnxImporter.h"
#include "attune/IR/AttuneOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

namespace attune {

static llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

std::unique_ptr<mlir::MLIRContext> createContext() {
  // The pipelines are built from textual pass names: register them once.
  static bool passesRegistered = (registerAllPasses(), true);
  (void)passesRegistered;
  mlir::DialectRegistry registry;
  registerAllDialects(registry);
  auto ctx = std::make_unique<mlir::MLIRContext>(registry);
  ctx->loadDialect<mlir::attune::AttuneDialect, mlir::func::FuncDialect>();
  return ctx;
}

llvm::Expected<LoadedModel> loadModel(mlir::MLIRContext &ctx, const std::string &path,
                                      const std::string &weightsPath,
                                      const ModelOptions &options) {
  if (!llvm::sys::fs::exists(path))
    return makeError(path + ": no such file or directory");
  if (llvm::sys::fs::is_directory(path)) {
    if (!isHuggingFaceDirectory(path))
      return makeError(path + ": is a directory without config.json; expected a Hugging Face "
                              "model directory, a .json graph or an attune .mlir file");
    if (!weightsPath.empty())
      return makeError("--weights: a Hugging Face directory holds its own weights");
    HFImportOptions hf;
    hf.batch = options.batch;
    hf.seqLen = options.seqLen;
    hf.pooling = options.pooling;
    hf.kvOutputs = options.kvOutputs;
    hf.decodeStep = options.decodeStep;
    hf.contextLen = options.contextLen;
    auto imported = importHuggingFace(ctx, path, hf);
    if (!imported)
      return imported.takeError();
    LoadedModel out;
    out.module = std::move(imported->module);
    out.weights = std::move(imported->weights);
    out.name = imported->name;
    out.causalDecoder = imported->causalDecoder;
    out.maxPositions = imported->maxPositions;
    return out;
  }
  llvm::StringRef ext = llvm::sys::path::extension(path);
  LoadedModel out;
  if (ext == ".onnx") {
    if (!weightsPath.empty())
      return makeError("--weights: an .onnx model holds its own weights (initializers or "
                       "external data next to it); --weights is for .mlir input");
    OnnxImportOptions onnx;
    onnx.batch = options.batch;
    onnx.seqLen = options.seqLen;
    OnnxImportInfo info;
    auto imported = importOnnx(ctx, path, onnx, &info);
    // Dynamic dims bound to the defaults: say so once per process (before an
    // error, which the binding may explain).
    static bool noted = false;
    if (!noted && (info.usedBatch || info.usedSeqLen) && options.batch == 1 &&
        options.seqLen == 128) {
      noted = true;
      llvm::errs() << "attune: note: binding batch=1 seq_len=128 (use --batch/--seq-len)\n";
    }
    if (!imported)
      return imported.takeError();
    out.module = std::move(imported->module);
    out.weights = std::move(imported->weights);
    out.name = imported->name;
    return out;
  }
  if (ext == ".json") {
    if (!weightsPath.empty())
      return makeError("--weights: a .json graph names its weights file itself (\"weights\" "
                       "field); --weights is for .mlir input");
    auto imported = importJsonGraph(ctx, path);
    if (!imported)
      return imported.takeError();
    out.module = std::move(imported->module);
    out.weights = std::move(imported->weights);
    out.name = imported->name;
    return out;
  }
  if (ext != ".mlir")
    return makeError(path + ": unsupported model file extension '" + ext +
                     "' (expected .onnx, .json or .mlir)");

  std::string diagnostics;
  {
    llvm::raw_string_ostream os(diagnostics);
    llvm::SourceMgr sourceMgr;
    mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &ctx, os);
    // One problem, one message: inferred-type ops follow their own precise
    // error with a generic "failed to infer returned types"; drop that, and
    // the "see current operation" notes.
    mlir::ScopedDiagnosticHandler filter(&ctx, [&](mlir::Diagnostic &diag) {
      if (llvm::StringRef(diag.str()).contains("failed to infer returned types"))
        return mlir::success();
      return mlir::failure(); // fall through to the SourceMgr handler
    });
    out.module = mlir::parseSourceFile<mlir::ModuleOp>(path, sourceMgr, &ctx);
    if (out.module && failed(mlir::verify(*out.module)))
      out.module = {};
  }
  if (!out.module)
    return makeError(path + ": invalid attune IR:\n" + diagnostics);
  auto fn = out.module->lookupSymbol<mlir::func::FuncOp>("main");
  if (!fn)
    return makeError(path + ": expected a func.func @main (the model's entry function)");
  // Attune models are attune-dialect graphs: anything else has no lowering
  // here and would fail deep inside the pipeline.
  mlir::Operation *foreign = nullptr;
  fn.walk([&](mlir::Operation *op) {
    if (!foreign && op != fn.getOperation() && !llvm::isa<mlir::func::ReturnOp>(op) &&
        !llvm::isa<mlir::attune::AttuneDialect>(op->getDialect()))
      foreign = op;
  });
  if (foreign) {
    std::string loc;
    llvm::raw_string_ostream los(loc);
    if (auto fl = llvm::dyn_cast<mlir::FileLineColLoc>(foreign->getLoc()))
      los << ":" << fl.getLine() << ":" << fl.getColumn();
    return makeError(path + loc + ": '" + foreign->getName().getStringRef() +
                     "' is not an attune dialect op; Attune models contain attune.* ops and "
                     "func.return only");
  }
  bool usesWeights = false;
  fn.walk([&](mlir::attune::WeightOp) { usesWeights = true; });
  if (usesWeights && weightsPath.empty())
    return makeError(path + ": the model references weights (attune.weight); pass "
                            "--weights FILE.safetensors");
  if (!weightsPath.empty()) {
    auto table = loadSafetensorsWeights(weightsPath);
    if (!table)
      return table.takeError();
    out.weights = std::move(*table);
  }
  if (auto nameAttr = fn->getAttrOfType<mlir::StringAttr>("attune.model_name"))
    out.name = nameAttr.str();
  else
    out.name = llvm::sys::path::stem(path).str();
  return out;
}

} // namespace attune
