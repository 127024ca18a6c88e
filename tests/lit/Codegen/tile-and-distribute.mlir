// RUN: attune-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(attune-tile-and-distribute))' | FileCheck %s

// Level 1: scf.forall over the outer parallel dims with >= 16 (chunks)
// iterations where the shape allows; level 2: scf.for down to static vector
// tiles (last dim <= 16, contractions [mr <= 4, n <= 16, k = 1]; f32
// contractions with N a multiple of 16 stay whole for the micro-kernel). Every tile
// size divides its dimension.

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#last = affine_map<(d0, d1, d2) -> (d2)>

// CHECK-LABEL: func.func @elementwise
// CHECK-SAME:    (%[[A:.+]]: tensor<2x8x64xf32>, %[[B:.+]]: tensor<64xf32>)
// CHECK:         %[[R:.+]] = scf.forall (%[[I:.+]], %[[J:.+]]) in (2, 8) shared_outs(%[[OUT:.+]] = %{{.+}}) -> (tensor<2x8x64xf32>) {
// CHECK:           %[[AT:.+]] = tensor.extract_slice %[[A]][%[[I]], %[[J]], 0] [1, 1, 64] [1, 1, 1] : tensor<2x8x64xf32> to tensor<1x1x64xf32>
// CHECK:           %[[OT:.+]] = tensor.extract_slice %[[OUT]][%[[I]], %[[J]], 0] [1, 1, 64] [1, 1, 1]
// CHECK-DAG:       %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG:       %[[C64:.+]] = arith.constant 64 : index
// CHECK-DAG:       %[[C16:.+]] = arith.constant 16 : index
// CHECK:           %[[T:.+]] = scf.for %[[K:.+]] = %[[C0]] to %[[C64]] step %[[C16]] iter_args(%[[ACC:.+]] = %[[OT]]) -> (tensor<1x1x64xf32>) {
// CHECK:             tensor.extract_slice %[[AT]][0, 0, %[[K]]] [1, 1, 16] [1, 1, 1] : tensor<1x1x64xf32> to tensor<1x1x16xf32>
// CHECK:             %[[G:.+]] = linalg.generic
// CHECK-SAME:          ins(%{{.+}}, %{{.+}} : tensor<1x1x16xf32>, tensor<16xf32>) outs(%{{.+}} : tensor<1x1x16xf32>)
// CHECK:             %[[INS:.+]] = tensor.insert_slice %[[G]] into %[[ACC]][0, 0, %[[K]]] [1, 1, 16] [1, 1, 1]
// CHECK:             scf.yield %[[INS]]
// CHECK:           scf.forall.in_parallel {
// CHECK-NEXT:        tensor.parallel_insert_slice %[[T]] into %[[OUT]][%[[I]], %[[J]], 0] [1, 1, 64] [1, 1, 1] : tensor<1x1x64xf32> into tensor<2x8x64xf32>
// CHECK:         return %[[R]]
func.func @elementwise(%a: tensor<2x8x64xf32>, %b: tensor<64xf32>) -> tensor<2x8x64xf32> {
  %e = tensor.empty() : tensor<2x8x64xf32>
  %0 = linalg.generic {indexing_maps = [#id3, #last, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%a, %b : tensor<2x8x64xf32>, tensor<64xf32>) outs(%e : tensor<2x8x64xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<2x8x64xf32>
  return %0 : tensor<2x8x64xf32>
}

// -----

// A unit outer dim is not distributed; the hidden dim is split in two to
// reach 16 chunks, then tiled by 16 inside.

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// CHECK-LABEL: func.func @wide
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (8, 768) step (1, 384)
// CHECK-DAG:       %[[C384:.+]] = arith.constant 384 : index
// CHECK-DAG:       %[[C16:.+]] = arith.constant 16 : index
// CHECK:           scf.for %{{.+}} = %{{.+}} to %[[C384]] step %[[C16]]
// CHECK:             linalg.generic
// CHECK-SAME:          ins(%{{.+}} : tensor<1x1x16xf32>) outs(%{{.+}} : tensor<1x1x16xf32>)
// CHECK:               math.tanh
func.func @wide(%a: tensor<1x8x768xf32>) -> tensor<1x8x768xf32> {
  %e = tensor.empty() : tensor<1x8x768xf32>
  %0 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%a : tensor<1x8x768xf32>) outs(%e : tensor<1x8x768xf32>) {
  ^bb0(%x: f32, %o: f32):
    %t = math.tanh %x : f32
    linalg.yield %t : f32
  } -> tensor<1x8x768xf32>
  return %0 : tensor<1x8x768xf32>
}

// -----

// Contraction (f32 multiply-accumulate, N a multiple of 16): tiled for the
// register-blocked micro-kernel. N = 64 gives 12x32 register tiles; M = 128
// is split in multiples of 8 (its largest divisor <= 12), M and N about
// evenly: 8 x 2 = 16 chunks of 16 x 32. The tile stays whole (no level-2
// loops) and is marked attune.microkernel for attune-vectorize. Its zero
// fill is fused into the same scf.forall and left whole, right before the
// contraction: the f32 micro-kernel starts its accumulators at the fill's
// value and drops it (microkernel.mlir @zero_init).

#lhs = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#rhs = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#out = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>

// CHECK-LABEL: func.func @matmul
// CHECK-SAME:    (%[[X:.+]]: tensor<1x128x64xf32>, %[[W:.+]]: tensor<64x64xf32>)
// CHECK-SAME:    attune.vector_width = 16
// CHECK-NOT:     scf.forall
// CHECK:         %[[MM:.+]] = scf.forall (%[[M:.+]], %[[N:.+]]) = (0, 0) to (128, 64) step (16, 32) shared_outs(%[[OUT:.+]] = %{{.+}}) -> (tensor<1x128x64xf32>) {
// CHECK-NOT:       scf.for
// CHECK:           %[[FILLED:.+]] = linalg.fill {{.+}} -> tensor<1x16x32xf32>
// CHECK:           %[[T:.+]] = linalg.generic
// CHECK-SAME:        iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:        ins(%{{.+}}, %{{.+}} : tensor<1x16x64xf32>, tensor<64x32xf32>) outs(%[[FILLED]] : tensor<1x16x32xf32>)
// CHECK-SAME:        attrs = {attune.config = {kc = 64 : i64, mr = 12 : i64, nc = 32 : i64, nr = 32 : i64, qm = 8 : i64, qn = 2 : i64, vector_width = 16 : i64}, attune.microkernel}
// CHECK:           scf.forall.in_parallel
// CHECK-NEXT:        tensor.parallel_insert_slice %[[T]] into %[[OUT]][0, %[[M]], %[[N]]] [1, 16, 32] [1, 1, 1]
// CHECK-NOT:     scf.forall
// CHECK:         return %[[MM]]
func.func @matmul(%x: tensor<1x128x64xf32>, %w: tensor<64x64xf32>) -> tensor<1x128x64xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %e = tensor.empty() : tensor<1x128x64xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<1x128x64xf32>) -> tensor<1x128x64xf32>
  %0 = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %w : tensor<1x128x64xf32>, tensor<64x64xf32>) outs(%f : tensor<1x128x64xf32>) {
  ^bb0(%l: f32, %r: f32, %acc: f32):
    %p = arith.mulf %l, %r : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x128x64xf32>
  return %0 : tensor<1x128x64xf32>
}

