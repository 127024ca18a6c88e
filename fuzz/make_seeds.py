#!/usr/bin/env python3
"""Regenerates the binary seed files of fuzz/corpus/fuzz_safetensors/ and
fuzz/corpus/fuzz_npy/ (the JSON graph seeds are written by hand).

    python3 fuzz/make_seeds.py

Deterministic, standard library only. Seeds named ok-* are valid files,
edge-* are files Attune accepts but other readers may not,
bad-* are malformed in one specific way each. Files the fuzzer found (e.g.
regression-*) are not touched.
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- safetensors
DT = {"F32": ("<f", 4), "F16": ("<e", 2), "BF16": (None, 2), "I64": ("<q", 8), "I32": ("<i", 4)}


def st_bytes(tensors, metadata=None, pad=True, header_override=None):
    """tensors: list of (name, dtype, shape, values) laid out in order."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, values in tensors:
        fmt, size = DT[dtype]
        if dtype == "BF16":
            raw = b"".join(struct.pack("<H", struct.unpack("<I", struct.pack("<f", v))[0] >> 16)
                           for v in values)
        else:
            raw = b"".join(struct.pack(fmt, v) for v in values)
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = header_override if header_override is not None else json.dumps(header, separators=(",", ":"))
    text = text.encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def raw_st(header_text, data=b""):
    h = header_text.encode()
    return struct.pack("<Q", len(h)) + h + data


def safetensors_seeds():
    t = "fuzz_safetensors"
    write(t, "ok-f32-2x3", st_bytes([("w", "F32", [2, 3], [0.5, -1.0, 2.0, 3.25, 0.0, -0.0])]))
    write(t, "ok-all-dtypes", st_bytes([
        ("a.f32", "F32", [2], [1.0, 2.0]),
        ("b.f16", "F16", [2, 2], [1.0, -2.0, 65504.0, 0.5]),
        ("c.bf16", "BF16", [3], [1.0, -3.5, 1e30]),
        ("d.i64", "I64", [1, 2], [7, -9]),
        ("e.i32", "I32", [2], [2147483647, -1]),
    ], metadata={"format": "pt", "note": "seed"}))
    write(t, "ok-scalar-and-empty", st_bytes([
        ("s", "F32", [], [3.0]),
        ("z", "F32", [0, 4], []),
        ("y", "I64", [2, 0, 3], []),
        ("after", "I32", [1], [5]),
    ]))
    write(t, "ok-empty-header", raw_st("{}"))
    write(t, "ok-metadata-only", raw_st('{"__metadata__":{"k":"v","\\u00e9":"\\n"}}  '))
    write(t, "edge-gap-between-tensors", raw_st(
        '{"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},'
        '"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', b"\x00" * 16))
    write(t, "ok-rank8", st_bytes([("r8", "I32", [1, 1, 1, 1, 1, 1, 1, 2], [1, 2])]))
    # Malformed.
    good = st_bytes([("w", "F32", [2], [1.0, 2.0])])
    write(t, "bad-truncated-data", good[:-3])
    write(t, "bad-short", b"\x05\x00\x00")
    write(t, "bad-header-len-huge", b"\xff" * 8 + b'{"a":1}')
    write(t, "bad-overlap", raw_st(
        '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
        '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', b"\x00" * 12))
    write(t, "bad-size-mismatch", raw_st('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}',
                                         b"\x00" * 8))
    write(t, "bad-dtype", raw_st('{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}', b"\x00"))
    write(t, "bad-negative-dim", raw_st('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}',
                                        b"\x00" * 4))
    write(t, "bad-overflow-shape", raw_st(
        '{"a":{"dtype":"I64","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}}'))
    write(t, "bad-duplicate-key", raw_st(
        '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
        '"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', b"\x00" * 4))
    write(t, "bad-deep-nesting", raw_st('{"__metadata__":' + "[" * 40 + "]" * 40 + "}"))
    write(t, "bad-not-json", raw_st("{'a': 1}"))
    write(t, "bad-nul-in-header", raw_st('{"a"\x00:1}'))
    write(t, "bad-offsets-float", raw_st('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0.0,4]}}',
                                         b"\x00" * 4))
    write(t, "bad-extra-field", raw_st(
        '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}', b"\x00" * 4))
    write(t, "bad-metadata-value", raw_st('{"__metadata__":{"k":1}}'))


