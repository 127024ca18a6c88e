// RUN: attune-opt %s --split-input-file --attune-fuse-gelu | FileCheck %s

// torch's erf GELU as exported: x * 0.5 * (1 + erf(x / sqrt(2))).
// CHECK-LABEL: func.func @erf_div_sqrt2
// CHECK-SAME:    (%[[X:.+]]: tensor<2x8xf32>)
// CHECK-NEXT:    %[[G:.+]] = attune.gelu %[[X]] : tensor<2x8xf32>
// CHECK-NEXT:    return %[[G]]
func.func @erf_div_sqrt2(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %sqrt2 = attune.constant dense<1.41421354> : tensor<f32>
  %one = attune.constant dense<1.0> : tensor<f32>
  %half = attune.constant dense<0.5> : tensor<f32>
  %u = attune.div %x, %sqrt2 : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %e = attune.erf %u : tensor<2x8xf32>
  %p = attune.add %e, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %h = attune.mul %x, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %g = attune.mul %h, %p : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %g : tensor<2x8xf32>
}

// -----

// Mul by 0.7071 with commuted operands, ((1 + erf) * x) * 0.5 as in
// examples/encoder_primitive.json, 0.5 on the left.
// CHECK-LABEL: func.func @erf_mul_commuted
// CHECK-SAME:    (%[[X:.+]]: tensor<2x8xf32>)
// CHECK-NEXT:    %[[G:.+]] = attune.gelu %[[X]] : tensor<2x8xf32>
// CHECK-NEXT:    return %[[G]]
func.func @erf_mul_commuted(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %c = attune.constant dense<0.707106769> : tensor<1xf32>
  %one = attune.constant dense<1.0> : tensor<f32>
  %half = attune.constant dense<0.5> : tensor<f32>
  %u = attune.mul %c, %x : (tensor<1xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %e = attune.erf %u : tensor<2x8xf32>
  %p = attune.add %one, %e : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %xp = attune.mul %p, %x : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %g = attune.mul %half, %xp : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %g : tensor<2x8xf32>
}

// -----

// 0.5 * (1 + erf) first, then * x.
// CHECK-LABEL: func.func @erf_half_first
// CHECK-NEXT:    %[[G:.+]] = attune.gelu %arg0 : tensor<8xf32>
// CHECK-NEXT:    return %[[G]]
func.func @erf_half_first(%x: tensor<8xf32>) -> tensor<8xf32> {
  %c = attune.constant dense<0.7071> : tensor<f32>
  %one = attune.constant dense<1.0> : tensor<f32>
  %half = attune.constant dense<0.5> : tensor<f32>
  %u = attune.mul %x, %c : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %e = attune.erf %u : tensor<8xf32>
  %p = attune.add %e, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %hp = attune.mul %p, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %g = attune.mul %x, %hp : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %g : tensor<8xf32>
}

// -----

// HF NewGELU / GPT-2: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * pow(x, 3)))).
// CHECK-LABEL: func.func @tanh_pow
// CHECK-SAME:    (%[[X:.+]]: tensor<2x8xf32>)
// CHECK-NEXT:    %[[G:.+]] = attune.gelu %[[X]] {approximate = "tanh"} : tensor<2x8xf32>
// CHECK-NEXT:    return %[[G]]
func.func @tanh_pow(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %three = attune.constant dense<3.0> : tensor<f32>
  %k = attune.constant dense<0.044715> : tensor<f32>
  %c = attune.constant dense<0.797884583> : tensor<f32>
  %one = attune.constant dense<1.0> : tensor<f32>
  %half = attune.constant dense<0.5> : tensor<f32>
  %x3 = attune.pow %x, %three : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %kx3 = attune.mul %k, %x3 : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %in = attune.add %x, %kx3 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %arg = attune.mul %c, %in : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %t = attune.tanh %arg : tensor<2x8xf32>
  %p = attune.add %one, %t : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %h = attune.mul %half, %x : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %g = attune.mul %h, %p : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %g : tensor<2x8xf32>
}

// -----

// x*x*x instead of pow, operands commuted everywhere.
// CHECK-LABEL: func.func @tanh_cube_mul
// CHECK-NEXT:    %[[G:.+]] = attune.gelu %arg0 {approximate = "tanh"} : tensor<8xf32>
// CHECK-NEXT:    return %[[G]]
func.func @tanh_cube_mul(%x: tensor<8xf32>) -> tensor<8xf32> {
  %k = attune.constant dense<0.044715> : tensor<f32>
  %c = attune.constant dense<0.7978846> : tensor<f32>
  %one = attune.constant dense<1.0> : tensor<f32>
  %half = attune.constant dense<0.5> : tensor<f32>
  %x2 = attune.mul %x, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %x3 = attune.mul %x, %x2 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %kx3 = attune.mul %x3, %k : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %in = attune.add %kx3, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %arg = attune.mul %in, %c : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %t = attune.tanh %arg : tensor<8xf32>
  %p = attune.add %t, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %xp = attune.mul %x, %p : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %g = attune.mul %xp, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %g : tensor<8xf32>
}

// -----

// Wrong constant (erf(x * 0.8)): not a GELU, left alone.
// CHECK-LABEL: func.func @wrong_scale
// CHECK-NOT:     attune.gelu
// CHECK:         attune.erf
func.func @wrong_scale(%x: tensor<8xf32>) -> tensor<8xf32> {
  %c = attune.constant dense<0.8> : tensor<f32>
  %one = attune.constant dense<1.0> : tensor<f32>
  %half = attune.constant dense<0.5> : tensor<f32>
  %u = attune.mul %x, %c : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %e = attune.erf %u : tensor<8xf32>
  %p = attune.add %e, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %xp = attune.mul %x, %p : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %g = attune.mul %xp, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %g : tensor<8xf32>
}
