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

//===----------------------------------------------------------------------===//
// Fusion passes (the `fused` phase, in this order). Each matches the decomposed
// forms exporters produce (commuted operands, constant variants within a
// relative tolerance of 1e-3) and, with `report`, emits a remark per fused
// site and per near miss: "fusion: fused P" / "fusion: P not fused: why".
//===----------------------------------------------------------------------===//

def FuseSoftmaxPass : Pass<"attune-fuse-softmax", "mlir::ModuleOp"> {
  let summary = "exp(x - reduce_max(x)) / reduce_sum(exp(...)) -> attune.softmax";
  let description = [{
    Anchored on `attune.exp` whose result is reduced by `attune.reduce_sum`
    over one axis (keepdims, or a reshape back to the keep-dims shape) and
    divided by that sum. The input is `x - reduce_max(x)` over the same axis
    (the max subtraction is absorbed) or any other value (softmax is
    invariant to the shift, so `exp(x) / sum(exp(x))` fuses too).

    ```mlir
    %m = attune.reduce_max %x {axes = array<i64: -1>, keepdims} ...
    %d = attune.sub %x, %m ...   %e = attune.exp %d ...
    %s = attune.reduce_sum %e {axes = array<i64: -1>, keepdims} ...
    %p = attune.div %e, %s ...
    // becomes
    %p = attune.softmax %x {axis = 3 : i64} ...
    ```
    Misses: a sum over several axes, a max over other axes than the sum,
    a sum that is not the divisor.
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark per fused site and per near miss (FusionReport.h)">
  ];
}

def FuseGeluPass : Pass<"attune-fuse-gelu", "mlir::ModuleOp"> {
  let summary = "Decomposed GELU (erf or tanh form) -> attune.gelu";
  let description = [{
    Erf form, anchored on `attune.erf`: `0.5·x·(1 + erf(x/√2))` with the
    argument written `x · 0.7071…` or `x / 1.4142…`, and the product
    `x·(1+erf)·0.5`, `(0.5·x)·(1+erf)`, `0.5·(1+erf)·x` or `(x/2)·(1+erf)`,
    operands in any order. Tanh form, anchored on `attune.tanh`:
    `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` with `x³` as `pow(x, 3)`,
    `x·x·x` or `x·(x·x)`. Misses: an erf/tanh feeding `1 + ·` whose argument
    or product has another form (the reason names the node and the value
    found).
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark per fused site and per near miss (FusionReport.h)">
  ];
}

def FuseLayerNormPass : Pass<"attune-fuse-layer-norm", "mlir::ModuleOp"> {
  let summary = "Decomposed layer norm -> attune.layer_norm; residual add + layer norm -> attune.skip_layer_norm";
  let description = [{
    Anchored on `m = reduce_mean(x)` over trailing axes with a user
    `d = x - m`: then `var = reduce_mean(pow(d, 2) | d·d)` over the same
    axes, `var + eps` (constant), and `d / sqrt(var + eps)`,
    `d · (1 / sqrt(var + eps))`, `d · pow(var + eps, -0.5)` or
    `d / pow(var + eps, 0.5)`, then optionally `· gamma` and `+ beta`
    (commuted; gamma/beta shaped like the normalized dims, leading 1s
    allowed). Missing gamma/beta become constant ones/zeros. A second
    pattern turns `layer_norm(a + b)` with `a`, `b` both of the full shape
    into `attune.skip_layer_norm` (the sum's other users take its `sum`
    result). Misses name the first step of the chain that has another form.
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark per fused site and per near miss (FusionReport.h)">
  ];
}

def FuseAttentionPass : Pass<"attune-fuse-attention", "mlir::ModuleOp"> {
  let summary = "Multi-head attention subgraph -> attune.attention";
  let description = [{
    Anchored on `attune.softmax` whose input comes, through scaling and
    mask additions, from a matmul (the scores). Matches what
    torch.onnx.export produces for Hugging Face eager and SDPA attention:
    - scores `q_h · k_hᵀ` with `transpose_b`, a transpose `[0,1,3,2]` of the
      key heads, or a transpose `[0,2,3,1]` of the `[B,S,H,D]` keys;
    - scaling by `mul`/`div` with constants on the scores or on q and k
      (SDPA's `√scale` on both), multiplied into one `scale`;
    - additive masks (any float tensor broadcastable to `[B,H,Sq,Skv]`,
      e.g. `(1 - mask)·-10000` or `·finfo.min` after cast/unsqueeze/reshape/
      expand), summed when there are several; `where(cond, scores, fill)`
      masks become the additive `where(cond, 0, fill)`; a constant
      lower-triangular mask (additive or `where`) becomes `causal`;
    - softmax over the last axis, `· v_h`;
    - head split `reshape [B,S,H·D] -> [B,S,H,D]` + `transpose [0,2,1,3]`
      on q, k, v and the merge `transpose [0,2,1,3]` + `reshape` back.
    Result: one `attune.attention` with `num_heads`, `scale`, `mask`,
    `causal`. Misses name the node and the expected vs found shape or op,
    e.g. `mask: shape [1,1,1,128] is not broadcastable to [B,H,Sq,Skv] = [2,12,128,128]`.
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark per fused site and per near miss (FusionReport.h)">
  ];
}

def FuseEpiloguePass : Pass<"attune-fuse-epilogue", "mlir::ModuleOp"> {
  let summary = "matmul + bias + gelu/relu + residual -> attune.fused_matmul";
  let description = [{
    Anchored on `attune.matmul`; follows single-use chains: `+ bias` (a
    tensor that broadcasts to the result and varies only along N, e.g.
    `[N]` or `[1,1,N]`), then `attune.gelu` (either form) or `attune.relu`,
    then `+ residual` (broadcasting to the result). A matmul followed only
    by a residual add fuses too. Run after the GELU pass, so decomposed
    GELUs are single ops by then. Misses: an epilogue op on a matmul result
    that has other users.
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark per fused site and per near miss (FusionReport.h)">
  ];
}

//===----------------------------------------------------------------------===//
// Tiling (the `tiled` phase, before attune-convert-to-linalg; docs/tiling.md)
//===----------------------------------------------------------------------===//

def TileAndFusePass : Pass<"attune-tile-and-fuse", "mlir::func::FuncOp"> {
  let summary = "Tiles attention into an scf.forall of attune.attention_tile (flash attention)";
  let description = [{
    Every `attune.attention` becomes an `attune.attention_tile` over keys
    transposed once to `[B, H, D, Skv]` (`attune.reshape` + `attune.transpose`,
    so each key tile is a unit-stride `[D, Tk]` operand of the GEMM
    micro-kernel), which is then tiled through its TilingInterface with
    `scf::tileUsingSCF` into an `scf.forall` over (batch, head, query tile).
    Each tile carries `key_tile`; `attune-convert-to-linalg` lowers it to the
    flash loop (online softmax over key tiles), so QKᵀ, masking, softmax and
    ·V are fused per tile and no `[Sq, Skv]` buffer exists.

    Tile sizes `[query_tile, key_tile]`, per op: the pass options when set
    (non-zero), else the op's `attune.tile_sizes` attribute (a
    `DenseI64ArrayAttr`, 0 = choose; written by tuning records), else a
    heuristic: query tile a divisor of Sq in [32, 64] (else 64) shrunk by
    halves while the forall has fewer than `chunks` iterations (not below
    16); key tile the largest multiple of 16 <= 256 dividing Skv (else 256, or
    Skv when smaller). A query tile that does not divide Sq leaves a tail
    tile (a second forall over batch and heads); the flash loop peels a key
    tail the same way, so every tile has static shapes.

    ```mlir
    %o = attune.attention %q, %k, %v {num_heads = 12 : i64} : (tensor<1x512x768xf32>, ...) -> tensor<1x512x768xf32>
    // becomes
    %kh = attune.reshape %k ... -> tensor<1x512x12x64xf32>
    %kt = attune.transpose %kh {perm = array<i64: 0, 2, 3, 1>} ... -> tensor<1x12x64x512xf32>
    %r = scf.forall (%b, %h, %i) = (0, 0, 0) to (1, 12, 512) step (1, 1, 64) shared_outs(%o = %init) ... {
      %t = attune.attention_tile %qs, %kts, %vs, %off {key_tile = 256 : i64, num_heads = 1 : i64, scale = 1.250000e-01 : f32} ...
      scf.forall.in_parallel { tensor.parallel_insert_slice %t into %o[...] ... }
    }
    ```
  }];
  let options = [
    Option<"queryTile", "query-tile", "int64_t", "0",
           "query rows per tile (0: the op's attune.tile_sizes, else the heuristic)">,
    Option<"keyTile", "key-tile", "int64_t", "0",
           "keys per flash-loop step (0: the op's attune.tile_sizes, else the heuristic)">,
    Option<"chunks", "chunks", "int64_t", "16",
           "parallel iterations the heuristic aims for per attention">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect"];
}

#endif
