// RUN: attune-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(attune-vectorize),canonicalize)' | FileCheck %s

// A row reduction tiled into 16-wide steps (as attune-tile-and-distribute
// leaves softmax and layer-norm statistics) carries a vector accumulator,
// combined elementwise from the identity, and is reduced horizontally once
// after the loop, into the row's initial value -- not once per step (for
// maximumf that was a scalar compare-and-blend chain per element).

#x = affine_map<(d0, d1) -> (d0, d1)>
#r = affine_map<(d0, d1) -> (d0)>

// CHECK-LABEL: func.func @row_max
// CHECK-DAG:     %[[NEGINF:.+]] = arith.constant dense<0xFF800000> : vector<16xf32>
// CHECK:         scf.for %[[I:.+]] =
// CHECK:           %[[INIT:.+]] = memref.load %{{.+}}[%[[I]]]
// CHECK:           %[[ACC:.+]] = scf.for %{{.+}} iter_args(%[[A:.+]] = %[[NEGINF]]) -> (vector<16xf32>) {
// CHECK-NOT:         vector.reduction
// CHECK:             %[[M:.+]] = arith.maximumf %[[A]], %{{.+}} : vector<16xf32>
// CHECK-NEXT:        scf.yield %[[M]]
// CHECK:           %[[R:.+]] = vector.reduction <maximumf>, %[[ACC]], %[[INIT]] : vector<16xf32> into f32
// CHECK:           memref.store %[[R]]
func.func @row_max(%x: memref<4x768xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %c768 = arith.constant 768 : index
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c768 step %c16 {
      %xs = memref.subview %x[%i, %j] [1, 16] [1, 1] : memref<4x768xf32> to memref<1x16xf32, strided<[768, 1], offset: ?>>
      %os = memref.subview %out[%i] [1] [1] : memref<4xf32> to memref<1xf32, strided<[1], offset: ?>>
      linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]} ins(%xs : memref<1x16xf32, strided<[768, 1], offset: ?>>) outs(%os : memref<1xf32, strided<[1], offset: ?>>) {
      ^bb0(%a: f32, %acc: f32):
        %m = arith.maximumf %a, %acc : f32
        linalg.yield %m : f32
      }
    }
  }
  return
}

// -----

#x = affine_map<(d0, d1) -> (d0, d1)>
#r = affine_map<(d0, d1) -> (d0)>

// Sums start from -0.0 (the identity of IEEE addition).
// CHECK-LABEL: func.func @row_sum
// CHECK-DAG:     %[[NEGZERO:.+]] = arith.constant dense<-0.000000e+00> : vector<16xf32>
// CHECK:         %[[ACC:.+]] = scf.for %{{.+}} iter_args(%[[A:.+]] = %[[NEGZERO]]) -> (vector<16xf32>) {
// CHECK-NOT:       vector.reduction
// CHECK:           arith.addf %[[A]], %{{.+}} : vector<16xf32>
// CHECK:         vector.reduction <add>, %[[ACC]], %{{.+}} : vector<16xf32> into f32
func.func @row_sum(%x: memref<4x768xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %c768 = arith.constant 768 : index
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c768 step %c16 {
      %xs = memref.subview %x[%i, %j] [1, 16] [1, 1] : memref<4x768xf32> to memref<1x16xf32, strided<[768, 1], offset: ?>>
      %os = memref.subview %out[%i] [1] [1] : memref<4xf32> to memref<1xf32, strided<[1], offset: ?>>
      linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]} ins(%xs : memref<1x16xf32, strided<[768, 1], offset: ?>>) outs(%os : memref<1xf32, strided<[1], offset: ?>>) {
      ^bb0(%a: f32, %acc: f32):
        %s = arith.addf %a, %acc : f32
        linalg.yield %s : f32
      }
    }
  }
  return
}
