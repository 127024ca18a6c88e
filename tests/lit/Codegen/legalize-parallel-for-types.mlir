// RUN: attune-opt %s --split-input-file --attune-legalize-parallel-for-types | FileCheck %s

// Blocks inside attune.parallel_for get LLVM-typed arguments (index -> i64,
// with unrealized casts for their uses) and the cf branches inside become
// llvm.br / llvm.cond_br. Everything outside the region is left alone.

// CHECK-LABEL: func.func @loop
// CHECK-SAME:    (%[[M:.+]]: memref<4x8xf32>)
// CHECK:         attune.parallel_for 4 {
// CHECK-NEXT:    ^bb0(%[[N:.+]]: i64):
// CHECK:           %[[I:.+]] = arith.index_cast %[[N]] : i64 to index
// CHECK:           %[[C0:.+]] = arith.constant 0 : index
// CHECK:           %[[C0L:.+]] = builtin.unrealized_conversion_cast %[[C0]] : index to i64
// CHECK:           llvm.br ^[[HEAD:bb[0-9]+]](%[[C0L]] : i64)
// CHECK:         ^[[HEAD]](%[[J:.+]]: i64):
// CHECK-NEXT:      %[[JI:.+]] = builtin.unrealized_conversion_cast %[[J]] : i64 to index
// CHECK-NEXT:      %[[COND:.+]] = arith.cmpi slt, %[[JI]], %{{.+}} : index
// CHECK-NEXT:      llvm.cond_br %[[COND]], ^[[BODY:bb[0-9]+]], ^[[EXIT:bb[0-9]+]]
// CHECK:         ^[[BODY]]:
// CHECK-NEXT:      memref.store %{{.+}}, %[[M]][%[[I]], %[[JI]]] : memref<4x8xf32>
// CHECK-NEXT:      %[[NEXT:.+]] = arith.addi %[[JI]], %{{.+}} : index
// CHECK-NEXT:      %[[NEXTL:.+]] = builtin.unrealized_conversion_cast %[[NEXT]] : index to i64
// CHECK-NEXT:      llvm.br ^[[HEAD]](%[[NEXTL]] : i64)
// CHECK:         ^[[EXIT]]:
// CHECK-NEXT:      attune.parallel_yield
// CHECK:         cf.br ^bb1(%{{.+}} : f32)
// CHECK:       ^bb1(%{{.+}}: f32):
// CHECK-NEXT:    return
func.func @loop(%m: memref<4x8xf32>) {
  %cst = arith.constant 1.0 : f32
  attune.parallel_for 4 {
  ^bb0(%n: i64):
    %i = arith.index_cast %n : i64 to index
    %c0 = arith.constant 0 : index
    %c8 = arith.constant 8 : index
    %c1 = arith.constant 1 : index
    cf.br ^bb1(%c0 : index)
  ^bb1(%j: index):
    %cond = arith.cmpi slt, %j, %c8 : index
    cf.cond_br %cond, ^bb2, ^bb3
  ^bb2:
    memref.store %cst, %m[%i, %j] : memref<4x8xf32>
    %next = arith.addi %j, %c1 : index
    cf.br ^bb1(%next : index)
  ^bb3:
    attune.parallel_yield
  }
  cf.br ^bb1(%cst : f32)
^bb1(%x: f32):
  return
}

// -----

// Already-legal regions (single block, i64 argument) are unchanged.

// CHECK-LABEL: func.func @legal
// CHECK:         attune.parallel_for 8 {
// CHECK-NEXT:    ^bb0(%[[N:.+]]: i64):
// CHECK-NEXT:      %[[I:.+]] = arith.index_cast %[[N]] : i64 to index
// CHECK-NEXT:      memref.store %{{.+}}, %{{.+}}[%[[I]]] : memref<8xf32>
// CHECK-NEXT:      attune.parallel_yield
// CHECK-NEXT:    }
func.func @legal(%m: memref<8xf32>) {
  %cst = arith.constant 1.0 : f32
  attune.parallel_for 8 {
  ^bb0(%n: i64):
    %i = arith.index_cast %n : i64 to index
    memref.store %cst, %m[%i] : memref<8xf32>
    attune.parallel_yield
  }
  return
}
