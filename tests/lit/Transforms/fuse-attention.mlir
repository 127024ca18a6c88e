// RUN: attune-opt %s --split-input-file --attune-fuse-attention | FileCheck %s

// Hugging Face BERT eager attention as exported (and as written in
// examples/encoder_primitive.json): head split reshape + transpose, kᵀ as a
// transpose [0,2,3,1] of the [B,S,H,D] keys, scores / sqrt(D), the additive
// mask (1 - mask) * -10000 unsqueezed to [B,1,1,S] added on the left, softmax,
// · v, head merge.
// CHECK-LABEL: func.func @bert_eager
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x8x8xf32>, %[[K:.+]]: tensor<1x8x8xf32>, %[[V:.+]]: tensor<1x8x8xf32>, %[[MASK:.+]]: tensor<1x8xi64>)
// CHECK:         %[[M4:.+]] = attune.reshape %{{.+}} : (tensor<1x8xf32>) -> tensor<1x1x1x8xf32>
// CHECK-NEXT:    %[[O:.+]] = attune.attention %[[Q]], %[[K]], %[[V]] mask %[[M4]] {num_heads = 2 : i64, scale = 5.000000e-01 : f32} : (tensor<1x8x8xf32>, tensor<1x8x8xf32>, tensor<1x8x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x8x8xf32>
// CHECK-NEXT:    return %[[O]]
func.func @bert_eager(%q3: tensor<1x8x8xf32>, %k3: tensor<1x8x8xf32>, %v3: tensor<1x8x8xf32>, %mask: tensor<1x8xi64>) -> tensor<1x8x8xf32> {
  %q4 = attune.reshape %q3 : (tensor<1x8x8xf32>) -> tensor<1x8x2x4xf32>
  %qh = attune.transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x4xf32>) -> tensor<1x2x8x4xf32>
  %k4 = attune.reshape %k3 : (tensor<1x8x8xf32>) -> tensor<1x8x2x4xf32>
  %kt = attune.transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x2x4xf32>) -> tensor<1x2x4x8xf32>
  %v4 = attune.reshape %v3 : (tensor<1x8x8xf32>) -> tensor<1x8x2x4xf32>
  %vh = attune.transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x4xf32>) -> tensor<1x2x8x4xf32>
  %s = attune.matmul %qh, %kt : (tensor<1x2x8x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x8x8xf32>
  %c2 = attune.constant dense<2.0> : tensor<f32>
  %ss = attune.div %s, %c2 : (tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8x8xf32>
  %mf = attune.cast %mask : (tensor<1x8xi64>) -> tensor<1x8xf32>
  %one = attune.constant dense<1.0> : tensor<f32>
  %inv = attune.sub %one, %mf : (tensor<f32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  %big = attune.constant dense<-10000.0> : tensor<f32>
  %add = attune.mul %inv, %big : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %m4 = attune.reshape %add : (tensor<1x8xf32>) -> tensor<1x1x1x8xf32>
  %sm = attune.add %m4, %ss : (tensor<1x1x1x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %p = attune.softmax %sm : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = attune.matmul %p, %vh : (tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  %ot = attune.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x8x4xf32>) -> tensor<1x8x2x4xf32>
  %r = attune.reshape %ot : (tensor<1x8x2x4xf32>) -> tensor<1x8x8xf32>
  return %r : tensor<1x8x8xf32>
}

// -----

// SDPA as torch.onnx.export decomposes it: q·√scale, kᵀ (transpose
// [0,1,3,2] of the key heads)·√scale, a boolean mask turned into
// where(mask, 0, -inf) and added, the softmax guarded by
// where(isnan(p), 0, p); matmul with transpose_b elsewhere is
// covered by @gpt2_causal. The scale is the product of the two f32
// constants, as the exported graph computes it.
// CHECK-LABEL: func.func @sdpa
// CHECK-SAME:    (%[[Q:.+]]: tensor<2x4x8xf32>, %[[K:.+]]: tensor<2x6x8xf32>, %[[V:.+]]: tensor<2x6x8xf32>, %[[MASK:.+]]: tensor<2x1x1x6xi1>)
// CHECK:         %[[W:.+]] = attune.where %[[MASK]]
// CHECK-NOT:     attune.isnan
// CHECK:         %[[O:.+]] = attune.attention %[[Q]], %[[K]], %[[V]] mask %[[W]] {num_heads = 2 : i64, scale = 0.49999997 : f32}
// CHECK-NEXT:    return %[[O]]
func.func @sdpa(%q3: tensor<2x4x8xf32>, %k3: tensor<2x6x8xf32>, %v3: tensor<2x6x8xf32>, %mask: tensor<2x1x1x6xi1>) -> tensor<2x4x8xf32> {
  %q4 = attune.reshape %q3 : (tensor<2x4x8xf32>) -> tensor<2x4x2x4xf32>
  %qh = attune.transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x2x4xf32>) -> tensor<2x2x4x4xf32>
  %k4 = attune.reshape %k3 : (tensor<2x6x8xf32>) -> tensor<2x6x2x4xf32>
  %kh = attune.transpose %k4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x6x2x4xf32>) -> tensor<2x2x6x4xf32>
  %v4 = attune.reshape %v3 : (tensor<2x6x8xf32>) -> tensor<2x6x2x4xf32>
  %vh = attune.transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x6x2x4xf32>) -> tensor<2x2x6x4xf32>
  %sqrt_scale = attune.constant dense<0.707106769> : tensor<f32>
  %qs = attune.mul %qh, %sqrt_scale : (tensor<2x2x4x4xf32>, tensor<f32>) -> tensor<2x2x4x4xf32>
  %kt = attune.transpose %kh {perm = array<i64: 0, 1, 3, 2>} : (tensor<2x2x6x4xf32>) -> tensor<2x2x4x6xf32>
  %ks = attune.mul %kt, %sqrt_scale : (tensor<2x2x4x6xf32>, tensor<f32>) -> tensor<2x2x4x6xf32>
  %s = attune.matmul %qs, %ks : (tensor<2x2x4x4xf32>, tensor<2x2x4x6xf32>) -> tensor<2x2x4x6xf32>
  %zero = attune.constant dense<0.0> : tensor<f32>
  %ninf = attune.constant dense<0xFF800000> : tensor<f32>
  %am = attune.where %mask, %zero, %ninf : (tensor<2x1x1x6xi1>, tensor<f32>, tensor<f32>) -> tensor<2x1x1x6xf32>
  %sm = attune.add %s, %am : (tensor<2x2x4x6xf32>, tensor<2x1x1x6xf32>) -> tensor<2x2x4x6xf32>
  %p = attune.softmax %sm {axis = -1 : i64} : (tensor<2x2x4x6xf32>) -> tensor<2x2x4x6xf32>
  %nan = attune.isnan %p : (tensor<2x2x4x6xf32>) -> tensor<2x2x4x6xi1>
  %pg = attune.where %nan, %zero, %p : (tensor<2x2x4x6xi1>, tensor<f32>, tensor<2x2x4x6xf32>) -> tensor<2x2x4x6xf32>
  %o = attune.matmul %pg, %vh : (tensor<2x2x4x6xf32>, tensor<2x2x6x4xf32>) -> tensor<2x2x4x4xf32>
  %ot = attune.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x2x4x4xf32>) -> tensor<2x4x2x4xf32>
  %r = attune.reshape %ot : (tensor<2x4x2x4xf32>) -> tensor<2x4x8xf32>
  return %r : tensor<2x4x8xf32>
}