// -----

// A tall contraction (M = 1024, K = 768: 3 MiB of A): split along M first,
// into 4 chunks of 256 rows (768 KiB of A each, under the 1 MiB kept in L2),
// then along N into 4 chunks of 192 columns (16 in all). Splitting only N
// (16 chunks of one 48-column panel) streamed all of A from L3 per chunk.

#lhs = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#rhs = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#out = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>

// CHECK-LABEL: func.func @tall_matmul
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (1024, 768) step (256, 192)
// CHECK:           linalg.generic
// CHECK-SAME:        ins(%{{.+}}, %{{.+}} : tensor<1x256x768xf32>, tensor<768x192xf32>) outs(%{{.+}} : tensor<1x256x192xf32>)
// CHECK-SAME:        attrs = {attune.config = {kc = 768 : i64, mr = 8 : i64, nc = 96 : i64, nr = 48 : i64, qm = 4 : i64, qn = 4 : i64, vector_width = 16 : i64}, attune.microkernel}
func.func @tall_matmul(%x: tensor<1x1024x768xf32>, %w: tensor<768x768xf32>) -> tensor<1x1024x768xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %e = tensor.empty() : tensor<1x1024x768xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<1x1024x768xf32>) -> tensor<1x1024x768xf32>
  %0 = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %w : tensor<1x1024x768xf32>, tensor<768x768xf32>) outs(%f : tensor<1x1024x768xf32>) {
  ^bb0(%l: f32, %r: f32, %acc: f32):
    %p = arith.mulf %l, %r : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x1024x768xf32>
  return %0 : tensor<1x1024x768xf32>
}

