//===- EmitObject.cpp - LLVM dialect -> native object file ----------------===//
//
// In-process: translateModuleToLLVMIR, the new pass manager at O3 (loop
// unrolling off), then TargetMachine::addPassesToEmitFile into a buffer.
//
//===----------------------------------------------------------------------===//
#include "attune/Codegen/EmitObject.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Target/LLVMIR/Dialect/AMX/AMXToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/IPO/MergeFunctions.h"
#include <mutex>

namespace mlir::attune {

static void initLLVMTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

llvm::Expected<CPUTarget> resolveCPUTarget(llvm::StringRef name) {
  CPUTarget t;
  t.triple = llvm::sys::getDefaultTargetTriple();
  if (name == "host" || name.empty()) {
    t.cpu = llvm::sys::getHostCPUName().str();
    llvm::StringMap<bool> feats = llvm::sys::getHostCPUFeatures();
    std::string f;
    for (auto &kv : feats) {
      if (!f.empty())
        f += ",";
      f += (kv.second ? "+" : "-") + kv.first().str();
    }
    t.features = f;
    t.description = "host (" + t.cpu + ")";
    auto has = [&](const char *k) { return feats.lookup(k); };
    t.vectorWidth = has("avx512f") ? 16 : has("avx") ? 8 : 4;
    return t;
  }
  if (name == "x86-64-avx2") {
    t.cpu = "x86-64-v3";
    t.vectorWidth = 8;
    t.description = "x86-64-avx2 (x86-64-v3: AVX2, FMA)";
    return t;
  }
  if (name == "x86-64-avx512") {
    t.cpu = "x86-64-v4";
    t.description = "x86-64-avx512 (x86-64-v4: AVX-512 F/BW/CD/DQ/VL)";
    return t;
  }
  if (name == "x86-64-avx512-bf16") {
    t.cpu = "x86-64-v4";
    t.features = "+avx512bf16";
    t.description = "x86-64-avx512-bf16 (x86-64-v4 + AVX512_BF16)";
    return t;
  }
  if (name == "x86-64-avx512-amx") {
    t.cpu = "x86-64-v4";
    t.features = "+avx512bf16,+amx-tile,+amx-bf16";
    t.description = "x86-64-avx512-amx (x86-64-v4 + AVX512_BF16 + AMX-TILE/AMX-BF16)";
    return t;
  }
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "--target: unknown target '" + name.str() +
                                     "' (expected host, x86-64-avx2, x86-64-avx512, "
                                     "x86-64-avx512-bf16 or x86-64-avx512-amx)");
}

llvm::Error emitObject(ModuleOp module, const CPUTarget &target, std::string &object,
                       std::string *llvmIR) {
  initLLVMTargets();
  auto err = [](const llvm::Twine &m) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), m);
  };
  // Argument attributes outside the llvm namespace (attune.weight,
  // attune.name: the driver has read them) are dropped first: the translator
  // warns about each unknown one, and every such warning prints the whole
  // function into its diagnostic (seconds for a BERT-base entry with 200
  // arguments).
  module.walk([](LLVM::LLVMFuncOp op) {
    auto fn = cast<FunctionOpInterface>(op.getOperation());
    for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i) {
      SmallVector<NamedAttribute> attrs(fn.getArgAttrs(i));
      for (NamedAttribute attr : attrs)
        if (!attr.getName().strref().starts_with("llvm."))
          fn.removeArgAttr(i, attr.getName());
    }
  });
  registerBuiltinDialectTranslation(*module->getContext());
  registerLLVMDialectTranslation(*module->getContext());
  registerAMXDialectTranslation(*module->getContext()); // AMX tile intrinsics (bf16 GEMMs)
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return err("translation of the LLVM dialect module to LLVM IR failed");

  std::string lookupError;
  const llvm::Target *tgt = llvm::TargetRegistry::lookupTarget(target.triple, lookupError);
  if (!tgt)
    return err("target '" + target.triple + "': " + lookupError);
  llvm::TargetOptions opts;
  std::unique_ptr<llvm::TargetMachine> tm(tgt->createTargetMachine(
      target.triple, target.cpu, target.features, opts, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!tm)
    return err("cannot create a TargetMachine for " + target.triple + " / " + target.cpu);
  llvmModule->setDataLayout(tm->createDataLayout());
  llvmModule->setTargetTriple(target.triple);
  for (llvm::Function &f : *llvmModule) {
    if (f.isDeclaration())
      continue;
    f.addFnAttr("target-cpu", target.cpu);
    if (!target.features.empty())
      f.addFnAttr("target-features", target.features);
  }

  // Optimize.
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions pto;
  pto.LoopUnrolling = false;
  llvm::PassBuilder pb(tm.get(), pto);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  // The layers of a model compile to identical kernels that differ only in
  // the buffers their context points at: merge them first, so O3 and code
  // generation see each distinct kernel once.
  {
    llvm::ModulePassManager merge;
    merge.addPass(llvm::MergeFunctionsPass());
    merge.run(*llvmModule, mam);
  }
  llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  mpm.run(*llvmModule, mam);
  if (llvm::verifyModule(*llvmModule, &llvm::errs()))
    return err("LLVM IR verification failed after optimization");
  if (llvmIR) {
    llvm::raw_string_ostream os(*llvmIR);
    llvmModule->print(os, nullptr);
  }

  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager cg;
  if (tm->addPassesToEmitFile(cg, os, nullptr, llvm::CodeGenFileType::ObjectFile))
    return err("the target cannot emit object files");
  cg.run(*llvmModule);
  object.assign(buffer.begin(), buffer.end());
  return llvm::Error::success();
}

llvm::Expected<std::vector<bool>> targetHasFeatures(const CPUTarget &target,
                                                    llvm::ArrayRef<std::string> names) {
  initLLVMTargets();
  std::string lookupError;
  const llvm::Target *tgt = llvm::TargetRegistry::lookupTarget(target.triple, lookupError);
  if (!tgt)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "target '" + target.triple + "': " + lookupError);
  std::unique_ptr<llvm::MCSubtargetInfo> sti(
      tgt->createMCSubtargetInfo(target.triple, target.cpu, target.features));
  if (!sti)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "no subtarget for " + target.triple + " / " + target.cpu);
  std::vector<bool> out;
  for (const std::string &n : names)
    out.push_back(sti->checkFeatures("+" + n));
  return out;
}

} // namespace mlir::attune
