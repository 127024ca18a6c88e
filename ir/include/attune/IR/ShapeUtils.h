//===- ShapeUtils.h - Shape rules shared by verifiers and importers -*- C++ -*-===//
//
// Pure functions over static shapes: NumPy broadcasting, axis normalization,
// formatting. Importers use them to build ops with the right result types;
// the verifiers use the same rules, so the two can never disagree.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_IR_SHAPEUTILS_H
#define ATTUNE_IR_SHAPEUTILS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>
#include <string>

namespace mlir::attune {

/// NumPy broadcast of two shapes; std::nullopt if incompatible.
std::optional<llvm::SmallVector<int64_t>> broadcastShapes(llvm::ArrayRef<int64_t> a,
                                                          llvm::ArrayRef<int64_t> b);

/// Whether `from` broadcasts to exactly `to`.
bool broadcastsTo(llvm::ArrayRef<int64_t> from, llvm::ArrayRef<int64_t> to);

/// Maps a possibly negative axis into [0, rank); std::nullopt if out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// "[1,8,64]" (dynamic dims print as "?").
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// Product of the dims (all static).
int64_t numElements(llvm::ArrayRef<int64_t> shape);

} // namespace mlir::attune

#endif // ATTUNE_IR_SHAPEUTILS_H
