// RUN: attune-opt %s --split-input-file --verify-diagnostics --attune-convert-to-linalg | FileCheck %s

// One function per op family. Only the structure the lowering decides is
// checked: indexing maps, iterator types, the ops in the bodies.

// Elementwise with NumPy broadcasting: one linalg.generic, broadcast operands
// read through maps that drop leading dims and pin size-1 dims to 0.

// CHECK-DAG:   #[[$ID3:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[$TRAIL:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG:   #[[$MID0:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
// CHECK-LABEL: func.func @binary_broadcast
// CHECK-SAME:    (%[[A:.+]]: tensor<2x8x64xf32>, %[[B:.+]]: tensor<64xf32>, %[[C:.+]]: tensor<2x1x64xf32>)
// CHECK:         %[[E0:.+]] = tensor.empty() : tensor<2x8x64xf32>
// CHECK:         %[[ADD:.+]] = linalg.generic {indexing_maps = [#[[$ID3]], #[[$TRAIL]], #[[$ID3]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME:      ins(%[[A]], %[[B]] : tensor<2x8x64xf32>, tensor<64xf32>) outs(%[[E0]] : tensor<2x8x64xf32>)
// CHECK:           arith.addf
// CHECK:         %[[SUB:.+]] = linalg.generic {indexing_maps = [#[[$MID0]], #[[$ID3]], #[[$ID3]]]
// CHECK-SAME:      ins(%[[C]], %[[A]] : tensor<2x1x64xf32>, tensor<2x8x64xf32>)
// CHECK:           arith.subf
// CHECK:         %[[EQ:.+]] = linalg.generic
// CHECK-SAME:      ins(%[[A]], %[[B]] : tensor<2x8x64xf32>, tensor<64xf32>) outs(%{{.+}} : tensor<2x8x64xi1>)
// CHECK:           arith.cmpf oeq
// CHECK:         return %[[ADD]], %[[SUB]], %[[EQ]]
func.func @binary_broadcast(%a: tensor<2x8x64xf32>, %b: tensor<64xf32>, %c: tensor<2x1x64xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xi1>) {
  %0 = attune.add %a, %b : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  %1 = attune.sub %c, %a : (tensor<2x1x64xf32>, tensor<2x8x64xf32>) -> tensor<2x8x64xf32>
  %2 = attune.equal %a, %b : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xi1>
  return %0, %1, %2 : tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xi1>
}

// -----

