#!/usr/bin/env python3
"""Independent check of the example encoder graphs (standard library only).

Evaluates examples/encoder_fused.json and examples/encoder_primitive.json
with a tiny pure-Python interpreter (only the ops those graphs use), on the
sample inputs examples/encoder_input_ids.npy / encoder_attention_mask.npy
(the last 3 positions are padding), and checks that

  1. both files follow the attune-graph schema (fields, op names,
     attributes, topological order, name resolution and uniqueness) and the
     safetensors file is well formed;
  2. the two graphs compute the same last_hidden_state (max abs diff 1e-4);
  3. the padding mask works: changing the token ids at padded positions
     leaves the outputs at the unmasked positions unchanged.

Every op result of an f32 tensor is rounded to float32 (array('f')), so the
arithmetic is close to what a compiled float32 model does (accumulation
inside an op is in double precision).

Usage:  python3 examples/check_encoder.py        (exit status 0 = pass)
"""

import itertools
import json
import math
import os
import struct
import sys
from array import array

HERE = os.path.dirname(os.path.abspath(__file__))
TOLERANCE = 1e-4
F32_LOWEST = -3.4028234663852886e38


# ----------------------------------------------------------------------------
# Tensors
# ----------------------------------------------------------------------------
def prod(xs):
    p = 1
    for x in xs:
        p *= x
    return p


def to_f32(values):
    return array("f", values).tolist()


class T:
    """A dense row-major tensor: shape (tuple), dtype ('f32'|'i64'|...),
    data (flat list of Python floats / ints / bools)."""

    def __init__(self, shape, dtype, data):
        self.shape = tuple(shape)
        self.dtype = dtype
        if dtype == "f32":
            data = to_f32(data)
        self.data = list(data)
        assert len(self.data) == prod(self.shape), (self.shape, len(self.data))

    def __repr__(self):
        return "T(%s, %s)" % (list(self.shape), self.dtype)


def strides(shape):
    s = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        s[i] = s[i + 1] * shape[i + 1]
    return s


def broadcast_shape(*shapes):
    rank = max(len(s) for s in shapes)
    out = []
    for i in range(rank):
        dims = set()
        for s in shapes:
            j = i - (rank - len(s))
            if j >= 0:
                dims.add(s[j])
        dims.discard(1)
        assert len(dims) <= 1, "cannot broadcast %s" % (shapes,)
        out.append(dims.pop() if dims else 1)
    return tuple(out)


def broadcast_index_map(shape, out_shape):
    """Flat indices into a tensor of `shape` for every element of
    `out_shape` (NumPy broadcasting)."""
    rank = len(out_shape)
    padded = (1,) * (rank - len(shape)) + tuple(shape)
    st = strides(padded)
    st = [0 if padded[i] == 1 else st[i] for i in range(rank)]
    return [sum(i * s for i, s in zip(idx, st))
            for idx in itertools.product(*[range(d) for d in out_shape])]


def elementwise(fn, *ts, dtype=None):
    for t in ts[1:]:
        assert t.dtype == ts[0].dtype, "dtype mismatch %s" % (ts,)
    out_shape = broadcast_shape(*[t.shape for t in ts])
    maps = [broadcast_index_map(t.shape, out_shape) for t in ts]
    datas = [t.data for t in ts]
    out = [fn(*[d[m[i]] for d, m in zip(datas, maps)]) for i in range(prod(out_shape))]
    return T(out_shape, dtype or ts[0].dtype, out)


def norm_axis(a, rank):
    assert -rank <= a < rank, (a, rank)
    return a + rank if a < 0 else a