// -----

// SDPA's scale computed with ops on the head dim (1 / sqrt(cast(D))), its
// square root applied to q and to kᵀ: constant arithmetic is evaluated.
// CHECK-LABEL: func.func @sdpa_computed_scale
// CHECK:         %[[O:.+]] = attune.attention %arg0, %arg0, %arg0 {num_heads = 2 : i64, scale = 5.000000e-01 : f32}
// CHECK-NEXT:    return %[[O]]
func.func @sdpa_computed_scale(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %x4 = attune.reshape %x : (tensor<1x4x8xf32>) -> tensor<1x4x2x4xf32>
  %xh = attune.transpose %x4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x4xf32>) -> tensor<1x2x4x4xf32>
  %d = attune.constant dense<4> : tensor<i64>
  %df = attune.cast %d : (tensor<i64>) -> tensor<f32>
  %sd = attune.sqrt %df : tensor<f32>
  %one = attune.constant dense<1.0> : tensor<f32>
  %scale = attune.div %one, %sd : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %ss = attune.sqrt %scale : tensor<f32>
  %qs = attune.mul %xh, %ss : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %kt = attune.transpose %xh {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %ks = attune.mul %kt, %ss : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %s = attune.matmul %qs, %ks : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = attune.softmax %s : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = attune.matmul %p, %xh : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %ot = attune.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x4xf32>) -> tensor<1x4x2x4xf32>
  %r = attune.reshape %ot : (tensor<1x4x2x4xf32>) -> tensor<1x4x8xf32>
  return %r : tensor<1x4x8xf32>
}

// -----

