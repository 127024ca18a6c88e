//===- Passes.td - Graph-level passes of Attune ---------------------------===//
#ifndef ATTUNE_TRANSFORMS_PASSES_TD
#define ATTUNE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def WeightsToArgsPass : Pass<"attune-weights-to-args", "mlir::ModuleOp"> {
  let summary = "Turns attune.weight references into leading function arguments";
  let description = [{
    Every distinct `attune.weight @name` used by the entry function becomes a
    leading argument of that function, in order of first use, carrying the
    argument attribute `attune.weight = "name"`. The function gets the
    attribute `attune.num_weights`. After this pass the weights reach the
    kernels as plain buffers handed over by the runtime, so nothing in the
    IR depends on where they are stored (sidecar file or embedded blob).

    ```mlir
    func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
      %w = attune.weight @w : tensor<2x3xf32>
      ...
    // becomes
    func.func @main(%w: tensor<2x3xf32> {attune.weight = "w"}, %x: tensor<2x3xf32>) ...
    ```
  }];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

#endif
