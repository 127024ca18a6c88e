// RUN: attune-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(attune-vectorize))' | FileCheck %s

// attune-vectorize lowers bf16 contractions (attune.matmul's f32 x bf16 form
// after attune-convert-to-linalg: A rounded to bf16, B a weight in bf16 pair
// panels "NAME@B<nr>", f32 accumulator) to the avx512_bf16 micro-kernel:
// per pair of k, 3 loads of 32 bf16 from the panel, 8 broadcasts of the
// 32-bit pair (a[k], a[k+1]) and 24 vdpbf16ps on vector<16xf32> accumulators.

#lhs = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhs = affine_map<(d0, d1, d2) -> (d2, d1)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func.func @gemm_bf16_8x96
// CHECK-SAME:    (%[[B:.+]]: memref<64x96xbf16> {attune.weight = "w@B48"}, %[[A:.+]]: memref<8x64xbf16>, %[[C:.+]]: memref<8x96xf32>)
// CHECK:         %[[P:.+]] = memref.reinterpret_cast %[[B]] to offset: [0], sizes: [2, 3072], strides: [3072, 1] {attune.packed_view}
// CHECK-NOT:     linalg.generic
// CHECK:         scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK-COUNT-24:  vector.load %[[C]]
// CHECK:           scf.for %[[K:.+]] = %{{.+}} to %{{.+}} step %c2 iter_args({{.+}}) -> (vector<16xf32>, {{.+}}) {
// CHECK-COUNT-3:     vector.load %[[P]][%{{.+}}, %{{.+}}] : memref<2x3072xbf16>, vector<32xbf16>
// CHECK:             %[[PAIR:.+]] = vector.load %[[A]][%{{.+}}, %[[K]]] : memref<8x64xbf16>, vector<2xbf16>
// CHECK:             %[[W:.+]] = vector.bitcast %[[PAIR]] : vector<2xbf16> to vector<1xf32>
// CHECK:             %[[E:.+]] = vector.extract %[[W]][0] : f32 from vector<1xf32>
// CHECK:             %[[S:.+]] = vector.splat %[[E]] : vector<16xf32>
// CHECK:             %[[AV:.+]] = vector.bitcast %[[S]] : vector<16xf32> to vector<32xbf16>
// CHECK-COUNT-3:     llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"(%{{.+}}, %[[AV]], %{{.+}}) : (vector<16xf32>, vector<32xbf16>, vector<32xbf16>) -> vector<16xf32>
// CHECK-NOT:         vector.fma
// CHECK:             scf.yield
// CHECK-COUNT-24:  vector.store
func.func @gemm_bf16_8x96(%b: memref<64x96xbf16> {attune.weight = "w@B48"}, %a: memref<8x64xbf16>, %c: memref<8x96xf32>) attributes {attune.vector_width = 16 : i64} {
  linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<8x64xbf16>, memref<64x96xbf16>) outs(%c : memref<8x96xf32>) attrs = {attune.microkernel} {
  ^bb0(%l: bf16, %r: bf16, %acc: f32):
    %x = arith.extf %l : bf16 to f32
    %y = arith.extf %r : bf16 to f32
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Odd K (5): two pairs through vdpbf16ps, then the panel's unpaired last
// row (offset (K - 1) * nr = 64) through extf + FMA. M = 3 < MR: one tail
// block of 3 rows; N = 16: a 16x16 register tile, one accumulator per row.

#lhs2 = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhs2 = affine_map<(d0, d1, d2) -> (d2, d1)>
#out2 = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func.func @gemm_bf16_odd_k
// CHECK:         %[[P:.+]] = memref.reinterpret_cast %{{.+}} to offset: [0], sizes: [1, 80], strides: [80, 1]
// CHECK:         scf.for {{.+}} step %c2 iter_args({{.+}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>) {
// CHECK-COUNT-3:   llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"
// CHECK:         vector.load %[[P]][%{{.+}}, %c64{{.*}}] : memref<1x80xbf16>, vector<16xbf16>
// CHECK:         arith.extf %{{.+}} : vector<16xbf16> to vector<16xf32>
// CHECK-COUNT-3: vector.fma
func.func @gemm_bf16_odd_k(%b: memref<5x16xbf16> {attune.weight = "w@B16"}, %a: memref<3x5xbf16>, %c: memref<3x16xf32>) attributes {attune.vector_width = 16 : i64} {
  linalg.generic {indexing_maps = [#lhs2, #rhs2, #out2], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<3x5xbf16>, memref<5x16xbf16>) outs(%c : memref<3x16xf32>) attrs = {attune.microkernel} {
  ^bb0(%l: bf16, %r: bf16, %acc: f32):
    %x = arith.extf %l : bf16 to f32
    %y = arith.extf %r : bf16 to f32
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
