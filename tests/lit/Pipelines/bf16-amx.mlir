// RUN: attune-opt %s --split-input-file --attune-to-llvm='amx=true' | FileCheck %s --check-prefix=AMX
// RUN: attune-opt %s --split-input-file --attune-to-llvm | FileCheck %s --check-prefix=AVX

// A bf16 weight GEMM (attune.matmul's mixed form, `attune compile --dtype
// bf16`, docs/bf16.md) through the whole CPU pipeline. On a target with
// amx-tile + amx-bf16 (`amx=true`, what the driver sets for such targets) it
// becomes AMX tile intrinsics: C tiles loaded, B tiles straight from the
// pair panels, tdpbf16ps, C stored; no vdpbf16ps. On an avx512_bf16-only
// target (the default here) there is no AMX op and the GEMM is vdpbf16ps.

// AMX-LABEL: llvm.func internal @main_par{{[0-9]+}}
// AMX:         amx.tileloadd64
// AMX:         amx.tdpbf16ps
// AMX:         amx.tilestored64
// AMX-NOT:     llvm.x86.avx512bf16.dpbf16ps
// AMX-LABEL: llvm.func @main(
// AMX-SAME:    {attune.weight = "dense.weight@B48"}

// AVX-NOT:     amx.
// AVX:         llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"
// AVX-NOT:     amx.
// AVX-LABEL: llvm.func @main(
func.func @main(%x: tensor<1x40x64xf32> {attune.name = "x"}) -> (tensor<1x40x96xf32> {attune.name = "y"}) {
  %w = attune.weight @"dense.weight@B48" : tensor<64x96xbf16>
  %y = attune.matmul %x, %w : (tensor<1x40x64xf32>, tensor<64x96xbf16>) -> tensor<1x40x96xf32>
  return %y : tensor<1x40x96xf32>
}

// -----

// An odd K leaves the last weight row unpaired in the panels: AMX refuses
// it and the avx512_bf16 kernel takes the GEMM, also with amx=true.

// AMX-LABEL: llvm.func internal @main_par{{[0-9]+}}
// AMX-NOT:     amx.
// AMX:         llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"
// AMX-NOT:     amx.
// AMX-LABEL: llvm.func @main(

// AVX-NOT:     amx.
// AVX:         llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"
// AVX-LABEL: llvm.func @main(
func.func @main(%x: tensor<1x16x63xf32> {attune.name = "x"}) -> (tensor<1x16x48xf32> {attune.name = "y"}) {
  %w = attune.weight @"dense.weight@B48" : tensor<63x48xbf16>
  %y = attune.matmul %x, %w : (tensor<1x16x63xf32>, tensor<63x48xbf16>) -> tensor<1x16x48xf32>
  return %y : tensor<1x16x48xf32>
}
