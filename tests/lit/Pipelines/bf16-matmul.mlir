// RUN: attune-opt %s --attune-to-llvm | FileCheck %s

// attune.matmul's mixed form (f32 activations x a bf16 weight in pair panels,
// what `attune compile --dtype bf16` makes of weight GEMMs, docs/bf16.md)
// through the whole CPU pipeline: the activations are rounded to bf16 once
// (fptrunc), the GEMM is the avx512_bf16 micro-kernel (the vdpbf16ps
// intrinsic on <32 x bf16> pairs into <16 x f32> accumulators), and the
// weight stays a plain pointer argument.

// CHECK:       llvm.func internal @main_par{{[0-9]+}}
// CHECK:         llvm.fptrunc %{{.+}} : vector<16xf32> to vector<16xbf16>
// CHECK:       llvm.func internal @main_par{{[0-9]+}}
// CHECK:         llvm.load %{{.+}} : !llvm.ptr -> vector<32xbf16>
// CHECK:         llvm.load %{{.+}} : !llvm.ptr -> vector<2xbf16>
// CHECK:         llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"(%{{.+}}, %{{.+}}, %{{.+}}) : (vector<16xf32>, vector<32xbf16>, vector<32xbf16>) -> vector<16xf32>
// CHECK-LABEL: llvm.func @main
// CHECK-SAME:    (%{{.+}}: !llvm.ptr {attune.weight = "dense.weight@B48"}, %{{.+}}: !llvm.ptr {attune.name = "x"}, %{{.+}}: !llvm.ptr {attune.name = "y"})
func.func @main(%x: tensor<1x16x64xf32> {attune.name = "x"}) -> (tensor<1x16x96xf32> {attune.name = "y"}) {
  %w = attune.weight @"dense.weight@B48" : tensor<64x96xbf16>
  %y = attune.matmul %x, %w : (tensor<1x16x64xf32>, tensor<64x96xbf16>) -> tensor<1x16x96xf32>
  return %y : tensor<1x16x96xf32>
}