# ----------------------------------------------------------------------------
# Ops
# ----------------------------------------------------------------------------
def op_matmul(a, b, transpose_b=False):
    assert a.dtype == b.dtype == "f32" and len(a.shape) >= 2 and len(b.shape) >= 2
    M, K = a.shape[-2:]
    if transpose_b:
        N, K2 = b.shape[-2:]
    else:
        K2, N = b.shape[-2:]
    assert K == K2, (a.shape, b.shape, transpose_b)
    batch = broadcast_shape(a.shape[:-2], b.shape[:-2])
    amap = broadcast_index_map(a.shape[:-2], batch)
    bmap = broadcast_index_map(b.shape[:-2], batch)
    out = []
    for bi in range(prod(batch)):
        ao, bo = amap[bi] * M * K, bmap[bi] * K * N
        A = a.data
        if transpose_b:
            cols = [b.data[bo + n * K: bo + (n + 1) * K] for n in range(N)]
        else:
            cols = [b.data[bo + n: bo + K * N: N] for n in range(N)]
        for m in range(M):
            row = A[ao + m * K: ao + (m + 1) * K]
            out.extend(math.fsum(x * y for x, y in zip(row, col)) for col in cols)
    return T(batch + (M, N), "f32", out)


def op_reduce(x, axes, keepdims, kind):
    rank = len(x.shape)
    axes = sorted(set(norm_axis(a, rank) for a in axes))
    kept_shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
    count = prod(x.shape[i] for i in axes)
    acc = {}
    st = strides(kept_shape)
    for idx, v in zip(itertools.product(*[range(d) for d in x.shape]), x.data):
        o = sum((0 if i in axes else j) * s for i, (j, s) in enumerate(zip(idx, st)))
        acc.setdefault(o, []).append(v)
    out = []
    for o in range(prod(kept_shape)):
        vals = acc[o]
        if kind == "sum":
            out.append(math.fsum(vals))
        elif kind == "mean":
            out.append(math.fsum(vals) / count)
        else:
            out.append(max(vals))
    shape = kept_shape if keepdims else tuple(d for i, d in enumerate(x.shape) if i not in axes)
    return T(shape, x.dtype, out)


def op_transpose(x, perm):
    assert sorted(perm) == list(range(len(x.shape))), perm
    out_shape = tuple(x.shape[p] for p in perm)
    st = strides(x.shape)
    out = [x.data[sum(i * st[p] for i, p in zip(idx, perm))]
           for idx in itertools.product(*[range(d) for d in out_shape])]
    return T(out_shape, x.dtype, out)


def op_reshape(x, shape):
    shape = list(shape)
    assert shape.count(-1) <= 1 and all(d > 0 or d == -1 for d in shape), shape
    if -1 in shape:
        known = prod(d for d in shape if d != -1)
        assert prod(x.shape) % known == 0
        shape[shape.index(-1)] = prod(x.shape) // known
    assert prod(shape) == prod(x.shape), (x.shape, shape)
    return T(shape, x.dtype, x.data)


def op_embedding(table, ids):
    assert table.dtype == "f32" and len(table.shape) == 2 and ids.dtype in ("i64", "i32")
    V, D = table.shape
    out = []
    for i in ids.data:
        assert 0 <= i < V, "token id %d out of range [0, %d)" % (i, V)
        out.extend(table.data[i * D:(i + 1) * D])
    return T(ids.shape + (D,), "f32", out)


def op_layer_norm(x, gamma, beta, eps=1e-5, axis=-1):
    axis = norm_axis(axis, len(x.shape))
    inner = prod(x.shape[axis:])
    assert gamma.shape == beta.shape == x.shape[axis:], (x.shape, gamma.shape, beta.shape)
    out = []
    for r in range(0, len(x.data), inner):
        row = x.data[r:r + inner]
        mean = math.fsum(row) / inner
        var = math.fsum((v - mean) ** 2 for v in row) / inner
        inv = 1.0 / math.sqrt(var + eps)
        out.extend((v - mean) * inv * g + b for v, g, b in zip(row, gamma.data, beta.data))
    return T(x.shape, "f32", out)


def op_gelu(x, approximate="none"):
    assert approximate == "none", "only the erf form is used"
    return elementwise(lambda v: 0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))), x)