// DistilBERT: q / sqrt(D) on the query heads, masked_fill as
// where(mask == 0, finfo.min, scores) (fill where the condition holds).
// CHECK-LABEL: func.func @distilbert
// CHECK:         %[[W:.+]] = attune.where %arg1, %{{.+}}, %{{.+}} : (tensor<1x1x1x4xi1>, tensor<f32>, tensor<f32>) -> tensor<1x1x1x4xf32>
// CHECK-NEXT:    %[[O:.+]] = attune.attention %arg0, %arg0, %arg0 mask %[[W]] {num_heads = 2 : i64, scale = 5.000000e-01 : f32}
// CHECK-NEXT:    return %[[O]]
func.func @distilbert(%x: tensor<1x4x8xf32>, %masked: tensor<1x1x1x4xi1>) -> tensor<1x4x8xf32> {
  %x4 = attune.reshape %x : (tensor<1x4x8xf32>) -> tensor<1x4x2x4xf32>
  %xh = attune.transpose %x4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x4xf32>) -> tensor<1x2x4x4xf32>
  %c = attune.constant dense<2.0> : tensor<f32>
  %q = attune.div %xh, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %s = attune.matmul %q, %xh {transpose_b} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %min = attune.constant dense<-3.40282347E+38> : tensor<f32>
  %sm = attune.where %masked, %min, %s : (tensor<1x1x1x4xi1>, tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = attune.softmax %sm : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = attune.matmul %p, %xh : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %ot = attune.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x4xf32>) -> tensor<1x4x2x4xf32>
  %r = attune.reshape %ot : (tensor<1x4x2x4xf32>) -> tensor<1x4x8xf32>
  return %r : tensor<1x4x8xf32>
}

// -----

// GPT-2 eager: transpose_b scores, scaled by a mul, causal where with a
// constant lower-triangular condition and finfo.min fill -> `causal`, then
// the padding mask added.
// CHECK-LABEL: func.func @gpt2_causal
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x4x8xf32>, %[[K:.+]]: tensor<1x4x8xf32>, %[[V:.+]]: tensor<1x4x8xf32>, %[[PAD:.+]]: tensor<1x1x1x4xf32>)
// CHECK-NOT:     attune.where
// CHECK:         %[[O:.+]] = attune.attention %[[Q]], %[[K]], %[[V]] mask %[[PAD]] {causal, num_heads = 2 : i64, scale = 5.000000e-01 : f32}
// CHECK-NEXT:    return %[[O]]
func.func @gpt2_causal(%q3: tensor<1x4x8xf32>, %k3: tensor<1x4x8xf32>, %v3: tensor<1x4x8xf32>, %pad: tensor<1x1x1x4xf32>) -> tensor<1x4x8xf32> {
  %q4 = attune.reshape %q3 : (tensor<1x4x8xf32>) -> tensor<1x4x2x4xf32>
  %qh = attune.transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x4xf32>) -> tensor<1x2x4x4xf32>
  %k4 = attune.reshape %k3 : (tensor<1x4x8xf32>) -> tensor<1x4x2x4xf32>
  %kh = attune.transpose %k4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x4xf32>) -> tensor<1x2x4x4xf32>
  %v4 = attune.reshape %v3 : (tensor<1x4x8xf32>) -> tensor<1x4x2x4xf32>
  %vh = attune.transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x4xf32>) -> tensor<1x2x4x4xf32>
  %s = attune.matmul %qh, %kh {transpose_b} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %c = attune.constant dense<0.5> : tensor<f32>
  %ss = attune.mul %c, %s : (tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %tri = attune.constant dense<[[[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]]]> : tensor<1x1x4x4xi1>
  %min = attune.constant dense<-3.40282347E+38> : tensor<f32>
  %cs = attune.where %tri, %ss, %min : (tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %sm = attune.add %cs, %pad : (tensor<1x2x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x2x4x4xf32>
  %p = attune.softmax %sm : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = attune.matmul %p, %vh : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %ot = attune.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x4xf32>) -> tensor<1x4x2x4xf32>
  %r = attune.reshape %ot : (tensor<1x4x2x4xf32>) -> tensor<1x4x8xf32>
  return %r : tensor<1x4x8xf32>
}

// -----

// An additive constant causal mask (0 / -10000, torch.triu style) and no
// padding mask: `causal`, no mask operand.
// CHECK-LABEL: func.func @additive_causal
// CHECK:         %[[O:.+]] = attune.attention %arg0, %arg0, %arg0 {causal, num_heads = 1 : i64, scale = 1.000000e+00 : f32}
// CHECK-NEXT:    return %[[O]]
func.func @additive_causal(%x: tensor<1x3x2xf32>) -> tensor<1x3x2xf32> {
  %x4 = attune.reshape %x : (tensor<1x3x2xf32>) -> tensor<1x3x1x2xf32>
  %xh = attune.transpose %x4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x1x2xf32>) -> tensor<1x1x3x2xf32>
  %s = attune.matmul %xh, %xh {transpose_b} : (tensor<1x1x3x2xf32>, tensor<1x1x3x2xf32>) -> tensor<1x1x3x3xf32>
  %tri = attune.constant dense<[[0.0, -10000.0, -10000.0], [0.0, 0.0, -10000.0], [0.0, 0.0, 0.0]]> : tensor<3x3xf32>
  %sm = attune.add %s, %tri : (tensor<1x1x3x3xf32>, tensor<3x3xf32>) -> tensor<1x1x3x3xf32>
  %p = attune.softmax %sm : (tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32>
  %o = attune.matmul %p, %xh : (tensor<1x1x3x3xf32>, tensor<1x1x3x2xf32>) -> tensor<1x1x3x2xf32>
  %ot = attune.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x1x3x2xf32>) -> tensor<1x3x1x2xf32>
  %r = attune.reshape %ot : (tensor<1x3x1x2xf32>) -> tensor<1x3x2xf32>
  return %r : tensor<1x3x2xf32>
}

