// RUN: attune-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(func.func(attune-forall-to-parallel-for))' | FileCheck %s

// An outermost (bufferized) scf.forall becomes attune.parallel_for over its
// linearized iteration space; the induction variables are recovered from the
// i64 iteration index with div/rem, step and lower bound.

// CHECK-LABEL: func.func @two_d
// CHECK-SAME:    (%[[M:.+]]: memref<2x8xf32>)
// CHECK-NOT:     scf.forall
// CHECK:         attune.parallel_for 16 {
// CHECK-NEXT:    ^bb0(%[[N:.+]]: i64):
// CHECK-NEXT:      %[[IDX:.+]] = arith.index_cast %[[N]] : i64 to index
// CHECK:           %[[I:.+]] = arith.divui %[[IDX]], %{{.+}} : index
// CHECK:           %[[J:.+]] = arith.remui %[[IDX]], %{{.+}} : index
// CHECK-NEXT:      memref.store %{{.+}}, %[[M]][%[[I]], %[[J]]] : memref<2x8xf32>
// CHECK-NEXT:      attune.parallel_yield
// CHECK-NEXT:    }
func.func @two_d(%m: memref<2x8xf32>) {
  %cst = arith.constant 1.0 : f32
  scf.forall (%i, %j) in (2, 8) {
    memref.store %cst, %m[%i, %j] : memref<2x8xf32>
  }
  return
}

// -----

// (1, 0, 0) to (2, 3, 4) step (1, 1, 2): trip counts 1 x 3 x 2 = 6;
// i = n / 6 + 1, j = (n / 2) mod 3, k = (n mod 2) * 2.

// CHECK-LABEL: func.func @bounds_and_steps
// CHECK-SAME:    (%[[M:.+]]: memref<2x3x4xf32>)
// CHECK:         attune.parallel_for 6 {
// CHECK-NEXT:    ^bb0(%[[N:.+]]: i64):
// CHECK-NEXT:      %[[IDX:.+]] = arith.index_cast %[[N]] : i64 to index
// CHECK-NEXT:      %[[C6:.+]] = arith.constant 6 : index
// CHECK-NEXT:      %[[Q0:.+]] = arith.divui %[[IDX]], %[[C6]] : index
// CHECK-NEXT:      %[[C1:.+]] = arith.constant 1 : index
// CHECK-NEXT:      %[[I:.+]] = arith.addi %[[Q0]], %[[C1]] : index
// CHECK-NEXT:      %[[C2:.+]] = arith.constant 2 : index
// CHECK-NEXT:      %[[Q1:.+]] = arith.divui %[[IDX]], %[[C2]] : index
// CHECK-NEXT:      %[[C3:.+]] = arith.constant 3 : index
// CHECK-NEXT:      %[[J:.+]] = arith.remui %[[Q1]], %[[C3]] : index
// CHECK-NEXT:      %[[C2B:.+]] = arith.constant 2 : index
// CHECK-NEXT:      %[[R2:.+]] = arith.remui %[[IDX]], %[[C2B]] : index
// CHECK-NEXT:      %[[STEP:.+]] = arith.constant 2 : index
// CHECK-NEXT:      %[[K:.+]] = arith.muli %[[R2]], %[[STEP]] : index
// CHECK-NEXT:      memref.store %{{.+}}, %[[M]][%[[I]], %[[J]], %[[K]]] : memref<2x3x4xf32>
// CHECK-NEXT:      attune.parallel_yield
func.func @bounds_and_steps(%m: memref<2x3x4xf32>) {
  %cst = arith.constant 1.0 : f32
  scf.forall (%i, %j, %k) = (1, 0, 0) to (2, 3, 4) step (1, 1, 2) {
    memref.store %cst, %m[%i, %j, %k] : memref<2x3x4xf32>
  }
  return
}

// -----

// Nested foralls run sequentially inside the parallel one.

// CHECK-LABEL: func.func @nested
// CHECK-SAME:    (%[[M:.+]]: memref<4x8xf32>)
// CHECK:         attune.parallel_for 4 {
// CHECK-NEXT:    ^bb0(%[[N:.+]]: i64):
// CHECK-NEXT:      %[[I:.+]] = arith.index_cast %[[N]] : i64 to index
// CHECK-NOT:       scf.forall
// CHECK-NOT:       attune.parallel_for
// CHECK:           scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK-NEXT:        memref.store %{{.+}}, %[[M]][%[[I]], %[[J]]] : memref<4x8xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      attune.parallel_yield
func.func @nested(%m: memref<4x8xf32>) {
  %cst = arith.constant 1.0 : f32
  scf.forall (%i) in (4) {
    scf.forall (%j) in (8) {
      memref.store %cst, %m[%i, %j] : memref<4x8xf32>
    }
  }
  return
}

// -----

// Two sibling foralls become two parallel_fors.

// CHECK-LABEL: func.func @siblings
// CHECK:         attune.parallel_for 4 {
// CHECK:         attune.parallel_for 8 {
func.func @siblings(%a: memref<4xf32>, %b: memref<8xf32>) {
  %cst = arith.constant 1.0 : f32
  scf.forall (%i) in (4) {
    memref.store %cst, %a[%i] : memref<4xf32>
  }
  scf.forall (%i) in (8) {
    memref.store %cst, %b[%i] : memref<8xf32>
  }
  return
}

// -----

func.func @not_bufferized(%t: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{attune-forall-to-parallel-for: expected a bufferized forall}}
  %r = scf.forall (%i) in (4) shared_outs(%o = %t) -> (tensor<4xf32>) {
    %s = tensor.extract_slice %o[%i] [1] [1] : tensor<4xf32> to tensor<1xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %s into %o[%i] [1] [1] : tensor<1xf32> into tensor<4xf32>
    }
  }
  return %r : tensor<4xf32>
}

// -----

func.func @dynamic_bounds(%m: memref<?xf32>, %n: index) {
  %cst = arith.constant 1.0 : f32
  // expected-error @+1 {{attune-forall-to-parallel-for: expected static bounds}}
  scf.forall (%i) in (%n) {
    memref.store %cst, %m[%i] : memref<?xf32>
  }
  return
}