# ----------------------------------------------------------------------- npy
def npy_bytes(descr, shape, body, fortran=False, version=(1, 0), header=None, pad_to=64):
    if header is None:
        shape_repr = "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
        header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
            descr, "True" if fortran else "False", shape_repr)
    lenfmt, lenbytes = ("<H", 2) if version[0] == 1 else ("<I", 4)
    h = header.encode("latin-1")
    total = 6 + 2 + lenbytes + len(h) + 1
    h += b" " * ((pad_to - total % pad_to) % pad_to) + b"\n"
    return b"\x93NUMPY" + bytes(version) + struct.pack(lenfmt, len(h)) + h + body


def npy_seeds():
    t = "fuzz_npy"
    f4 = b"".join(struct.pack("<f", v) for v in [0.5, -1.0, 2.0, 3.25, 0.0, 1e-3])
    write(t, "ok-f4-2x3", npy_bytes("<f4", [2, 3], f4))
    write(t, "ok-f8-scalar", npy_bytes("<f8", [], struct.pack("<d", 3.5)))
    write(t, "ok-i8-1d", npy_bytes("<i8", [4], struct.pack("<4q", 1, -2, 2**62, -(2**63))))
    write(t, "ok-i4-empty", npy_bytes("<i4", [0, 5], b""))
    write(t, "ok-b1", npy_bytes("|b1", [2, 2], b"\x00\x01\x01\x00"))
    write(t, "ok-v2", npy_bytes("<i4", [2], struct.pack("<2i", 1, 2), version=(2, 0)))
    write(t, "ok-v3", npy_bytes("<f4", [1], struct.pack("<f", 1.0), version=(3, 0)))
    write(t, "ok-key-order", npy_bytes("<i4", [1], struct.pack("<i", 9),
                                       header="{'shape': (1,), 'descr': '<i4', 'fortran_order': False}"))
    write(t, "ok-no-pad", npy_bytes("<i8", [1, 1], struct.pack("<q", 4), pad_to=1))
    # Malformed.
    write(t, "bad-big-endian", npy_bytes(">f4", [1], b"\x00" * 4))
    write(t, "bad-fortran", npy_bytes("<f4", [2, 2], b"\x00" * 16, fortran=True))
    write(t, "bad-truncated", npy_bytes("<f4", [2, 3], f4[:-2]))
    write(t, "bad-trailing", npy_bytes("<f4", [1], f4[:8]))
    write(t, "bad-bool-value", npy_bytes("|b1", [3], b"\x00\x02\x01"))
    write(t, "bad-magic", b"\x93NUMPZ\x01\x00\x00\x00")
    write(t, "bad-version", npy_bytes("<f4", [1], b"\x00" * 4, version=(4, 0)))
    write(t, "bad-header-len", b"\x93NUMPY\x01\x00\xff\xff{'descr'")
    write(t, "bad-dict-syntax", npy_bytes("<f4", [1], b"\x00" * 4,
                                          header="{'descr': '<f4', 'fortran_order': False, 'shape': (1,"))
    write(t, "bad-structured", npy_bytes("", [1], b"\x00" * 8,
                                         header="{'descr': [('a', '<f4'), ('b', '<i4')], "
                                                "'fortran_order': False, 'shape': (1,), }"))
    write(t, "bad-negative-dim", npy_bytes("<f4", [-1], b""))
    write(t, "bad-overflow-shape", npy_bytes("<f8", [2**40, 2**40], b""))
    write(t, "bad-huge-int", npy_bytes("<f4", [], b"", header="{'descr': '<f4', 'fortran_order': False, "
                                                             "'shape': (99999999999999999999999,), }"))
    write(t, "bad-extra-key", npy_bytes("<f4", [], b"", header="{'descr': '<f4', 'fortran_order': False, "
                                                              "'shape': (), 'x': 1}"))
    write(t, "bad-escapes", npy_bytes("<f4", [], b"", header="{'descr': '<f\\x34', 'fortran_order': False, "
                                                            "'shape': (), u'\\u00e9': b'\\n'}"))


if __name__ == "__main__":
    safetensors_seeds()
    npy_seeds()
