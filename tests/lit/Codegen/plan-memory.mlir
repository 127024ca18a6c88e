// RUN: attune-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(attune-plan-memory))' | FileCheck %s

// Three 4 KiB buffers in a chain: %a dies at the op that fills %c (its last
// use), so %c reuses %a's bytes while %b, live across both, sits next to them.
// The arena is freed before the return; the buffers' own deallocs are gone.

// CHECK-LABEL: func.func @chain
// CHECK-SAME:    attune.memory_plan = {arena_bytes = 8192 : i64, buffers = 3 : i64, unplanned_bytes = 12288 : i64}
// CHECK:         %[[ARENA:.+]] = memref.alloc() {alignment = 64 : i64} : memref<8192xi8>
// CHECK:         %[[OA:.+]] = arith.constant 0 : index
// CHECK:         %[[A:.+]] = memref.view %[[ARENA]][%[[OA]]][] : memref<8192xi8> to memref<1024xf32>
// CHECK:         %[[OB:.+]] = arith.constant 4096 : index
// CHECK:         %[[B:.+]] = memref.view %[[ARENA]][%[[OB]]][] : memref<8192xi8> to memref<1024xf32>
// CHECK:         linalg.copy ins(%[[A]] : memref<1024xf32>) outs(%[[B]] : memref<1024xf32>)
// CHECK:         %[[OC:.+]] = arith.constant 0 : index
// CHECK:         %[[C:.+]] = memref.view %[[ARENA]][%[[OC]]][] : memref<8192xi8> to memref<1024xf32>
// CHECK:         linalg.copy ins(%[[B]] : memref<1024xf32>) outs(%[[C]] : memref<1024xf32>)
// CHECK-NOT:     memref.dealloc %[[A]]
// CHECK:         memref.dealloc %[[ARENA]] : memref<8192xi8>
// CHECK-NEXT:    return
func.func @chain(%in: memref<1024xf32>, %out: memref<1024xf32>) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<1024xf32>
  linalg.copy ins(%in : memref<1024xf32>) outs(%a : memref<1024xf32>)
  %b = memref.alloc() {alignment = 64 : i64} : memref<1024xf32>
  linalg.copy ins(%a : memref<1024xf32>) outs(%b : memref<1024xf32>)
  %c = memref.alloc() {alignment = 64 : i64} : memref<1024xf32>
  linalg.copy ins(%b : memref<1024xf32>) outs(%c : memref<1024xf32>)
  linalg.copy ins(%c : memref<1024xf32>) outs(%out : memref<1024xf32>)
  memref.dealloc %a : memref<1024xf32>
  memref.dealloc %b : memref<1024xf32>
  memref.dealloc %c : memref<1024xf32>
  return
}

// -----

// A use through a view inside a loop keeps the buffer alive until that loop:
// %a (read via a subview in the loop) and %b (allocated before the loop)
// must not share bytes.

// CHECK-LABEL: func.func @alias_in_loop
// CHECK-SAME:    attune.memory_plan = {arena_bytes = 8192 : i64, buffers = 2 : i64, unplanned_bytes = 8192 : i64}
func.func @alias_in_loop(%in: memref<1024xf32>, %out: memref<1024xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %a = memref.alloc() : memref<1024xf32>
  linalg.copy ins(%in : memref<1024xf32>) outs(%a : memref<1024xf32>)
  %b = memref.alloc() : memref<1024xf32>
  linalg.copy ins(%in : memref<1024xf32>) outs(%b : memref<1024xf32>)
  scf.for %i = %c0 to %c4 step %c1 {
    %s = memref.subview %a[0] [256] [1] : memref<1024xf32> to memref<256xf32, strided<[1]>>
    %t = memref.subview %b[0] [256] [1] : memref<1024xf32> to memref<256xf32, strided<[1]>>
    linalg.copy ins(%s : memref<256xf32, strided<[1]>>) outs(%t : memref<256xf32, strided<[1]>>)
  }
  linalg.copy ins(%b : memref<1024xf32>) outs(%out : memref<1024xf32>)
  memref.dealloc %a : memref<1024xf32>
  memref.dealloc %b : memref<1024xf32>
  return
}

// -----

// Not planned: a dynamic size, and a buffer without a dealloc in the block.

// CHECK-LABEL: func.func @unplannable
// CHECK-NOT:     attune.memory_plan
// CHECK:         memref.alloc(%{{.+}}) : memref<?xf32>
// CHECK:         memref.alloc() : memref<16xf32>
// CHECK-NOT:     memref.view
func.func @unplannable(%n: index, %out: memref<16xf32>) {
  %d = memref.alloc(%n) : memref<?xf32>
  memref.dealloc %d : memref<?xf32>
  %kept = memref.alloc() : memref<16xf32>
  linalg.copy ins(%kept : memref<16xf32>) outs(%out : memref<16xf32>)
  return
}
