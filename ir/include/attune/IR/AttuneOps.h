//===- AttuneOps.h - Operations of the attune dialect ------------*- C++ -*-===//
#ifndef ATTUNE_IR_ATTUNEOPS_H
#define ATTUNE_IR_ATTUNEOPS_H

#include "attune/IR/AttuneDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/TilingInterface.h"

#define GET_OP_CLASSES
#include "attune/IR/AttuneOps.h.inc"

#endif // ATTUNE_IR_ATTUNEOPS_H
