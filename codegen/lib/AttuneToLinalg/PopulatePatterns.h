//===- PopulatePatterns.h - attune -> linalg conversion patterns -*- C++ -*-===//
//
// One file per op family; ConvertAttuneToLinalg.cpp only assembles them.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_CODEGEN_ATTUNETOLINALG_POPULATEPATTERNS_H
#define ATTUNE_CODEGEN_ATTUNETOLINALG_POPULATEPATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::attune {
void populateElementwisePatterns(RewritePatternSet &patterns);
void populateContractionPatterns(RewritePatternSet &patterns);
void populateNormalizationPatterns(RewritePatternSet &patterns);
void populateAttentionPatterns(RewritePatternSet &patterns);
void populateShapePatterns(RewritePatternSet &patterns);
} // namespace mlir::attune

#endif
