// RUN: attune-opt %s --split-input-file | attune-opt --split-input-file | FileCheck %s

// Every attune op, with and without its optional operands and attributes,
// survives print -> parse -> print.

// CHECK-LABEL: func.func @weight
// CHECK:         %{{.+}} = attune.weight @encoder.layer.0.attention.self.query.weight : tensor<64x64xf32>
// CHECK:         %{{.+}} = attune.weight @"model/layer-0:bias" : tensor<64xf16>
func.func @weight() -> (tensor<64x64xf32>, tensor<64xf16>) {
  %w = attune.weight @"encoder.layer.0.attention.self.query.weight" : tensor<64x64xf32>
  %b = attune.weight @"model/layer-0:bias" : tensor<64xf16>
  return %w, %b : tensor<64x64xf32>, tensor<64xf16>
}

// -----

// CHECK-LABEL: func.func @constant
// CHECK:         attune.constant dense<9.99999974E-6> : tensor<f32>
// CHECK:         attune.constant dense<[1, 2, 3]> : tensor<3xi64>
// CHECK:         attune.constant dense<{{\[}}[true, false], [false, true]]> : tensor<2x2xi1>
// CHECK:         attune.constant dense<0.000000e+00> : tensor<2x4xbf16>
func.func @constant() -> (tensor<f32>, tensor<3xi64>, tensor<2x2xi1>, tensor<2x4xbf16>) {
  %0 = attune.constant dense<1.0e-05> : tensor<f32>
  %1 = attune.constant dense<[1, 2, 3]> : tensor<3xi64>
  %2 = attune.constant dense<[[true, false], [false, true]]> : tensor<2x2xi1>
  %3 = attune.constant dense<0.0> : tensor<2x4xbf16>
  return %0, %1, %2, %3 : tensor<f32>, tensor<3xi64>, tensor<2x2xi1>, tensor<2x4xbf16>
}

// -----

// CHECK-LABEL: func.func @embedding
// CHECK-SAME:    (%[[TABLE:.+]]: tensor<1000x64xf32>, %[[IDS:.+]]: tensor<1x8xi64>, %[[IDS32:.+]]: tensor<8xi32>)
// CHECK:         attune.embedding %[[TABLE]], %[[IDS]] : (tensor<1000x64xf32>, tensor<1x8xi64>) -> tensor<1x8x64xf32>
// CHECK:         attune.embedding %[[TABLE]], %[[IDS32]] : (tensor<1000x64xf32>, tensor<8xi32>) -> tensor<8x64xf32>
func.func @embedding(%table: tensor<1000x64xf32>, %ids: tensor<1x8xi64>, %ids32: tensor<8xi32>) -> (tensor<1x8x64xf32>, tensor<8x64xf32>) {
  %0 = attune.embedding %table, %ids : (tensor<1000x64xf32>, tensor<1x8xi64>) -> tensor<1x8x64xf32>
  %1 = attune.embedding %table, %ids32 : (tensor<1000x64xf32>, tensor<8xi32>) -> tensor<8x64xf32>
  return %0, %1 : tensor<1x8x64xf32>, tensor<8x64xf32>
}

// -----

