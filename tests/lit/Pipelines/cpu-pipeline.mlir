// RUN: attune-opt %s --split-input-file --attune-to-llvm | FileCheck %s --implicit-check-not='{{^ *(%[^ ]+ = )?(attune|linalg|tensor|bufferization|memref|scf|affine|vector|arith|math|cf|func|builtin)\.}}'

// The whole CPU pipeline (import -> llvm) on small graphs: the result is pure
// LLVM dialect (the implicit CHECK-NOT rejects any op of another dialect,
// attune.parallel_for included), weights are leading pointer arguments of
// @main, and every parallel loop is an outlined task run through
// attune_rt_parallel_for.

// CHECK-LABEL: llvm.func @attune_rt_parallel_for(!llvm.ptr, !llvm.ptr, i64)
// CHECK:       llvm.func internal @main_par0(%{{.+}}: !llvm.ptr, %{{.+}}: i64, %{{.+}}: i64)
// CHECK:         llvm.intr.stacksave
// CHECK-LABEL: llvm.func @main
// CHECK-SAME:    (%{{.+}}: !llvm.ptr {attune.weight = "dense.weight"}, %{{.+}}: !llvm.ptr {attune.weight = "dense.bias"}, %[[X:.+]]: !llvm.ptr, %[[OUT:.+]]: !llvm.ptr)
// CHECK-SAME:    attributes {attune.memory_plan = {{.+}}, attune.num_weights = 2 : i64}
// CHECK:         %[[FN:.+]] = llvm.mlir.addressof @main_par0 : !llvm.ptr
// CHECK:         llvm.call @attune_rt_parallel_for(%[[FN]], %{{.+}}, %{{.+}}) : (!llvm.ptr, !llvm.ptr, i64) -> ()
// CHECK:         llvm.return
func.func @main(%x: tensor<1x8x32xf32>) -> tensor<1x8x16xf32> {
  %w = attune.weight @"dense.weight" : tensor<32x16xf32>
  %b = attune.weight @"dense.bias" : tensor<16xf32>
  %0 = attune.matmul %x, %w : (tensor<1x8x32xf32>, tensor<32x16xf32>) -> tensor<1x8x16xf32>
  %1 = attune.add %0, %b : (tensor<1x8x16xf32>, tensor<16xf32>) -> tensor<1x8x16xf32>
  %2 = attune.gelu %1 : tensor<1x8x16xf32>
  %3 = attune.softmax %2 : (tensor<1x8x16xf32>) -> tensor<1x8x16xf32>
  return %3 : tensor<1x8x16xf32>
}

// -----

// A one-layer encoder block: embedding, layer norm, fused QKV projection,
// split, masked attention, residual add.

// CHECK-LABEL: llvm.func @attune_rt_parallel_for(!llvm.ptr, !llvm.ptr, i64)
// CHECK:       llvm.func internal @main_par0(%{{.+}}: !llvm.ptr, %{{.+}}: i64, %{{.+}}: i64)
// CHECK-LABEL: llvm.func @main
// CHECK-SAME:    (%{{.+}}: !llvm.ptr {attune.weight = "embeddings.word"}, %{{.+}}: !llvm.ptr {attune.weight = "ln.gamma"}, %{{.+}}: !llvm.ptr {attune.weight = "ln.beta"}, %{{.+}}: !llvm.ptr {attune.weight = "attn.qkv"}, %{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr)
// CHECK-SAME:    attributes {attune.memory_plan = {{.+}}, attune.num_weights = 4 : i64}
// CHECK:         llvm.call @attune_rt_parallel_for
// CHECK:         llvm.return
func.func @main(%ids: tensor<1x8xi64>, %mask: tensor<1x8xi64>) -> tensor<1x8x32xf32> {
  %emb = attune.weight @"embeddings.word" : tensor<100x32xf32>
  %g = attune.weight @"ln.gamma" : tensor<32xf32>
  %b = attune.weight @"ln.beta" : tensor<32xf32>
  %wqkv = attune.weight @"attn.qkv" : tensor<32x96xf32>
  %x = attune.embedding %emb, %ids : (tensor<100x32xf32>, tensor<1x8xi64>) -> tensor<1x8x32xf32>
  %n = attune.layer_norm %x, %g, %b {eps = 1.0e-12 : f32} : (tensor<1x8x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<1x8x32xf32>
  %qkv = attune.matmul %n, %wqkv : (tensor<1x8x32xf32>, tensor<32x96xf32>) -> tensor<1x8x96xf32>
  %q, %k, %v = attune.split %qkv {axis = 2 : i64, sizes = array<i64: 32, 32, 32>} : (tensor<1x8x96xf32>) -> (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<1x8x32xf32>)
  %o = attune.attention %q, %k, %v mask %mask {num_heads = 2 : i64} : (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<1x8xi64>) -> tensor<1x8x32xf32>
  %r = attune.add %o, %x : (tensor<1x8x32xf32>, tensor<1x8x32xf32>) -> tensor<1x8x32xf32>
  return %r : tensor<1x8x32xf32>
}
