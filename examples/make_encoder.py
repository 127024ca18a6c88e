#!/usr/bin/env python3
"""Generate Attune's example BERT-style encoder (standard library only).

Writes, next to this script:

  encoder.safetensors      the weights (float32, plus one int64 tensor),
                           shared by both graphs
  encoder_fused.json       the encoder written with Attune's fused ops
                           (embedding, layer_norm, matmul, attention, gelu)
  encoder_primitive.json   the SAME function written only with primitive ops,
                           the way an exporter (ONNX / torch.fx) spells it
  encoder_input_ids.npy    a sample input_ids      i64 [1, 16]
  encoder_attention_mask.npy  a sample attention_mask i64 [1, 16]
                           (last 3 positions are padding)

Model: 2 post-LN BERT layers, batch 1, sequence 16, hidden 64, 4 heads of
16, FFN 128, vocabulary 512, 64 positions, LayerNorm eps 1e-12, exact (erf)
GELU.  Inputs "input_ids" i64 [1,16] and "attention_mask" i64 [1,16]
(1 = attend, 0 = padding); output "last_hidden_state" f32 [1,16,64].

Weight layout: every dense weight is stored as [in, out] so that a linear
layer is  y = x @ W + b  (matmul without transpose_b).  This is the
TRANSPOSE of Hugging Face's nn.Linear layout [out, in]; to load real HF
weights, transpose every "*.weight" of a dense layer.

The output is deterministic: running the script again writes the same bytes.

Usage:  python3 examples/make_encoder.py [output_dir]
"""

import json
import math
import os
import random
import struct
import sys

# ----------------------------------------------------------------------------
# Hyper-parameters
# ----------------------------------------------------------------------------
BATCH = 1
SEQ = 16
HIDDEN = 64
HEADS = 4
HEAD_DIM = HIDDEN // HEADS  # 16
FFN = 128
VOCAB = 512
MAX_POS = 64
LAYERS = 2
LN_EPS = 1e-12
SEED = 20240611
WEIGHT_STD = 0.05
LN_NOISE_STD = 0.02
F32_LOWEST = -3.4028234663852886e38  # numpy.finfo(float32).min

WEIGHTS_FILE = "encoder.safetensors"

# Sample inputs (also used by check_encoder.py).
SAMPLE_IDS = [101, 7, 345, 12, 499, 88, 260, 3, 77, 150, 411, 102, 9, 0, 0, 0]
SAMPLE_MASK = [1] * 13 + [0] * 3