// -----

// N = 40: a multiple of 8 but not of the pass's vector width (16). The
// micro-kernel still takes it, on 8-wide vectors (microKernelWidth): register
// tile 12 x 8 (chooseRegisterTile(40, 8)), without any attune.config from
// the driver.

#lhs = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#rhs = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#out = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>

// CHECK-LABEL: func.func @narrow_matmul
// CHECK:         scf.forall
// CHECK:           linalg.generic
// CHECK-SAME:        attrs = {attune.config = {{{.*}}mr = 12 : i64, nc = {{[0-9]+}} : i64, nr = 8 : i64, {{.*}}vector_width = 8 : i64}, attune.microkernel}
func.func @narrow_matmul(%x: tensor<1x128x768xf32>, %w: tensor<768x40xf32>) -> tensor<1x128x40xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %e = tensor.empty() : tensor<1x128x40xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<1x128x40xf32>) -> tensor<1x128x40xf32>
  %0 = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %w : tensor<1x128x768xf32>, tensor<768x40xf32>) outs(%f : tensor<1x128x40xf32>) {
  ^bb0(%l: f32, %r: f32, %acc: f32):
    %p = arith.mulf %l, %r : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x128x40xf32>
  return %0 : tensor<1x128x40xf32>
}

// -----

// Two contractions whose inits are one zero fill (as CSE leaves the fills of
// a model's GEMMs): each gets a fill of its own, fused into its own loop.
// Left shared, the fill had a loop of its own and bufferization copied the
// filled buffer into each GEMM's output.

#lhs = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#rhs = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#out = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>

// CHECK-LABEL: func.func @shared_fill
// CHECK-NOT:     linalg.fill
// CHECK:         scf.forall
// CHECK:           linalg.fill
// CHECK:           linalg.generic {{.+}} attune.microkernel
// CHECK-NOT:     linalg.fill
// CHECK:         scf.forall
// CHECK:           linalg.fill
// CHECK:           linalg.generic {{.+}} attune.microkernel
// CHECK-NOT:     linalg.fill
// CHECK:         return
func.func @shared_fill(%x: tensor<1x128x64xf32>, %w: tensor<64x64xf32>, %v: tensor<64x64xf32>) -> (tensor<1x128x64xf32>, tensor<1x128x64xf32>) {
  %cst = arith.constant 0.000000e+00 : f32
  %e = tensor.empty() : tensor<1x128x64xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<1x128x64xf32>) -> tensor<1x128x64xf32>
  %0 = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %w : tensor<1x128x64xf32>, tensor<64x64xf32>) outs(%f : tensor<1x128x64xf32>) {
  ^bb0(%l: f32, %r: f32, %acc: f32):
    %p = arith.mulf %l, %r : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x128x64xf32>
  %1 = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %v : tensor<1x128x64xf32>, tensor<64x64xf32>) outs(%f : tensor<1x128x64xf32>) {
  ^bb0(%l: f32, %r: f32, %acc: f32):
    %p = arith.mulf %l, %r : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x128x64xf32>
  return %0, %1 : tensor<1x128x64xf32>, tensor<1x128x64xf32>
}