// CHECK-DAG:   #[[$ROW:map[0-9]*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-DAG:   #[[$SCALAR:map[0-9]*]] = affine_map<(d0, d1) -> ()>
// CHECK-DAG:   #[[$ID2:map[0-9]*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @where_cast_expand_constant
// CHECK-SAME:    (%[[COND:.+]]: tensor<1x8xi1>, %[[S:.+]]: tensor<f32>, %[[B:.+]]: tensor<4x8xf32>, %[[I:.+]]: tensor<4x8xi64>, %[[M:.+]]: tensor<1x8xf32>)
// CHECK:         %[[CST:.+]] = arith.constant dense<[3, 4]> : tensor<2xi64>
// CHECK:         %[[WHERE:.+]] = linalg.generic {indexing_maps = [#[[$ROW]], #[[$SCALAR]], #[[$ID2]], #[[$ID2]]]
// CHECK-SAME:      ins(%[[COND]], %[[S]], %[[B]] :
// CHECK:           arith.select
// CHECK:         %[[CAST:.+]] = linalg.generic {indexing_maps = [#[[$ID2]], #[[$ID2]]]
// CHECK-SAME:      ins(%[[I]] : tensor<4x8xi64>) outs(%{{.+}} : tensor<4x8xf32>)
// CHECK:           arith.sitofp %{{.+}} : i64 to f32
// CHECK:         %[[EXP:.+]] = linalg.generic {indexing_maps = [#[[$ROW]], #[[$ID2]]]
// CHECK-SAME:      ins(%[[M]] : tensor<1x8xf32>) outs(%{{.+}} : tensor<4x8xf32>)
// CHECK-NEXT:    ^bb0(%[[IN:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:      linalg.yield %[[IN]] : f32
// CHECK:         return %[[WHERE]], %[[CAST]], %[[EXP]], %[[CST]]
func.func @where_cast_expand_constant(%c: tensor<1x8xi1>, %s: tensor<f32>, %b: tensor<4x8xf32>, %i: tensor<4x8xi64>, %m: tensor<1x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<2xi64>) {
  %0 = attune.where %c, %s, %b : (tensor<1x8xi1>, tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = attune.cast %i : (tensor<4x8xi64>) -> tensor<4x8xf32>
  %2 = attune.expand %m : (tensor<1x8xf32>) -> tensor<4x8xf32>
  %3 = attune.constant dense<[3, 4]> : tensor<2xi64>
  return %0, %1, %2, %3 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<2xi64>
}

// -----

// CHECK-LABEL: func.func @unary
// CHECK:         linalg.generic
// CHECK:           math.exp
// CHECK:         linalg.generic
// CHECK:           arith.maximumf
// CHECK:         linalg.generic
// CHECK:           math.erf
// CHECK-NOT:       math.tanh
// CHECK:           linalg.yield
// CHECK:         linalg.generic
// CHECK:           math.tanh
// CHECK:           linalg.yield
func.func @unary(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = attune.exp %x : tensor<4x8xf32>
  %1 = attune.relu %x : tensor<4x8xf32>
  %2 = attune.gelu %x : tensor<4x8xf32>
  %3 = attune.gelu %x {approximate = "tanh"} : tensor<4x8xf32>
  return %0, %1, %2, %3 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// matmul: fill(0) + contraction generic over (batch, m, n, k), k a reduction;
// a rank-2 rhs is shared by every batch.

// CHECK-DAG:   #[[$LHS:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG:   #[[$RHS:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-DAG:   #[[$OUT:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @matmul
// CHECK-SAME:    (%[[X:.+]]: tensor<2x8x64xf32>, %[[W:.+]]: tensor<64x32xf32>)
// CHECK:         %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[EMPTY:.+]] = tensor.empty() : tensor<2x8x32xf32>
// CHECK:         %[[FILL:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[EMPTY]] : tensor<2x8x32xf32>)
// CHECK:         %[[MM:.+]] = linalg.generic {indexing_maps = [#[[$LHS]], #[[$RHS]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME:      ins(%[[X]], %[[W]] : tensor<2x8x64xf32>, tensor<64x32xf32>) outs(%[[FILL]] : tensor<2x8x32xf32>)
// CHECK-NEXT:    ^bb0(%[[L:.+]]: f32, %[[R:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:      %[[P:.+]] = arith.mulf %[[L]], %[[R]] : f32
// CHECK-NEXT:      %[[S:.+]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK-NEXT:      linalg.yield %[[S]] : f32
// CHECK:         return %[[MM]]
func.func @matmul(%x: tensor<2x8x64xf32>, %w: tensor<64x32xf32>) -> tensor<2x8x32xf32> {
  %0 = attune.matmul %x, %w : (tensor<2x8x64xf32>, tensor<64x32xf32>) -> tensor<2x8x32xf32>
  return %0 : tensor<2x8x32xf32>
}

// -----

// transpose_b reads rhs as [batch, n, k].

// CHECK-DAG:   #[[$LHS:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG:   #[[$RHST:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG:   #[[$OUT:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @matmul_transpose_b
// CHECK:         linalg.fill
// CHECK:         linalg.generic {indexing_maps = [#[[$LHS]], #[[$RHST]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
func.func @matmul_transpose_b(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>) -> tensor<4x8x8xf32> {
  %0 = attune.matmul %q, %k {transpose_b} : (tensor<4x8x16xf32>, tensor<4x8x16xf32>) -> tensor<4x8x8xf32>
  return %0 : tensor<4x8x8xf32>
}

// -----

// A size-1 batch dim of lhs broadcasts against rhs's batch: it reads index 0.

// CHECK-DAG:   #[[$LHSB:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (0, d1, d3)>
// CHECK-DAG:   #[[$RHS:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-LABEL: func.func @matmul_batch_broadcast
// CHECK:         linalg.generic {indexing_maps = [#[[$LHSB]], #[[$RHS]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME:      outs(%{{.+}} : tensor<4x8x16xf32>)
func.func @matmul_batch_broadcast(%x: tensor<1x8x64xf32>, %w: tensor<4x64x16xf32>) -> tensor<4x8x16xf32> {
  %0 = attune.matmul %x, %w : (tensor<1x8x64xf32>, tensor<4x64x16xf32>) -> tensor<4x8x16xf32>
  return %0 : tensor<4x8x16xf32>
}

// -----

// embedding: a generic over the result that gathers table rows with
// tensor.extract, ids clamped into [0, V).

// CHECK-DAG:   #[[$IDS:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG:   #[[$ID3:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @embedding
// CHECK-SAME:    (%[[TABLE:.+]]: tensor<100x16xf32>, %[[IDS:.+]]: tensor<1x8xi64>)
// CHECK-DAG:     %[[LAST:.+]] = arith.constant 99 : index
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK:         linalg.generic {indexing_maps = [#[[$IDS]], #[[$ID3]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME:      ins(%[[IDS]] : tensor<1x8xi64>) outs(%{{.+}} : tensor<1x8x16xf32>)
// CHECK-NEXT:    ^bb0(%[[ID:.+]]: i64, %{{.+}}: f32):
// CHECK-NEXT:      %[[IDX:.+]] = arith.index_cast %[[ID]] : i64 to index
// CHECK-NEXT:      %[[LO:.+]] = arith.maxsi %[[IDX]], %[[C0]] : index
// CHECK-NEXT:      %[[ROW:.+]] = arith.minsi %[[LO]], %[[LAST]] : index
// CHECK-NEXT:      %[[COL:.+]] = linalg.index 2 : index
// CHECK-NEXT:      %[[V:.+]] = tensor.extract %[[TABLE]][%[[ROW]], %[[COL]]] : tensor<100x16xf32>
// CHECK-NEXT:      linalg.yield %[[V]] : f32
func.func @embedding(%t: tensor<100x16xf32>, %ids: tensor<1x8xi64>) -> tensor<1x8x16xf32> {
  %0 = attune.embedding %t, %ids : (tensor<100x16xf32>, tensor<1x8xi64>) -> tensor<1x8x16xf32>
  return %0 : tensor<1x8x16xf32>
}

// -----

// CHECK-DAG:   #[[$ID3:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[$RED2:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG:   #[[$MIDDLE:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @reduce
// CHECK-DAG:     %[[COUNT:.+]] = arith.constant 1.280000e+02 : f32
// CHECK-DAG:     %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK:         linalg.fill ins(%[[NEGINF]] : f32)
// CHECK:         %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[$ID3]], #[[$RED2]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK:           arith.maximumf
// CHECK:         %[[KEEP:.+]] = tensor.expand_shape %{{.+}} output_shape [2, 8, 1] : tensor<16xf32> into tensor<2x8x1xf32>
// CHECK:         linalg.generic {indexing_maps = [#[[$ID3]], #[[$MIDDLE]]], iterator_types = ["reduction", "parallel", "reduction"]}
// CHECK:           arith.addf
// CHECK:         %[[MEAN:.+]] = linalg.generic
// CHECK:           arith.divf %{{.+}}, %[[COUNT]] : f32
// CHECK:         return %[[KEEP]], %[[MEAN]]
func.func @reduce(%x: tensor<2x8x64xf32>) -> (tensor<2x8x1xf32>, tensor<8xf32>) {
  %0 = attune.reduce_max %x {axes = array<i64: -1>, keepdims} : (tensor<2x8x64xf32>) -> tensor<2x8x1xf32>
  %1 = attune.reduce_mean %x {axes = array<i64: 0, 2>} : (tensor<2x8x64xf32>) -> tensor<8xf32>
  return %0, %1 : tensor<2x8x1xf32>, tensor<8xf32>
}

// -----

// softmax: max, exp(x - max), sum, divide: four generics. The row statistics
// are read through the reduction's own map (no keep-dims reshape), so every
// op of the group is row-local and tile-and-distribute fuses them into one
// loop over rows (tile-and-distribute.mlir @softmax_rows).

// CHECK-DAG:   #[[$ID3:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[$RED:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @softmax
// CHECK-SAME:    (%[[X:.+]]: tensor<2x4x8xf32>)
// CHECK:         %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[$ID3]], #[[$RED]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]] : tensor<2x4x8xf32>)
// CHECK:           arith.maximumf
// CHECK:         %[[EXP:.+]] = linalg.generic {indexing_maps = [#[[$ID3]], #[[$RED]], #[[$ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[X]], %[[MAX]] :
// CHECK:           arith.subf
// CHECK:           math.exp
// CHECK:         %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[$ID3]], #[[$RED]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[EXP]] : tensor<2x4x8xf32>)
// CHECK:           arith.addf
// CHECK:         %[[DIV:.+]] = linalg.generic {indexing_maps = [#[[$ID3]], #[[$RED]], #[[$ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[EXP]], %[[SUM]] :
// CHECK:           arith.divf
// CHECK-NOT:     linalg.generic
// CHECK-NOT:     tensor.expand_shape
// CHECK:         return %[[DIV]]
func.func @softmax(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %0 = attune.softmax %x : (tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

// layer_norm: sum, mean, centered, sum of squares, normalize with gamma/beta
// read through the trailing-dims map; mean and variance read through the
// reduction's map, without a keep-dims reshape (fusable into one row loop).

// CHECK-DAG:   #[[$ID3:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[$RED:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG:   #[[$TRAIL:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME:    (%[[X:.+]]: tensor<2x8x64xf32>, %[[G:.+]]: tensor<64xf32>, %[[B:.+]]: tensor<64xf32>)
// CHECK-DAG:     %[[EPS:.+]] = arith.constant 9.99999996E-13 : f32
// CHECK-DAG:     %[[N:.+]] = arith.constant 6.400000e+01 : f32
// CHECK:         %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[$ID3]], #[[$RED]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]] :
// CHECK:         %[[MEAN:.+]] = linalg.generic {{.+}} ins(%[[SUM]] :
// CHECK:           arith.divf %{{.+}}, %[[N]]
// CHECK-NOT:     tensor.expand_shape
// CHECK:         %[[CENT:.+]] = linalg.generic {indexing_maps = [#[[$ID3]], #[[$RED]], #[[$ID3]]], {{.+}} ins(%[[X]], %[[MEAN]] :
// CHECK:           arith.subf
// CHECK:         %[[SQ:.+]] = linalg.generic {indexing_maps = [#[[$ID3]], #[[$RED]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[CENT]] :
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK-NOT:     tensor.expand_shape
// CHECK:         %[[Y:.+]] = linalg.generic {indexing_maps = [#[[$ID3]], #[[$RED]], #[[$TRAIL]], #[[$TRAIL]], #[[$ID3]]], {{.+}} ins(%[[CENT]], %[[SQ]], %[[G]], %[[B]] :
// CHECK-NEXT:    ^bb0(%[[C:[^:]+]]: f32, %[[S:[^:]+]]: f32, %[[GAMMA:[^:]+]]: f32, %[[BETA:[^:]+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:      %[[VAR:.+]] = arith.divf %[[S]], %[[N]] : f32
// CHECK-NEXT:      %[[VE:.+]] = arith.addf %[[VAR]], %[[EPS]] : f32
// CHECK-NEXT:      %[[SD:.+]] = math.sqrt %[[VE]] : f32
// CHECK-NEXT:      %[[NORM:.+]] = arith.divf %[[C]], %[[SD]] : f32
// CHECK-NEXT:      %[[SC:.+]] = arith.mulf %[[NORM]], %[[GAMMA]] : f32
// CHECK-NEXT:      %[[R:.+]] = arith.addf %[[SC]], %[[BETA]] : f32
// CHECK-NEXT:      linalg.yield %[[R]] : f32
// CHECK:         return %[[Y]]
func.func @layer_norm(%x: tensor<2x8x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<2x8x64xf32> {
  %0 = attune.layer_norm %x, %g, %b {eps = 1.0e-12 : f32} : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  return %0 : tensor<2x8x64xf32>
}

// -----

// attention (attune-tile-and-fuse did not run): k transposed to [B,H,D,Skv]
// (keys innermost, for the GEMM micro-kernel), then the flash lowering of
// one attention_tile; Skv = 8 fits one key tile, so there is no loop: QK^T
// contraction, scale + key-padding mask, row max, exp(s - max), row sum, PV
// contraction, acc / sum, heads merged back with collapse_shape.

// CHECK-DAG:   #[[$QK_Q:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d4)>
// CHECK-DAG:   #[[$QK_K:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-DAG:   #[[$OUT4:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG:   #[[$ID4:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG:   #[[$PAD:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
// CHECK-DAG:   #[[$PV_V:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d2, d3)>
// CHECK-DAG:   #[[$ROWS:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG:   #[[$ACC_ROWS:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1)>
// CHECK-LABEL: func.func @attention
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x8x64xf32>, %[[K:.+]]: tensor<1x8x64xf32>, %[[V:.+]]: tensor<1x8x64xf32>, %[[MASK:.+]]: tensor<1x8xi64>)
// CHECK-DAG:     %[[SCALE:.+]] = arith.constant 2.500000e-01 : f32
// CHECK-DAG:     %[[LOWEST:.+]] = arith.constant -3.40282347E+38 : f32
// CHECK:         %[[KH:.+]] = tensor.expand_shape %[[K]] {{\[}}[0], [1], [2, 3]] output_shape [1, 8, 4, 16]
// CHECK:         %[[KT:.+]] = linalg.transpose ins(%[[KH]] : tensor<1x8x4x16xf32>) outs(%{{.+}} : tensor<1x4x16x8xf32>) permutation = [0, 2, 3, 1]
// CHECK-DAG:     %[[QH:.+]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1], [2, 3]] output_shape [1, 8, 4, 16] : tensor<1x8x64xf32> into tensor<1x8x4x16xf32>
// CHECK-DAG:     %[[VH:.+]] = tensor.expand_shape %[[V]] {{\[}}[0], [1], [2, 3]] output_shape [1, 8, 4, 16]
// CHECK:         %[[QK:.+]] = linalg.generic {indexing_maps = [#[[$QK_Q]], #[[$QK_K]], #[[$OUT4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[QH]], %[[KT]] : {{.+}}) outs(%{{.+}} : tensor<1x4x8x8xf32>)
// CHECK:         %[[MASKED:.+]] = linalg.generic {indexing_maps = [#[[$PAD]], #[[$ID4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[MASK]] : tensor<1x8xi64>) outs(%[[QK]] : tensor<1x4x8x8xf32>)
// CHECK-NEXT:    ^bb0(%[[M:[^:]+]]: i64, %[[S:[^:]+]]: f32):
// CHECK-NEXT:      %[[SS:.+]] = arith.mulf %[[S]], %[[SCALE]] : f32
// CHECK-NEXT:      %[[KEEP:.+]] = arith.cmpi ne, %[[M]], %{{.+}} : i64
// CHECK-NEXT:      %[[SEL:.+]] = arith.select %[[KEEP]], %[[SS]], %[[LOWEST]] : f32
// CHECK-NEXT:      linalg.yield %[[SEL]] : f32
// CHECK:         %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[$ID4]], #[[$ROWS]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[MASKED]] :
// CHECK:           arith.maximumf
// CHECK:         %[[P:.+]] = linalg.generic {indexing_maps = [#[[$ROWS]], #[[$ID4]]], {{.+}} ins(%[[MAX]] : tensor<1x4x8xf32>) outs(%[[MASKED]] : tensor<1x4x8x8xf32>)
// CHECK:           math.exp
// CHECK:         %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[$ID4]], #[[$ROWS]]], {{.+}} ins(%[[P]] :
// CHECK:           arith.addf
// CHECK:         %[[PV:.+]] = linalg.generic {indexing_maps = [#[[$QK_Q]], #[[$PV_V]], #[[$OUT4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[P]], %[[VH]] : tensor<1x4x8x8xf32>, tensor<1x8x4x16xf32>) outs(%{{.+}} : tensor<1x8x4x16xf32>)
// CHECK:         %[[NORM:.+]] = linalg.generic {indexing_maps = [#[[$ACC_ROWS]], #[[$ID4]]], {{.+}} ins(%[[SUM]] : tensor<1x4x8xf32>) outs(%[[PV]] : tensor<1x8x4x16xf32>)
// CHECK:           arith.divf
// CHECK:         %[[OUT:.+]] = tensor.collapse_shape %[[NORM]] {{\[}}[0], [1], [2, 3]] : tensor<1x8x4x16xf32> into tensor<1x8x64xf32>
// CHECK:         return %[[OUT]]
func.func @attention(%q: tensor<1x8x64xf32>, %k: tensor<1x8x64xf32>, %v: tensor<1x8x64xf32>, %m: tensor<1x8xi64>) -> tensor<1x8x64xf32> {
  %0 = attune.attention %q, %k, %v mask %m {num_heads = 4 : i64} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8xi64>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

// Causal with Sq < Skv keeps key j for query i iff j <= i + (Skv - Sq); an
// additive mask is broadcast and added after scaling.

// CHECK-DAG:   #[[$ID4:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG:   #[[$ADDM:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, 0, d2, d3)>
// CHECK-LABEL: func.func @attention_causal_additive
// CHECK-SAME:    %[[MASK:[^:]+]]: tensor<1x1x4x8xf32>
// CHECK-DAG:     %[[SCALE:.+]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG:     %[[SHIFT:.+]] = arith.constant 4 : index
// CHECK:         linalg.generic {indexing_maps = [#[[$ADDM]], #[[$ID4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[MASK]] : tensor<1x1x4x8xf32>) outs(%{{.+}} : tensor<1x2x4x8xf32>)
// CHECK-NEXT:    ^bb0(%[[M:[^:]+]]: f32, %[[S:[^:]+]]: f32):
// CHECK-NEXT:      %[[SS:.+]] = arith.mulf %[[S]], %[[SCALE]] : f32
// CHECK-NEXT:      %[[SM:.+]] = arith.addf %[[SS]], %[[M]] : f32
// CHECK-NEXT:      %[[I:.+]] = linalg.index 2 : index
// CHECK-NEXT:      %[[J:.+]] = linalg.index 3 : index
// CHECK-NEXT:      %[[LIM:.+]] = arith.addi %[[I]], %[[SHIFT]] : index
// CHECK-NEXT:      %[[OK:.+]] = arith.cmpi sle, %[[J]], %[[LIM]] : index
// CHECK-NEXT:      %[[SEL:.+]] = arith.select %[[OK]], %[[SM]], %{{.+}} : f32
// CHECK-NEXT:      linalg.yield %[[SEL]] : f32
// CHECK:         tensor.collapse_shape %{{.+}} : tensor<1x4x2x32xf32> into tensor<1x4x64xf32>
func.func @attention_causal_additive(%q: tensor<1x4x64xf32>, %k: tensor<1x8x64xf32>, %m: tensor<1x1x4x8xf32>) -> tensor<1x4x64xf32> {
  %0 = attune.attention %q, %k, %k mask %m {num_heads = 2 : i64, causal, scale = 0.5 : f32} : (tensor<1x4x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x1x4x8xf32>) -> tensor<1x4x64xf32>
  return %0 : tensor<1x4x64xf32>
}

// -----

// An attention tile with 56 keys in tiles of 16: the first tile peeled, an
// scf.for over keys [16, 48) carrying (max, sum, acc), a static tail of 8
// keys; the causal test adds the tile's key offset to j and the tile's
// query_offset to i. Later tiles update the max in place and rescale the sum
// and acc by alpha = exp(m - m').

// CHECK-LABEL: func.func @attention_tile
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x8x32xf32>, %[[KT:.+]]: tensor<1x1x32x56xf32>, %[[V:.+]]: tensor<1x56x32xf32>, %[[OFF:.+]]: index)
// CHECK-DAG:     %[[C16:.+]] = arith.constant 16 : index
// CHECK-DAG:     %[[C48:.+]] = arith.constant 48 : index
// CHECK:         linalg.generic {{.+}} outs(%{{.+}} : tensor<1x1x8x16xf32>)
// CHECK:         %[[R:.+]]:3 = scf.for %[[J0:.+]] = %[[C16]] to %[[C48]] step %[[C16]] iter_args(%[[MI:.+]] = %{{.+}}, %[[LI:.+]] = %{{.+}}, %[[AI:.+]] = %{{.+}}) -> (tensor<1x1x8xf32>, tensor<1x1x8xf32>, tensor<1x8x1x32xf32>)
// CHECK:           tensor.extract_slice %[[KT]][0, 0, 0, %[[J0]]] [1, 1, 32, 16] [1, 1, 1, 1]
// CHECK:           linalg.index 2
// CHECK-NEXT:      %[[JJ:.+]] = linalg.index 3
// CHECK-NEXT:      %[[J:.+]] = arith.addi %[[JJ]], %[[J0]] : index
// CHECK-NEXT:      %[[LIM:.+]] = arith.addi %{{.+}}, %[[OFF]] : index
// CHECK-NEXT:      arith.cmpi sle, %[[J]], %[[LIM]] : index
// CHECK:           %[[UPD:.+]]:2 = linalg.generic {{.+}} ins(%{{.+}} : tensor<1x1x8xf32>) outs(%[[MI]], %{{.+}} : tensor<1x1x8xf32>, tensor<1x1x8xf32>)
// CHECK:             arith.maximumf
// CHECK:             math.exp
// CHECK:           linalg.generic {{.+}} ins(%[[UPD]]#1 : tensor<1x1x8xf32>) outs(%[[LI]] : tensor<1x1x8xf32>)
// CHECK:           linalg.generic {{.+}} ins(%[[UPD]]#1 : tensor<1x1x8xf32>) outs(%[[AI]] : tensor<1x8x1x32xf32>)
// CHECK:           scf.yield %[[UPD]]#0, %{{.+}}, %{{.+}} : tensor<1x1x8xf32>, tensor<1x1x8xf32>, tensor<1x8x1x32xf32>
// CHECK:         tensor.extract_slice %[[KT]][0, 0, 0, %[[C48]]] [1, 1, 32, 8] [1, 1, 1, 1]
// CHECK:         linalg.generic {{.+}} outs(%{{.+}} : tensor<1x1x8x8xf32>)
// CHECK:         linalg.generic {{.+}} outs(%[[R]]#0, %{{.+}} : tensor<1x1x8xf32>, tensor<1x1x8xf32>)
// CHECK:         arith.divf
// CHECK:         tensor.collapse_shape
func.func @attention_tile(%q: tensor<1x8x32xf32>, %kt: tensor<1x1x32x56xf32>, %v: tensor<1x56x32xf32>, %off: index) -> tensor<1x8x32xf32> {
  %0 = attune.attention_tile %q, %kt, %v, %off {num_heads = 1 : i64, scale = 0.25 : f32, causal, key_tile = 16 : i64} : (tensor<1x8x32xf32>, tensor<1x1x32x56xf32>, tensor<1x56x32xf32>, index) -> tensor<1x8x32xf32>
  return %0 : tensor<1x8x32xf32>
}

// -----

// Shape ops become tensor ops (and linalg.transpose).

// CHECK-LABEL: func.func @shape
// CHECK-SAME:    (%[[X:.+]]: tensor<1x8x64xf32>, %[[A:.+]]: tensor<2x4xf32>, %[[B:.+]]: tensor<3x4xf32>)
// CHECK:         %[[FLAT:.+]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1, 2]] : tensor<1x8x64xf32> into tensor<512xf32>
// CHECK:         %[[R:.+]] = tensor.expand_shape %[[FLAT]] {{\[}}[0, 1, 2, 3]] output_shape [1, 8, 4, 16] : tensor<512xf32> into tensor<1x8x4x16xf32>
// CHECK:         %[[T:.+]] = linalg.transpose ins(%[[R]] : tensor<1x8x4x16xf32>) outs(%{{.+}} : tensor<1x4x8x16xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[SL:.+]] = tensor.extract_slice %[[X]][0, 0, 0] [1, 4, 64] [1, 2, 1] : tensor<1x8x64xf32> to tensor<1x4x64xf32>
// CHECK:         %[[P0:.+]] = tensor.extract_slice %[[X]][0, 0, 0] [1, 8, 32] [1, 1, 1]
// CHECK:         %[[P1:.+]] = tensor.extract_slice %[[X]][0, 0, 32] [1, 8, 32] [1, 1, 1]
// CHECK:         %[[E:.+]] = tensor.empty() : tensor<5x4xf32>
// CHECK:         %[[I0:.+]] = tensor.insert_slice %[[A]] into %[[E]][0, 0] [2, 4] [1, 1]
// CHECK:         %[[I1:.+]] = tensor.insert_slice %[[B]] into %[[I0]][2, 0] [3, 4] [1, 1]
// CHECK:         return %[[T]], %[[SL]], %[[P0]], %[[P1]], %[[I1]]
func.func @shape(%x: tensor<1x8x64xf32>, %a: tensor<2x4xf32>, %b: tensor<3x4xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x4x64xf32>, tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<5x4xf32>) {
  %0 = attune.reshape %x : (tensor<1x8x64xf32>) -> tensor<1x8x4x16xf32>
  %1 = attune.transpose %0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x4x16xf32>) -> tensor<1x4x8x16xf32>
  %2 = attune.slice %x {starts = array<i64: 0, 0, 0>, ends = array<i64: 1, 8, 64>, steps = array<i64: 1, 2, 1>} : (tensor<1x8x64xf32>) -> tensor<1x4x64xf32>
  %3:2 = attune.split %x {axis = 2 : i64, sizes = array<i64: 32, 32>} : (tensor<1x8x64xf32>) -> (tensor<1x8x32xf32>, tensor<1x8x32xf32>)
  %4 = attune.concat %a, %b {axis = 0 : i64} : (tensor<2x4xf32>, tensor<3x4xf32>) -> tensor<5x4xf32>
  return %1, %2, %3#0, %3#1, %4 : tensor<1x4x8x16xf32>, tensor<1x4x64xf32>, tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<5x4xf32>
}

// -----

// Errors: weights must have been turned into arguments first; integer pow
// has no CPU lowering.

func.func @main() -> tensor<2xf32> {
  // expected-error @+1 {{attune-convert-to-linalg: no CPU lowering for 'attune.weight' here (run attune-weights-to-args first)}}
  %0 = attune.weight @w : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @integer_pow(%a: tensor<2xi64>) -> tensor<2xi64> {
  // expected-error @+2 {{'attune.pow' op lhs: integer pow is not supported by the CPU backend; expected a float element type, found 'i64'}}
  // expected-error @+1 {{attune-convert-to-linalg: no CPU lowering for 'attune.pow' here}}
  %0 = attune.pow %a, %a : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}
