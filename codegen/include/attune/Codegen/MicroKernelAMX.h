//===- MicroKernelAMX.h - AMX (tdpbf16ps) bf16 GEMM kernel -------*- C++ -*-===//
//
// The AMX variant of the bf16 micro-kernel (MicroKernelBF16.cpp) for targets
// with amx-tile + amx-bf16: same contraction, same pair-panel weights
// ("W@B<nr>"), MLIR 19's AMX dialect instead of vdpbf16ps. See
// MicroKernelAMX.cpp and docs/bf16.md.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_CODEGEN_LLVMCPU_MICROKERNELAMX_H
#define ATTUNE_CODEGEN_LLVMCPU_MICROKERNELAMX_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::attune {

/// Lowers a bf16 contraction (isBF16DotAccumulate, memrefs, B a pair-panel
/// weight) to AMX tile ops: 16-row A tiles x 16-column B subtiles, f32 C
/// tiles. Fails (IR unchanged) where AMX does not fit — odd K, panel widths
/// that are not a multiple of 16, dynamic strides — and the caller then uses
/// the avx512_bf16 kernel.
LogicalResult lowerToAMXMicroKernel(RewriterBase &rewriter, linalg::LinalgOp op);

} // namespace mlir::attune

#endif