# ----------------------------------------------------------------------------
# Weights
# ----------------------------------------------------------------------------
def f32(x):
    """Round a Python float to the nearest float32."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def make_weights():
    """Return an ordered list of (name, dtype, shape, flat values)."""
    rng = random.Random(SEED)
    tensors = []

    def matrix(name, shape, std=WEIGHT_STD):
        n = 1
        for d in shape:
            n *= d
        tensors.append((name, "F32", list(shape), [f32(rng.gauss(0.0, std)) for _ in range(n)]))

    def bias(name, n):
        matrix(name, [n], LN_NOISE_STD)

    def layer_norm(prefix, n):
        tensors.append((prefix + ".weight", "F32", [n],
                        [f32(1.0 + rng.gauss(0.0, LN_NOISE_STD)) for _ in range(n)]))
        tensors.append((prefix + ".bias", "F32", [n],
                        [f32(rng.gauss(0.0, LN_NOISE_STD)) for _ in range(n)]))

    matrix("embeddings.word_embeddings.weight", [VOCAB, HIDDEN])
    matrix("embeddings.position_embeddings.weight", [MAX_POS, HIDDEN])
    tensors.append(("embeddings.position_ids", "I64", [1, SEQ], list(range(SEQ))))
    layer_norm("embeddings.LayerNorm", HIDDEN)
    for i in range(LAYERS):
        p = "encoder.layer.%d." % i
        for proj in ("query", "key", "value"):
            matrix(p + "attention.self.%s.weight" % proj, [HIDDEN, HIDDEN])
            bias(p + "attention.self.%s.bias" % proj, HIDDEN)
        matrix(p + "attention.output.dense.weight", [HIDDEN, HIDDEN])
        bias(p + "attention.output.dense.bias", HIDDEN)
        layer_norm(p + "attention.output.LayerNorm", HIDDEN)
        matrix(p + "intermediate.dense.weight", [HIDDEN, FFN])
        bias(p + "intermediate.dense.bias", FFN)
        matrix(p + "output.dense.weight", [FFN, HIDDEN])
        bias(p + "output.dense.bias", HIDDEN)
        layer_norm(p + "output.LayerNorm", HIDDEN)
    return tensors


def safetensors_bytes(tensors):
    """Serialize tensors in the safetensors format.

    Layout: u64 little-endian header length N, N bytes of JSON header padded
    with spaces to a multiple of 8, then the raw little-endian data.  Tensors
    are stored in name order, contiguously; every offset is 8-byte aligned.
    """
    header = {"__metadata__": {"format": "pt"}}
    chunks = []
    offset = 0
    for name, dtype, shape, values in sorted(tensors, key=lambda t: t[0]):
        fmt = {"F32": "f", "I64": "q"}[dtype]
        data = struct.pack("<%d%s" % (len(values), fmt), *values)
        assert offset % 8 == 0, name
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("ascii")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


# ----------------------------------------------------------------------------
# Graph builder
# ----------------------------------------------------------------------------
class Graph:
    def __init__(self, name):
        self.name = name
        self.nodes = []
        self.names = set()

    def node(self, name, op, inputs=(), **attributes):
        assert name not in self.names, name
        self.names.add(name)
        self.nodes.append({"name": name, "op": op, "inputs": list(inputs),
                           "attributes": attributes})
        return name

    def to_json(self):
        graph = {
            "format": "attune-graph",
            "version": 1,
            "name": self.name,
            "weights": WEIGHTS_FILE,
            "inputs": [
                {"name": "input_ids", "shape": [BATCH, SEQ], "dtype": "i64"},
                {"name": "attention_mask", "shape": [BATCH, SEQ], "dtype": "i64"},
            ],
            "nodes": self.nodes,
            "outputs": [{"name": "last_hidden_state", "from": self.last}],
        }
        return format_graph(graph)


def format_graph(graph):
    """JSON with one node per line (readable diffs), deterministic."""
    def dumps(x):
        return json.dumps(x, separators=(", ", ": "))
    lines = ["{"]
    for key in ("format", "version", "name", "weights"):
        lines.append("  %s: %s," % (dumps(key), dumps(graph[key])))
    lines.append('  "inputs": [')
    lines.append(",\n".join("    " + dumps(i) for i in graph["inputs"]))
    lines.append("  ],")
    lines.append('  "nodes": [')
    lines.append(",\n".join("    " + dumps(n) for n in graph["nodes"]))
    lines.append("  ],")
    lines.append('  "outputs": [')
    lines.append(",\n".join("    " + dumps(o) for o in graph["outputs"]))
    lines.append("  ]")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == graph
    return text


def embeddings(g):
    """word + position embeddings (position ids are the weight
    embeddings.position_ids = [[0, 1, ..., 15]]); LayerNorm is left to the
    caller."""
    g.node("emb.word", "embedding", ["embeddings.word_embeddings.weight", "input_ids"])
    g.node("emb.pos", "embedding", ["embeddings.position_embeddings.weight",
                                    "embeddings.position_ids"])
    return g.node("emb.sum", "add", ["emb.word", "emb.pos"])


def linear(g, name, x, weight_prefix):
    mm = g.node(name + ".matmul", "matmul", [x, weight_prefix + ".weight"], transpose_b=False)
    return g.node(name, "add", [mm, weight_prefix + ".bias"])


# ----------------------------------------------------------------------------
# Fused graph
# ----------------------------------------------------------------------------
def build_fused():
    """Fused ops: embedding, layer_norm, matmul + bias add, attention fed
    the key-padding mask input directly, gelu."""
    g = Graph("bert_tiny_encoder_fused")
    x = embeddings(g)
    x = g.node("emb.ln", "layer_norm", [x, "embeddings.LayerNorm.weight",
                                        "embeddings.LayerNorm.bias"], eps=LN_EPS, axis=-1)
    for i in range(LAYERS):
        p = "encoder.layer.%d." % i
        n = "l%d." % i
        q = linear(g, n + "q", x, p + "attention.self.query")
        k = linear(g, n + "k", x, p + "attention.self.key")
        v = linear(g, n + "v", x, p + "attention.self.value")
        ctx = g.node(n + "attn", "attention", [q, k, v, "attention_mask"],
                     num_heads=HEADS, causal=False)
        o = linear(g, n + "attn_out", ctx, p + "attention.output.dense")
        r = g.node(n + "attn_res", "add", [o, x])
        x = g.node(n + "attn_ln", "layer_norm",
                   [r, p + "attention.output.LayerNorm.weight",
                    p + "attention.output.LayerNorm.bias"], eps=LN_EPS, axis=-1)
        h = linear(g, n + "ffn_up", x, p + "intermediate.dense")
        h = g.node(n + "gelu", "gelu", [h], approximate="none")
        h = linear(g, n + "ffn_down", h, p + "output.dense")
        r = g.node(n + "ffn_res", "add", [h, x])
        x = g.node(n + "ffn_ln", "layer_norm",
                   [r, p + "output.LayerNorm.weight", p + "output.LayerNorm.bias"],
                   eps=LN_EPS, axis=-1)
    g.last = x
    return g.to_json()


# ----------------------------------------------------------------------------
# Primitive graph
# ----------------------------------------------------------------------------
def build_primitive():
    """The same function in primitive ops, as an exporter spells it.

    layer norm: reduce_mean, sub, pow 2, reduce_mean, add eps, sqrt, div,
    mul gamma, add beta.  attention: reshape [1,16,4,16] + transpose
    [0,2,1,3] for q/k/v, matmul q.k^T (transpose_b), div by 4, add the HF
    additive mask (1 - mask) * lowest_f32 reshaped to [1,1,1,16], softmax
    as reduce_max/sub/exp/reduce_sum/div, matmul .v, transpose back,
    reshape [1,16,64].  GELU: x * 1/sqrt(2), erf, + 1, * x, * 0.5.
    Masked scores get the lowest float ADDED here while the fused attention
    SETS them to it: both give exp(...) = 0 when a row has an unmasked key.
    """
    g = Graph("bert_tiny_encoder_primitive")

    # Scalar constants, shared by all layers.
    c_two = g.node("const.two", "constant", value=2.0, dtype="f32")
    c_eps = g.node("const.ln_eps", "constant", value=LN_EPS, dtype="f32")
    c_one = g.node("const.one", "constant", value=1.0, dtype="f32")
    c_half = g.node("const.half", "constant", value=0.5, dtype="f32")
    c_rsqrt2 = g.node("const.rsqrt2", "constant", value=1.0 / math.sqrt(2.0), dtype="f32")
    c_sqrt_d = g.node("const.sqrt_head_dim", "constant",
                      value=float(math.sqrt(HEAD_DIM)), dtype="f32")
    c_lowest = g.node("const.f32_lowest", "constant", value=F32_LOWEST, dtype="f32")

    def layer_norm(name, x, prefix):
        mean = g.node(name + ".mean", "reduce_mean", [x], axes=[-1], keepdims=True)
        d = g.node(name + ".centered", "sub", [x, mean])
        sq = g.node(name + ".sq", "pow", [d, c_two])
        var = g.node(name + ".var", "reduce_mean", [sq], axes=[-1], keepdims=True)
        ve = g.node(name + ".var_eps", "add", [var, c_eps])
        std = g.node(name + ".std", "sqrt", [ve])
        nrm = g.node(name + ".norm", "div", [d, std])
        sc = g.node(name + ".scaled", "mul", [nrm, prefix + ".weight"])
        return g.node(name, "add", [sc, prefix + ".bias"])

    def heads(name, x):
        r = g.node(name + ".heads", "reshape", [x], shape=[BATCH, SEQ, HEADS, HEAD_DIM])
        return g.node(name + ".bhsd", "transpose", [r], perm=[0, 2, 1, 3])

    def gelu(name, x):
        s = g.node(name + ".div_sqrt2", "mul", [x, c_rsqrt2])
        e = g.node(name + ".erf", "erf", [s])
        e1 = g.node(name + ".erf_plus_1", "add", [e, c_one])
        xm = g.node(name + ".x_times", "mul", [x, e1])
        return g.node(name, "mul", [xm, c_half])

    x = embeddings(g)
    x = layer_norm("emb.ln", x, "embeddings.LayerNorm")

    # Additive attention mask, built once like HF's get_extended_attention_mask:
    # (1 - mask) * lowest, shaped [B, 1, 1, S].
    m = g.node("mask.f32", "cast", ["attention_mask"], to="f32")
    m = g.node("mask.inverted", "sub", [c_one, m])
    m = g.node("mask.additive", "mul", [m, c_lowest])
    mask = g.node("mask.extended", "reshape", [m], shape=[BATCH, 1, 1, SEQ])

    for i in range(LAYERS):
        p = "encoder.layer.%d." % i
        n = "l%d." % i
        q = heads(n + "q", linear(g, n + "q", x, p + "attention.self.query"))
        k = heads(n + "k", linear(g, n + "k", x, p + "attention.self.key"))
        v = heads(n + "v", linear(g, n + "v", x, p + "attention.self.value"))
        s = g.node(n + "scores.qk", "matmul", [q, k], transpose_b=True)  # [B,H,S,S]
        s = g.node(n + "scores.scaled", "div", [s, c_sqrt_d])
        s = g.node(n + "scores.masked", "add", [s, mask])
        mx = g.node(n + "softmax.max", "reduce_max", [s], axes=[-1], keepdims=True)
        sh = g.node(n + "softmax.shifted", "sub", [s, mx])
        ex = g.node(n + "softmax.exp", "exp", [sh])
        sm = g.node(n + "softmax.sum", "reduce_sum", [ex], axes=[-1], keepdims=True)
        pr = g.node(n + "softmax", "div", [ex, sm])
        c = g.node(n + "ctx.bhsd", "matmul", [pr, v], transpose_b=False)  # [B,H,S,D]
        c = g.node(n + "ctx.bshd", "transpose", [c], perm=[0, 2, 1, 3])
        c = g.node(n + "ctx", "reshape", [c], shape=[BATCH, SEQ, HIDDEN])
        o = linear(g, n + "attn_out", c, p + "attention.output.dense")
        r = g.node(n + "attn_res", "add", [o, x])
        x = layer_norm(n + "attn_ln", r, p + "attention.output.LayerNorm")
        h = linear(g, n + "ffn_up", x, p + "intermediate.dense")
        h = gelu(n + "gelu", h)
        h = linear(g, n + "ffn_down", h, p + "output.dense")
        r = g.node(n + "ffn_res", "add", [h, x])
        x = layer_norm(n + "ffn_ln", r, p + "output.LayerNorm")
    g.last = x
    return g.to_json()


# ----------------------------------------------------------------------------
# .npy (format version 1.0) for the sample inputs
# ----------------------------------------------------------------------------
def npy_i64(shape, values):
    header = "{'descr': '<i8', 'fortran_order': False, 'shape': (%s), }" % (
        ", ".join("%d" % d for d in shape) if len(shape) != 1 else "%d," % shape[0])
    header = header.encode("latin1")
    total = 10 + len(header) + 1
    header += b" " * (-total % 64) + b"\n"
    return (b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header +
            struct.pack("<%dq" % len(values), *values))


def write(path, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    kwargs = {} if mode == "wb" else {"encoding": "utf-8", "newline": "\n"}
    with open(path, mode, **kwargs) as f:
        f.write(data)
    print("wrote %s (%d bytes)" % (path, os.path.getsize(path)))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    write(os.path.join(out, WEIGHTS_FILE), safetensors_bytes(make_weights()))
    write(os.path.join(out, "encoder_fused.json"), build_fused())
    write(os.path.join(out, "encoder_primitive.json"), build_primitive())
    write(os.path.join(out, "encoder_input_ids.npy"), npy_i64([BATCH, SEQ], SAMPLE_IDS))
    write(os.path.join(out, "encoder_attention_mask.npy"), npy_i64([BATCH, SEQ], SAMPLE_MASK))


if __name__ == "__main__":
    main()
