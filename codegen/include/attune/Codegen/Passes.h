//===- Passes.h - CPU code generation passes of Attune -----------*- C++ -*-===//
#ifndef ATTUNE_CODEGEN_PASSES_H
#define ATTUNE_CODEGEN_PASSES_H

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "attune/IR/AttuneDialect.h"

namespace mlir::attune {

#define GEN_PASS_DECL
#include "attune/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "attune/Codegen/Passes.h.inc"


} // namespace mlir::attune

#endif