// CHECK-LABEL: func.func @matmul
// CHECK-SAME:    (%[[X:.+]]: tensor<1x8x64xf32>, %[[W:.+]]: tensor<64x256xf32>, %[[Q:.+]]: tensor<4x8x16xf32>, %[[K:.+]]: tensor<4x8x16xf32>)
// CHECK:         attune.matmul %[[X]], %[[W]] : (tensor<1x8x64xf32>, tensor<64x256xf32>) -> tensor<1x8x256xf32>
// CHECK:         attune.matmul %[[Q]], %[[K]] {transpose_b} : (tensor<4x8x16xf32>, tensor<4x8x16xf32>) -> tensor<4x8x8xf32>
func.func @matmul(%x: tensor<1x8x64xf32>, %w: tensor<64x256xf32>, %q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>) -> (tensor<1x8x256xf32>, tensor<4x8x8xf32>) {
  %0 = attune.matmul %x, %w : (tensor<1x8x64xf32>, tensor<64x256xf32>) -> tensor<1x8x256xf32>
  %1 = attune.matmul %q, %k {transpose_b} : (tensor<4x8x16xf32>, tensor<4x8x16xf32>) -> tensor<4x8x8xf32>
  return %0, %1 : tensor<1x8x256xf32>, tensor<4x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @binary
// CHECK-SAME:    (%[[A:.+]]: tensor<2x8x64xf32>, %[[B:.+]]: tensor<64xf32>)
// CHECK:         attune.add %[[A]], %[[B]] : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
// CHECK:         attune.sub %[[B]], %[[A]] : (tensor<64xf32>, tensor<2x8x64xf32>) -> tensor<2x8x64xf32>
// CHECK:         attune.mul %[[A]], %[[B]] : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
// CHECK:         attune.div %[[A]], %[[B]] : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
// CHECK:         attune.pow %[[A]], %[[B]] : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
// CHECK:         attune.equal %[[A]], %[[B]] : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xi1>
func.func @binary(%a: tensor<2x8x64xf32>, %b: tensor<64xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xi1>) {
  %0 = attune.add %a, %b : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  %1 = attune.sub %b, %a : (tensor<64xf32>, tensor<2x8x64xf32>) -> tensor<2x8x64xf32>
  %2 = attune.mul %a, %b : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  %3 = attune.div %a, %b : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  %4 = attune.pow %a, %b : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  %5 = attune.equal %a, %b : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xi1>
  return %0, %1, %2, %3, %4, %5 : tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xi1>
}

// -----

// CHECK-LABEL: func.func @min_max
// CHECK:         attune.maximum %{{.+}}, %{{.+}} : (tensor<3x17xf32>, tensor<f32>) -> tensor<3x17xf32>
// CHECK:         attune.minimum %{{.+}}, %{{.+}} : (tensor<4x1xi64>, tensor<3xi64>) -> tensor<4x3xi64>
func.func @min_max(%a: tensor<3x17xf32>, %b: tensor<f32>, %c: tensor<4x1xi64>, %d: tensor<3xi64>) -> (tensor<3x17xf32>, tensor<4x3xi64>) {
  %0 = attune.maximum %a, %b : (tensor<3x17xf32>, tensor<f32>) -> tensor<3x17xf32>
  %1 = attune.minimum %c, %d : (tensor<4x1xi64>, tensor<3xi64>) -> tensor<4x3xi64>
  return %0, %1 : tensor<3x17xf32>, tensor<4x3xi64>
}

// -----

// CHECK-LABEL: func.func @binary_int
// CHECK:         attune.add %{{.+}}, %{{.+}} : (tensor<4x1xi64>, tensor<3xi64>) -> tensor<4x3xi64>
// CHECK:         attune.equal %{{.+}}, %{{.+}} : (tensor<4x1xi64>, tensor<3xi64>) -> tensor<4x3xi1>
func.func @binary_int(%a: tensor<4x1xi64>, %b: tensor<3xi64>) -> (tensor<4x3xi64>, tensor<4x3xi1>) {
  %0 = attune.add %a, %b : (tensor<4x1xi64>, tensor<3xi64>) -> tensor<4x3xi64>
  %1 = attune.equal %a, %b : (tensor<4x1xi64>, tensor<3xi64>) -> tensor<4x3xi1>
  return %0, %1 : tensor<4x3xi64>, tensor<4x3xi1>
}

// -----

// CHECK-LABEL: func.func @where
// CHECK-SAME:    (%[[M:.+]]: tensor<1x1x8xi1>, %[[A:.+]]: tensor<f32>, %[[B:.+]]: tensor<2x4x8x8xf32>)
// CHECK:         attune.where %[[M]], %[[A]], %[[B]] : (tensor<1x1x8xi1>, tensor<f32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
func.func @where(%m: tensor<1x1x8xi1>, %a: tensor<f32>, %b: tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32> {
  %0 = attune.where %m, %a, %b : (tensor<1x1x8xi1>, tensor<f32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  return %0 : tensor<2x4x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @unary
// CHECK-SAME:    (%[[X:.+]]: tensor<2x8x64xf32>)
// CHECK:         attune.exp %[[X]] : tensor<2x8x64xf32>
// CHECK:         attune.sqrt %[[X]] : tensor<2x8x64xf32>
// CHECK:         attune.erf %[[X]] : tensor<2x8x64xf32>
// CHECK:         attune.tanh %[[X]] : tensor<2x8x64xf32>
// CHECK:         attune.relu %[[X]] : tensor<2x8x64xf32>
func.func @unary(%x: tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>) {
  %0 = attune.exp %x : tensor<2x8x64xf32>
  %1 = attune.sqrt %x : tensor<2x8x64xf32>
  %2 = attune.erf %x : tensor<2x8x64xf32>
  %3 = attune.tanh %x : tensor<2x8x64xf32>
  %4 = attune.relu %x : tensor<2x8x64xf32>
  return %0, %1, %2, %3, %4 : tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>
}

// -----

// `approximate` defaults to "none" and is then elided.
// CHECK-LABEL: func.func @gelu
// CHECK-SAME:    (%[[X:.+]]: tensor<1x8x256xf16>)
// CHECK:         attune.gelu %[[X]] : tensor<1x8x256xf16>
// CHECK:         attune.gelu %[[X]] : tensor<1x8x256xf16>
// CHECK:         attune.gelu %[[X]] {approximate = "tanh"} : tensor<1x8x256xf16>
func.func @gelu(%x: tensor<1x8x256xf16>) -> (tensor<1x8x256xf16>, tensor<1x8x256xf16>, tensor<1x8x256xf16>) {
  %0 = attune.gelu %x : tensor<1x8x256xf16>
  %1 = attune.gelu %x {approximate = "none"} : tensor<1x8x256xf16>
  %2 = attune.gelu %x {approximate = "tanh"} : tensor<1x8x256xf16>
  return %0, %1, %2 : tensor<1x8x256xf16>, tensor<1x8x256xf16>, tensor<1x8x256xf16>
}

// -----

// CHECK-LABEL: func.func @reduce
// CHECK-SAME:    (%[[X:.+]]: tensor<2x8x64xf32>)
// CHECK:         attune.reduce_sum %[[X]] {axes = array<i64: -1>, keepdims} : (tensor<2x8x64xf32>) -> tensor<2x8x1xf32>
// CHECK:         attune.reduce_mean %[[X]] {axes = array<i64: 0, 2>} : (tensor<2x8x64xf32>) -> tensor<8xf32>
// CHECK:         attune.reduce_max %[[X]] {axes = array<i64: 1>} : (tensor<2x8x64xf32>) -> tensor<2x64xf32>
func.func @reduce(%x: tensor<2x8x64xf32>) -> (tensor<2x8x1xf32>, tensor<8xf32>, tensor<2x64xf32>) {
  %0 = attune.reduce_sum %x {axes = array<i64: -1>, keepdims} : (tensor<2x8x64xf32>) -> tensor<2x8x1xf32>
  %1 = attune.reduce_mean %x {axes = array<i64: 0, 2>} : (tensor<2x8x64xf32>) -> tensor<8xf32>
  %2 = attune.reduce_max %x {axes = array<i64: 1>} : (tensor<2x8x64xf32>) -> tensor<2x64xf32>
  return %0, %1, %2 : tensor<2x8x1xf32>, tensor<8xf32>, tensor<2x64xf32>
}

// -----

// Default eps and axis are elided when printed.
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME:    (%[[X:.+]]: tensor<1x8x64xf32>, %[[G:.+]]: tensor<64xf32>, %[[B:.+]]: tensor<64xf32>, %[[G2:.+]]: tensor<8x64xf32>)
// CHECK:         attune.layer_norm %[[X]], %[[G]], %[[B]] {eps = 9.99999996E-13 : f32} : (tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
// CHECK:         attune.layer_norm %[[X]], %[[G]], %[[B]] : (tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
// CHECK:         attune.layer_norm %[[X]], %[[G2]], %[[G2]] {axis = 1 : i64} : (tensor<1x8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>) -> tensor<1x8x64xf32>
func.func @layer_norm(%x: tensor<1x8x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>, %g2: tensor<8x64xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>) {
  %0 = attune.layer_norm %x, %g, %b {eps = 1.0e-12 : f32} : (tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
  %1 = attune.layer_norm %x, %g, %b : (tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
  %2 = attune.layer_norm %x, %g2, %g2 {axis = 1 : i64} : (tensor<1x8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>) -> tensor<1x8x64xf32>
  return %0, %1, %2 : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>
}

// -----

// CHECK-LABEL: func.func @softmax
// CHECK-SAME:    (%[[S:.+]]: tensor<1x4x8x8xf32>)
// CHECK:         attune.softmax %[[S]] : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
// CHECK:         attune.softmax %[[S]] {axis = 1 : i64} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
func.func @softmax(%s: tensor<1x4x8x8xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  %0 = attune.softmax %s {axis = -1} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %1 = attune.softmax %s {axis = 1} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %0, %1 : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @attention
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x8x64xf32>, %[[KV:.+]]: tensor<1x16x64xf32>, %[[PAD:.+]]: tensor<1x16xi64>, %[[BOOL:.+]]: tensor<1x16xi1>, %[[ADD:.+]]: tensor<1x1x8x16xf32>)
// CHECK:         attune.attention %[[Q]], %[[KV]], %[[KV]] {num_heads = 4 : i64} : (tensor<1x8x64xf32>, tensor<1x16x64xf32>, tensor<1x16x64xf32>) -> tensor<1x8x64xf32>
// CHECK:         attune.attention %[[Q]], %[[KV]], %[[KV]] mask %[[PAD]] {num_heads = 4 : i64} : (tensor<1x8x64xf32>, tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<1x16xi64>) -> tensor<1x8x64xf32>
// CHECK:         attune.attention %[[Q]], %[[KV]], %[[KV]] mask %[[BOOL]] {causal, num_heads = 2 : i64, scale = 1.250000e-01 : f32} : (tensor<1x8x64xf32>, tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<1x16xi1>) -> tensor<1x8x64xf32>
// CHECK:         attune.attention %[[Q]], %[[KV]], %[[KV]] mask %[[ADD]] {num_heads = 8 : i64} : (tensor<1x8x64xf32>, tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<1x1x8x16xf32>) -> tensor<1x8x64xf32>
func.func @attention(%q: tensor<1x8x64xf32>, %kv: tensor<1x16x64xf32>, %pad: tensor<1x16xi64>, %bool: tensor<1x16xi1>, %add: tensor<1x1x8x16xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>) {
  %0 = attune.attention %q, %kv, %kv {num_heads = 4 : i64} : (tensor<1x8x64xf32>, tensor<1x16x64xf32>, tensor<1x16x64xf32>) -> tensor<1x8x64xf32>
  %1 = attune.attention %q, %kv, %kv mask %pad {num_heads = 4 : i64} : (tensor<1x8x64xf32>, tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<1x16xi64>) -> tensor<1x8x64xf32>
  %2 = attune.attention %q, %kv, %kv mask %bool {num_heads = 2 : i64, causal, scale = 0.125 : f32} : (tensor<1x8x64xf32>, tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<1x16xi1>) -> tensor<1x8x64xf32>
  %3 = attune.attention %q, %kv, %kv mask %add {num_heads = 8 : i64} : (tensor<1x8x64xf32>, tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<1x1x8x16xf32>) -> tensor<1x8x64xf32>
  return %0, %1, %2, %3 : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_transpose
// CHECK-SAME:    (%[[X:.+]]: tensor<1x8x64xf32>)
// CHECK:         %[[R:.+]] = attune.reshape %[[X]] : (tensor<1x8x64xf32>) -> tensor<1x8x4x16xf32>
// CHECK:         attune.transpose %[[R]] {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x4x16xf32>) -> tensor<1x4x8x16xf32>
func.func @reshape_transpose(%x: tensor<1x8x64xf32>) -> tensor<1x4x8x16xf32> {
  %0 = attune.reshape %x : (tensor<1x8x64xf32>) -> tensor<1x8x4x16xf32>
  %1 = attune.transpose %0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x4x16xf32>) -> tensor<1x4x8x16xf32>
  return %1 : tensor<1x4x8x16xf32>
}

// -----

// CHECK-LABEL: func.func @slice
// CHECK-SAME:    (%[[X:.+]]: tensor<8x64xf32>)
// CHECK:         attune.slice %[[X]] {ends = array<i64: 1, 64>, starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<8x64xf32>) -> tensor<1x64xf32>
// CHECK:         attune.slice %[[X]] {ends = array<i64: 8, 63>, starts = array<i64: 1, 0>, steps = array<i64: 2, 4>} : (tensor<8x64xf32>) -> tensor<4x16xf32>
func.func @slice(%x: tensor<8x64xf32>) -> (tensor<1x64xf32>, tensor<4x16xf32>) {
  %0 = attune.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 1, 64>, steps = array<i64: 1, 1>} : (tensor<8x64xf32>) -> tensor<1x64xf32>
  %1 = attune.slice %x {starts = array<i64: 1, 0>, ends = array<i64: 8, 63>, steps = array<i64: 2, 4>} : (tensor<8x64xf32>) -> tensor<4x16xf32>
  return %0, %1 : tensor<1x64xf32>, tensor<4x16xf32>
}

// -----

// CHECK-LABEL: func.func @split
// CHECK-SAME:    (%[[X:.+]]: tensor<1x8x192xf32>)
// CHECK:         %[[S:.+]]:3 = attune.split %[[X]] {axis = 2 : i64, sizes = array<i64: 64, 64, 64>} : (tensor<1x8x192xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>)
// CHECK:         attune.split %[[X]] {axis = -1 : i64, sizes = array<i64: 128, 64>} : (tensor<1x8x192xf32>) -> (tensor<1x8x128xf32>, tensor<1x8x64xf32>)
// CHECK:         return %[[S]]#0, %[[S]]#1, %[[S]]#2
func.func @split(%x: tensor<1x8x192xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x128xf32>) {
  %a, %b, %c = attune.split %x {axis = 2 : i64, sizes = array<i64: 64, 64, 64>} : (tensor<1x8x192xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>)
  %d:2 = attune.split %x {axis = -1 : i64, sizes = array<i64: 128, 64>} : (tensor<1x8x192xf32>) -> (tensor<1x8x128xf32>, tensor<1x8x64xf32>)
  return %a, %b, %c, %d#0 : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x128xf32>
}

// -----

// CHECK-LABEL: func.func @concat
// CHECK-SAME:    (%[[A:.+]]: tensor<2x4xf32>, %[[B:.+]]: tensor<3x4xf32>)
// CHECK:         attune.concat %[[A]], %[[B]] {axis = 0 : i64} : (tensor<2x4xf32>, tensor<3x4xf32>) -> tensor<5x4xf32>
// CHECK:         attune.concat %[[A]], %[[A]], %[[A]] {axis = -1 : i64} : (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x12xf32>
func.func @concat(%a: tensor<2x4xf32>, %b: tensor<3x4xf32>) -> (tensor<5x4xf32>, tensor<2x12xf32>) {
  %0 = attune.concat %a, %b {axis = 0 : i64} : (tensor<2x4xf32>, tensor<3x4xf32>) -> tensor<5x4xf32>
  %1 = attune.concat %a, %a, %a {axis = -1 : i64} : (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x12xf32>
  return %0, %1 : tensor<5x4xf32>, tensor<2x12xf32>
}

// -----

// CHECK-LABEL: func.func @expand_cast
// CHECK-SAME:    (%[[M:.+]]: tensor<1x1x8xf32>, %[[I:.+]]: tensor<1x8xi64>)
// CHECK:         attune.expand %[[M]] : (tensor<1x1x8xf32>) -> tensor<2x4x8xf32>
// CHECK:         attune.cast %[[I]] : (tensor<1x8xi64>) -> tensor<1x8xf32>
// CHECK:         attune.cast %[[I]] : (tensor<1x8xi64>) -> tensor<1x8xi1>
func.func @expand_cast(%m: tensor<1x1x8xf32>, %i: tensor<1x8xi64>) -> (tensor<2x4x8xf32>, tensor<1x8xf32>, tensor<1x8xi1>) {
  %0 = attune.expand %m : (tensor<1x1x8xf32>) -> tensor<2x4x8xf32>
  %1 = attune.cast %i : (tensor<1x8xi64>) -> tensor<1x8xf32>
  %2 = attune.cast %i : (tensor<1x8xi64>) -> tensor<1x8xi1>
  return %0, %1, %2 : tensor<2x4x8xf32>, tensor<1x8xf32>, tensor<1x8xi1>
}

// -----

// CHECK-LABEL: func.func @parallel_for
// CHECK-SAME:    (%[[BUF:.+]]: memref<16xf32>)
// CHECK:         attune.parallel_for 16 {
// CHECK-NEXT:    ^bb0(%[[I:.+]]: i64):
// CHECK-NEXT:      %[[IDX:.+]] = arith.index_cast %[[I]] : i64 to index
// CHECK-NEXT:      memref.store %{{.+}}, %[[BUF]][%[[IDX]]] : memref<16xf32>
// CHECK-NEXT:      attune.parallel_yield
// CHECK-NEXT:    }
// CHECK:         attune.parallel_for 0 attributes {attune.tag = "empty"} {
// CHECK-NEXT:    ^bb0(%{{.+}}: i64):
// CHECK-NEXT:      attune.parallel_yield
// CHECK-NEXT:    }
func.func @parallel_for(%buf: memref<16xf32>) {
  %cst = arith.constant 1.0 : f32
  attune.parallel_for 16 {
  ^bb0(%i: i64):
    %idx = arith.index_cast %i : i64 to index
    memref.store %cst, %buf[%idx] : memref<16xf32>
    attune.parallel_yield
  }
  attune.parallel_for 0 attributes {attune.tag = "empty"} {
  ^bb0(%j: i64):
    attune.parallel_yield
  }
  return
}

// -----

// Regression (found by fuzzing): a huge step must not overflow the result
// size: [0, 4) with step INT64_MAX has one element.
// CHECK-LABEL: func.func @slice_huge_step
// CHECK:         attune.slice {{.*}} -> tensor<1xf32>
func.func @slice_huge_step(%x: tensor<4xf32>) -> tensor<1xf32> {
  %0 = attune.slice %x {starts = array<i64: 0>, ends = array<i64: 4>, steps = array<i64: 9223372036854775807>} : (tensor<4xf32>) -> tensor<1xf32>
  return %0 : tensor<1xf32>
}

// -----

// CHECK-LABEL: func.func @fused_matmul
// CHECK:         attune.fused_matmul %{{.+}}, %{{.+}} : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x5xf32>
// CHECK:         attune.fused_matmul %{{.+}}, %{{.+}} bias %{{.+}} {activation = "gelu", transpose_b} : (tensor<1x2x3xf32>, tensor<5x3xf32>, tensor<5xf32>) -> tensor<1x2x5xf32>
// CHECK:         attune.fused_matmul %{{.+}}, %{{.+}} residual %{{.+}} {activation = "relu"} : (tensor<2x3xf32>, tensor<3x5xf32>, tensor<2x5xf32>) -> tensor<2x5xf32>
// CHECK:         attune.fused_matmul %{{.+}}, %{{.+}} bias %{{.+}} residual %{{.+}} {activation = "gelu_tanh"} : (tensor<4x2x3xf32>, tensor<4x3x5xf32>, tensor<1x5xf32>, tensor<4x2x5xf32>) -> tensor<4x2x5xf32>
func.func @fused_matmul(%a: tensor<2x3xf32>, %w: tensor<3x5xf32>, %a3: tensor<1x2x3xf32>, %wt: tensor<5x3xf32>,
                        %b: tensor<5xf32>, %r: tensor<2x5xf32>, %ab: tensor<4x2x3xf32>, %wb: tensor<4x3x5xf32>,
                        %b2: tensor<1x5xf32>, %rb: tensor<4x2x5xf32>)
    -> (tensor<2x5xf32>, tensor<1x2x5xf32>, tensor<2x5xf32>, tensor<4x2x5xf32>) {
  %0 = attune.fused_matmul %a, %w : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x5xf32>
  %1 = attune.fused_matmul %a3, %wt bias %b {activation = "gelu", transpose_b} : (tensor<1x2x3xf32>, tensor<5x3xf32>, tensor<5xf32>) -> tensor<1x2x5xf32>
  %2 = attune.fused_matmul %a, %w residual %r {activation = "relu"} : (tensor<2x3xf32>, tensor<3x5xf32>, tensor<2x5xf32>) -> tensor<2x5xf32>
  %3 = attune.fused_matmul %ab, %wb bias %b2 residual %rb {activation = "gelu_tanh"} : (tensor<4x2x3xf32>, tensor<4x3x5xf32>, tensor<1x5xf32>, tensor<4x2x5xf32>) -> tensor<4x2x5xf32>
  return %0, %1, %2, %3 : tensor<2x5xf32>, tensor<1x2x5xf32>, tensor<2x5xf32>, tensor<4x2x5xf32>
}

// -----

// CHECK-LABEL: func.func @skip_layer_norm
// CHECK:         %{{.+}}, %{{.+}} = attune.skip_layer_norm %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} {eps = 9.99999996E-13 : f32} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>)
// CHECK:         %{{.+}}, %{{.+}} = attune.skip_layer_norm %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} bias %{{.+}} {axis = -2 : i64} : (tensor<1x8x64xf32>, tensor<64xf32>, tensor<8x64xf32>, tensor<8x64xf32>, tensor<64xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>)
func.func @skip_layer_norm(%x: tensor<1x8x64xf32>, %r: tensor<1x8x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>,
                           %g2: tensor<8x64xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>) {
  %y, %s = attune.skip_layer_norm %x, %r, %g, %b {eps = 1.0e-12 : f32} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>)
  %y2, %s2 = attune.skip_layer_norm %x, %b, %g2, %g2 bias %g {axis = -2 : i64} : (tensor<1x8x64xf32>, tensor<64xf32>, tensor<8x64xf32>, tensor<8x64xf32>, tensor<64xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>)
  return %y, %s2 : tensor<1x8x64xf32>, tensor<1x8x64xf32>
}

// -----

// CHECK-LABEL: func.func @isnan
// CHECK:         attune.isnan %{{.+}} : (tensor<2x3xf32>) -> tensor<2x3xi1>
func.func @isnan(%x: tensor<2x3xf32>) -> tensor<2x3xi1> {
  %0 = attune.isnan %x : (tensor<2x3xf32>) -> tensor<2x3xi1>
  return %0 : tensor<2x3xi1>
}

// -----

// CHECK-LABEL: func.func @attention_tile
// CHECK:         attune.attention_tile %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} mask %{{.+}} {causal, key_tile = 16 : i64, num_heads = 2 : i64, scale = 2.500000e-01 : f32} : (tensor<1x8x64xf32>, tensor<1x2x32x40xf32>, tensor<1x40x64xf32>, index, tensor<1x1x8x40xf32>) -> tensor<1x8x64xf32>
func.func @attention_tile(%q: tensor<1x8x64xf32>, %kt: tensor<1x2x32x40xf32>, %v: tensor<1x40x64xf32>, %o: index, %m: tensor<1x1x8x40xf32>) -> tensor<1x8x64xf32> {
  %0 = attune.attention_tile %q, %kt, %v, %o mask %m {num_heads = 2 : i64, scale = 0.25 : f32, causal, key_tile = 16 : i64} : (tensor<1x8x64xf32>, tensor<1x2x32x40xf32>, tensor<1x40x64xf32>, index, tensor<1x1x8x40xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}