def op_attention(q, k, v, mask=None, num_heads=None, scale=None, causal=False):
    assert not causal, "causal attention is not used"
    B, Sq, HD = q.shape
    Skv = k.shape[1]
    assert k.shape == v.shape == (B, Skv, HD) and HD % num_heads == 0
    D = HD // num_heads
    if scale is None:
        scale = 1.0 / math.sqrt(D)
    assert mask is not None and mask.shape == (B, Skv) and mask.dtype in ("i64", "i32", "bool"), \
        "only a key-padding mask is used"
    out = [0.0] * (B * Sq * HD)
    for b in range(B):
        for h in range(num_heads):
            for i in range(Sq):
                qo = (b * Sq + i) * HD + h * D
                qrow = q.data[qo:qo + D]
                scores = []
                for j in range(Skv):
                    if mask.data[b * Skv + j]:
                        ko = (b * Skv + j) * HD + h * D
                        scores.append(math.fsum(x * y for x, y in zip(qrow, k.data[ko:ko + D])) * scale)
                    else:
                        scores.append(F32_LOWEST)  # masked scores are SET to the lowest float
                mx = max(scores)
                ex = [math.exp(s - mx) for s in scores]
                tot = math.fsum(ex)
                for d in range(D):
                    out[qo + d] = math.fsum(ex[j] / tot * v.data[(b * Skv + j) * HD + h * D + d]
                                            for j in range(Skv))
    return T(q.shape, "f32", out)


def op_cast(x, to):
    conv = {"f32": float, "i64": int, "i32": int, "bool": bool}[to]
    return T(x.shape, to, [conv(v) for v in x.data])


def op_constant(value, shape=None, dtype="f32"):
    def nest_shape(v):
        return (len(v),) + nest_shape(v[0]) if isinstance(v, list) else ()

    def flat(v):
        return [y for x in v for y in flat(x)] if isinstance(v, list) else [v]
    data = flat(value)
    if shape is None:
        shape = nest_shape(value)
    elif len(data) == 1 and not isinstance(value, list):
        data = data * prod(shape)
    conv = {"f32": float, "i64": int, "i32": int, "bool": bool}[dtype]
    return T(shape, dtype, [conv(v) for v in data])


def binary(fn):
    return lambda a, b: elementwise(fn, a, b)


def unary(fn):
    return lambda x: elementwise(fn, x)


OPS = {
    # op: (implementation, number of inputs (min, max), allowed attributes)
    "add": (binary(lambda a, b: a + b), (2, 2), ()),
    "sub": (binary(lambda a, b: a - b), (2, 2), ()),
    "mul": (binary(lambda a, b: a * b), (2, 2), ()),
    "div": (binary(lambda a, b: a / b), (2, 2), ()),
    "pow": (binary(lambda a, b: a ** b), (2, 2), ()),
    "exp": (unary(math.exp), (1, 1), ()),
    "sqrt": (unary(math.sqrt), (1, 1), ()),
    "erf": (unary(math.erf), (1, 1), ()),
    "gelu": (op_gelu, (1, 1), ("approximate",)),
    "matmul": (op_matmul, (2, 2), ("transpose_b",)),
    "embedding": (op_embedding, (2, 2), ()),
    "reduce_sum": (lambda x, axes, keepdims=False: op_reduce(x, axes, keepdims, "sum"),
                   (1, 1), ("axes", "keepdims")),
    "reduce_mean": (lambda x, axes, keepdims=False: op_reduce(x, axes, keepdims, "mean"),
                    (1, 1), ("axes", "keepdims")),
    "reduce_max": (lambda x, axes, keepdims=False: op_reduce(x, axes, keepdims, "max"),
                   (1, 1), ("axes", "keepdims")),
    "layer_norm": (op_layer_norm, (3, 3), ("eps", "axis")),
    "attention": (op_attention, (3, 4), ("num_heads", "scale", "causal")),
    "reshape": (op_reshape, (1, 1), ("shape",)),
    "transpose": (op_transpose, (1, 1), ("perm",)),
    "cast": (op_cast, (1, 1), ("to",)),
    "constant": (op_constant, (0, 0), ("value", "shape", "dtype")),
}

