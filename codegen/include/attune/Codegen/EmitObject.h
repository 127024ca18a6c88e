//===- EmitObject.h - LLVM dialect -> native object file ---------*- C++ -*-===//
#ifndef ATTUNE_CODEGEN_EMITOBJECT_H
#define ATTUNE_CODEGEN_EMITOBJECT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <string>
#include <vector>

namespace mlir::attune {

/// A CPU target: triple, CPU name and features for LLVM's TargetMachine.
struct CPUTarget {
  std::string triple;   // default: host triple
  std::string cpu;      // e.g. "znver4", "x86-64-v3"
  std::string features; // e.g. "+avx2,+fma"
  std::string description;
  /// f32 elements in the widest vector register the target has: 16 with
  /// AVX-512, 8 with AVX/AVX2, 4 otherwise. Codegen's vector tiles and the
  /// GEMM micro-kernel's register blocking follow it (TargetOptions).
  int64_t vectorWidth = 16;
};

/// Resolves `--target` names: "host", "x86-64-avx2", "x86-64-avx512".
llvm::Expected<CPUTarget> resolveCPUTarget(llvm::StringRef name);

/// Translates `module` (LLVM dialect) to LLVM IR, optimizes it at O3 with the
/// loop unroller off (it spills register-blocked kernels), and emits an ELF
/// object into `object`. When `llvmIR` is non-null it receives the optimized
/// LLVM IR text.
llvm::Error emitObject(ModuleOp module, const CPUTarget &target, std::string &object,
                       std::string *llvmIR = nullptr);

/// For each LLVM feature name in `names` ("avx512f", "amx-tile"), whether
/// code generated for `target` may use it: implied by its CPU model or
/// enabled by its feature string (LLVM's subtarget of that CPU).
llvm::Expected<std::vector<bool>> targetHasFeatures(const CPUTarget &target,
                                                    llvm::ArrayRef<std::string> names);

} // namespace mlir::attune

#endif