// -----

// A layer norm as attune-convert-to-linalg lowers it (sum, mean, centered,
// sum of squares, normalize; the row statistics read without reshapes):
// the normalize op is tiled over rows and every other op of the group is
// fused into its loop, one scf.forall for the whole layer norm. The
// centered values feed two ops (fused twice, merged by CSE: one copy).

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#row = affine_map<(d0, d1, d2) -> (d0, d1)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#last = affine_map<(d0, d1, d2) -> (d2)>

// CHECK-LABEL: func.func @layer_norm_rows
// CHECK-NOT:     linalg.
// CHECK:         %[[R:.+]] = scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (2, 64) step (1, 8)
// CHECK:           linalg.fill {{.+}} -> tensor<1x8xf32>
// CHECK:           linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:             arith.addf
// CHECK:           linalg.generic {{.+}} ins(%{{.+}} : tensor<1x8xf32>)
// CHECK:             arith.divf
// CHECK:           linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel"]
// CHECK:             arith.subf
// CHECK-NOT:         arith.subf
// CHECK:           linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:             arith.mulf
// CHECK:           linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel"]
// CHECK:             math.sqrt
// CHECK:           scf.forall.in_parallel
// CHECK-NOT:     scf.forall
// CHECK:         return %[[R]]
func.func @layer_norm_rows(%x: tensor<2x64x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<2x64x64xf32> {
  %eps = arith.constant 9.99999996E-13 : f32
  %n = arith.constant 6.400000e+01 : f32
  %zero = arith.constant 0.000000e+00 : f32
  %e2 = tensor.empty() : tensor<2x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x64xf32>) -> tensor<2x64xf32>
  %sum = linalg.generic {indexing_maps = [#id3, #row], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x : tensor<2x64x64xf32>) outs(%f : tensor<2x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %out : f32
    linalg.yield %0 : f32
  } -> tensor<2x64xf32>
  %mean = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sum : tensor<2x64xf32>) outs(%e2 : tensor<2x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.divf %in, %n : f32
    linalg.yield %0 : f32
  } -> tensor<2x64xf32>
  %e3 = tensor.empty() : tensor<2x64x64xf32>
  %c = linalg.generic {indexing_maps = [#id3, #row, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %mean : tensor<2x64x64xf32>, tensor<2x64xf32>) outs(%e3 : tensor<2x64x64xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %0 = arith.subf %in, %m : f32
    linalg.yield %0 : f32
  } -> tensor<2x64x64xf32>
  %sq = linalg.generic {indexing_maps = [#id3, #row], iterator_types = ["parallel", "parallel", "reduction"]} ins(%c : tensor<2x64x64xf32>) outs(%f : tensor<2x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.mulf %in, %in : f32
    %1 = arith.addf %0, %out : f32
    linalg.yield %1 : f32
  } -> tensor<2x64xf32>
  %y = linalg.generic {indexing_maps = [#id3, #row, #last, #last, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%c, %sq, %g, %b : tensor<2x64x64xf32>, tensor<2x64xf32>, tensor<64xf32>, tensor<64xf32>) outs(%e3 : tensor<2x64x64xf32>) {
  ^bb0(%ci: f32, %s: f32, %gi: f32, %bi: f32, %out: f32):
    %0 = arith.divf %s, %n : f32
    %1 = arith.addf %0, %eps : f32
    %2 = math.sqrt %1 : f32
    %3 = arith.divf %ci, %2 : f32
    %4 = arith.mulf %3, %gi : f32
    %5 = arith.addf %4, %bi : f32
    linalg.yield %5 : f32
  } -> tensor<2x64x64xf32>
  return %y : tensor<2x64x64xf32>
}

// -----

// A row statistic that every tile needs whole (a column sum read by a row
// tile) is not fused: it keeps a loop of its own rather than being
// recomputed by each of the consumer's tiles.

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#col = affine_map<(d0, d1, d2) -> (d0, d2)>

// CHECK-LABEL: func.func @column_statistic
// CHECK:         %[[S:.+]] = scf.forall
// CHECK:           iterator_types = ["parallel", "reduction", "parallel"]
// CHECK:         scf.forall
// CHECK:           tensor.extract_slice %[[S]]
// CHECK-NOT:       iterator_types = ["parallel", "reduction", "parallel"]
// CHECK:           arith.divf
func.func @column_statistic(%x: tensor<1x64x64xf32>) -> tensor<1x64x64xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %e2 = tensor.empty() : tensor<1x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x64xf32>) -> tensor<1x64xf32>
  %s = linalg.generic {indexing_maps = [#id3, #col], iterator_types = ["parallel", "reduction", "parallel"]} ins(%x : tensor<1x64x64xf32>) outs(%f : tensor<1x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %out : f32
    linalg.yield %0 : f32
  } -> tensor<1x64xf32>
  %e3 = tensor.empty() : tensor<1x64x64xf32>
  %y = linalg.generic {indexing_maps = [#id3, #col, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %s : tensor<1x64x64xf32>, tensor<1x64xf32>) outs(%e3 : tensor<1x64x64xf32>) {
  ^bb0(%in: f32, %c: f32, %out: f32):
    %0 = arith.divf %in, %c : f32
    linalg.yield %0 : f32
  } -> tensor<1x64x64xf32>
  return %y : tensor<1x64x64xf32>
}

// -----

// The elementwise epilogue that finishes a contraction in place (bias +
// residual, as attune.fused_matmul lowers) is tiled into the same forall:
// fill, micro-kernel and epilogue of a tile run back to back in one task.
// The epilogue's other inputs (bias, residual) are sliced, not recomputed.

#lhs = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#rhs = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#out = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#last = affine_map<(d0, d1, d2) -> (d2)>

// CHECK-LABEL: func.func @matmul_epilogue
// CHECK-SAME:    (%[[X:.+]]: tensor<1x128x64xf32>, %[[W:.+]]: tensor<64x64xf32>, %[[B:.+]]: tensor<64xf32>, %[[R:.+]]: tensor<1x128x64xf32>)
// CHECK:         %[[RES:.+]] = scf.forall (%[[M:.+]], %[[N:.+]]) = (0, 0) to (128, 64) step (16, 32) shared_outs(%[[OUT:.+]] = %{{.+}}) -> (tensor<1x128x64xf32>) {
// CHECK-DAG:       tensor.extract_slice %[[B]][%[[N]]] [32] [1]
// CHECK-DAG:       tensor.extract_slice %[[R]][0, %[[M]], %[[N]]] [1, 16, 32] [1, 1, 1]
// CHECK:           linalg.fill
// CHECK:           %[[MK:.+]] = linalg.generic {{.+}} attrs = {attune.config = {{.+}}, attune.microkernel}
// CHECK:           %[[EPI:.+]] = scf.for {{.+}} iter_args(%{{.+}} = %[[MK]])
// CHECK:             linalg.generic
// CHECK-SAME:          ins(%{{.+}}, %{{.+}} : tensor<16xf32>, tensor<1x1x16xf32>) outs(%{{.+}} : tensor<1x1x16xf32>)
// CHECK:           scf.forall.in_parallel
// CHECK-NEXT:        tensor.parallel_insert_slice %{{.+}} into %[[OUT]][0, %[[M]], %[[N]]] [1, 16, 32] [1, 1, 1]
// CHECK-NOT:     scf.forall
// CHECK:         return %[[RES]]
func.func @matmul_epilogue(%x: tensor<1x128x64xf32>, %w: tensor<64x64xf32>, %b: tensor<64xf32>, %res: tensor<1x128x64xf32>) -> tensor<1x128x64xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %e = tensor.empty() : tensor<1x128x64xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<1x128x64xf32>) -> tensor<1x128x64xf32>
  %0 = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %w : tensor<1x128x64xf32>, tensor<64x64xf32>) outs(%f : tensor<1x128x64xf32>) {
  ^bb0(%l: f32, %r: f32, %acc: f32):
    %p = arith.mulf %l, %r : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x128x64xf32>
  %1 = linalg.generic {indexing_maps = [#last, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%b, %res : tensor<64xf32>, tensor<1x128x64xf32>) outs(%0 : tensor<1x128x64xf32>) {
  ^bb0(%bi: f32, %ri: f32, %y: f32):
    %a = arith.addf %y, %bi : f32
    %s = arith.addf %a, %ri : f32
    linalg.yield %s : f32
  } -> tensor<1x128x64xf32>
  return %1 : tensor<1x128x64xf32>
}

// -----

// A reduction dim is never distributed; a short one stays whole (no scf.for).

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#red = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func.func @reduction
// CHECK:         scf.forall (%[[I:.+]], %[[J:.+]]) in (2, 4)
// CHECK-NOT:       scf.for
// CHECK:           linalg.generic
// CHECK-SAME:        iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME:        ins(%{{.+}} : tensor<1x1x8xf32>) outs(%{{.+}} : tensor<1x1xf32>)
// CHECK:           scf.forall.in_parallel
func.func @reduction(%x: tensor<2x4x8xf32>, %init: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = linalg.generic {indexing_maps = [#id3, #red], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x : tensor<2x4x8xf32>) outs(%init : tensor<2x4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %m = arith.maximumf %v, %acc : f32
    linalg.yield %m : f32
  } -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Prime sizes: 3 x 7 = 21 chunks; 17 has no good divisor <= 16, so the whole
// (small) dim is one static tile.

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// CHECK-LABEL: func.func @odd_sizes
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) in (3, 7)
// CHECK-NOT:       scf.for
// CHECK:           linalg.generic
// CHECK-SAME:        ins(%{{.+}} : tensor<1x1x17xf32>) outs(%{{.+}} : tensor<1x1x17xf32>)
func.func @odd_sizes(%a: tensor<3x7x17xf32>) -> tensor<3x7x17xf32> {
  %e = tensor.empty() : tensor<3x7x17xf32>
  %0 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%a : tensor<3x7x17xf32>) outs(%e : tensor<3x7x17xf32>) {
  ^bb0(%x: f32, %o: f32):
    %t = math.exp %x : f32
    linalg.yield %t : f32
  } -> tensor<3x7x17xf32>
  return %0 : tensor<3x7x17xf32>
}

// -----

// Ops on memrefs are left alone.

// CHECK-LABEL: func.func @memref_untouched
// CHECK-NOT:     scf.forall
// CHECK:         linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : memref<4x64xf32>)
func.func @memref_untouched(%m: memref<4x64xf32>) {
  %cst = arith.constant 0.0 : f32
  linalg.fill ins(%cst : f32) outs(%m : memref<4x64xf32>)
  return
}

// -----

// Ops already inside an scf.forall (attune-tile-and-fuse's attention tiles)
// get no level-1 forall of their own: level-2 tiles only, and contractions
// stay whole, marked for the micro-kernel.

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// CHECK-LABEL: func.func @inside_forall
// CHECK:         scf.forall (%{{.+}}) in (4)
// CHECK-NOT:       scf.forall
// CHECK:           scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} iter_args
// CHECK:             linalg.generic
// CHECK-SAME:          ins(%{{.+}} : tensor<1x1x16xf32>) outs(%{{.+}} : tensor<1x1x16xf32>)
// CHECK:           linalg.matmul {attune.config = {kc = 64 : i64, mr = 12 : i64, nc = 64 : i64, nr = 32 : i64, qm = 1 : i64, qn = 1 : i64, vector_width = 16 : i64}, attune.microkernel}
// CHECK:           scf.forall.in_parallel
func.func @inside_forall(%a: tensor<4x32x64xf32>, %w: tensor<64x64xf32>) -> tensor<4x32x64xf32> {
  %e = tensor.empty() : tensor<4x32x64xf32>
  %r = scf.forall (%i) in (4) shared_outs(%o = %e) -> (tensor<4x32x64xf32>) {
    %s = tensor.extract_slice %a[%i, 0, 0] [1, 32, 64] [1, 1, 1] : tensor<4x32x64xf32> to tensor<1x32x64xf32>
    %t = tensor.empty() : tensor<1x32x64xf32>
    %x = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<1x32x64xf32>) outs(%t : tensor<1x32x64xf32>) {
    ^bb0(%v: f32, %u: f32):
      %y = math.tanh %v : f32
      linalg.yield %y : f32
    } -> tensor<1x32x64xf32>
    %x2 = tensor.collapse_shape %x [[0, 1], [2]] : tensor<1x32x64xf32> into tensor<32x64xf32>
    %z = tensor.empty() : tensor<32x64xf32>
    %mm = linalg.matmul ins(%x2, %w : tensor<32x64xf32>, tensor<64x64xf32>) outs(%z : tensor<32x64xf32>) -> tensor<32x64xf32>
    %mm3 = tensor.expand_shape %mm [[0, 1], [2]] output_shape [1, 32, 64] : tensor<32x64xf32> into tensor<1x32x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %mm3 into %o[%i, 0, 0] [1, 32, 64] [1, 1, 1] : tensor<1x32x64xf32> into tensor<4x32x64xf32>
    }
  }
  return %r : tensor<4x32x64xf32>
}

