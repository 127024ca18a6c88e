// RUN: attune-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(attune-tile-and-fuse))' | FileCheck %s
// RUN: attune-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(attune-tile-and-fuse{query-tile=8 key-tile=16}))' | FileCheck %s --check-prefix=OPT

// attune.attention becomes attune.attention_tile over keys transposed once to
// [B,H,D,Skv], tiled into an scf.forall over (batch, head, query tile).
// Tile sizes from attune.tile_sizes [16, 32]: 40 rows = 2 tiles of 16 + a
// tail forall of 8 rows; each tile's causal offset is (Skv - Sq) + its first
// row; the [1,1,Sq,Skv] additive mask is sliced along rows only.

// CHECK-LABEL: func.func @tiled
// CHECK-SAME:    (%[[Q:.+]]: tensor<2x40x64xf32>, %[[K:.+]]: tensor<2x48x64xf32>, %[[M:.+]]: tensor<1x1x40x48xf32>)
// CHECK:         %[[KH:.+]] = attune.reshape %[[K]] : (tensor<2x48x64xf32>) -> tensor<2x48x2x32xf32>
// CHECK:         %[[KT:.+]] = attune.transpose %[[KH]] {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x48x2x32xf32>) -> tensor<2x2x32x48xf32>
// CHECK:         %[[SHIFT:.+]] = arith.constant 8 : index
// CHECK:         %[[MAIN:.+]] = scf.forall (%[[B:.+]], %[[H:.+]], %[[I:.+]]) = (0, 0, 0) to (2, 2, 32) step (1, 1, 16)
// CHECK:           %[[OFF:.+]] = arith.addi %[[I]], %[[SHIFT]] : index
// CHECK:           %[[T:.+]] = attune.attention_tile %{{.+}}, %{{.+}}, %{{.+}}, %[[OFF]] mask %{{.+}} {causal, key_tile = 32 : i64, num_heads = 1 : i64, scale = 0.176776692 : f32} : (tensor<1x16x32xf32>, tensor<1x1x32x48xf32>, tensor<1x48x32xf32>, index, tensor<1x1x16x48xf32>) -> tensor<1x16x32xf32>
// CHECK:           tensor.parallel_insert_slice %[[T]]
// CHECK:         tensor.insert_slice %[[MAIN]] into %{{.+}}[0, 0, 0] [2, 32, 64]
// CHECK:         %[[TAILQ:.+]] = tensor.extract_slice %[[Q]][0, 32, 0] [2, 8, 64]
// CHECK:         scf.forall (%{{.+}}, %{{.+}}, %{{.+}}) = (0, 0, 0) to (2, 2, 8) step (1, 1, 8)
// CHECK:           attune.attention_tile {{.+}} : (tensor<1x8x32xf32>, tensor<1x1x32x48xf32>, tensor<1x48x32xf32>, index, tensor<1x1x8x48xf32>) -> tensor<1x8x32xf32>
// CHECK:         %[[OUT:.+]] = tensor.insert_slice %{{.+}} into %{{.+}}[0, 32, 0] [2, 8, 64]
// CHECK:         return %[[OUT]]

// The pass options win over the attribute: 5 tiles of 8 rows, no tail.
// OPT-LABEL: func.func @tiled
// OPT:         scf.forall (%{{.+}}, %{{.+}}, %{{.+}}) = (0, 0, 0) to (2, 2, 40) step (1, 1, 8)
// OPT:           attune.attention_tile {{.+}} {causal, key_tile = 16 : i64, num_heads = 1 : i64, scale = 0.176776692 : f32} : (tensor<1x8x32xf32>, tensor<1x1x32x48xf32>, tensor<1x48x32xf32>, index, tensor<1x1x8x48xf32>) -> tensor<1x8x32xf32>
// OPT-NOT:     scf.forall (
// OPT:         return
func.func @tiled(%q: tensor<2x40x64xf32>, %k: tensor<2x48x64xf32>, %m: tensor<1x1x40x48xf32>) -> tensor<2x40x64xf32> {
  %0 = attune.attention %q, %k, %k mask %m {num_heads = 2 : i64, causal, attune.tile_sizes = array<i64: 16, 32>} : (tensor<2x40x64xf32>, tensor<2x48x64xf32>, tensor<2x48x64xf32>, tensor<1x1x40x48xf32>) -> tensor<2x40x64xf32>
  return %0 : tensor<2x40x64xf32>
}

// -----

// The heuristic for BERT-base at S = 128: query tiles of 64 rows (12 heads x
// 2 tiles >= 16 chunks), one key tile of 128; q, v and the padding mask are
// sliced per (batch, head).

// CHECK-LABEL: func.func @heuristic
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x128x768xf32>, %[[K:.+]]: tensor<1x128x768xf32>, %[[V:.+]]: tensor<1x128x768xf32>, %[[M:.+]]: tensor<1x128xi64>)
// CHECK:         %[[KT:.+]] = attune.transpose
// CHECK:         %[[R:.+]] = scf.forall (%[[B:.+]], %[[H:.+]], %[[I:.+]]) = (0, 0, 0) to (1, 12, 128) step (1, 1, 64) shared_outs(%[[O:.+]] = %{{.+}})
// CHECK:           %[[COL:.+]] = arith.muli %[[H]], %{{.+}} : index
// CHECK-DAG:       %[[QS:.+]] = tensor.extract_slice %[[Q]][%[[B]], %[[I]], %[[COL]]] [1, 64, 64] [1, 1, 1]
// CHECK-DAG:       %[[KS:.+]] = tensor.extract_slice %[[KT]][%[[B]], %[[H]], 0, 0] [1, 1, 64, 128] [1, 1, 1, 1]
// CHECK-DAG:       %[[VS:.+]] = tensor.extract_slice %[[V]][%[[B]], 0, %[[COL]]] [1, 128, 64] [1, 1, 1]
// CHECK-DAG:       %[[MS:.+]] = tensor.extract_slice %[[M]][%[[B]], 0] [1, 128] [1, 1]
// CHECK:           %[[T:.+]] = attune.attention_tile %[[QS]], %[[KS]], %[[VS]], %[[I]] mask %[[MS]] {key_tile = 128 : i64, num_heads = 1 : i64, scale = 1.250000e-01 : f32}
// CHECK:           tensor.parallel_insert_slice %[[T]] into %[[O]][%[[B]], %[[I]], %{{.+}}] [1, 64, 64] [1, 1, 1]
// CHECK:         return %[[R]]

// OPT-LABEL: func.func @heuristic
// OPT:         scf.forall (%{{.+}}, %{{.+}}, %{{.+}}) = (0, 0, 0) to (1, 12, 128) step (1, 1, 8)
// OPT:           attune.attention_tile {{.+}} {key_tile = 16 : i64
func.func @heuristic(%q: tensor<1x128x768xf32>, %k: tensor<1x128x768xf32>, %v: tensor<1x128x768xf32>, %m: tensor<1x128xi64>) -> tensor<1x128x768xf32> {
  %0 = attune.attention %q, %k, %v mask %m {num_heads = 12 : i64} : (tensor<1x128x768xf32>, tensor<1x128x768xf32>, tensor<1x128x768xf32>, tensor<1x128xi64>) -> tensor<1x128x768xf32>
  return %0 : tensor<1x128x768xf32>
}
