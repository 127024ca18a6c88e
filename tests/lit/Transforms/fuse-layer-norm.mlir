// RUN: attune-opt %s --split-input-file --attune-fuse-layer-norm | FileCheck %s

// The chain torch.onnx.export writes for LayerNorm below opset 17 (as in
// examples/encoder_primitive.json): mean, sub, pow 2, mean, add eps, sqrt,
// div, mul gamma, add beta.
// CHECK-LABEL: func.func @decomposed
// CHECK-SAME:    (%[[X:.+]]: tensor<1x8x16xf32>, %[[G:.+]]: tensor<16xf32>, %[[B:.+]]: tensor<16xf32>)
// CHECK-NEXT:    %[[Y:.+]] = attune.layer_norm %[[X]], %[[G]], %[[B]] {eps = 9.99999996E-13 : f32} : (tensor<1x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x8x16xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @decomposed(%x: tensor<1x8x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<1x8x16xf32> {
  %two = attune.constant dense<2.0> : tensor<f32>
  %eps = attune.constant dense<1.0e-12> : tensor<f32>
  %m = attune.reduce_mean %x {axes = array<i64: -1>, keepdims} : (tensor<1x8x16xf32>) -> tensor<1x8x1xf32>
  %d = attune.sub %x, %m : (tensor<1x8x16xf32>, tensor<1x8x1xf32>) -> tensor<1x8x16xf32>
  %sq = attune.pow %d, %two : (tensor<1x8x16xf32>, tensor<f32>) -> tensor<1x8x16xf32>
  %v = attune.reduce_mean %sq {axes = array<i64: -1>, keepdims} : (tensor<1x8x16xf32>) -> tensor<1x8x1xf32>
  %ve = attune.add %v, %eps : (tensor<1x8x1xf32>, tensor<f32>) -> tensor<1x8x1xf32>
  %s = attune.sqrt %ve : tensor<1x8x1xf32>
  %n = attune.div %d, %s : (tensor<1x8x16xf32>, tensor<1x8x1xf32>) -> tensor<1x8x16xf32>
  %ng = attune.mul %n, %g : (tensor<1x8x16xf32>, tensor<16xf32>) -> tensor<1x8x16xf32>
  %y = attune.add %ng, %b : (tensor<1x8x16xf32>, tensor<16xf32>) -> tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}

// -----

// d*d, eps on the left, rsqrt as 1/sqrt, gamma/beta [1,1,16] and commuted.
// CHECK-LABEL: func.func @mul_self_reciprocal
// CHECK-SAME:    (%[[X:.+]]: tensor<2x3x16xf32>, %[[G:.+]]: tensor<1x1x16xf32>, %[[B:.+]]: tensor<1x1x16xf32>)
// CHECK-DAG:     %[[G1:.+]] = attune.reshape %[[G]] : (tensor<1x1x16xf32>) -> tensor<16xf32>
// CHECK-DAG:     %[[B1:.+]] = attune.reshape %[[B]] : (tensor<1x1x16xf32>) -> tensor<16xf32>
// CHECK:         %[[Y:.+]] = attune.layer_norm %[[X]], %[[G1]], %[[B1]] : (tensor<2x3x16xf32>, tensor<16xf32>, tensor<16xf32>)
// CHECK-NEXT:    return %[[Y]]
func.func @mul_self_reciprocal(%x: tensor<2x3x16xf32>, %g: tensor<1x1x16xf32>, %b: tensor<1x1x16xf32>) -> tensor<2x3x16xf32> {
  %one = attune.constant dense<1.0> : tensor<f32>
  %eps = attune.constant dense<1.0e-5> : tensor<1xf32>
  %m = attune.reduce_mean %x {axes = array<i64: 2>, keepdims} : (tensor<2x3x16xf32>) -> tensor<2x3x1xf32>
  %d = attune.sub %x, %m : (tensor<2x3x16xf32>, tensor<2x3x1xf32>) -> tensor<2x3x16xf32>
  %sq = attune.mul %d, %d : (tensor<2x3x16xf32>, tensor<2x3x16xf32>) -> tensor<2x3x16xf32>
  %v = attune.reduce_mean %sq {axes = array<i64: -1>, keepdims} : (tensor<2x3x16xf32>) -> tensor<2x3x1xf32>
  %ve = attune.add %eps, %v : (tensor<1xf32>, tensor<2x3x1xf32>) -> tensor<2x3x1xf32>
  %s = attune.sqrt %ve : tensor<2x3x1xf32>
  %r = attune.div %one, %s : (tensor<f32>, tensor<2x3x1xf32>) -> tensor<2x3x1xf32>
  %n = attune.mul %r, %d : (tensor<2x3x1xf32>, tensor<2x3x16xf32>) -> tensor<2x3x16xf32>
  %ng = attune.mul %g, %n : (tensor<1x1x16xf32>, tensor<2x3x16xf32>) -> tensor<2x3x16xf32>
  %y = attune.add %b, %ng : (tensor<1x1x16xf32>, tensor<2x3x16xf32>) -> tensor<2x3x16xf32>
  return %y : tensor<2x3x16xf32>
}

// -----

