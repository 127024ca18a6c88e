// RUN: attune-opt %s --attune-to-tiled | FileCheck %s --check-prefix=TILED --implicit-check-not=512x512
// RUN: attune-opt %s --attune-to-buffers | FileCheck %s --check-prefix=BUF --implicit-check-not=512x512

// BERT-base attention at S = 512 (12 heads of 64) with a padding mask,
// tiles [64 query rows, 128 keys] from attune.tile_sizes: no 512x512 scores
// tensor or buffer exists in any phase (the implicit CHECK-NOT), keys are
// transposed once to [1,12,64,512], one scf.forall runs (head, query tile),
// and inside it the first key tile is peeled and an scf.for walks the other
// three with (running max, running sum, acc) as iter_args; both products stay
// whole for the GEMM micro-kernel.

// TILED-LABEL: func.func @main
// TILED:         scf.forall {{.+}} -> (tensor<1x12x64x512xf32>)
// TILED:           linalg.transpose
// TILED:         scf.forall (%{{.+}}, %[[I:.+]]) = (0, 0) to (12, 512) step (1, 64) shared_outs(%{{.+}}) -> (tensor<1x512x768xf32>)
// TILED:           linalg.generic {{.+}} outs(%{{.+}} : tensor<1x1x64x128xf32>) attrs = {attune.config = {{.+}}, attune.microkernel}
// TILED:           math.exp
// TILED:           linalg.generic {{.+}} outs(%{{.+}} : tensor<1x64x1x64xf32>) attrs = {attune.config = {{.+}}, attune.microkernel}
// TILED:           %{{.+}}:3 = scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args({{.+}}) -> (tensor<1x1x64xf32>, tensor<1x1x64xf32>, tensor<1x64x1x64xf32>)
// TILED:             tensor.extract_slice %{{.+}}[0, 0, 0, %[[J]]] [1, 1, 64, 128]
// TILED:             linalg.generic {{.+}} outs(%{{.+}} : tensor<1x1x64x128xf32>) attrs = {attune.config = {{.+}}, attune.microkernel}
// TILED:             arith.maximumf
// TILED:             math.exp
// TILED:             linalg.generic {{.+}} outs(%{{.+}} : tensor<1x64x1x64xf32>) attrs = {attune.config = {{.+}}, attune.microkernel}
// TILED:             scf.yield
// TILED:           arith.divf
// TILED:           scf.forall.in_parallel

// After bufferization the key loop's state stays in place (no allocation
// inside the loop other than the step's scores, freed in the same iteration).
// BUF-LABEL: func.func @main
// BUF:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (12, 512) step (1, 64)
// BUF:           scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} {
// BUF:             %[[S:.+]] = memref.alloc() {{.+}} : memref<1x1x64x128xf32>
// BUF:             memref.dealloc %[[S]]
// BUF:           }
func.func @main(%q: tensor<1x512x768xf32>, %k: tensor<1x512x768xf32>, %v: tensor<1x512x768xf32>, %m: tensor<1x512xi64>) -> tensor<1x512x768xf32> {
  %0 = attune.attention %q, %k, %v mask %m {num_heads = 12 : i64, attune.tile_sizes = array<i64: 64, 128>} : (tensor<1x512x768xf32>, tensor<1x512x768xf32>, tensor<1x512x768xf32>, tensor<1x512xi64>) -> tensor<1x512x768xf32>
  return %0 : tensor<1x512x768xf32>
}
