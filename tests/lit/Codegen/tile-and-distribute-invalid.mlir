// RUN: attune-opt %s --split-input-file -verify-diagnostics --pass-pipeline='builtin.module(func.func(attune-tile-and-distribute))'

// A config that does not fit the contraction is an error, never a silent
// fallback (nr = 48 does not divide N = 64).

#lhs = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#rhs = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#out = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>

func.func @matmul_bad_config(%x: tensor<1x128x64xf32>, %w: tensor<64x64xf32>, %f: tensor<1x128x64xf32>) -> tensor<1x128x64xf32> {
  // expected-error @+1 {{attune.config does not fit this contraction: nr 48 does not divide N = 64}}
  %0 = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %w : tensor<1x128x64xf32>, tensor<64x64xf32>) outs(%f : tensor<1x128x64xf32>) attrs = {attune.config = {mr = 8 : i64, nr = 48 : i64, kc = 64 : i64, vector_width = 16 : i64, qm = 1 : i64, qn = 1 : i64}} {
  ^bb0(%l: f32, %r: f32, %acc: f32):
    %p = arith.mulf %l, %r : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x128x64xf32>
  return %0 : tensor<1x128x64xf32>
}