# Every op of the attune-graph schema (the interpreter implements the subset above).
ALL_OPS = set(OPS) | {"equal", "where", "tanh", "relu", "softmax", "slice", "split",
                      "concat", "expand"}


# ----------------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------------
def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0, "header length %d is not a multiple of 8" % n
    header_text = raw[8:8 + n]
    assert header_text == header_text.rstrip(b" ") + b" " * (len(header_text) - len(header_text.rstrip(b" ")))
    header = json.loads(header_text.decode("utf-8"))
    assert header.pop("__metadata__") == {"format": "pt"}
    data = raw[8 + n:]
    spans = []
    tensors = {}
    for name, info in header.items():
        assert set(info) == {"dtype", "shape", "data_offsets"}, name
        begin, end = info["data_offsets"]
        size, fmt = {"F32": (4, "f"), "I64": (8, "q")}[info["dtype"]]
        count = prod(info["shape"])
        assert end - begin == count * size, name
        spans.append((begin, end))
        values = list(struct.unpack("<%d%s" % (count, fmt), data[begin:end]))
        tensors[name] = T(info["shape"], {"F32": "f32", "I64": "i64"}[info["dtype"]], values)
    spans.sort()
    pos = 0
    for begin, end in spans:
        assert begin == pos, "gap or overlap at data offset %d" % begin
        pos = end
    assert pos == len(data), "data section has %d trailing bytes" % (len(data) - pos)
    return tensors


def read_npy_i64(path):
    with open(path, "rb") as f:
        raw = f.read()
    assert raw[:8] == b"\x93NUMPY\x01\x00"
    (hlen,) = struct.unpack("<H", raw[8:10])
    header = raw[10:10 + hlen].decode("latin1")
    assert "'descr': '<i8'" in header and "'fortran_order': False" in header, header
    shape = tuple(int(d) for d in header.split("(")[1].split(")")[0].split(",") if d.strip())
    values = list(struct.unpack("<%dq" % prod(shape), raw[10 + hlen:]))
    return T(shape, "i64", values)


def validate(graph, weights, path):
    """Schema checks of the attune-graph JSON (as specified for Attune)."""
    where = os.path.basename(path)
    assert set(graph) <= {"format", "version", "name", "weights", "inputs", "nodes",
                          "outputs"}, "%s: unexpected top-level fields" % where
    assert graph["format"] == "attune-graph" and graph["version"] == 1, where
    known = {}
    for i in graph["inputs"]:
        assert set(i) <= {"name", "shape", "dtype"} and i["name"] not in known
        known[i["name"]] = "input"
    node_names = set()
    for k, n in enumerate(graph["nodes"]):
        ctx = "%s: nodes[%d] '%s'" % (where, k, n.get("name"))
        assert set(n) <= {"name", "op", "inputs", "attributes", "outputs"}, ctx
        assert n["name"] and n["name"] not in node_names, ctx + ": duplicate node name"
        node_names.add(n["name"])
        assert n["op"] in ALL_OPS, ctx + ": unknown op"
        assert n["op"] in OPS, ctx + ": op not implemented by this checker"
        _, (lo, hi), allowed = OPS[n["op"]]
        ins = n.get("inputs", [])
        assert lo <= len(ins) <= hi, ctx + ": wrong number of inputs"
        for name in ins:
            assert name in known or name in weights, \
                ctx + ": input '%s' is not a graph input, an earlier node output or a weight" % name
        attrs = n.get("attributes", {})
        assert set(attrs) <= set(allowed), ctx + ": unexpected attributes %s" % sorted(attrs)
        for key in ("transpose_b", "keepdims", "causal"):
            if key in attrs:
                assert isinstance(attrs[key], bool), ctx + ": " + key
        for key in ("num_heads",):
            if key in attrs:
                assert isinstance(attrs[key], int) and not isinstance(attrs[key], bool), ctx
        for key in ("axes", "shape", "perm"):
            if key in attrs:
                assert all(isinstance(a, int) and not isinstance(a, bool) for a in attrs[key]), ctx
        for out in n.get("outputs", [n["name"]]):
            assert out not in known and out not in weights, ctx + ": output name '%s' reused" % out
            known[out] = "node"
    for o in graph["outputs"]:
        src = o["from"] if isinstance(o, dict) else o
        assert src in known or src in weights, where + ": output source '%s'" % src


