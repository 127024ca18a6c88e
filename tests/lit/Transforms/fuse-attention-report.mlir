// RUN: attune-opt %s --split-input-file --verify-diagnostics --attune-fuse-attention=report=true

// Near misses of the attention fusion, each with its reason at the node the
// check failed on, and one fused site. The remarks are what
// FusionReportCollector (attune/Transforms/FusionReport.h) collects.

func.func @mask_not_broadcastable(%q3: tensor<1x8x8xf32>, %v3: tensor<1x8x8xf32>, %m: tensor<2x1x1x8xf32>) -> tensor<2x8x8xf32> {
  %q4 = attune.reshape %q3 : (tensor<1x8x8xf32>) -> tensor<1x8x2x4xf32>
  %qh = attune.transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x4xf32>) -> tensor<1x2x8x4xf32>
  %v4 = attune.reshape %v3 : (tensor<1x8x8xf32>) -> tensor<1x8x2x4xf32>
  %vh = attune.transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x4xf32>) -> tensor<1x2x8x4xf32>
  %s = attune.matmul %qh, %qh {transpose_b} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x8xf32>
  // expected-remark @+1 {{fusion: attention not fused: mask: shape [2,1,1,8] is not broadcastable to [B,H,Sq,Skv] = [1,2,8,8]}}
  %sm = attune.add %s, %m : (tensor<1x2x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x2x8x8xf32>
  %p = attune.softmax %sm : (tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %o = attune.matmul %p, %vh : (tensor<2x2x8x8xf32>, tensor<1x2x8x4xf32>) -> tensor<2x2x8x4xf32>
  %ot = attune.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x2x8x4xf32>) -> tensor<2x8x2x4xf32>
  %r = attune.reshape %ot : (tensor<2x8x2x4xf32>) -> tensor<2x8x8xf32>
  return %r : tensor<2x8x8xf32>
}

// -----

func.func @softmax_over_queries(%q3: tensor<1x8x8xf32>) -> tensor<1x8x8xf32> {
  %q4 = attune.reshape %q3 : (tensor<1x8x8xf32>) -> tensor<1x8x2x4xf32>
  %qh = attune.transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x4xf32>) -> tensor<1x2x8x4xf32>
  %s = attune.matmul %qh, %qh {transpose_b} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x8xf32>
  // expected-remark @+1 {{fusion: attention not fused: the softmax runs over axis 2; attention needs the last axis (keys) of [B,H,Sq,Skv]}}
  %p = attune.softmax %s {axis = 2 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = attune.matmul %p, %qh : (tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  %ot = attune.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x8x4xf32>) -> tensor<1x8x2x4xf32>
  %r = attune.reshape %ot : (tensor<1x8x2x4xf32>) -> tensor<1x8x8xf32>
  return %r : tensor<1x8x8xf32>
}

// -----

func.func @heads_not_merged(%q3: tensor<1x8x8xf32>) -> tensor<1x2x8x4xf32> {
  %q4 = attune.reshape %q3 : (tensor<1x8x8xf32>) -> tensor<1x8x2x4xf32>
  %qh = attune.transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x4xf32>) -> tensor<1x2x8x4xf32>
  %s = attune.matmul %qh, %qh {transpose_b} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x8xf32>
  %p = attune.softmax %s : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  // expected-remark @+1 {{fusion: attention not fused: the attention output is not merged back with a transpose [0,2,1,3] (found 'func.return' at}}
  %o = attune.matmul %p, %qh : (tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

func.func @key_not_split(%q3: tensor<1x8x8xf32>, %kh: tensor<1x2x8x4xf32>) -> tensor<1x8x8xf32> {
  %q4 = attune.reshape %q3 : (tensor<1x8x8xf32>) -> tensor<1x8x2x4xf32>
  %qh = attune.transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x4xf32>) -> tensor<1x2x8x4xf32>
  // expected-remark @+1 {{fusion: attention not fused: k: expected a head transpose [0,2,1,3] of [B,S,H,D], found block argument 1}}
  %s = attune.matmul %qh, %kh {transpose_b} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x8xf32>
  %p = attune.softmax %s : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = attune.matmul %p, %qh : (tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  %ot = attune.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x8x4xf32>) -> tensor<1x8x2x4xf32>
  %r = attune.reshape %ot : (tensor<1x8x2x4xf32>) -> tensor<1x8x8xf32>
  return %r : tensor<1x8x8xf32>
}

// -----

func.func @fused(%q3: tensor<1x8x8xf32>) -> tensor<1x8x8xf32> {
  %q4 = attune.reshape %q3 : (tensor<1x8x8xf32>) -> tensor<1x8x2x4xf32>
  %qh = attune.transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x4xf32>) -> tensor<1x2x8x4xf32>
  %s = attune.matmul %qh, %qh {transpose_b} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x8xf32>
  %p = attune.softmax %s : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = attune.matmul %p, %qh : (tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  %ot = attune.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x8x4xf32>) -> tensor<1x8x2x4xf32>
  // expected-remark @+1 {{fusion: fused attention}}
  %r = attune.reshape %ot : (tensor<1x8x2x4xf32>) -> tensor<1x8x8xf32>
  return %r : tensor<1x8x8xf32>
}
