// RUN: attune-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(func.func(attune-vectorize))' | FileCheck %s

// attune-vectorize lowers contractions marked attune.microkernel (by
// attune-tile-and-distribute) to register-blocked loops: N = 96 gives an
// 8x48 register tile, i.e. 24 vector<16xf32> accumulators carried by the k
// loop, 3 loads of B and 8 broadcast loads of A per k, 24 FMAs.

#lhs = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhs = affine_map<(d0, d1, d2) -> (d2, d1)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func.func @gemm_8x96
// CHECK-SAME:    (%[[A:.+]]: memref<8x64xf32>, %[[B:.+]]: memref<64x96xf32>, %[[C:.+]]: memref<8x96xf32>)
// CHECK-NOT:     linalg.generic
// CHECK:         scf.for %[[I:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK:           scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK-COUNT-24:    vector.load %[[C]]
// CHECK:             %[[ACC:.+]]:24 = scf.for %[[K:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args({{.+}}) -> (vector<16xf32>, {{.+}}) {
// CHECK-COUNT-3:       vector.load %[[B]][%[[K]], %{{.+}}] : memref<64x96xf32>, vector<16xf32>
// CHECK:               memref.load %[[A]]
// CHECK:               vector.splat {{.+}} : vector<16xf32>
// CHECK-COUNT-3:       vector.fma
// CHECK:               scf.yield
// CHECK-COUNT-24:    vector.store
func.func @gemm_8x96(%a: memref<8x64xf32>, %b: memref<64x96xf32>, %c: memref<8x96xf32>) attributes {attune.vector_width = 16 : i64} {
  linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<8x64xf32>, memref<64x96xf32>) outs(%c : memref<8x96xf32>) attrs = {attune.microkernel} {
  ^bb0(%l: f32, %r: f32, %acc: f32):
    %p = arith.mulf %l, %r : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Batch loops, a 12x32 register tile (N = 32) with one tail row (M = 13),
// and a rank-2 B shared by every batch.

#lhs3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#rhs2 = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#out3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>

// CHECK-LABEL: func.func @batched_tail
// CHECK:         scf.for %[[BATCH:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK:           scf.for {{.+}} {
// CHECK:             scf.for {{.+}} {
// CHECK:               scf.for {{.+}} iter_args({{.+}}) -> (vector<16xf32>, {{.+}}) {
// CHECK-COUNT-24:        vector.fma
// CHECK:           scf.for {{.+}} {
// CHECK:             scf.for {{.+}} iter_args({{.+}}) -> (vector<16xf32>, vector<16xf32>) {
// CHECK-COUNT-2:       vector.fma
// CHECK-NOT:           vector.fma
// CHECK:               scf.yield
func.func @batched_tail(%a: memref<2x13x17xf32>, %b: memref<17x32xf32>, %c: memref<2x13x32xf32>) attributes {attune.vector_width = 16 : i64} {
  linalg.generic {indexing_maps = [#lhs3, #rhs2, #out3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%a, %b : memref<2x13x17xf32>, memref<17x32xf32>) outs(%c : memref<2x13x32xf32>) attrs = {attune.microkernel} {
  ^bb0(%l: f32, %r: f32, %acc: f32):
    %p = arith.mulf %l, %r : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Not a multiply-accumulate (max instead of add): vectorized as before.

#lhsm = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhsm = affine_map<(d0, d1, d2) -> (d2, d1)>
#outm = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func.func @not_a_gemm
// CHECK-NOT:     vector.fma
// CHECK:         return
func.func @not_a_gemm(%a: memref<4x4xf32>, %b: memref<4x16xf32>, %c: memref<4x16xf32>) attributes {attune.vector_width = 16 : i64} {
  linalg.generic {indexing_maps = [#lhsm, #rhsm, #outm], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<4x4xf32>, memref<4x16xf32>) outs(%c : memref<4x16xf32>) attrs = {attune.microkernel} {
  ^bb0(%l: f32, %r: f32, %acc: f32):
    %p = arith.mulf %l, %r : f32
    %s = arith.maximumf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A weight stored in panel layout (name suffix @P48: [N/48][K][48] bytes
// behind a [K, N] type) is read as P[(n0 + j0) / 48][k][16 c] through a
// reinterpret_cast of the argument; the subview offset n0 of the tile is
// added to the panel index.

#lhsp = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhsp = affine_map<(d0, d1, d2) -> (d2, d1)>
#outp = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func.func @packed_weight
// CHECK-SAME:    (%[[A:.+]]: memref<8x64xf32>, %[[W:.+]]: memref<64x96xf32> {attune.weight = "w@P48"}, %[[C:.+]]: memref<8x48xf32>, %[[N0:.+]]: index)
// CHECK:         %[[P:.+]] = memref.reinterpret_cast %[[W]] to offset: [0], sizes: [2, 64, 48], strides: [3072, 48, 1] {attune.packed_view}
// The tile's last (only) block prefetches the columns after the tile when
// the weight has more (n0 + 48 < 96), else itself:
// CHECK:         %[[AFTER:.+]] = arith.addi %[[N0]], %{{.+}} : index
// CHECK:         %[[HAS:.+]] = arith.cmpi ult, %[[AFTER]], %{{.+}} : index
// CHECK:         arith.select %[[HAS]]
// CHECK:         scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK:           scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK:           %[[NJ:.+]] = arith.addi %[[N0]], %[[J]] : index
// CHECK:           %[[PANEL:.+]] = arith.divui %[[NJ]], %{{.+}} : index
// CHECK:           scf.for %[[K:.+]] = {{.+}} iter_args
// CHECK:             vector.load %[[P]][%[[PANEL]], %[[K]], %{{.+}}] : memref<2x64x48xf32>, vector<16xf32>
// CHECK-NOT:     memref.subview
func.func @packed_weight(%a: memref<8x64xf32>, %w: memref<64x96xf32> {attune.weight = "w@P48"}, %c: memref<8x48xf32>, %n0: index) attributes {attune.vector_width = 16 : i64} {
  %b = memref.subview %w[0, %n0] [64, 48] [1, 1] : memref<64x96xf32> to memref<64x48xf32, strided<[96, 1], offset: ?>>
  linalg.generic {indexing_maps = [#lhsp, #rhsp, #outp], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<8x64xf32>, memref<64x48xf32, strided<[96, 1], offset: ?>>) outs(%c : memref<8x48xf32>) attrs = {attune.microkernel} {
  ^bb0(%l: f32, %r: f32, %acc: f32):
    %p = arith.mulf %l, %r : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Anything else reading a panel-layout weight would see scrambled data: a
// compile error, never a silent wrong answer.

func.func @packed_weight_misused(%w: memref<4x48xf32> {attune.weight = "w@P48"}, %out: memref<4x48xf32>) attributes {attune.vector_width = 16 : i64} {
  // expected-error @+1 {{weight argument 0 is stored in the micro-kernel's panel layout but read by an op the micro-kernel did not lower}}
  memref.copy %w, %out : memref<4x48xf32> to memref<4x48xf32>
  return
}

// -----

// Attention's P·V: out[b,i,h,d] = sum_j p[b,h,i,j] v[b,j,h,d]. The row dim m
// is the one in A and C but not in B (i), not C's second-to-last (h); b and
// h are batch loops; N = D = 16 gives 16x16 register tiles (8 rows here).

#pv_p = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d4)>
#pv_v = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d2, d3)>
#pv_o = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>

// CHECK-LABEL: func.func @attention_pv
// CHECK-SAME:    (%[[P:.+]]: memref<1x2x8x8xf32>, %[[V:.+]]: memref<1x8x2x16xf32>, %[[O:.+]]: memref<1x8x2x16xf32>)
// CHECK:         scf.for %[[B:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK:           scf.for %[[H:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK:             scf.for {{.+}} iter_args({{.+}}) -> (vector<16xf32>, {{.+}}) {
// CHECK:               vector.load %[[V]][%[[B]], %{{.+}}, %[[H]], %{{.+}}] : memref<1x8x2x16xf32>, vector<16xf32>
// CHECK-COUNT-8:       vector.fma
// CHECK:               scf.yield
func.func @attention_pv(%p: memref<1x2x8x8xf32>, %v: memref<1x8x2x16xf32>, %o: memref<1x8x2x16xf32>) attributes {attune.vector_width = 16 : i64} {
  linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : memref<1x2x8x8xf32>, memref<1x8x2x16xf32>) outs(%o : memref<1x8x2x16xf32>) attrs = {attune.microkernel} {
  ^bb0(%l: f32, %r: f32, %acc: f32):
    %m = arith.mulf %l, %r : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Column blocks and prefetching (attune.config nc = 96 of N = 192): a loop
// over blocks of 96 columns outside the row blocks, so each row block runs
// over one kc x nc block of B; while it does, it prefetches its share of the
// next block (here columns 96..191; the last block prefetches itself) into
// L2 (locality 2): the next block's panel slice is 64 x 48 floats = 192
// lines, 2 row blocks -> 96 lines each, 2 lines in each of the first 48 k
// steps; the last 16 k steps run without prefetches.

#lhsq = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhsq = affine_map<(d0, d1, d2) -> (d2, d1)>
#outq = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func.func @column_blocks
// CHECK-DAG:     %[[C96:.+]] = arith.constant 96 : index
// CHECK-DAG:     %[[C192:.+]] = arith.constant 192 : index
// CHECK-DAG:     %[[C48:.+]] = arith.constant 48 : index
// CHECK-DAG:     %[[C64:.+]] = arith.constant 64 : index
// CHECK:         %[[FLAT:.+]] = memref.reinterpret_cast %{{.+}} to offset: [0], sizes: [12288], strides: [1] {attune.packed_view}
// CHECK:         scf.for %[[JC:.+]] = %{{.+}} to %[[C192]] step %[[C96]] {
// CHECK:           arith.addi %[[JC]], %[[C96]] : index
// CHECK:           %[[NEXT:.+]] = arith.addi %[[JC]], %[[C96]] : index
// CHECK:           %[[MORE:.+]] = arith.cmpi ult, %[[NEXT]], %[[C192]] : index
// CHECK:           arith.select %[[MORE]], %[[NEXT]], %[[JC]] : index
// CHECK:           scf.for %[[I:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK:             arith.minui %{{.+}}, %[[C96]] : index
// CHECK:             scf.for %{{.+}} = %[[JC]] to %{{.+}} step %[[C48]] {
// CHECK:               scf.for %{{.+}} = %{{.+}} to %[[C48]] step %{{.+}} iter_args
// CHECK-COUNT-2:         memref.prefetch %[[FLAT]][%{{.+}}], read, locality<2>, data : memref<12288xf32>
// CHECK-NOT:             memref.prefetch
// CHECK:                 scf.yield
// CHECK:               scf.for %{{.+}} = %[[C48]] to %[[C64]] step %{{.+}} iter_args
// CHECK-NOT:             memref.prefetch
// CHECK:                 scf.yield
func.func @column_blocks(%a: memref<16x64xf32>, %w: memref<64x192xf32> {attune.weight = "w@P48"}, %c: memref<16x192xf32>) attributes {attune.vector_width = 16 : i64} {
  linalg.generic {indexing_maps = [#lhsq, #rhsq, #outq], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %w : memref<16x64xf32>, memref<64x192xf32>) outs(%c : memref<16x192xf32>) attrs = {attune.microkernel, attune.config = {kc = 64 : i64, mr = 8 : i64, nc = 96 : i64, nr = 48 : i64, qm = 1 : i64, qn = 1 : i64, vector_width = 16 : i64}} {
  ^bb0(%l: f32, %r: f32, %acc: f32):
    %p = arith.mulf %l, %r : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A zero fill right before the contraction on the same C (as
// attune-tile-and-distribute leaves a GEMM tile's fill): the accumulators
// start as splats of the fill value (folded to a constant), C is never
// loaded before the k loop, and
// the fill is gone. K = 2048 is blocked (kc = 256, K > 1024): only the first
// K block starts from the fill value, the others from C (scf.if on the block
// start).

#lhs = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhs = affine_map<(d0, d1, d2) -> (d2, d1)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func.func @zero_init
// CHECK-SAME:    (%[[A:.+]]: memref<8x64xf32>, %[[B:.+]]: memref<64x96xf32>, %[[C:.+]]: memref<8x96xf32>)
// CHECK-NOT:     linalg.fill
// CHECK:         %[[Z:.+]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK-NOT:     vector.load %[[C]]
// CHECK:         scf.for {{.+}} iter_args(%{{.+}} = %[[Z]], %{{.+}} = %[[Z]],
// CHECK:         vector.store %{{.+}}, %[[C]]
// CHECK-LABEL: func.func @zero_init_k_blocks
// CHECK-NOT:     linalg.fill
// CHECK:         scf.for %[[KB:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK:           %[[FIRST:.+]] = arith.cmpi eq, %[[KB]], %{{.+}} : index
// CHECK:           scf.if %[[FIRST]] -> (vector<16xf32>
// CHECK:             scf.yield %{{.+}} : vector<16xf32>
// CHECK:           } else {
// CHECK-COUNT-24:    vector.load
func.func @zero_init(%a: memref<8x64xf32>, %b: memref<64x96xf32>, %c: memref<8x96xf32>) attributes {attune.vector_width = 16 : i64} {
  %zero = arith.constant 0.000000e+00 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<8x96xf32>)
  linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<8x64xf32>, memref<64x96xf32>) outs(%c : memref<8x96xf32>) attrs = {attune.microkernel} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
func.func @zero_init_k_blocks(%a: memref<8x2048xf32>, %b: memref<2048x96xf32>, %c: memref<8x96xf32>) attributes {attune.vector_width = 16 : i64} {
  %zero = arith.constant 0.000000e+00 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<8x96xf32>)
  linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<8x2048xf32>, memref<2048x96xf32>) outs(%c : memref<8x96xf32>) attrs = {attune.microkernel} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