def run_graph(graph, weights, feeds):
    env = dict(feeds)
    for n in graph["nodes"]:
        fn = OPS[n["op"]][0]
        args = [env[i] if i in env else weights[i] for i in n.get("inputs", [])]
        result = fn(*args, **n.get("attributes", {}))
        env[n.get("outputs", [n["name"]])[0]] = result
    o = graph["outputs"][0]
    return env[o["from"] if isinstance(o, dict) else o]


# ----------------------------------------------------------------------------
def main():
    fused_path = os.path.join(HERE, "encoder_fused.json")
    prim_path = os.path.join(HERE, "encoder_primitive.json")
    graphs = {}
    for path in (fused_path, prim_path):
        with open(path, encoding="utf-8") as f:
            graphs[path] = json.load(f)
    weights_file = graphs[fused_path]["weights"]
    assert graphs[prim_path]["weights"] == weights_file
    weights = read_safetensors(os.path.join(HERE, weights_file))
    for path, g in graphs.items():
        validate(g, weights, path)
    print("schema: OK (%d weights; fused %d nodes, primitive %d nodes)" % (
        len(weights), len(graphs[fused_path]["nodes"]), len(graphs[prim_path]["nodes"])))

    ids = read_npy_i64(os.path.join(HERE, "encoder_input_ids.npy"))
    mask = read_npy_i64(os.path.join(HERE, "encoder_attention_mask.npy"))
    assert ids.shape == mask.shape == (1, 16) and mask.data[-3:] == [0, 0, 0] and any(mask.data)
    # Same ids, but different tokens at the padded positions.
    ids2 = T(ids.shape, "i64", [i if m else (i + 97 * (p + 1)) % 512
                                for p, (i, m) in enumerate(zip(ids.data, mask.data))])
    assert ids2.data != ids.data

    ok = True
    outs = {}
    for path, g in graphs.items():
        name = os.path.basename(path)
        out = run_graph(g, weights, {"input_ids": ids, "attention_mask": mask})
        out2 = run_graph(g, weights, {"input_ids": ids2, "attention_mask": mask})
        assert out.shape == (1, 16, 64) and out.dtype == "f32", out
        assert all(math.isfinite(v) for v in out.data), name + ": non-finite output"
        kept = [p for p, m in enumerate(mask.data) if m]
        pad_diff = max(abs(out.data[p * 64 + d] - out2.data[p * 64 + d])
                       for p in kept for d in range(64))
        print("%s: last_hidden_state %s, mean %.6f, std %.6f, [0,0,:4] %s; "
              "changing padded tokens moves unmasked outputs by %.3g" % (
                  name, list(out.shape), sum(out.data) / len(out.data),
                  math.sqrt(sum(v * v for v in out.data) / len(out.data)),
                  ["%.5f" % v for v in out.data[:4]], pad_diff))
        if pad_diff > TOLERANCE:
            print("FAIL: %s: the padding mask is not applied" % name)
            ok = False
        outs[name] = out

    a, b = outs["encoder_fused.json"], outs["encoder_primitive.json"]
    diff = max(abs(x - y) for x, y in zip(a.data, b.data))
    print("fused vs primitive: max abs diff %.3g (tolerance %g)" % (diff, TOLERANCE))
    if diff > TOLERANCE:
        print("FAIL: the graphs disagree")
        ok = False
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