// pow(var + eps, -0.5), no gamma/beta (elementwise_affine=False), two
// trailing normalized dims.
// CHECK-LABEL: func.func @rsqrt_pow_no_affine
// CHECK-DAG:     %[[ONES:.+]] = attune.constant dense<1.000000e+00> : tensor<3x16xf32>
// CHECK-DAG:     %[[ZEROS:.+]] = attune.constant dense<0.000000e+00> : tensor<3x16xf32>
// CHECK:         %[[Y:.+]] = attune.layer_norm %arg0, %[[ONES]], %[[ZEROS]] {axis = -2 : i64} :
// CHECK-NEXT:    return %[[Y]]
func.func @rsqrt_pow_no_affine(%x: tensor<2x3x16xf32>) -> tensor<2x3x16xf32> {
  %eps = attune.constant dense<1.0e-5> : tensor<f32>
  %p = attune.constant dense<-0.5> : tensor<f32>
  %m = attune.reduce_mean %x {axes = array<i64: -1, -2>, keepdims} : (tensor<2x3x16xf32>) -> tensor<2x1x1xf32>
  %d = attune.sub %x, %m : (tensor<2x3x16xf32>, tensor<2x1x1xf32>) -> tensor<2x3x16xf32>
  %sq = attune.mul %d, %d : (tensor<2x3x16xf32>, tensor<2x3x16xf32>) -> tensor<2x3x16xf32>
  %v = attune.reduce_mean %sq {axes = array<i64: 1, 2>, keepdims} : (tensor<2x3x16xf32>) -> tensor<2x1x1xf32>
  %ve = attune.add %v, %eps : (tensor<2x1x1xf32>, tensor<f32>) -> tensor<2x1x1xf32>
  %r = attune.pow %ve, %p : (tensor<2x1x1xf32>, tensor<f32>) -> tensor<2x1x1xf32>
  %n = attune.mul %d, %r : (tensor<2x3x16xf32>, tensor<2x1x1xf32>) -> tensor<2x3x16xf32>
  return %n : tensor<2x3x16xf32>
}

// -----

// The variance over another axis than the mean: not a layer norm.
// CHECK-LABEL: func.func @variance_other_axis
// CHECK-NOT:     attune.layer_norm
func.func @variance_other_axis(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %eps = attune.constant dense<1.0e-5> : tensor<f32>
  %m = attune.reduce_mean %x {axes = array<i64: -1>, keepdims} : (tensor<4x16xf32>) -> tensor<4x1xf32>
  %d = attune.sub %x, %m : (tensor<4x16xf32>, tensor<4x1xf32>) -> tensor<4x16xf32>
  %sq = attune.mul %d, %d : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %v = attune.reduce_mean %sq {axes = array<i64: 0>, keepdims} : (tensor<4x16xf32>) -> tensor<1x16xf32>
  %ve = attune.add %v, %eps : (tensor<1x16xf32>, tensor<f32>) -> tensor<1x16xf32>
  %s = attune.sqrt %ve : tensor<1x16xf32>
  %n = attune.div %d, %s : (tensor<4x16xf32>, tensor<1x16xf32>) -> tensor<4x16xf32>
  return %n : tensor<4x16xf32>
}

// -----

// Residual add + layer_norm -> skip_layer_norm; the sum's later user (a
// pre-LN residual stream) takes the op's second result.
// CHECK-LABEL: func.func @skip
// CHECK-SAME:    (%[[A:.+]]: tensor<1x8x16xf32>, %[[R:.+]]: tensor<1x8x16xf32>, %[[G:.+]]: tensor<16xf32>, %[[B:.+]]: tensor<16xf32>)
// CHECK-NEXT:    %[[Y:.+]], %[[S:.+]] = attune.skip_layer_norm %[[A]], %[[R]], %[[G]], %[[B]] {eps = 9.99999996E-13 : f32}
// CHECK-NEXT:    %[[Z:.+]] = attune.add %[[S]], %[[Y]]
// CHECK-NEXT:    return %[[Z]]
func.func @skip(%a: tensor<1x8x16xf32>, %r: tensor<1x8x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<1x8x16xf32> {
  %s = attune.add %a, %r : (tensor<1x8x16xf32>, tensor<1x8x16xf32>) -> tensor<1x8x16xf32>
  %y = attune.layer_norm %s, %g, %b {eps = 1.0e-12 : f32} : (tensor<1x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x8x16xf32>
  %z = attune.add %s, %y : (tensor<1x8x16xf32>, tensor<1x8x16xf32>) -> tensor<1x8x16xf32>
  return %z : tensor<1x8x16xf32>
}

// -----

// A bias add ([16]) before a layer norm is not a skip connection.
// CHECK-LABEL: func.func @bias_is_not_skip
// CHECK-NOT:     attune.skip_layer_norm
// CHECK:         attune.layer_norm
func.func @bias_is_not_skip(%a: tensor<1x8x16xf32>, %g: tensor<16xf32>) -> tensor<1x8x16xf32> {
  %s = attune.add %a, %g : (tensor<1x8x16xf32>, tensor<16xf32>) -> tensor<1x8x16xf32>
  %y = attune.layer_norm %s, %g, %g : (tensor<1x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}
