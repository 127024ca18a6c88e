// RUN: attune-opt %s --split-input-file --attune-fuse-epilogue | FileCheck %s

// BERT FFN: matmul (HF Linear, transpose_b) + bias + gelu; then the output
// dense + bias + residual.
// CHECK-LABEL: func.func @ffn
// CHECK-SAME:    (%[[X:.+]]: tensor<1x8x16xf32>, %[[W1:.+]]: tensor<64x16xf32>, %[[B1:.+]]: tensor<64xf32>, %[[W2:.+]]: tensor<64x16xf32>, %[[B2:.+]]: tensor<16xf32>)
// CHECK-NEXT:    %[[H:.+]] = attune.fused_matmul %[[X]], %[[W1]] bias %[[B1]] {activation = "gelu", transpose_b}
// CHECK-NEXT:    %[[Y:.+]] = attune.fused_matmul %[[H]], %[[W2]] bias %[[B2]] residual %[[X]] :
// CHECK-NEXT:    return %[[Y]]
func.func @ffn(%x: tensor<1x8x16xf32>, %w1: tensor<64x16xf32>, %b1: tensor<64xf32>, %w2: tensor<64x16xf32>, %b2: tensor<16xf32>) -> tensor<1x8x16xf32> {
  %0 = attune.matmul %x, %w1 {transpose_b} : (tensor<1x8x16xf32>, tensor<64x16xf32>) -> tensor<1x8x64xf32>
  %1 = attune.add %0, %b1 : (tensor<1x8x64xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
  %2 = attune.gelu %1 : tensor<1x8x64xf32>
  %3 = attune.matmul %2, %w2 : (tensor<1x8x64xf32>, tensor<64x16xf32>) -> tensor<1x8x16xf32>
  %4 = attune.add %b2, %3 : (tensor<16xf32>, tensor<1x8x16xf32>) -> tensor<1x8x16xf32>
  %5 = attune.add %x, %4 : (tensor<1x8x16xf32>, tensor<1x8x16xf32>) -> tensor<1x8x16xf32>
  return %5 : tensor<1x8x16xf32>
}

// -----

// tanh GELU and relu; a residual directly on the matmul.
// CHECK-LABEL: func.func @activations_and_residual_only
// CHECK:         attune.fused_matmul %arg0, %arg1 bias %arg2 {activation = "gelu_tanh"}
// CHECK:         attune.fused_matmul %arg0, %arg1 {activation = "relu"}
// CHECK:         attune.fused_matmul %arg0, %arg1 residual %arg3 :
func.func @activations_and_residual_only(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>, %b: tensor<1x8xf32>, %r: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = attune.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %1 = attune.add %0, %b : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  %2 = attune.gelu %1 {approximate = "tanh"} : tensor<4x8xf32>
  %3 = attune.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %4 = attune.relu %3 : tensor<4x8xf32>
  %5 = attune.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %6 = attune.add %5, %r : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %2, %4, %6 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A matmul result with two users keeps its epilogue separate.
// CHECK-LABEL: func.func @shared_result
// CHECK-NOT:     attune.fused_matmul
// CHECK:         attune.matmul
func.func @shared_result(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = attune.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %1 = attune.add %0, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %0, %1 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// GPT-2's Conv1D as exported (Gemm on [B·S, K], bias, view to [B, S, N]),
// then gelu and a residual in the 3-D shape: the epilogue fuses through the
// reshape; the residual is reshaped to the matmul's shape and the result back.
// CHECK-LABEL: func.func @through_reshape
// CHECK-SAME:    (%[[X:.+]]: tensor<8x16xf32>, %[[W:.+]]: tensor<16x32xf32>, %[[B:.+]]: tensor<32xf32>, %[[R:.+]]: tensor<1x8x32xf32>)
// CHECK-NEXT:    %[[R2:.+]] = attune.reshape %[[R]] : (tensor<1x8x32xf32>) -> tensor<8x32xf32>
// CHECK-NEXT:    %[[F:.+]] = attune.fused_matmul %[[X]], %[[W]] bias %[[B]] residual %[[R2]] {activation = "gelu_tanh"} : (tensor<8x16xf32>, tensor<16x32xf32>, tensor<32xf32>, tensor<8x32xf32>) -> tensor<8x32xf32>
// CHECK-NEXT:    %[[Y:.+]] = attune.reshape %[[F]] : (tensor<8x32xf32>) -> tensor<1x8x32xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @through_reshape(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>, %b: tensor<32xf32>, %r: tensor<1x8x32xf32>) -> tensor<1x8x32xf32> {
  %0 = attune.matmul %x, %w : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
  %1 = attune.add %b, %0 : (tensor<32xf32>, tensor<8x32xf32>) -> tensor<8x32xf32>
  %2 = attune.reshape %1 : (tensor<8x32xf32>) -> tensor<1x8x32xf32>
  %3 = attune.gelu %2 {approximate = "tanh"} : tensor<1x8x32xf32>
  %4 = attune.add %3, %r : (tensor<1x8x32xf32>, tensor<1x8x32xf32>) -> tensor<1x8x32xf32>
  return %4 : tensor<1x8x32xf32>
}

// -----

// A reshape that changes N is not looked through.
// CHECK-LABEL: func.func @reshape_changes_n
// CHECK:         attune.matmul
// CHECK-NOT:     attune.fused_matmul
func.func @reshape_changes_n(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>, %b: tensor<16xf32>) -> tensor<16x16xf32> {
  %0 = attune.matmul %x, %w : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
  %1 = attune.reshape %0 : (tensor<8x32xf32>) -> tensor<16x16xf32>
  %2 = attune.add %1, %b : (tensor<16x16xf32>, tensor<16xf32>) -> tensor<16x16xf32>
  return %2 : tensor<16x16xf32>
}
