//===- AttuneDialect.h - The attune dialect ----------------------*- C++ -*-===//
#ifndef ATTUNE_IR_ATTUNEDIALECT_H
#define ATTUNE_IR_ATTUNEDIALECT_H

#include "mlir/IR/Dialect.h"

#include "attune/IR/AttuneDialect.h.inc"

#endif // ATTUNE_IR_ATTUNEDIALECT_H
