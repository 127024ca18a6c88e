//===- AttuneOps.td - The attune dialect: tensor-level Transformer ops ----===//
//
// Value-semantics ops over ranked tensors. Graph importers (JSON, ONNX,
// Hugging Face) produce these ops; the CPU pipeline lowers them to linalg.
// Shapes are static after the `graph` phase. Result types that follow from
// the operands are inferred (InferTypeOpAdaptor): the verifier then reports
// operand problems with the operand's name and the expected vs found shape,
// and a wrong result type as "inferred type(s) ... incompatible".
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_OPS_TD
#define ATTUNE_OPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/TilingInterface.td"

def Attune_Dialect : Dialect {
  let name = "attune";
  let cppNamespace = "::mlir::attune";
  let summary = "Tensor-level operations of Transformer and BERT models";
  let description = [{
    The `attune` dialect holds a model graph at tensor level: embeddings,
    matmuls, elementwise arithmetic with NumPy broadcasting, reductions and
    the fused Transformer building blocks (layer norm, softmax, GELU,
    multi-head attention). Weights are referenced by name (`attune.weight`)
    and never printed inline.
  }];
}

class Attune_Op<string mnemonic, list<Trait> traits = []>
    : Op<Attune_Dialect, mnemonic, traits>;

// Element types Attune computes with.
def Attune_Float : AnyTypeOf<[F32, F16, BF16]>;
def Attune_Int : AnyTypeOf<[I64, I32]>;
def Attune_Element : AnyTypeOf<[F32, F16, BF16, I64, I32, I1]>;
def Attune_Tensor : RankedTensorOf<[Attune_Element]>;
def Attune_FloatTensor : RankedTensorOf<[Attune_Float]>;
def Attune_IntTensor : RankedTensorOf<[Attune_Int]>;
def Attune_BoolTensor : RankedTensorOf<[I1]>;

//===----------------------------------------------------------------------===//
// Sources: weights and constants
//===----------------------------------------------------------------------===//