// -----

// A tuned config (attune.config from the tuning records) replaces the
// heuristic: the split is qm x qn = 4 x 1 (chunks of 32 rows, all of N), and
// the tile carries the config on for the micro-kernel.

#lhs = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#rhs = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#out = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>

// CHECK-LABEL: func.func @matmul_tuned
// CHECK:         scf.forall (%{{.+}}) = (0) to (128) step (32)
// CHECK:           linalg.generic
// CHECK-SAME:        ins(%{{.+}}, %{{.+}} : tensor<1x32x64xf32>, tensor<64x64xf32>) outs(%{{.+}} : tensor<1x32x64xf32>)
// CHECK-SAME:        attrs = {attune.config = {kc = 32 : i64, mr = 6 : i64, nc = 0 : i64, nr = 64 : i64, qm = 4 : i64, qn = 1 : i64, vector_width = 16 : i64}, attune.microkernel}
func.func @matmul_tuned(%x: tensor<1x128x64xf32>, %w: tensor<64x64xf32>) -> tensor<1x128x64xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %e = tensor.empty() : tensor<1x128x64xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<1x128x64xf32>) -> tensor<1x128x64xf32>
  %0 = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %w : tensor<1x128x64xf32>, tensor<64x64xf32>) outs(%f : tensor<1x128x64xf32>) attrs = {attune.config = {mr = 6 : i64, nr = 64 : i64, kc = 32 : i64, vector_width = 16 : i64, qm = 4 : i64, qn = 1 : i64}} {
  ^bb0(%l: f32, %r: f32, %acc: f32):
    %p = arith.mulf %l, %r : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x128x64xf32>
  return %0 : tensor<1x128x64xf32>
}
