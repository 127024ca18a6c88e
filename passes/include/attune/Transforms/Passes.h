//===- Passes.h - Graph-level passes of Attune -------------------*- C++ -*-===//
#ifndef ATTUNE_TRANSFORMS_PASSES_H
#define ATTUNE_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::attune {

#define GEN_PASS_DECL
#include "attune/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "attune/Transforms/Passes.h.inc"



/// Name of the entry function every importer creates.
inline constexpr llvm::StringLiteral kEntryFunctionName = "main";
/// Argument attribute naming the weight an argument carries.
inline constexpr llvm::StringLiteral kWeightArgAttr = "attune.weight";
/// Argument attribute: max valid value (exclusive) of an integer input.
inline constexpr llvm::StringLiteral kMaxValueArgAttr = "attune.max_value";
/// Argument / result attribute: the user-visible tensor name.
inline constexpr llvm::StringLiteral kNameAttr = "attune.name";

/// attune-tile-and-fuse's query tile without options or attune.tile_sizes:
/// a divisor of Sq in [32, 64] when there is one, else min(Sq, 64); halved
/// (not below 16) while the forall would have fewer than `chunks`
/// iterations. (The key tile: AttentionTileOp::defaultKeyTile.)
int64_t heuristicAttentionQueryTile(int64_t B, int64_t H, int64_t Sq, int64_t chunks);

} // namespace mlir::attune

#endif
