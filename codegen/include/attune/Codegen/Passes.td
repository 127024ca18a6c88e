//===- Passes.td - CPU code generation passes of Attune -------------------===//
#ifndef ATTUNE_CODEGEN_PASSES_TD
#define ATTUNE_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttuneToLinalgPass : Pass<"attune-convert-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lowers attune ops to linalg, tensor, arith and math on tensors";
  let description = [{
    One conversion file per op family (Elementwise, Contraction,
    Normalization, Attention, Shape). Elementwise ops with broadcasting become
    `linalg.generic` with broadcasting indexing maps; matmuls become
    `linalg.batch_matmul`/`linalg.matmul`/generics; reductions, layer norm and
    softmax become reduction generics; attention becomes batched QKᵀ, masked
    softmax and ·V over a [B·H] batch (not yet the flash-style tiled loop).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect", "mlir::math::MathDialect",
                           "mlir::func::FuncDialect"];
}

def TileAndDistributePass : Pass<"attune-tile-and-distribute", "mlir::func::FuncOp"> {
  let summary = "Tiles linalg ops on tensors: scf.forall across threads, scf.for to vector tiles";
  let description = [{
    Through TilingInterface (`scf::tileUsingSCF`): the outer parallel
    dimensions of every linalg op are tiled into an `scf.forall` with at
    least `chunks` iterations (or as many as the iteration space has); the
    tile is then tiled again with `scf.for` down to static vector-sized tiles
    (tile sizes always divide the dimension, so every inner tile has a static
    shape that the vectorizer accepts).
  }];
  let options = [
    Option<"chunks", "chunks", "int64_t", "16", "minimum number of parallel chunks per kernel">,
    Option<"vectorWidth", "vector-width", "int64_t", "16", "innermost tile width (elements)">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def VectorizeMemrefsPass : Pass<"attune-vectorize", "mlir::func::FuncOp"> {
  let summary = "Vectorizes static-shape linalg ops on memrefs and lowers vector ops";
  let description = [{
    Runs after bufferization (vectorizing on tensors hits llvm#101708 in MLIR
    19). Each linalg op with static shapes is vectorized with
    `linalg::vectorize`; then transfer hoisting, contraction lowering to
    outer products / FMAs, transfer and multi-reduction lowering.
  }];
  // LLVM: the bf16 micro-kernel calls the vdpbf16ps intrinsic directly;
  // AMX: the amx option's tile kernel (MicroKernelAMX.cpp).
  let dependentDialects = ["mlir::vector::VectorDialect", "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect", "mlir::LLVM::LLVMDialect",
                           "mlir::amx::AMXDialect"];
  let options = [
    Option<"useAmx", "amx", "bool", /*default=*/"false",
           "Lower bf16 weight GEMMs with AMX tiles (tdpbf16ps) where they fit; "
           "the others keep the avx512_bf16 kernel">
  ];
}

def ForallToParallelForPass : Pass<"attune-forall-to-parallel-for", "mlir::func::FuncOp"> {
  let summary = "Outermost scf.forall -> attune.parallel_for; nested ones -> scf.for";
  let description = [{
    The iteration space of an outermost `scf.forall` (memref semantics) is
    linearized into `attune.parallel_for N`, whose iterations the runtime
    runs on its thread pool. Nested foralls become sequential `scf.for`.
  }];
  let dependentDialects = ["mlir::attune::AttuneDialect", "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect"];
}

def OutlineParallelForPass : Pass<"attune-outline-parallel-for", "mlir::ModuleOp"> {
  let summary = "Outlines attune.parallel_for bodies (LLVM dialect) into runtime tasks";
  let description = [{
    Runs after conversion to the LLVM dialect. Each `attune.parallel_for`
    body becomes an internal `llvm.func @<fn>_par<N>(ptr ctx, i64 begin, i64 end)`
    that loads the captured values from a context struct and loops over
    `[begin, end)`; the op is replaced by filling that struct on the stack
    and calling `attune_rt_parallel_for(fn, ctx, count)`.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def LegalizeParallelForTypesPass
    : Pass<"attune-legalize-parallel-for-types", "mlir::ModuleOp"> {
  let summary = "Converts block argument types inside attune.parallel_for to LLVM types";
  let description = [{
    convert-func-to-llvm converts the block signatures of function bodies
    only; blocks that convert-scf-to-cf created inside an
    `attune.parallel_for` region keep `index` arguments. This pass applies
    the LLVM type converter to every block of those regions (run it after
    convert-scf-to-cf and before convert-cf-to-llvm), so the region is
    fully LLVM once the other conversions have run.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def ApproximateMathPass : Pass<"attune-approximate-math", "mlir::func::FuncOp"> {
  let summary = "Polynomial approximations of exp, erf, tanh, ... (vectorizable)";
  let description = [{
    Applies MLIR's math polynomial approximation patterns so that math ops
    on vectors become FMAs and bit tricks instead of scalar libm calls.
  }];
  let dependentDialects = ["mlir::math::MathDialect", "mlir::arith::ArithDialect",
                           "mlir::vector::VectorDialect", "mlir::LLVM::LLVMDialect"];
}

def PlanMemoryPass : Pass<"attune-plan-memory", "mlir::func::FuncOp"> {
  let summary = "Packs the function's temporary buffers into one arena by liveness";
  let description = [{
    A compile-time memory plan. Every `memref.alloc` in the function's entry
    block with a static shape and identity layout whose `memref.dealloc` is in
    the same block lives from the alloc to the last op of that block that
    uses it or a value that may alias it (ownership-based deallocation frees
    at the end of the block, so the pass computes the live range itself).
    Buffers are placed greedily, largest first, at the lowest
    64-byte-aligned offset that no buffer live at the same time occupies.
    They become `memref.view`s of one `memref<Nxi8>` arena allocated at
    function entry and freed before return, so a BERT layer's buffers reuse
    the previous layer's (still cache-warm) memory and a run makes one
    allocation instead of hundreds. The function gets an
    `attune.memory_plan` attribute: buffers planned, the bytes they would
    take without reuse, and the arena's size.

    Tile-local buffers -- allocated and freed within one iteration of an
    `scf.forall` body, at most 64 KiB each and 128 KiB per body -- become
    `memref.alloca`s (attune-outline-parallel-for brackets each iteration
    with stacksave/stackrestore): no malloc/free pair per tile.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

#endif