// -----

// The head merge reshapes straight to [B·S, H·D] (GPT-2's Conv1D view folded
// in by the exporter): the attention result is reshaped to it.
// CHECK-LABEL: func.func @merge_to_2d
// CHECK:         %[[O:.+]] = attune.attention %arg0, %arg0, %arg0 {num_heads = 2 : i64, scale = 5.000000e-01 : f32} : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
// CHECK-NEXT:    %[[R:.+]] = attune.reshape %[[O]] : (tensor<1x4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    return %[[R]]
func.func @merge_to_2d(%x: tensor<1x4x8xf32>) -> tensor<4x8xf32> {
  %x4 = attune.reshape %x : (tensor<1x4x8xf32>) -> tensor<1x4x2x4xf32>
  %xh = attune.transpose %x4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x4xf32>) -> tensor<1x2x4x4xf32>
  %s = attune.matmul %xh, %xh {transpose_b} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %c = attune.constant dense<0.5> : tensor<f32>
  %ss = attune.mul %s, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = attune.softmax %ss : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = attune.matmul %p, %xh : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %ot = attune.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x4xf32>) -> tensor<1x4x2x4xf32>
  %r = attune.reshape %ot : (tensor<1x4x2x4xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// The dynamo exporter's SDPA: kᵀ as reshape [B·H,S,D] + transpose [0,2,1] +
// reshape [B,H,D,S], the √scale on q and kᵀ, the isnan guard.
// CHECK-LABEL: func.func @sdpa_dynamo_key
// CHECK:         %[[O:.+]] = attune.attention %arg0, %arg1, %arg1 {num_heads = 2 : i64, scale = 0.49999997 : f32}
// CHECK-NEXT:    return %[[O]]
func.func @sdpa_dynamo_key(%q3: tensor<1x4x8xf32>, %k3: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %q4 = attune.reshape %q3 : (tensor<1x4x8xf32>) -> tensor<1x4x2x4xf32>
  %qh = attune.transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x4xf32>) -> tensor<1x2x4x4xf32>
  %k4 = attune.reshape %k3 : (tensor<1x4x8xf32>) -> tensor<1x4x2x4xf32>
  %kh = attune.transpose %k4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x4xf32>) -> tensor<1x2x4x4xf32>
  %c = attune.constant dense<0.707106769> : tensor<f32>
  %qs = attune.mul %qh, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %kf = attune.reshape %kh : (tensor<1x2x4x4xf32>) -> tensor<2x4x4xf32>
  %kft = attune.transpose %kf {perm = array<i64: 0, 2, 1>} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %kt = attune.reshape %kft : (tensor<2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %ks = attune.mul %kt, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %s = attune.matmul %qs, %ks : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = attune.softmax %s : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %nan = attune.isnan %p : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi1>
  %zero = attune.constant dense<0.0> : tensor<f32>
  %pg = attune.where %nan, %zero, %p : (tensor<1x2x4x4xi1>, tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = attune.matmul %pg, %kh : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %ot = attune.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x4xf32>) -> tensor<1x4x2x4xf32>
  %r = attune.reshape %ot : (tensor<1x4x2x4xf32>) -> tensor<1x4x8xf32>
  return %r : tensor<1x4x8xf32>
}