def Attune_WeightOp : Attune_Op<"weight", [Pure]> {
  let summary = "reference to a named weight of the model";
  let description = [{
    Refers to the weight `name` of the model's weight table (a .safetensors
    file at compile time, the library's weights blob at run time). The data
    is never printed in the IR.

    ```mlir
    %w = attune.weight @"encoder.layer.0.attention.self.query.weight" : tensor<64x64xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs Attune_Tensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Attune_ConstantOp : Attune_Op<"constant", [Pure, ConstantLike, AllTypesMatch<["value", "result"]>]> {
  let summary = "small literal tensor";
  let description = [{
    A literal tensor (scalars, shape vectors, small masks). Weights use
    `attune.weight` instead.

    ```mlir
    %c = attune.constant dense<1.0e-05> : tensor<f32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Attune_Tensor:$result);
  let assemblyFormat = "$value attr-dict";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Embedding and matmul
//===----------------------------------------------------------------------===//

def Attune_EmbeddingOp : Attune_Op<"embedding",
    [Pure, InferTypeOpAdaptor]> {
  let summary = "row gather from an embedding table";
  let description = [{
    `result[i..., :] = table[ids[i...], :]`. `table` is `[V, D]`, `ids` any
    integer tensor; the result has shape `ids.shape + [D]`. Ids outside
    `[0, V)` are rejected by the compiled library before they are used.

    ```mlir
    %e = attune.embedding %table, %ids : (tensor<1000x64xf32>, tensor<1x8xi64>) -> tensor<1x8x64xf32>
    ```
  }];
  let arguments = (ins Attune_FloatTensor:$table, Attune_IntTensor:$ids);
  let results = (outs Attune_FloatTensor:$result);
  let assemblyFormat = "$table `,` $ids attr-dict `:` functional-type(operands, results)";
}

def Attune_MatmulOp : Attune_Op<"matmul",
    [Pure, InferTypeOpAdaptor]> {
  let summary = "batched matrix product with optional transposed rhs";
  let description = [{
    `lhs : [..., M, K]`, `rhs : [..., K, N]` (or `[..., N, K]` with
    `transpose_b`). Leading batch dimensions broadcast like NumPy; a rank-2
    rhs is shared by every batch.

    Mixed precision: an f32 `lhs` with a bf16 `rhs` (what `attune compile
    --dtype bf16` makes of weight GEMMs, docs/bf16.md) means lhs rounded to
    bf16 (nearest-even), products and sums in f32, an f32 result.

    ```mlir
    %y = attune.matmul %x, %w : (tensor<1x8x64xf32>, tensor<64x256xf32>) -> tensor<1x8x256xf32>
    %s = attune.matmul %q, %k {transpose_b} : (tensor<4x8x16xf32>, tensor<4x8x16xf32>) -> tensor<4x8x8xf32>
    ```
  }];
  let arguments = (ins Attune_FloatTensor:$lhs, Attune_FloatTensor:$rhs,
                       UnitAttr:$transpose_b);
  let results = (outs Attune_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Elementwise with broadcasting
//===----------------------------------------------------------------------===//

class Attune_BinaryOp<string mnemonic, string expr, list<Trait> traits = []>
    : Attune_Op<mnemonic, !listconcat(traits,
        [Pure, InferTypeOpAdaptor])> {
  let summary = "elementwise " # expr # " with NumPy broadcasting";
  let description = [{
    Elementwise `}] # expr # [{` of two tensors of the same element type;
    shapes broadcast like NumPy (trailing dimensions aligned, size-1
    dimensions stretched).

    ```mlir
    %r = attune.}] # mnemonic # [{ %a, %b : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
    ```
  }];
  let arguments = (ins Attune_Tensor:$lhs, Attune_Tensor:$rhs);
  let results = (outs Attune_Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Attune_AddOp : Attune_BinaryOp<"add", "lhs + rhs", [Commutative]>;
def Attune_SubOp : Attune_BinaryOp<"sub", "lhs - rhs">;
def Attune_MulOp : Attune_BinaryOp<"mul", "lhs * rhs", [Commutative]>;
def Attune_DivOp : Attune_BinaryOp<"div", "lhs / rhs">;
def Attune_PowOp : Attune_BinaryOp<"pow", "pow(lhs, rhs)">;
def Attune_EqualOp : Attune_BinaryOp<"equal", "lhs == rhs (i1 result)", [Commutative]>;
def Attune_MaximumOp : Attune_BinaryOp<"maximum", "max(lhs, rhs) (NaN-propagating)", [Commutative]>;
def Attune_MinimumOp : Attune_BinaryOp<"minimum", "min(lhs, rhs) (NaN-propagating)", [Commutative]>;

def Attune_WhereOp : Attune_Op<"where",
    [Pure, InferTypeOpAdaptor]> {
  let summary = "elementwise select with NumPy broadcasting";
  let description = [{
    `result = cond ? lhs : rhs`, all three broadcast together.

    ```mlir
    %r = attune.where %m, %a, %b : (tensor<1x1x8xi1>, tensor<f32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
    ```
  }];
  let arguments = (ins Attune_BoolTensor:$cond, Attune_Tensor:$lhs, Attune_Tensor:$rhs);
  let results = (outs Attune_Tensor:$result);
  let assemblyFormat = "$cond `,` $lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

class Attune_UnaryOp<string mnemonic, string expr, list<Trait> traits = []>
    : Attune_Op<mnemonic, !listconcat(traits, [Pure, SameOperandsAndResultType])> {
  let summary = "elementwise " # expr;
  let description = [{
    Elementwise `}] # expr # [{` of a floating-point tensor.

    ```mlir
    %r = attune.}] # mnemonic # [{ %x : tensor<2x8x64xf32>
    ```
  }];
  let arguments = (ins Attune_FloatTensor:$input);
  let results = (outs Attune_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Attune_ExpOp : Attune_UnaryOp<"exp", "exp(x)">;
def Attune_SqrtOp : Attune_UnaryOp<"sqrt", "sqrt(x)">;
def Attune_ErfOp : Attune_UnaryOp<"erf", "erf(x)">;
def Attune_TanhOp : Attune_UnaryOp<"tanh", "tanh(x)">;
def Attune_ReluOp : Attune_UnaryOp<"relu", "max(x, 0)">;

def Attune_GeluOp : Attune_UnaryOp<"gelu", "GELU(x)"> {
  let description = [{
    Gaussian error linear unit. `approximate = "none"`:
    `0.5·x·(1 + erf(x/√2))`; `approximate = "tanh"`:
    `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.

    ```mlir
    %g = attune.gelu %x {approximate = "tanh"} : tensor<1x8x256xf32>
    ```
  }];
  let arguments = (ins Attune_FloatTensor:$input,
                       DefaultValuedStrAttr<StrAttr, "none">:$approximate);
  let hasVerifier = 1;
}

def Attune_IsNanOp : Attune_Op<"isnan", [Pure, InferTypeOpAdaptor]> {
  let summary = "elementwise NaN test (i1 result)";
  let description = [{
    `result = isnan(input)`, an `i1` tensor of the input's shape (ONNX
    `IsNaN`; SDPA exports guard their softmax with
    `where(isnan(p), 0, p)`).

    ```mlir
    %m = attune.isnan %p : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xi1>
    ```
  }];
  let arguments = (ins Attune_FloatTensor:$input);
  let results = (outs Attune_BoolTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Reductions and normalizations
//===----------------------------------------------------------------------===//

class Attune_ReduceOp<string mnemonic, string kind>
    : Attune_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let summary = kind # " over the given axes";
  let description = [{
    Reduces `input` with `}] # kind # [{` over `axes` (negative axes count
    from the end). With `keepdims` the reduced dimensions stay as size 1.

    ```mlir
    %r = attune.}] # mnemonic # [{ %x {axes = array<i64: -1>, keepdims} : (tensor<2x8x64xf32>) -> tensor<2x8x1xf32>
    ```
  }];
  let arguments = (ins Attune_FloatTensor:$input, DenseI64ArrayAttr:$axes,
                       UnitAttr:$keepdims);
  let results = (outs Attune_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Attune_ReduceSumOp : Attune_ReduceOp<"reduce_sum", "sum">;
def Attune_ReduceMeanOp : Attune_ReduceOp<"reduce_mean", "mean">;
def Attune_ReduceMaxOp : Attune_ReduceOp<"reduce_max", "max">;

def Attune_LayerNormOp : Attune_Op<"layer_norm",
    [Pure, InferTypeOpAdaptor]> {
  let summary = "layer normalization over the trailing dimensions";
  let description = [{
    Normalizes `input` over the dimensions `[axis, rank)` to zero mean and
    unit variance (biased variance, `eps` added before the square root), then
    scales by `gamma` and shifts by `beta`, both shaped like those trailing
    dimensions.

    ```mlir
    %y = attune.layer_norm %x, %g, %b {eps = 1.0e-12 : f32} : (tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
    ```
  }];
  let arguments = (ins Attune_FloatTensor:$input, Attune_FloatTensor:$gamma,
                       Attune_FloatTensor:$beta,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$eps,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Attune_FloatTensor:$result);
  let assemblyFormat = "$input `,` $gamma `,` $beta attr-dict `:` functional-type(operands, results)";
}

def Attune_SoftmaxOp : Attune_Op<"softmax",
    [Pure, InferTypeOpAdaptor]> {
  let summary = "softmax along one axis";
  let description = [{
    `exp(x - max(x)) / sum(exp(x - max(x)))` along `axis`.

    ```mlir
    %p = attune.softmax %s {axis = -1} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins Attune_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Attune_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Attune_AttentionOp : Attune_Op<"attention",
    [Pure, InferTypeOpAdaptor]> {
  let summary = "multi-head scaled dot-product attention, heads folded in";
  let description = [{
    `q : [B, Sq, H·D]`, `k, v : [B, Skv, H·D]` with `num_heads = H`. For
    each head h: `softmax(scale · q_h k_hᵀ + mask) v_h`, heads concatenated
    back into `[B, Sq, H·D]`. `scale` defaults to `1/√D`. The optional
    `mask` is either a key-padding mask `[B, Skv]` (integer or i1, nonzero =
    attend) or an additive float mask broadcastable to `[B, H, Sq, Skv]`.
    `causal` masks keys after the query position.

    ```mlir
    %o = attune.attention %q, %k, %v mask %m {num_heads = 4 : i64} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8xi64>) -> tensor<1x8x64xf32>
    ```
  }];
  let arguments = (ins Attune_FloatTensor:$q, Attune_FloatTensor:$k,
                       Attune_FloatTensor:$v, Optional<Attune_Tensor>:$mask,
                       I64Attr:$num_heads, OptionalAttr<F32Attr>:$scale,
                       UnitAttr:$causal);
  let results = (outs Attune_FloatTensor:$result);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`mask` $mask^)? attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// The scale applied to q·kᵀ: the attribute, else 1/sqrt(head dim).
    float getScaleOrDefault();
  }];
}

//===----------------------------------------------------------------------===//
// Fused forms produced by the fusion passes (passes/lib/Transforms/Fuse*.cpp)
//===----------------------------------------------------------------------===//

def Attune_FusedMatmulOp : Attune_Op<"fused_matmul",
    [Pure, InferTypeOpAdaptor, AttrSizedOperandSegments]> {
  let summary = "matmul with a fused epilogue: bias, activation, residual";
  let description = [{
    `result = activation(lhs · rhs + bias) + residual`, where `lhs · rhs` is
    `attune.matmul` (batched, optional `transpose_b`, same shape rules).
    `bias` and `residual` are optional and each must broadcast to the
    matmul's result shape (a bias is usually `[N]`, a residual the full
    result). Like `attune.matmul`, an f32 `lhs` may meet a bf16 `rhs`. `activation` is one of `"none"`, `"relu"`, `"gelu"` (erf form),
    `"gelu_tanh"` (tanh approximation), with `attune.gelu`'s formulas.
    Produced by `--attune-fuse-epilogue`; lowered to one contraction and one
    elementwise epilogue generic.

    ```mlir
    %y = attune.fused_matmul %x, %w bias %b {activation = "gelu", transpose_b} : (tensor<1x8x64xf32>, tensor<256x64xf32>, tensor<256xf32>) -> tensor<1x8x256xf32>
    %z = attune.fused_matmul %h, %w2 bias %b2 residual %x : (tensor<1x8x256xf32>, tensor<256x64xf32>, tensor<64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
    ```
  }];
  let arguments = (ins Attune_FloatTensor:$lhs, Attune_FloatTensor:$rhs,
                       Optional<Attune_FloatTensor>:$bias,
                       Optional<Attune_FloatTensor>:$residual,
                       UnitAttr:$transpose_b,
                       DefaultValuedStrAttr<StrAttr, "none">:$activation);
  let results = (outs Attune_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`bias` $bias^)? (`residual` $residual^)? attr-dict `:` functional-type(operands, results)
  }];
}

def Attune_SkipLayerNormOp : Attune_Op<"skip_layer_norm",
    [Pure, InferTypeOpAdaptor]> {
  let summary = "residual add followed by layer normalization";
  let description = [{
    `sum = input + skip (+ bias)`, `result = layer_norm(sum, gamma, beta)`
    with `attune.layer_norm`'s semantics (`eps`, `axis`). Both results are
    returned, like ONNX Runtime's SkipLayerNormalization: post-LN encoders
    (BERT) use only `result`, pre-LN decoders (GPT-2) also carry `sum` on as
    the next residual. `skip` and `bias` must broadcast to `input`'s shape.
    Produced by `--attune-fuse-layer-norm`.

    ```mlir
    %y, %s = attune.skip_layer_norm %x, %r, %g, %b {eps = 1.0e-12 : f32} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>)
    %y2, %s2 = attune.skip_layer_norm %x, %r, %g, %b bias %c : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>)
    ```
  }];
  let arguments = (ins Attune_FloatTensor:$input, Attune_FloatTensor:$skip,
                       Attune_FloatTensor:$gamma, Attune_FloatTensor:$beta,
                       Optional<Attune_FloatTensor>:$bias,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$eps,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Attune_FloatTensor:$result, Attune_FloatTensor:$sum);
  let assemblyFormat = [{
    $input `,` $skip `,` $gamma `,` $beta (`bias` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

def Attune_ReshapeOp : Attune_Op<"reshape", [Pure]> {
  let summary = "reshape to the result type (same element count)";
  let description = [{
    Reinterprets the row-major data of `input` with the result's shape.

    ```mlir
    %r = attune.reshape %x : (tensor<1x8x64xf32>) -> tensor<1x8x4x16xf32>
    ```
  }];
  let arguments = (ins Attune_Tensor:$input);
  let results = (outs Attune_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Attune_TransposeOp : Attune_Op<"transpose",
    [Pure, InferTypeOpAdaptor]> {
  let summary = "permutes dimensions";
  let description = [{
    `result.shape[i] = input.shape[perm[i]]`.

    ```mlir
    %t = attune.transpose %x {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x4x16xf32>) -> tensor<1x4x8x16xf32>
    ```
  }];
  let arguments = (ins Attune_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Attune_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Attune_SliceOp : Attune_Op<"slice",
    [Pure, InferTypeOpAdaptor]> {
  let summary = "strided slice with static bounds";
  let description = [{
    One `[start, end)` range and positive `step` per dimension (normalized:
    `0 <= start <= end <= dim`). Result dim = `ceil((end - start) / step)`.

    ```mlir
    %s = attune.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 1, 64>, steps = array<i64: 1, 1>} : (tensor<8x64xf32>) -> tensor<1x64xf32>
    ```
  }];
  let arguments = (ins Attune_Tensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$ends, DenseI64ArrayAttr:$steps);
  let results = (outs Attune_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Attune_SplitOp : Attune_Op<"split",
    [Pure, InferTypeOpAdaptor]> {
  let summary = "splits a tensor into pieces along one axis";
  let description = [{
    Piece i has `sizes[i]` elements along `axis`; the sizes add up to the
    dimension.

    ```mlir
    %a, %b = attune.split %x {axis = 2 : i64, sizes = array<i64: 64, 64>} : (tensor<1x8x128xf32>) -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>)
    ```
  }];
  let arguments = (ins Attune_Tensor:$input, I64Attr:$axis, DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<Attune_Tensor>:$results);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Attune_ConcatOp : Attune_Op<"concat",
    [Pure, InferTypeOpAdaptor]> {
  let summary = "concatenates tensors along one axis";
  let description = [{
    All inputs share rank, element type and every dimension but `axis`.

    ```mlir
    %c = attune.concat %a, %b {axis = 0 : i64} : (tensor<2x4xf32>, tensor<3x4xf32>) -> tensor<5x4xf32>
    ```
  }];
  let arguments = (ins Variadic<Attune_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Attune_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
}

def Attune_ExpandOp : Attune_Op<"expand", [Pure]> {
  let summary = "broadcasts to the result shape";
  let description = [{
    NumPy broadcast of `input` to the result's shape (trailing dimensions
    aligned; each input dim equals the result dim or is 1).

    ```mlir
    %e = attune.expand %m : (tensor<1x1x8xf32>) -> tensor<2x4x8xf32>
    ```
  }];
  let arguments = (ins Attune_Tensor:$input);
  let results = (outs Attune_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Attune_CastOp : Attune_Op<"cast", [Pure]> {
  let summary = "converts the element type";
  let description = [{
    Elementwise conversion to the result's element type (float↔float,
    int↔int with sign extension, int↔float, i1 → 0/1, nonzero → true).

    ```mlir
    %f = attune.cast %m : (tensor<1x8xi64>) -> tensor<1x8xf32>
    ```
  }];
  let arguments = (ins Attune_Tensor:$input);
  let results = (outs Attune_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Codegen: parallel loop executed on the runtime's thread pool
//===----------------------------------------------------------------------===//

def Attune_ParallelForOp : Attune_Op<"parallel_for",
    [AutomaticAllocationScope, RecursiveMemoryEffects]> {
  let summary = "loop whose iterations run on the runtime's thread pool";
  let description = [{
    Internal to the CPU backend. Produced from an outermost `scf.forall`
    after bufferization; the body runs once per `%i` in `[0, count)`, in any
    order and concurrently. After conversion to LLVM the body is outlined
    into a function called through `attune_rt_parallel_for`.

    ```mlir
    attune.parallel_for 16 {
    ^bb0(%i: i64):
      attune.parallel_yield
    }
    ```
  }];
  let arguments = (ins I64Attr:$count);
  let regions = (region AnyRegion:$body);
  let assemblyFormat = "$count attr-dict-with-keyword $body";
  let hasVerifier = 1;
}

def Attune_ParallelYieldOp : Attune_Op<"parallel_yield",
    [Pure, Terminator, HasParent<"ParallelForOp">]> {
  let summary = "ends an iteration of attune.parallel_for";
  let description = [{
    ```mlir
    attune.parallel_yield
    ```
  }];
  let assemblyFormat = "attr-dict";
}

//===----------------------------------------------------------------------===//
// Codegen: a tile of attention (attune-tile-and-fuse, docs/tiling.md)
//===----------------------------------------------------------------------===//

def Attune_AttentionTileOp : Attune_Op<"attention_tile",
    [Pure, DeclareOpInterfaceMethods<TilingInterface,
        ["getLoopIteratorTypes", "getIterationDomain", "getTiledImplementation",
         "getResultTilePosition"]>]> {
  let summary = "attention over pre-transposed keys, with the query rows' causal offset";
  let description = [{
    Internal to the CPU backend: `attune-tile-and-fuse` turns every
    `attune.attention` into this op and tiles it (TilingInterface, iteration
    domain `(b, h, i)`, all parallel) into an `scf.forall` of smaller
    `attention_tile`s; `attune-convert-to-linalg` lowers each to a
    flash-style loop over key tiles of `key_tile` keys (online softmax, no
    `[Sq, Skv]` buffer).

    `q : [B, Sq, H·D]`, `kt : [B, H, D, Skv]` (keys transposed, keys
    innermost), `v : [B, Skv, H·D]`, `num_heads = H`, `mask` as
    `attune.attention`'s (key padding `[B, Skv]` or additive, broadcastable
    to `[B, H, Sq, Skv]`). `scale` is explicit. With `causal`, key `j` is
    masked for query row `i` when `j > i + query_offset` (the untiled op has
    `query_offset = Skv - Sq`; a tile starting at row `i0` adds `i0`).

    ```mlir
    %o = attune.attention_tile %q, %kt, %v, %off mask %m {num_heads = 1 : i64, scale = 0.125 : f32, causal, key_tile = 128 : i64} : (tensor<1x32x64xf32>, tensor<1x1x64x512xf32>, tensor<1x512x64xf32>, index, tensor<1x512xi64>) -> tensor<1x32x64xf32>
    ```
  }];
  let arguments = (ins Attune_FloatTensor:$q, Attune_FloatTensor:$kt,
                       Attune_FloatTensor:$v, Index:$query_offset,
                       Optional<Attune_Tensor>:$mask, I64Attr:$num_heads,
                       F32Attr:$scale, UnitAttr:$causal,
                       OptionalAttr<I64Attr>:$key_tile);
  let results = (outs Attune_FloatTensor:$result);
  let extraClassDeclaration = [{
    /// Keys per flash-loop step: `key_tile` clamped to [1, Skv], else
    /// defaultKeyTile(Skv).
    int64_t getKeyTileOrDefault();
    /// The largest multiple of 16 <= 256 that divides `skv`, else
    /// min(skv, 256) (the lowering peels the tail).
    static int64_t defaultKeyTile(int64_t skv);
  }];
  let assemblyFormat = [{
    $q `,` $kt `,` $v `,` $query_offset (`mask` $mask^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // ATTUNE_OPS_TD
