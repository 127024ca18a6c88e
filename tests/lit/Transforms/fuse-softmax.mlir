// RUN: attune-opt %s --split-input-file --attune-fuse-softmax | FileCheck %s

// exp(x - max(x)) / sum(exp(...)) over the last axis (keepdims).
// CHECK-LABEL: func.func @max_shifted
// CHECK-SAME:    (%[[X:.+]]: tensor<2x4x8xf32>)
// CHECK-NEXT:    %[[P:.+]] = attune.softmax %[[X]] : (tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
// CHECK-NEXT:    return %[[P]]
func.func @max_shifted(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %m = attune.reduce_max %x {axes = array<i64: -1>, keepdims} : (tensor<2x4x8xf32>) -> tensor<2x4x1xf32>
  %d = attune.sub %x, %m : (tensor<2x4x8xf32>, tensor<2x4x1xf32>) -> tensor<2x4x8xf32>
  %e = attune.exp %d : tensor<2x4x8xf32>
  %s = attune.reduce_sum %e {axes = array<i64: 2>, keepdims} : (tensor<2x4x8xf32>) -> tensor<2x4x1xf32>
  %p = attune.div %e, %s : (tensor<2x4x8xf32>, tensor<2x4x1xf32>) -> tensor<2x4x8xf32>
  return %p : tensor<2x4x8xf32>
}

// -----

// Without the max subtraction, over a middle axis, the sum reshaped back to
// the keep-dims shape.
// CHECK-LABEL: func.func @unshifted_middle_axis
// CHECK-SAME:    (%[[X:.+]]: tensor<2x4x8xf32>)
// CHECK-NEXT:    %[[P:.+]] = attune.softmax %[[X]] {axis = -2 : i64}
// CHECK-NEXT:    return %[[P]]
func.func @unshifted_middle_axis(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %e = attune.exp %x : tensor<2x4x8xf32>
  %s = attune.reduce_sum %e {axes = array<i64: 1>} : (tensor<2x4x8xf32>) -> tensor<2x8xf32>
  %k = attune.reshape %s : (tensor<2x8xf32>) -> tensor<2x1x8xf32>
  %p = attune.div %e, %k : (tensor<2x4x8xf32>, tensor<2x1x8xf32>) -> tensor<2x4x8xf32>
  return %p : tensor<2x4x8xf32>
}

// -----

// The max over another axis than the sum: not a softmax of x, and left alone.
// CHECK-LABEL: func.func @max_other_axis
// CHECK-NOT:     attune.softmax
// CHECK:         attune.div
func.func @max_other_axis(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %m = attune.reduce_max %x {axes = array<i64: 0>, keepdims} : (tensor<4x8xf32>) -> tensor<1x8xf32>
  %d = attune.sub %x, %m : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  %e = attune.exp %d : tensor<4x8xf32>
  %s = attune.reduce_sum %e {axes = array<i64: 1>, keepdims} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %p = attune.div %e, %s : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %p : tensor<4x8xf32>
}

// -----

// A sum over two axes is not a softmax.
// CHECK-LABEL: func.func @two_axes
// CHECK-NOT:     attune.softmax
func.func @two_axes(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e = attune.exp %x : tensor<4x8xf32>
  %s = attune.reduce_sum %e {axes = array<i64: 0, 1>, keepdims} : (tensor<4x8xf32>) -> tensor<1x1xf32>
  %p = attune.div %e, %s : (tensor<4x8xf32>, tensor<1x1xf32>) -> tensor<4x8xf32>
  return %p : tensor<4x8xf32>
}
