// RUN: attune-opt %s --split-input-file --verify-diagnostics

// One case per verifier / type-inference error of the attune ops
// (ir/lib/AttuneOps.cpp), plus the generic checks ODS adds. An error from
// inferReturnTypes is followed by MLIR's own "failed to infer returned types"
// on the same op. Cases that show known verifier bugs live in
// invalid-xfail-*.mlir until they are fixed.

//===----------------------------------------------------------------------===//
// weight / constant
//===----------------------------------------------------------------------===//

func.func @weight_empty_name() -> tensor<2xf32> {
  // expected-error @+1 {{'attune.weight' op name: expected a non-empty weight name}}
  %0 = attune.weight @"" : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @weight_dynamic() -> tensor<?xf32> {
  // expected-error @+1 {{'attune.weight' op result: expected a static shape, found 'tensor<?xf32>'}}
  %0 = attune.weight @w : tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @constant_type_mismatch() -> tensor<3xf32> {
  // expected-error @+1 {{'attune.constant' op failed to verify that all of {value, result} have same type}}
  %0 = "attune.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @constant_element_type() -> tensor<2xf64> {
  // expected-error @+1 {{'attune.constant' op result #0 must be ranked tensor of}}
  %0 = attune.constant dense<1.0> : tensor<2xf64>
  return %0 : tensor<2xf64>
}

//===----------------------------------------------------------------------===//
// embedding / matmul
//===----------------------------------------------------------------------===//

// -----

func.func @embedding_table_rank(%t: tensor<10x4x2xf32>, %ids: tensor<3xi64>) -> tensor<3x2xf32> {
  // expected-error @+2 {{'attune.embedding' op table: expected rank 2 [vocab, dim], found [10,4,2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.embedding %t, %ids : (tensor<10x4x2xf32>, tensor<3xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @embedding_float_ids(%t: tensor<10x4xf32>, %ids: tensor<3xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'attune.embedding' op operand #1 must be ranked tensor of}}
  %0 = attune.embedding %t, %ids : (tensor<10x4xf32>, tensor<3xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @matmul_k_mismatch(%a: tensor<1x8x64xf32>, %b: tensor<32x16xf32>) -> tensor<1x8x16xf32> {
  // expected-error @+2 {{'attune.matmul' op rhs: expected K = 64 in dim 0 (lhs is [1,8,64]), found [32,16]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.matmul %a, %b : (tensor<1x8x64xf32>, tensor<32x16xf32>) -> tensor<1x8x16xf32>
  return %0 : tensor<1x8x16xf32>
}

// -----

func.func @matmul_k_mismatch_transpose_b(%a: tensor<4x8x16xf32>, %b: tensor<4x8x32xf32>) -> tensor<4x8x8xf32> {
  // expected-error @+2 {{'attune.matmul' op rhs: expected K = 16 in dim 2 (lhs is [4,8,16], transpose_b), found [4,8,32]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.matmul %a, %b {transpose_b} : (tensor<4x8x16xf32>, tensor<4x8x32xf32>) -> tensor<4x8x8xf32>
  return %0 : tensor<4x8x8xf32>
}

// -----

func.func @matmul_element_type(%a: tensor<8x64xf32>, %b: tensor<64x16xf16>) -> tensor<8x16xf32> {
  // expected-error @+2 {{'attune.matmul' op rhs: expected element type f32 (as lhs), found f16}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.matmul %a, %b : (tensor<8x64xf32>, tensor<64x16xf16>) -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

func.func @matmul_lhs_rank(%a: tensor<64xf32>, %b: tensor<64x16xf32>) -> tensor<16xf32> {
  // expected-error @+2 {{'attune.matmul' op lhs: expected rank >= 2 [..., M, K], found [64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.matmul %a, %b : (tensor<64xf32>, tensor<64x16xf32>) -> tensor<16xf32>
  return %0 : tensor<16xf32>
}

// -----

func.func @matmul_rhs_rank(%a: tensor<8x64xf32>, %b: tensor<64xf32>) -> tensor<8xf32> {
  // expected-error @+2 {{'attune.matmul' op rhs: expected rank >= 2, found [64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.matmul %a, %b : (tensor<8x64xf32>, tensor<64xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @matmul_batch_broadcast(%a: tensor<2x8x64xf32>, %b: tensor<3x64x16xf32>) -> tensor<2x8x16xf32> {
  // expected-error @+2 {{'attune.matmul' op rhs: batch dims of [3,64,16] do not broadcast with lhs [2,8,64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.matmul %a, %b : (tensor<2x8x64xf32>, tensor<3x64x16xf32>) -> tensor<2x8x16xf32>
  return %0 : tensor<2x8x16xf32>
}

// -----

func.func @matmul_int(%a: tensor<8x64xi32>, %b: tensor<64x16xi32>) -> tensor<8x16xi32> {
  // expected-error @+1 {{'attune.matmul' op operand #0 must be ranked tensor of}}
  %0 = attune.matmul %a, %b : (tensor<8x64xi32>, tensor<64x16xi32>) -> tensor<8x16xi32>
  return %0 : tensor<8x16xi32>
}

//===----------------------------------------------------------------------===//
// elementwise
//===----------------------------------------------------------------------===//

// -----

func.func @add_broadcast(%a: tensor<2x8x64xf32>, %b: tensor<32xf32>) -> tensor<2x8x64xf32> {
  // expected-error @+2 {{op rhs: shape [32] does not broadcast with lhs shape [2,8,64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.add %a, %b : (tensor<2x8x64xf32>, tensor<32xf32>) -> tensor<2x8x64xf32>
  return %0 : tensor<2x8x64xf32>
}

// -----

func.func @sub_element_type(%a: tensor<4xf32>, %b: tensor<4xi64>) -> tensor<4xf32> {
  // expected-error @+2 {{'attune.sub' op rhs: expected element type f32 (as lhs), found i64}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.sub %a, %b : (tensor<4xf32>, tensor<4xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @mul_broadcast(%a: tensor<3x4xf32>, %b: tensor<2x4xf32>) -> tensor<3x4xf32> {
  // expected-error @+2 {{op rhs: shape [2,4] does not broadcast with lhs shape [3,4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.mul %a, %b : (tensor<3x4xf32>, tensor<2x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @div_element_type(%a: tensor<4xf16>, %b: tensor<4xbf16>) -> tensor<4xf16> {
  // expected-error @+2 {{'attune.div' op rhs: expected element type f16 (as lhs), found bf16}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.div %a, %b : (tensor<4xf16>, tensor<4xbf16>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

func.func @pow_broadcast(%a: tensor<4xf32>, %b: tensor<5xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{op rhs: shape [5] does not broadcast with lhs shape [4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.pow %a, %b : (tensor<4xf32>, tensor<5xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @equal_element_type(%a: tensor<4xi64>, %b: tensor<4xi32>) -> tensor<4xi1> {
  // expected-error @+2 {{'attune.equal' op rhs: expected element type i64 (as lhs), found i32}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.equal %a, %b : (tensor<4xi64>, tensor<4xi32>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @where_element_type(%c: tensor<4xi1>, %a: tensor<4xf32>, %b: tensor<4xf16>) -> tensor<4xf32> {
  // expected-error @+2 {{'attune.where' op rhs: expected element type f32 (as lhs), found f16}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.where %c, %a, %b : (tensor<4xi1>, tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @where_broadcast_lhs(%c: tensor<1x8xi1>, %a: tensor<4xf32>, %b: tensor<f32>) -> tensor<1x8xf32> {
  // expected-error @+2 {{op lhs: shape [4] does not broadcast with cond shape [1,8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.where %c, %a, %b : (tensor<1x8xi1>, tensor<4xf32>, tensor<f32>) -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @where_broadcast_rhs(%c: tensor<1x8xi1>, %a: tensor<2x1xf32>, %b: tensor<3x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+2 {{op rhs: shape [3,8] does not broadcast with cond shape [2,8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.where %c, %a, %b : (tensor<1x8xi1>, tensor<2x1xf32>, tensor<3x8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @where_cond_type(%c: tensor<4xi64>, %a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'attune.where' op operand #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = attune.where %c, %a, %b : (tensor<4xi64>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @gelu_approximate(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'attune.gelu' op approximate: expected "none" or "tanh", found "fast"}}
  %0 = attune.gelu %x {approximate = "fast"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @unary_int(%x: tensor<4xi64>) -> tensor<4xi64> {
  // expected-error @+1 {{'attune.exp' op operand #0 must be ranked tensor of}}
  %0 = attune.exp %x : tensor<4xi64>
  return %0 : tensor<4xi64>
}

//===----------------------------------------------------------------------===//
// reductions / normalizations
//===----------------------------------------------------------------------===//

// -----

func.func @reduce_axes_empty(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+2 {{'attune.reduce_sum' op axes: expected at least one axis, found none}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.reduce_sum %x {axes = array<i64>} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @reduce_axis_out_of_range(%x: tensor<2x8xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{'attune.reduce_mean' op axes: axis 2 is out of range for input of rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.reduce_mean %x {axes = array<i64: 2>} : (tensor<2x8xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @reduce_axis_negative_out_of_range(%x: tensor<2x8xf32>) -> tensor<8xf32> {
  // expected-error @+2 {{'attune.reduce_sum' op axes: axis -3 is out of range for input of rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.reduce_sum %x {axes = array<i64: -3>} : (tensor<2x8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @reduce_axis_twice(%x: tensor<2x8x4xf32>) -> tensor<2x8xf32> {
  // expected-error @+2 {{'attune.reduce_max' op axes: axis -1 appears twice}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.reduce_max %x {axes = array<i64: 2, -1>} : (tensor<2x8x4xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @layer_norm_axis(%x: tensor<1x8x64xf32>, %g: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.layer_norm' op axis: 3 is out of range for input of rank 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.layer_norm %x, %g, %g {axis = 3 : i64} : (tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @layer_norm_gamma_shape(%x: tensor<1x8x64xf32>, %g: tensor<32xf32>, %b: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.layer_norm' op gamma: expected shape [64] (input dims from axis 2), found [32]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.layer_norm %x, %g, %b : (tensor<1x8x64xf32>, tensor<32xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @layer_norm_beta_shape(%x: tensor<1x8x64xf32>, %g: tensor<8x64xf32>, %b: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.layer_norm' op beta: expected shape [8,64] (input dims from axis 1), found [64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.layer_norm %x, %g, %b {axis = -2 : i64} : (tensor<1x8x64xf32>, tensor<8x64xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @layer_norm_gamma_type(%x: tensor<1x8x64xf32>, %g: tensor<64xf16>, %b: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.layer_norm' op gamma: expected element type f32, found f16}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.layer_norm %x, %g, %b : (tensor<1x8x64xf32>, tensor<64xf16>, tensor<64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @layer_norm_beta_type(%x: tensor<1x8x64xf32>, %g: tensor<64xf32>, %b: tensor<64xbf16>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.layer_norm' op beta: expected element type f32, found bf16}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.layer_norm %x, %g, %b : (tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xbf16>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @layer_norm_eps(%x: tensor<1x8x64xf32>, %g: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.layer_norm' op eps: expected >= 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.layer_norm %x, %g, %g {eps = -1.0 : f32} : (tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @softmax_axis(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+2 {{'attune.softmax' op axis: 2 is out of range for input of rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.softmax %x {axis = 2} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

//===----------------------------------------------------------------------===//
// attention
//===----------------------------------------------------------------------===//

// -----

func.func @attention_q_rank(%q: tensor<8x64xf32>, %k: tensor<1x8x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+2 {{'attune.attention' op q: expected rank 3 [B, Sq, H*D], found [8,64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.attention %q, %k, %k {num_heads = 4 : i64} : (tensor<8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>) -> tensor<8x64xf32>
  return %0 : tensor<8x64xf32>
}

// -----

func.func @attention_num_heads(%q: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.attention' op num_heads: expected a positive divisor of q dim 2 (64), found 5}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.attention %q, %q, %q {num_heads = 5 : i64} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @attention_num_heads_zero(%q: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.attention' op num_heads: expected a positive divisor of q dim 2 (64), found 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.attention %q, %q, %q {num_heads = 0 : i64} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @attention_k_shape(%q: tensor<1x8x64xf32>, %k: tensor<1x8x32xf32>, %v: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.attention' op k: expected shape [1, Skv, 64], found [1,8,32]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.attention %q, %k, %v {num_heads = 4 : i64} : (tensor<1x8x64xf32>, tensor<1x8x32xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @attention_v_batch(%q: tensor<1x8x64xf32>, %v: tensor<2x8x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.attention' op v: expected shape [1, Skv, 64], found [2,8,64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.attention %q, %q, %v {num_heads = 4 : i64} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<2x8x64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @attention_k_element_type(%q: tensor<1x8x64xf32>, %k: tensor<1x8x64xf16>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.attention' op k: expected element type f32, found f16}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.attention %q, %k, %q {num_heads = 4 : i64} : (tensor<1x8x64xf32>, tensor<1x8x64xf16>, tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @attention_v_skv(%q: tensor<1x8x64xf32>, %k: tensor<1x16x64xf32>, %v: tensor<1x12x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.attention' op v: expected Skv = 16 (as k), found [1,12,64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.attention %q, %k, %v {num_heads = 4 : i64} : (tensor<1x8x64xf32>, tensor<1x16x64xf32>, tensor<1x12x64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @attention_causal(%q: tensor<1x16x64xf32>, %k: tensor<1x8x64xf32>) -> tensor<1x16x64xf32> {
  // expected-error @+2 {{'attune.attention' op causal: expected Sq <= Skv, found Sq = 16, Skv = 8}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.attention %q, %k, %k {num_heads = 4 : i64, causal} : (tensor<1x16x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>) -> tensor<1x16x64xf32>
  return %0 : tensor<1x16x64xf32>
}

// -----

func.func @attention_padding_mask(%q: tensor<2x8x64xf32>, %m: tensor<1x8xi64>) -> tensor<2x8x64xf32> {
  // expected-error @+2 {{'attune.attention' op mask: expected key-padding mask shape [2,8], found [1,8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.attention %q, %q, %q mask %m {num_heads = 4 : i64} : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<1x8xi64>) -> tensor<2x8x64xf32>
  return %0 : tensor<2x8x64xf32>
}

// -----

func.func @attention_additive_mask(%q: tensor<1x8x64xf32>, %m: tensor<1x3x8x8xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.attention' op mask: additive mask of shape [1,3,8,8] is not broadcastable to [B,H,Sq,Skv] = [1,4,8,8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.attention %q, %q, %q mask %m {num_heads = 4 : i64} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x3x8x8xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @attention_mask_element_type(%q: tensor<1x8x64xf32>, %m: tensor<1x1x1x8xf16>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.attention' op mask: expected element type f32, found f16}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.attention %q, %q, %q mask %m {num_heads = 4 : i64} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x1x1x8xf16>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @attention_scale(%q: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.attention' op scale: expected a finite value}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.attention %q, %q, %q {num_heads = 4 : i64, scale = 0x7F800000 : f32} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

//===----------------------------------------------------------------------===//
// shape manipulation
//===----------------------------------------------------------------------===//

// -----

func.func @reshape_count(%x: tensor<1x8x64xf32>) -> tensor<8x32xf32> {
  // expected-error @+1 {{'attune.reshape' op result: expected 512 elements (input [1,8,64]), found 256 in [8,32]}}
  %0 = attune.reshape %x : (tensor<1x8x64xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

func.func @reshape_element_type(%x: tensor<8xf32>) -> tensor<2x4xf16> {
  // expected-error @+1 {{'attune.reshape' op result: expected element type 'f32' (as input), found 'f16'}}
  %0 = attune.reshape %x : (tensor<8xf32>) -> tensor<2x4xf16>
  return %0 : tensor<2x4xf16>
}

// -----

func.func @transpose_perm_size(%x: tensor<2x3x4xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{'attune.transpose' op perm: expected 3 entries (input rank), found 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3x4xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @transpose_not_permutation(%x: tensor<2x3x4xf32>) -> tensor<3x3x4xf32> {
  // expected-error @+2 {{'attune.transpose' op perm: expected a permutation of [0, 3), found [1,1,2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.transpose %x {perm = array<i64: 1, 1, 2>} : (tensor<2x3x4xf32>) -> tensor<3x3x4xf32>
  return %0 : tensor<3x3x4xf32>
}

// -----

func.func @transpose_perm_out_of_range(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{'attune.transpose' op perm: expected a permutation of [0, 2), found [2,0]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.transpose %x {perm = array<i64: 2, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @slice_starts_size(%x: tensor<8x64xf32>) -> tensor<1x64xf32> {
  // expected-error @+2 {{'attune.slice' op starts: expected 2 entries (input rank), found 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.slice %x {starts = array<i64: 0>, ends = array<i64: 1, 64>, steps = array<i64: 1, 1>} : (tensor<8x64xf32>) -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}

// -----

func.func @slice_ends_size(%x: tensor<8x64xf32>) -> tensor<1x64xf32> {
  // expected-error @+2 {{'attune.slice' op ends: expected 2 entries (input rank), found 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 1, 64, 1>, steps = array<i64: 1, 1>} : (tensor<8x64xf32>) -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}

// -----

func.func @slice_steps_size(%x: tensor<8x64xf32>) -> tensor<1x64xf32> {
  // expected-error @+2 {{'attune.slice' op steps: expected 2 entries (input rank), found 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 1, 64>, steps = array<i64>} : (tensor<8x64xf32>) -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}

// -----

func.func @slice_end_out_of_range(%x: tensor<8x64xf32>) -> tensor<1x65xf32> {
  // expected-error @+2 {{'attune.slice' op dim 1: expected 0 <= start <= end <= 64, found start 0, end 65}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 1, 65>, steps = array<i64: 1, 1>} : (tensor<8x64xf32>) -> tensor<1x65xf32>
  return %0 : tensor<1x65xf32>
}

// -----

func.func @slice_start_after_end(%x: tensor<8x64xf32>) -> tensor<0x64xf32> {
  // expected-error @+2 {{'attune.slice' op dim 0: expected 0 <= start <= end <= 8, found start 4, end 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.slice %x {starts = array<i64: 4, 0>, ends = array<i64: 2, 64>, steps = array<i64: 1, 1>} : (tensor<8x64xf32>) -> tensor<0x64xf32>
  return %0 : tensor<0x64xf32>
}

// -----

func.func @slice_negative_start(%x: tensor<8x64xf32>) -> tensor<1x64xf32> {
  // expected-error @+2 {{'attune.slice' op dim 0: expected 0 <= start <= end <= 8, found start -1, end 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.slice %x {starts = array<i64: -1, 0>, ends = array<i64: 0, 64>, steps = array<i64: 1, 1>} : (tensor<8x64xf32>) -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}

// -----

func.func @slice_step(%x: tensor<8x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+2 {{'attune.slice' op steps: expected > 0 in dim 1, found 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 8, 64>, steps = array<i64: 1, 0>} : (tensor<8x64xf32>) -> tensor<8x64xf32>
  return %0 : tensor<8x64xf32>
}

// -----

func.func @slice_negative_step(%x: tensor<8x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+2 {{'attune.slice' op steps: expected > 0 in dim 0, found -1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 8, 64>, steps = array<i64: -1, 1>} : (tensor<8x64xf32>) -> tensor<8x64xf32>
  return %0 : tensor<8x64xf32>
}

// -----

func.func @split_axis(%x: tensor<1x8x128xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>) {
  // expected-error @+2 {{'attune.split' op axis: 3 is out of range for input of rank 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = attune.split %x {axis = 3 : i64, sizes = array<i64: 64, 64>} : (tensor<1x8x128xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>)
  return %0#0, %0#1 : tensor<1x8x64xf32>, tensor<1x8x64xf32>
}

// -----

func.func @split_sizes_sum(%x: tensor<1x8x128xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x32xf32>) {
  // expected-error @+2 {{'attune.split' op sizes: expected sizes adding up to 128 (input dim 2), found 96}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = attune.split %x {axis = -1 : i64, sizes = array<i64: 64, 32>} : (tensor<1x8x128xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x32xf32>)
  return %0#0, %0#1 : tensor<1x8x64xf32>, tensor<1x8x32xf32>
}

// -----

func.func @split_negative_size(%x: tensor<1x8x128xf32>) -> (tensor<1x8x192xf32>, tensor<1x8x0xf32>) {
  // expected-error @+2 {{'attune.split' op sizes: expected non-negative sizes, found -64}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = attune.split %x {axis = 2 : i64, sizes = array<i64: 192, -64>} : (tensor<1x8x128xf32>) -> (tensor<1x8x192xf32>, tensor<1x8x0xf32>)
  return %0#0, %0#1 : tensor<1x8x192xf32>, tensor<1x8x0xf32>
}

// -----

func.func @concat_empty() -> tensor<0xf32> {
  // expected-error @+2 {{'attune.concat' op inputs: expected at least one input, found none}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.concat {axis = 0 : i64} : () -> tensor<0xf32>
  return %0 : tensor<0xf32>
}

// -----

func.func @concat_axis(%a: tensor<2x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+2 {{'attune.concat' op axis: 2 is out of range for inputs of rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.concat %a, %a {axis = 2 : i64} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @concat_shape(%a: tensor<2x4xf32>, %b: tensor<3x5xf32>) -> tensor<5x4xf32> {
  // expected-error @+2 {{'attune.concat' op input 1: expected f32 shape like [2,4] except dim 0, found tensor<3x5xf32>}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.concat %a, %b {axis = 0 : i64} : (tensor<2x4xf32>, tensor<3x5xf32>) -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

func.func @concat_element_type(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>, %c: tensor<2x4xf16>) -> tensor<2x12xf32> {
  // expected-error @+2 {{'attune.concat' op input 2: expected f32 shape like [2,4] except dim 1, found tensor<2x4xf16>}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.concat %a, %b, %c {axis = 1 : i64} : (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf16>) -> tensor<2x12xf32>
  return %0 : tensor<2x12xf32>
}

// -----

func.func @concat_rank(%a: tensor<2x4xf32>, %b: tensor<4xf32>) -> tensor<3x4xf32> {
  // expected-error @+2 {{'attune.concat' op input 1: expected f32 shape like [2,4] except dim 0, found tensor<4xf32>}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.concat %a, %b {axis = 0 : i64} : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @expand_not_broadcastable(%x: tensor<3x8xf32>) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{'attune.expand' op input: shape [3,8] does not broadcast to the result shape [2,4,8]}}
  %0 = attune.expand %x : (tensor<3x8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

func.func @expand_element_type(%x: tensor<1x8xf32>) -> tensor<4x8xf16> {
  // expected-error @+1 {{'attune.expand' op result: expected element type 'f32' (as input), found 'f16'}}
  %0 = attune.expand %x : (tensor<1x8xf32>) -> tensor<4x8xf16>
  return %0 : tensor<4x8xf16>
}

// -----

func.func @cast_shape(%x: tensor<1x8xi64>) -> tensor<8xf32> {
  // expected-error @+1 {{'attune.cast' op result: expected shape [1,8] (as input), found [8]}}
  %0 = attune.cast %x : (tensor<1x8xi64>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

//===----------------------------------------------------------------------===//
// parallel_for
//===----------------------------------------------------------------------===//

// -----

func.func @parallel_for_empty_body() {
  // expected-error @+1 {{'attune.parallel_for' op body: expected a region with an entry block}}
  attune.parallel_for 4 {
  }
  return
}

// -----

func.func @parallel_for_no_index() {
  // expected-error @+1 {{'attune.parallel_for' op body: expected one i64 block argument (the iteration index)}}
  attune.parallel_for 4 {
    attune.parallel_yield
  }
  return
}

// -----

func.func @parallel_for_index_type() {
  // expected-error @+1 {{'attune.parallel_for' op body: expected one i64 block argument (the iteration index)}}
  attune.parallel_for 4 {
  ^bb0(%i: index):
    attune.parallel_yield
  }
  return
}

// -----

func.func @parallel_yield_parent() {
  // expected-error @+1 {{'attune.parallel_yield' op expects parent op 'attune.parallel_for'}}
  attune.parallel_yield
}

//===----------------------------------------------------------------------===//
// result type disagreeing with the inferred one
//===----------------------------------------------------------------------===//

// -----

func.func @matmul_result_type(%a: tensor<8x64xf32>, %b: tensor<64x16xf32>) -> tensor<8x32xf32> {
  // expected-error @+2 {{'attune.matmul' op inferred type(s) 'tensor<8x16xf32>' are incompatible with return type(s) of operation 'tensor<8x32xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.matmul %a, %b : (tensor<8x64xf32>, tensor<64x16xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

func.func @equal_result_type(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{'attune.equal' op inferred type(s) 'tensor<4xi1>' are incompatible with return type(s) of operation 'tensor<4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.equal %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @reduce_keepdims_result_type(%x: tensor<2x8xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{'attune.reduce_sum' op inferred type(s) 'tensor<2x1xf32>' are incompatible with return type(s) of operation 'tensor<2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.reduce_sum %x {axes = array<i64: 1>, keepdims} : (tensor<2x8xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @split_result_types(%x: tensor<1x8x128xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x32xf32>) {
  // expected-error @+2 {{'attune.split' op inferred type(s) 'tensor<1x8x64xf32>', 'tensor<1x8x64xf32>' are incompatible with return type(s) of operation 'tensor<1x8x64xf32>', 'tensor<1x8x32xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = attune.split %x {axis = 2 : i64, sizes = array<i64: 64, 64>} : (tensor<1x8x128xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x32xf32>)
  return %0#0, %0#1 : tensor<1x8x64xf32>, tensor<1x8x32xf32>
}

// -----

func.func @add_broadcast(%a: tensor<2x8x64xf32>, %b: tensor<32xf32>) -> tensor<2x8x64xf32> {
  // expected-error @+2 {{'attune.add' op rhs: shape [32] does not broadcast with lhs shape [2,8,64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.add %a, %b : (tensor<2x8x64xf32>, tensor<32xf32>) -> tensor<2x8x64xf32>
  return %0 : tensor<2x8x64xf32>
}

// -----

func.func @where_broadcast(%c: tensor<1x8xi1>, %a: tensor<4xf32>, %b: tensor<f32>) -> tensor<1x8xf32> {
  // expected-error @+2 {{'attune.where' op lhs: shape [4] does not broadcast with cond shape [1,8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.where %c, %a, %b : (tensor<1x8xi1>, tensor<4xf32>, tensor<f32>) -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @parallel_for_negative_count() {
  // expected-error @+1 {{'attune.parallel_for' op count: expected >= 0, found -1}}
  attune.parallel_for -1 {
  ^bb0(%i: i64):
    attune.parallel_yield
  }
  return
}

// -----

func.func @softmax_negative_axis(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+2 {{'attune.softmax' op axis: -3 is out of range for input of rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.softmax %x {axis = -3} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @layer_norm_negative_axis(%x: tensor<1x8x64xf32>, %g: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.layer_norm' op axis: -4 is out of range for input of rank 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.layer_norm %x, %g, %g {axis = -4 : i64} : (tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @split_negative_axis(%x: tensor<1x8x128xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>) {
  // expected-error @+2 {{'attune.split' op axis: -4 is out of range for input of rank 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = attune.split %x {axis = -4 : i64, sizes = array<i64: 64, 64>} : (tensor<1x8x128xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>)
  return %0#0, %0#1 : tensor<1x8x64xf32>, tensor<1x8x64xf32>
}

// -----

func.func @concat_negative_axis(%a: tensor<2x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+2 {{'attune.concat' op axis: -3 is out of range for inputs of rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.concat %a, %a {axis = -3 : i64} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

// Regression (found by fuzzing): sizes whose sum overflows int64 must be
// rejected, not wrap around to a plausible total.
func.func @split_sizes_overflow(%x: tensor<2x3x4xf32>) {
  // expected-error @+2 {{'attune.split' op sizes: expected sizes adding up to 4 (input dim 2), found more}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = attune.split %x {axis = 2 : i64, sizes = array<i64: 9223372036854775807, 9223372036854775807, 4>} : (tensor<2x3x4xf32>) -> (tensor<2x3x1xf32>, tensor<2x3x1xf32>, tensor<2x3x2xf32>)
  return
}

//===----------------------------------------------------------------------===//
// fused_matmul / skip_layer_norm
//===----------------------------------------------------------------------===//

// -----

func.func @fused_matmul_k(%a: tensor<2x3xf32>, %w: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+2 {{'attune.fused_matmul' op rhs: expected K = 3 in dim 0 (lhs is [2,3]), found [4,5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.fused_matmul %a, %w : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @fused_matmul_bias_shape(%a: tensor<2x3xf32>, %w: tensor<3x5xf32>, %b: tensor<4xf32>) -> tensor<2x5xf32> {
  // expected-error @+2 {{'attune.fused_matmul' op bias: shape [4] does not broadcast to the matmul result [2,5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.fused_matmul %a, %w bias %b : (tensor<2x3xf32>, tensor<3x5xf32>, tensor<4xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @fused_matmul_residual_grows(%a: tensor<2x3xf32>, %w: tensor<3x5xf32>, %r: tensor<3x2x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+2 {{'attune.fused_matmul' op residual: shape [3,2,5] does not broadcast to the matmul result [2,5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.fused_matmul %a, %w residual %r : (tensor<2x3xf32>, tensor<3x5xf32>, tensor<3x2x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @fused_matmul_residual_type(%a: tensor<2x3xf32>, %w: tensor<3x5xf32>, %r: tensor<2x5xf16>) -> tensor<2x5xf32> {
  // expected-error @+2 {{'attune.fused_matmul' op residual: expected element type f32 (as lhs), found f16}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.fused_matmul %a, %w residual %r : (tensor<2x3xf32>, tensor<3x5xf32>, tensor<2x5xf16>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @fused_matmul_activation(%a: tensor<2x3xf32>, %w: tensor<3x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+2 {{'attune.fused_matmul' op activation: expected "none", "relu", "gelu" or "gelu_tanh", found "silu"}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.fused_matmul %a, %w {activation = "silu"} : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @fused_matmul_result(%a: tensor<2x3xf32>, %w: tensor<3x5xf32>) -> tensor<2x4xf32> {
  // expected-error @+2 {{'attune.fused_matmul' op inferred type(s) 'tensor<2x5xf32>' are incompatible with return type(s) of operation 'tensor<2x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = attune.fused_matmul %a, %w : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @skip_layer_norm_skip_shape(%x: tensor<1x8x64xf32>, %r: tensor<1x9x64xf32>, %g: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.skip_layer_norm' op skip: shape [1,9,64] does not broadcast to the input shape [1,8,64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %y, %s = attune.skip_layer_norm %x, %r, %g, %g : (tensor<1x8x64xf32>, tensor<1x9x64xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>)
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @skip_layer_norm_bias_type(%x: tensor<1x8x64xf32>, %g: tensor<64xf32>, %b: tensor<64xbf16>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.skip_layer_norm' op bias: expected element type f32 (as input), found bf16}}
  // expected-error @+1 {{failed to infer returned types}}
  %y, %s = attune.skip_layer_norm %x, %x, %g, %g bias %b : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xbf16>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>)
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @skip_layer_norm_gamma(%x: tensor<1x8x64xf32>, %g: tensor<32xf32>, %b: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.skip_layer_norm' op gamma: expected shape [64] (input dims from axis 2), found [32]}}
  // expected-error @+1 {{failed to infer returned types}}
  %y, %s = attune.skip_layer_norm %x, %x, %g, %b : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<32xf32>, tensor<64xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>)
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @skip_layer_norm_axis(%x: tensor<1x8x64xf32>, %g: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.skip_layer_norm' op axis: -4 is out of range for input of rank 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %y, %s = attune.skip_layer_norm %x, %x, %g, %g {axis = -4 : i64} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>)
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @skip_layer_norm_eps(%x: tensor<1x8x64xf32>, %g: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+2 {{'attune.skip_layer_norm' op eps: expected >= 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %y, %s = attune.skip_layer_norm %x, %x, %g, %g {eps = -1.0 : f32} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>)
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @isnan_result(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'attune.isnan' op result #0 must be ranked tensor of 1-bit signless integer values, but got 'tensor<2x3xf32>'}}
  %0 = attune.isnan %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @attention_tile_kt(%q: tensor<1x8x64xf32>, %kt: tensor<1x2x32x8xf32>, %v: tensor<1x8x64xf32>, %o: index) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{'attune.attention_tile' op kt: expected [1, 4, 16, Skv], found [1,2,32,8]}}
  %0 = attune.attention_tile %q, %kt, %v, %o {num_heads = 4 : i64, scale = 0.25 : f32} : (tensor<1x8x64xf32>, tensor<1x2x32x8xf32>, tensor<1x8x64xf32>, index) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @attention_tile_mask(%q: tensor<1x8x64xf32>, %kt: tensor<1x4x16x8xf32>, %v: tensor<1x8x64xf32>, %o: index, %m: tensor<1x7xi64>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{'attune.attention_tile' op mask: expected a key-padding mask [1,8] or an additive mask broadcastable to [1,4,8,8], found [1,7]}}
  %0 = attune.attention_tile %q, %kt, %v, %o mask %m {num_heads = 4 : i64, scale = 0.25 : f32} : (tensor<1x8x64xf32>, tensor<1x4x16x8xf32>, tensor<1x8x64xf32>, index, tensor<1x7xi64>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @attention_tile_key_tile(%q: tensor<1x8x64xf32>, %kt: tensor<1x4x16x8xf32>, %v: tensor<1x8x64xf32>, %o: index) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{'attune.attention_tile' op key_tile: expected > 0, found 0}}
  %0 = attune.attention_tile %q, %kt, %v, %o {num_heads = 4 : i64, scale = 0.25 : f32, key_tile = 0 : i64} : (tensor<1x8x64xf32>, tensor<1x4x16x8xf32>, tensor<1x8x64xf32>, index) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}
