//===- OnnxDisabled.cpp - importOnnx in builds without ONNX --------------===//
//
// Compiled instead of the Onnx*.cpp importer when ATTUNE_ENABLE_ONNX is OFF
// (libonnx-dev not installed): the API exists and says why it cannot work.
//
//===----------------------------------------------------------------------===//
#include "attune/Frontend/OnnxImporter.h"

namespace attune {

static llvm::Error disabled(const std::string &path) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": this Attune was built without ONNX support "
                                        "(configure with -DATTUNE_ENABLE_ONNX=ON and "
                                        "libonnx-dev installed)");
}

llvm::Expected<ImportedModel> importOnnx(mlir::MLIRContext &, const std::string &path,
                                         const OnnxImportOptions &, OnnxImportInfo *) {
  return disabled(path);
}

llvm::Expected<ImportedModel> importOnnxFromMemory(mlir::MLIRContext &, const void *, size_t,
                                                   const std::string &path,
                                                   const OnnxImportOptions &, OnnxImportInfo *) {
  return disabled(path);
}

const std::vector<std::string> &onnxSupportedOperators() {
  static const std::vector<std::string> none;
  return none;
}

bool onnxImporterAvailable() { return false; }

} // namespace attune
