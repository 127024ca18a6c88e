// RUN: attune-opt %s --attune-to-fused | FileCheck %s --implicit-check-not='attune.{{(matmul|softmax|exp|erf|reduce_mean|reduce_max|reduce_sum|sqrt|pow|gelu|layer_norm|transpose) }}'

// The `fused` phase on one BERT layer written with primitive ops (as an
// opset < 17 ONNX export or examples/encoder_primitive.json has it): the
// fusion passes run in pipeline order, so the GELU and the layer norm are
// single ops before the epilogue pass folds the GELU into fused_matmul; the
// residual adds become skip_layer_norm. Only the mask arithmetic stays (the
// attention takes the additive mask as it is).

// CHECK-LABEL: func.func @main
// CHECK-SAME:    (%[[X:.+]]: tensor<1x8x8xf32>, %[[MASK:.+]]: tensor<1x8xi64>)
// CHECK:         %[[M4:.+]] = attune.reshape %{{.+}} : (tensor<1x8xf32>) -> tensor<1x1x1x8xf32>
// CHECK:         %[[Q:.+]] = attune.fused_matmul %[[X]], %{{.+}} bias %{{.+}} {transpose_b}
// CHECK:         %[[K:.+]] = attune.fused_matmul %[[X]], %{{.+}} bias %{{.+}} {transpose_b}
// CHECK:         %[[V:.+]] = attune.fused_matmul %[[X]], %{{.+}} bias %{{.+}} {transpose_b}
// CHECK:         %[[A:.+]] = attune.attention %[[Q]], %[[K]], %[[V]] mask %[[M4]] {num_heads = 2 : i64, scale = 5.000000e-01 : f32}
// CHECK:         %[[D:.+]] = attune.fused_matmul %[[A]], %{{.+}} bias %{{.+}} {transpose_b}
// CHECK:         %[[H:.+]], %{{.+}} = attune.skip_layer_norm %[[D]], %[[X]], %{{.+}}, %{{.+}} {eps = 9.99999996E-13 : f32}
// CHECK:         %[[U:.+]] = attune.fused_matmul %[[H]], %{{.+}} bias %{{.+}} {activation = "gelu", transpose_b}
// CHECK:         %[[Y:.+]] = attune.fused_matmul %[[U]], %{{.+}} bias %{{.+}} residual %[[H]] {transpose_b}
// CHECK:         return %[[Y]]
func.func @main(%x: tensor<1x8x8xf32>, %mask: tensor<1x8xi64>) -> tensor<1x8x8xf32> {
  %wq = attune.weight @"l0.q.weight" : tensor<8x8xf32>
  %bq = attune.weight @"l0.q.bias" : tensor<8xf32>
  %wk = attune.weight @"l0.k.weight" : tensor<8x8xf32>
  %bk = attune.weight @"l0.k.bias" : tensor<8xf32>
  %wv = attune.weight @"l0.v.weight" : tensor<8x8xf32>
  %bv = attune.weight @"l0.v.bias" : tensor<8xf32>
  %wo = attune.weight @"l0.o.weight" : tensor<8x8xf32>
  %bo = attune.weight @"l0.o.bias" : tensor<8xf32>
  %g1 = attune.weight @"l0.ln1.weight" : tensor<8xf32>
  %b1 = attune.weight @"l0.ln1.bias" : tensor<8xf32>
  %wi = attune.weight @"l0.ffn.up.weight" : tensor<32x8xf32>
  %bi = attune.weight @"l0.ffn.up.bias" : tensor<32xf32>
  %wd = attune.weight @"l0.ffn.down.weight" : tensor<8x32xf32>
  %bd = attune.weight @"l0.ffn.down.bias" : tensor<8xf32>
  %one = attune.constant dense<1.0> : tensor<f32>
  %two = attune.constant dense<2.0> : tensor<f32>
  %half = attune.constant dense<0.5> : tensor<f32>
  %rsqrt2 = attune.constant dense<0.707106769> : tensor<f32>
  %eps = attune.constant dense<1.0e-12> : tensor<f32>
  %lowest = attune.constant dense<-3.40282347E+38> : tensor<f32>
  // mask
  %mf = attune.cast %mask : (tensor<1x8xi64>) -> tensor<1x8xf32>
  %inv = attune.sub %one, %mf : (tensor<f32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  %madd = attune.mul %inv, %lowest : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %m4 = attune.reshape %madd : (tensor<1x8xf32>) -> tensor<1x1x1x8xf32>
  // q, k, v
  %q0 = attune.matmul %x, %wq {transpose_b} : (tensor<1x8x8xf32>, tensor<8x8xf32>) -> tensor<1x8x8xf32>
  %q = attune.add %q0, %bq : (tensor<1x8x8xf32>, tensor<8xf32>) -> tensor<1x8x8xf32>
  %k0 = attune.matmul %x, %wk {transpose_b} : (tensor<1x8x8xf32>, tensor<8x8xf32>) -> tensor<1x8x8xf32>
  %k = attune.add %k0, %bk : (tensor<1x8x8xf32>, tensor<8xf32>) -> tensor<1x8x8xf32>
  %v0 = attune.matmul %x, %wv {transpose_b} : (tensor<1x8x8xf32>, tensor<8x8xf32>) -> tensor<1x8x8xf32>
  %v = attune.add %v0, %bv : (tensor<1x8x8xf32>, tensor<8xf32>) -> tensor<1x8x8xf32>
  %q4 = attune.reshape %q : (tensor<1x8x8xf32>) -> tensor<1x8x2x4xf32>
  %qh = attune.transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x4xf32>) -> tensor<1x2x8x4xf32>
  %k4 = attune.reshape %k : (tensor<1x8x8xf32>) -> tensor<1x8x2x4xf32>
  %kh = attune.transpose %k4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x4xf32>) -> tensor<1x2x8x4xf32>
  %v4 = attune.reshape %v : (tensor<1x8x8xf32>) -> tensor<1x8x2x4xf32>
  %vh = attune.transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x4xf32>) -> tensor<1x2x8x4xf32>
  %s = attune.matmul %qh, %kh {transpose_b} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x8xf32>
  %ss = attune.div %s, %two : (tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8x8xf32>
  %sm = attune.add %ss, %m4 : (tensor<1x2x8x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x2x8x8xf32>
  %mx = attune.reduce_max %sm {axes = array<i64: -1>, keepdims} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x1xf32>
  %sh = attune.sub %sm, %mx : (tensor<1x2x8x8xf32>, tensor<1x2x8x1xf32>) -> tensor<1x2x8x8xf32>
  %ex = attune.exp %sh : tensor<1x2x8x8xf32>
  %su = attune.reduce_sum %ex {axes = array<i64: -1>, keepdims} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x1xf32>
  %p = attune.div %ex, %su : (tensor<1x2x8x8xf32>, tensor<1x2x8x1xf32>) -> tensor<1x2x8x8xf32>
  %o = attune.matmul %p, %vh : (tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  %ot = attune.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x8x4xf32>) -> tensor<1x8x2x4xf32>
  %ctx = attune.reshape %ot : (tensor<1x8x2x4xf32>) -> tensor<1x8x8xf32>
  // output dense + residual + layer norm
  %d0 = attune.matmul %ctx, %wo {transpose_b} : (tensor<1x8x8xf32>, tensor<8x8xf32>) -> tensor<1x8x8xf32>
  %d = attune.add %d0, %bo : (tensor<1x8x8xf32>, tensor<8xf32>) -> tensor<1x8x8xf32>
  %r = attune.add %d, %x : (tensor<1x8x8xf32>, tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
  %mu = attune.reduce_mean %r {axes = array<i64: -1>, keepdims} : (tensor<1x8x8xf32>) -> tensor<1x8x1xf32>
  %c = attune.sub %r, %mu : (tensor<1x8x8xf32>, tensor<1x8x1xf32>) -> tensor<1x8x8xf32>
  %c2 = attune.pow %c, %two : (tensor<1x8x8xf32>, tensor<f32>) -> tensor<1x8x8xf32>
  %va = attune.reduce_mean %c2 {axes = array<i64: -1>, keepdims} : (tensor<1x8x8xf32>) -> tensor<1x8x1xf32>
  %ve = attune.add %va, %eps : (tensor<1x8x1xf32>, tensor<f32>) -> tensor<1x8x1xf32>
  %sd = attune.sqrt %ve : tensor<1x8x1xf32>
  %n = attune.div %c, %sd : (tensor<1x8x8xf32>, tensor<1x8x1xf32>) -> tensor<1x8x8xf32>
  %ng = attune.mul %n, %g1 : (tensor<1x8x8xf32>, tensor<8xf32>) -> tensor<1x8x8xf32>
  %h = attune.add %ng, %b1 : (tensor<1x8x8xf32>, tensor<8xf32>) -> tensor<1x8x8xf32>
  // FFN with decomposed GELU
  %u0 = attune.matmul %h, %wi {transpose_b} : (tensor<1x8x8xf32>, tensor<32x8xf32>) -> tensor<1x8x32xf32>
  %u = attune.add %u0, %bi : (tensor<1x8x32xf32>, tensor<32xf32>) -> tensor<1x8x32xf32>
  %ua = attune.mul %u, %rsqrt2 : (tensor<1x8x32xf32>, tensor<f32>) -> tensor<1x8x32xf32>
  %ue = attune.erf %ua : tensor<1x8x32xf32>
  %u1 = attune.add %ue, %one : (tensor<1x8x32xf32>, tensor<f32>) -> tensor<1x8x32xf32>
  %ux = attune.mul %u, %u1 : (tensor<1x8x32xf32>, tensor<1x8x32xf32>) -> tensor<1x8x32xf32>
  %g = attune.mul %ux, %half : (tensor<1x8x32xf32>, tensor<f32>) -> tensor<1x8x32xf32>
  %f0 = attune.matmul %g, %wd {transpose_b} : (tensor<1x8x32xf32>, tensor<8x32xf32>) -> tensor<1x8x8xf32>
  %f = attune.add %f0, %bd : (tensor<1x8x8xf32>, tensor<8xf32>) -> tensor<1x8x8xf32>
  %y = attune.add %f, %h : (tensor<1x8x8xf32>, tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
  return %y : tensor<1x8x8xf32>
}
