//===- AttuneDialect.cpp - The attune dialect -----------------------------===//
#include "attune/IR/AttuneDialect.h"
#include "attune/IR/AttuneOps.h"

using namespace mlir;
using namespace mlir::attune;

#include "attune/IR/AttuneDialect.cpp.inc"

void AttuneDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "attune/IR/AttuneOps.cpp.inc"
      >();
}
