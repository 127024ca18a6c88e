// RUN: attune-opt %s --split-input-file --verify-diagnostics --attune-weights-to-args | FileCheck %s

// Distinct weights become leading arguments in order of first use; a weight
// used twice maps to one argument; existing arguments keep their attributes.

// CHECK-LABEL: func.func @main
// CHECK-SAME:    (%[[W:.+]]: tensor<2x3xf32> {attune.weight = "a.w"}, %[[B:.+]]: tensor<3xf32> {attune.weight = "b"}, %[[X:.+]]: tensor<2x3xf32> {attune.input = "x"}) -> tensor<2x3xf32>
// CHECK-SAME:    attributes {attune.num_weights = 2 : i64}
// CHECK-NOT:     attune.weight @
// CHECK:         %[[ADD:.+]] = attune.add %[[X]], %[[W]]
// CHECK:         %[[ADD2:.+]] = attune.add %[[ADD]], %[[B]]
// CHECK:         attune.mul %[[ADD2]], %[[W]]
func.func @main(%x: tensor<2x3xf32> {attune.input = "x"}) -> tensor<2x3xf32> {
  %w = attune.weight @"a.w" : tensor<2x3xf32>
  %b = attune.weight @b : tensor<3xf32>
  %w2 = attune.weight @"a.w" : tensor<2x3xf32>
  %0 = attune.add %x, %w : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = attune.add %0, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %2 = attune.mul %1, %w2 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %2 : tensor<2x3xf32>
}

// -----

// Weights used inside nested regions are found too; the weight-only
// function gets no other arguments.

// CHECK-LABEL: func.func @main
// CHECK-SAME:    (%[[W:.+]]: tensor<4xf32> {attune.weight = "w"}) -> tensor<4xf32>
// CHECK-SAME:    attributes {attune.num_weights = 1 : i64}
// CHECK:         scf.execute_region
// CHECK:           scf.yield %[[W]]
func.func @main() -> tensor<4xf32> {
  %0 = scf.execute_region -> tensor<4xf32> {
    %w = attune.weight @w : tensor<4xf32>
    scf.yield %w : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

// Only the entry function @main is rewritten.

// CHECK-LABEL: func.func @helper
// CHECK:         attune.weight @h : tensor<2xf32>
// CHECK-LABEL: func.func @main
// CHECK-SAME:    (%{{.+}}: tensor<2xf32>) -> tensor<2xf32>
func.func @helper() -> tensor<2xf32> {
  %h = attune.weight @h : tensor<2xf32>
  return %h : tensor<2xf32>
}
func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}

// -----

// expected-error @+1 {{attune-weights-to-args: expected an entry function @main}}
module {
  func.func @not_main() {
    return
  }
}

// -----

func.func @main() -> (tensor<2x3xf32>, tensor<3x2xf32>) {
  %w = attune.weight @w : tensor<2x3xf32>
  // expected-error @+1 {{weight @w: used with type 'tensor<3x2xf32>' and 'tensor<2x3xf32>'}}
  %w2 = attune.weight @w : tensor<3x2xf32>
  return %w, %w2 : tensor<2x3xf32>, tensor<3x2xf32>
}
