#!/usr/bin/env python3
"""Command-line tests for the `attune` CLI.

Usage:
    python3 tests/cli/cli_test.py --attune build/bin/attune --source .
        [-k SUBSTRING] [--keep] [--list]

Every case runs the CLI with subprocess (timeout 120 s; a timeout is a
failure) and checks the project's rule for bad input: exactly one clear
`attune: error:` message that names the file and the node / tensor / field,
what was expected and what was found; a non-zero exit status; never a
signal, an assert, a hang or a silently wrong answer. Happy-path cases check
the files the CLI writes and the numbers it computes.

Standard library only: .npy and .safetensors files are written by hand with
struct. Prints one line per case and a final line "N passed, M failed";
exits 1 if any case failed.
"""

import argparse
import ast
import copy
import json
import math
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile

TIMEOUT_S = 120

PHASES = ["import", "graph", "fused", "tiled", "buffers", "vector", "llvm",
          "object", "library"]
DUMP_FILES = ["01-import.mlir", "02-graph.mlir", "03-fused.mlir",
              "04-tiled.mlir", "05-buffers.mlir", "06-vector.mlir",
              "07-llvm.mlir", "08-object.ll", "09-library.c"]

# Text that must never appear in the CLI's output: crashes, asserts,
# uncaught exceptions, and "internal error" (a bug, not a message for the
# user).
CRASH_SIGNATURES = [
    "Assertion", "assertion failed", "Stack dump", "PLEASE submit a bug report",
    "LLVM ERROR", "terminate called", "UNREACHABLE", "Segmentation fault",
    "core dumped", "Aborted", "internal error", "json.exception",
    "Traceback (most recent call last)",
]


# --------------------------------------------------------------------------
# Small helpers: case-insensitive expectations, file writers, .npy reader.
# --------------------------------------------------------------------------

def ci(text):
    """An expectation matched case-insensitively (for key words)."""
    return re.compile(re.escape(text), re.IGNORECASE)


def rx(pattern):
    """An expectation given as a regular expression."""
    return re.compile(pattern)


def describe(expectation):
    if isinstance(expectation, re.Pattern):
        return "/%s/%s" % (expectation.pattern,
                           "i" if expectation.flags & re.IGNORECASE else "")
    return repr(expectation)


def matches(expectation, text):
    if isinstance(expectation, re.Pattern):
        return expectation.search(text) is not None
    return expectation in text


NPY_CODES = {
    "f32": ("<f4", "f"), "f64": ("<f8", "d"), "i64": ("<i8", "q"),
    "i32": ("<i4", "i"), "bool": ("|b1", "?"),
}


def npy_bytes(descr, shape, data, fortran=False, version=1):
    """A .npy file: magic, version, header length, header dict, data."""
    if len(shape) == 1:
        shape_text = "(%d,)" % shape[0]
    else:
        shape_text = "(" + ", ".join(str(d) for d in shape) + ")"
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, "True" if fortran else "False", shape_text)
    len_size = 2 if version == 1 else 4
    unpadded = 6 + 2 + len_size + len(header) + 1
    header += " " * ((64 - unpadded % 64) % 64) + "\n"
    length = struct.pack("<H" if version == 1 else "<I", len(header))
    return (b"\x93NUMPY" + bytes([version, 0]) + length +
            header.encode("latin-1") + data)


def write_npy(path, dtype, shape, values):
    descr, fmt = NPY_CODES[dtype]
    data = struct.pack("<%d%s" % (len(values), fmt), *values)
    with open(path, "wb") as f:
        f.write(npy_bytes(descr, shape, data))
    return path


def read_npy(path):
    """Returns (descr, shape, values) of a little-endian, C-order .npy file."""
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:6] != b"\x93NUMPY":
        raise ValueError("%s: bad .npy magic" % path)
    major = blob[6]
    if major == 1:
        (hlen,) = struct.unpack("<H", blob[8:10])
        start = 10
    else:
        (hlen,) = struct.unpack("<I", blob[8:12])
        start = 12
    header = ast.literal_eval(blob[start:start + hlen].decode("latin-1"))
    data = blob[start + hlen:]
    descr, shape = header["descr"], tuple(header["shape"])
    if header["fortran_order"]:
        raise ValueError("%s: fortran_order" % path)
    fmt = {"<f4": "f", "<f8": "d", "<i8": "q", "<i4": "i", "|b1": "?"}[descr]
    count = 1
    for d in shape:
        count *= d
    size = struct.calcsize("<" + fmt)
    if len(data) != count * size:
        raise ValueError("%s: %d data bytes, expected %d" %
                         (path, len(data), count * size))
    return descr, shape, list(struct.unpack("<%d%s" % (count, fmt), data))


ST_FORMATS = {"F32": "f", "I64": "q", "I32": "i"}


def safetensors_bytes(tensors, header_override=None):
    """tensors: [(name, dtype, shape, values)] -> safetensors file bytes."""
    header, blob = {}, b""
    for name, dtype, shape, values in tensors:
        data = struct.pack("<%d%s" % (len(values), ST_FORMATS[dtype]), *values)
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    if header_override is not None:
        header = header_override
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + blob


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def write_text(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def dense_literal_sizes(text):
    """Yields (description, element count) for every dense<...> literal."""
    for m in re.finditer(r"dense<", text):
        i = m.end()
        if i < len(text) and text[i] == '"':  # hex blob: "0x...."
            j = text.find('"', i + 1)
            blob = text[i + 1:j if j >= 0 else len(text)]
            yield ("hex blob of %d chars" % len(blob),
                   max(0, (len(blob) - 2) // 8))
            continue
        if i < len(text) and text[i] == "[":
            depth, j, commas = 0, i, 0
            while j < len(text):
                c = text[j]
                if c == "[":
                    depth += 1
                elif c == "]":
                    depth -= 1
                    if depth == 0:
                        break
                elif c == "," and depth > 0:
                    commas += 1
                j += 1
            yield ("list literal", commas + 1)


def weight_data_problems(path, max_elements=64):
    """Reasons why the IR text at path looks like it holds weight data."""
    with open(path, "r", errors="replace") as f:
        text = f.read()
    problems = []
    for what, count in dense_literal_sizes(text):
        if count > max_elements:
            problems.append("%s: dense<...> %s with ~%d elements (> %d)" %
                            (os.path.basename(path), what, count, max_elements))
            break
    if "dialect_resources" in text:
        problems.append("%s: has a dialect_resources blob section" %
                        os.path.basename(path))
    long_hex = re.search(r'"0x[0-9A-Fa-f]{512,}', text)
    if long_hex:
        problems.append("%s: has a hex string of %d+ characters" %
                        (os.path.basename(path), 512))
    return problems


# --------------------------------------------------------------------------
# The harness.
# --------------------------------------------------------------------------

class Fail(Exception):
    pass


class Result:
    def __init__(self, cmd, cwd, returncode, stdout, stderr, timed_out):
        self.cmd, self.cwd = cmd, cwd
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr
        self.timed_out = timed_out

    def command_line(self):
        text = " ".join(shell_quote(a) for a in self.cmd)
        if self.cwd:
            text = "(cd %s && %s)" % (shell_quote(self.cwd), text)
        return text


def shell_quote(arg):
    if re.fullmatch(r"[A-Za-z0-9_./=:,+@%-]+", arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"


class Context:
    def __init__(self, attune, source, tmp):
        self.attune, self.source, self.tmp = attune, source, tmp
        self.examples = os.path.join(source, "examples")
        self.fixtures = {}
        self.counter = 0

    def ex(self, name):
        return os.path.join(self.examples, name)

    def mkdir(self, *parts):
        path = os.path.join(self.tmp, *parts)
        os.makedirs(path, exist_ok=True)
        return path

    def run(self, *args, cwd=None, env=None):
        cmd = [self.attune] + [str(a) for a in args]
        # A new session, so that a hung command is killed together with the
        # tools it started (the linker, ...).
        p = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True,
                             env=None if env is None else dict(os.environ, **env))
        try:
            out, err = p.communicate(timeout=TIMEOUT_S)
            timed_out = False
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            out, err = p.communicate()
            timed_out = True
        return Result(cmd, cwd, None if timed_out else p.returncode,
                      out.decode("utf-8", "replace"),
                      err.decode("utf-8", "replace"), timed_out)

    def fixture(self, name, make):
        """Builds a shared fixture once; a failure fails every user."""
        if name not in self.fixtures:
            try:
                self.fixtures[name] = (True, make(self))
            except Fail as e:
                self.fixtures[name] = (False, str(e))
        ok, value = self.fixtures[name]
        if not ok:
            raise Fail("fixture '%s' failed:\n%s" % (name, value))
        return value


class Checker:
    """Collects the problems of one case; the case fails if there are any."""

    def __init__(self):
        self.problems = []
        self.results = []

    def note(self, result):
        if not any(r is result for r in self.results):
            self.results.append(result)
        return result

    def require(self, cond, message):
        if not cond:
            self.problems.append(message)
        return cond

    def no_crash(self, r):
        if r.timed_out:
            self.problems.append("timed out after %d s" % TIMEOUT_S)
            return False
        ok = True
        if r.returncode < 0:
            self.problems.append("killed by signal %d" % -r.returncode)
            ok = False
        elif r.returncode in (134, 139):
            self.problems.append("exit status %d (abort/segfault)" %
                                 r.returncode)
            ok = False
        both = r.stdout + r.stderr
        for sig in CRASH_SIGNATURES:
            if sig in both:
                self.problems.append("output contains %r" % sig)
                ok = False
        return ok

    def ok(self, r):
        """Expects success (exit status 0)."""
        self.note(r)
        if not self.no_crash(r):
            return False
        return self.require(r.returncode == 0,
                            "expected exit status 0, got %s" % r.returncode)

    def error(self, r, expect, single=True):
        """Expects a clean failure whose stderr matches every expectation."""
        self.note(r)
        if not self.no_crash(r):
            return False
        self.require(r.returncode != 0, "expected a non-zero exit status, got 0")
        self.require(r.stderr.strip() != "", "stderr is empty")
        if single:
            n = len([l for l in r.stderr.splitlines()
                     if l.startswith("attune: error")])
            self.require(n == 1, "expected exactly one 'attune: error' line, "
                         "found %d" % n)
        self.contains(r.stderr, expect, "stderr")
        return not self.problems

    def contains(self, text, expect, where):
        for e in expect:
            self.require(matches(e, text),
                         "%s does not mention %s" % (where, describe(e)))

    def lacks(self, text, unwanted, where):
        for e in unwanted:
            self.require(not matches(e, text),
                         "%s mentions %s" % (where, describe(e)))

    def no_file(self, path):
        self.require(not os.path.exists(path),
                     "%s was written although the command failed" % path)

    def file(self, path, min_size=1):
        if not os.path.isfile(path):
            self.problems.append("%s was not written" % path)
            return False
        size = os.path.getsize(path)
        return self.require(size >= min_size,
                            "%s has %d bytes, expected >= %d" %
                            (path, size, min_size))

    def finish(self):
        if self.problems:
            raise Fail(self.report())

    def report(self):
        lines = ["  - " + p for p in self.problems]
        for r in self.results:
            lines.append("  $ " + r.command_line())
            lines.append("    exit status: %s" %
                         ("TIMEOUT" if r.timed_out else r.returncode))
            for label, text in (("stderr", r.stderr), ("stdout", r.stdout)):
                text = text.rstrip("\n")
                if not text:
                    continue
                if len(text) > 3000:
                    text = text[:3000] + "\n... (%d more characters)" % (
                        len(text) - 3000)
                lines.append("    %s:" % label)
                lines.extend("      | " + l for l in text.splitlines())
        return "\n".join(lines)


CASES = []


def case(name, group):
    def register(fn):
        CASES.append((name, group, fn))
        return fn
    return register


# --------------------------------------------------------------------------
# Fixtures.
# --------------------------------------------------------------------------

def encoder_inputs(ctx):
    return ["--input", "input_ids=" + ctx.ex("encoder_input_ids.npy"),
            "--input", "attention_mask=" + ctx.ex("encoder_attention_mask.npy")]


def compile_encoder(ctx, subdir, *extra, model="encoder_fused.json"):
    out = ctx.mkdir(subdir)
    lib = os.path.join(out, "encoder.so")
    c = Checker()
    r = ctx.run("compile", ctx.ex(model), "-o", lib, *extra)
    if c.ok(r):
        c.file(lib)
    c.finish()
    return lib


def fx_encoder_lib(ctx):
    """The example encoder compiled with default options (shared)."""
    return ctx.fixture("encoder_lib", lambda ctx: compile_encoder(ctx, "enc"))


def fx_embedded_lib(ctx):
    return ctx.fixture("embedded_lib", lambda ctx: compile_encoder(
        ctx, "enc_embedded", "--embed-weights"))


def fx_primitive_lib(ctx):
    return ctx.fixture("primitive_lib", lambda ctx: compile_encoder(
        ctx, "enc_primitive", model="encoder_primitive.json"))


def fx_encoder_output(ctx):
    """last_hidden_state of the compiled encoder on the example inputs."""
    def make(ctx):
        lib = fx_encoder_lib(ctx)
        out = ctx.mkdir("enc_out")
        c = Checker()
        r = ctx.run("run", lib, *encoder_inputs(ctx), "--output-dir", out)
        c.ok(r)
        c.finish()
        path = os.path.join(out, "last_hidden_state.npy")
        try:
            return read_npy(path)
        except (OSError, ValueError, SyntaxError, KeyError) as e:
            raise Fail("  - cannot read %s: %s" % (path, e))
    return ctx.fixture("encoder_output", make)


def close(a, b, atol=1e-5, rtol=1e-4):
    worst = None
    for i, (x, y) in enumerate(zip(a, b)):
        if not (math.isfinite(x) and math.isfinite(y)) or \
                abs(x - y) > atol + rtol * abs(y):
            worst = (i, x, y)
            break
    return worst


# A tiny graph with hand-written weights, mutated by the JSON error cases.
TINY_WEIGHTS = [
    ("emb", "F32", [10, 4], [0.1 * i for i in range(40)]),
    ("gamma", "F32", [4], [1.0] * 4),
    ("beta", "F32", [4], [0.0] * 4),
    ("w", "F32", [4, 4], [0.01 * i for i in range(16)]),
    ("bias", "F32", [4], [0.5] * 4),
]

TINY_GRAPH = {
    "format": "attune-graph", "version": 1, "name": "tiny",
    "weights": "tiny.safetensors",
    "inputs": [{"name": "ids", "shape": [1, 3], "dtype": "i64"},
               {"name": "x", "shape": [1, 3, 4], "dtype": "f32"}],
    "nodes": [
        {"name": "e", "op": "embedding", "inputs": ["emb", "ids"]},
        {"name": "s", "op": "add", "inputs": ["e", "x"]},
        {"name": "ln", "op": "layer_norm", "inputs": ["s", "gamma", "beta"],
         "attributes": {"eps": 1e-5}},
        {"name": "mm", "op": "matmul", "inputs": ["ln", "w"]},
        {"name": "y", "op": "add", "inputs": ["mm", "bias"]},
    ],
    "outputs": ["y"],
}


def json_dir(ctx):
    def make(ctx):
        d = ctx.mkdir("json")
        write_bytes(os.path.join(d, "tiny.safetensors"),
                    safetensors_bytes(TINY_WEIGHTS))
        return d
    return ctx.fixture("json_dir", make)


def write_graph(ctx, name, graph):
    d = json_dir(ctx)
    path = os.path.join(d, name)
    if isinstance(graph, str):
        write_text(path, graph)
    else:
        write_text(path, json.dumps(graph, indent=1))
    return path


def tiny_graph(mutate=None):
    g = copy.deepcopy(TINY_GRAPH)
    if mutate:
        mutate(g)
    return g


def node(g, name):
    return next(n for n in g["nodes"] if n["name"] == name)


def compile_error_case(ctx, model, expect, extra=(), unwanted=()):
    """Compiles `model`, expecting a clean error and no output files."""
    out = ctx.mkdir("out", "case%d" % ctx.counter)
    ctx.counter += 1
    lib = os.path.join(out, "model.so")
    c = Checker()
    r = ctx.run("compile", model, "-o", lib, *extra)
    c.error(r, expect)
    c.lacks(r.stderr, unwanted, "stderr")
    for suffix in (".so", ".h", ".weights"):
        c.no_file(os.path.join(out, "model" + suffix))
    c.finish()


def json_error_case(ctx, file_name, graph, expect, unwanted=()):
    path = write_graph(ctx, file_name, graph)
    compile_error_case(ctx, path, [file_name] + list(expect),
                       unwanted=unwanted)


# --------------------------------------------------------------------------
# help and argument errors
# --------------------------------------------------------------------------

@case("help", "help")
def _(ctx):
    c = Checker()
    r = ctx.run("--help")
    if c.ok(r):
        c.contains(r.stdout, [ci("usage"), "compile", "run"], "stdout")
    c.finish()


@case("help-compile", "help")
def _(ctx):
    c = Checker()
    r = ctx.run("compile", "--help")
    if c.ok(r):
        c.contains(r.stdout, ["MODEL", "-o", "--output", "--target",
                              "--compile-to", "--dump-ir", "--timings",
                              "--embed-weights", "--weights", "--chunks"]
                   + PHASES, "stdout")
    c.finish()


@case("help-run", "help")
def _(ctx):
    c = Checker()
    r = ctx.run("run", "--help")
    if c.ok(r):
        c.contains(r.stdout, ["--input", "--random-inputs", "--seed",
                              "--output-dir", "--reference", "--weights",
                              "--compare-reference", "--atol", "--rtol",
                              "--threads"], "stdout")
    c.finish()


@case("unknown-command", "help")
def _(ctx):
    c = Checker()
    c.error(ctx.run("frobnicate"), ["'frobnicate'", "compile", "run"])
    c.finish()


@case("unknown-option-compile", "help")
def _(ctx):
    c = Checker()
    c.error(ctx.run("compile", ctx.ex("encoder_fused.json"), "--frob"),
            ["--frob", ci("unknown option")])
    c.finish()


@case("unknown-option-run", "help")
def _(ctx):
    c = Checker()
    c.error(ctx.run("run", "model.so", "--frob"),
            ["--frob", ci("unknown option")])
    c.finish()


@case("missing-model-compile", "help")
def _(ctx):
    c = Checker()
    c.error(ctx.run("compile"), ["MODEL", ci("expected")])
    c.finish()


@case("missing-model-run", "help")
def _(ctx):
    c = Checker()
    c.error(ctx.run("run"), [".so", ci("expected")])
    c.finish()


@case("option-missing-value", "help")
def _(ctx):
    c = Checker()
    c.error(ctx.run("compile", ctx.ex("encoder_fused.json"), "-o"),
            ["-o", ci("expected")])
    c.finish()


@case("compile-to-unknown-phase", "help")
def _(ctx):
    c = Checker()
    c.error(ctx.run("compile", ctx.ex("encoder_fused.json"),
                    "--compile-to", "frobnicate", "-o",
                    os.path.join(ctx.tmp, "x.mlir")),
            ["--compile-to", "'frobnicate'"] + PHASES)
    c.finish()


@case("bad-dtype", "help")
def _(ctx):
    c = Checker()
    c.error(ctx.run("compile", ctx.ex("encoder_fused.json"),
                    "--dtype", "fp8", "-o", os.path.join(ctx.tmp, "d.so")),
            ["--dtype", "'fp8'", "f32", "bf16"])
    c.no_file(os.path.join(ctx.tmp, "d.so"))
    c.finish()


@case("bf16-tiled-ir", "compile")
def _(ctx):
    # --dtype bf16 on a target with avx512_bf16 (named, so any host can
    # compile it): the encoder's dense weights become bf16 pair panels and
    # their matmuls the mixed f32 x bf16 form.
    c = Checker()
    out = os.path.join(ctx.tmp, "bf16.tiled.mlir")
    r = ctx.run("compile", ctx.ex("encoder_fused.json"), "--dtype", "bf16",
                "--target", "x86-64-avx512-bf16", "--compile-to", "tiled", "-o", out)
    if c.ok(r) and c.file(out):
        text = open(out).read()
        c.contains(text, [rx(r'attune\.weight = "[^"]+@B\d+"'), rx(r"tensor<\d+x\d+xbf16>"),
                          rx(r"arith\.truncf %\S+ : f32 to bf16")], out)
        c.lacks(text, [rx(r'attune\.weight = "[^"]+@P\d+"')], out)
    # Without avx512_bf16 the GEMMs stay f32 and the compiler says so.
    out2 = os.path.join(ctx.tmp, "f32.tiled.mlir")
    r = ctx.run("compile", ctx.ex("encoder_fused.json"), "--dtype", "bf16",
                "--target", "x86-64-avx512", "--compile-to", "tiled", "-o", out2)
    if c.ok(r) and c.file(out2):
        c.contains(r.stdout, ["bf16 requested", "no avx512_bf16", "using f32"], "stdout")
        c.lacks(open(out2).read(), [rx(r"xbf16>")], out2)
    c.finish()


@case("target-vector-width-tiled-ir", "compile")
def _(ctx):
    # The target sets the vector width: x86-64-avx2 tiles for 8-wide vectors
    # (the micro-kernel's config says vector_width = 8, nothing 16 wide),
    # x86-64-avx512 for 16. Until session 7 every target got 16, and AVX2
    # GEMMs spilled a 16-wide register tile (2.6x slower).
    c = Checker()
    for target, want, never in (("x86-64-avx2", 8, 16), ("x86-64-avx512", 16, None)):
        out = os.path.join(ctx.tmp, target + ".tiled.mlir")
        r = ctx.run("compile", ctx.ex("encoder_fused.json"), "--target", target,
                    "--compile-to", "tiled", "-o", out)
        if c.ok(r) and c.file(out):
            text = open(out).read()
            c.contains(text, ["attune.vector_width = %d : i64" % want,
                              "vector_width = %d : i64}" % want, "attune.microkernel"], out)
            if never:
                c.lacks(text, ["vector_width = %d" % never], out)
    c.finish()


@case("target-isa-recorded-in-library", "compile")
def _(ctx):
    # The library records its target's instruction-set extensions
    # (attune_abi_model.isa, checked at load): x86-64-avx2 lists AVX2 and
    # FMA but no AVX-512, x86-64-avx512 lists AVX-512 F/BW/CD/DQ/VL but no
    # AMX. The avx2 library loads and runs here (any AVX2 host).
    c = Checker()
    for target, want, never in (
            ("x86-64-avx2", ["ATTUNE_ABI_ISA_AVX2", "ATTUNE_ABI_ISA_FMA", "ATTUNE_ABI_ISA_BMI2"],
             ["ATTUNE_ABI_ISA_AVX512F"]),
            ("x86-64-avx512", ["ATTUNE_ABI_ISA_AVX512F", "ATTUNE_ABI_ISA_AVX512BW",
                               "ATTUNE_ABI_ISA_AVX512VL", "ATTUNE_ABI_ISA_AVX2"],
             ["ATTUNE_ABI_ISA_AMX_TILE", "ATTUNE_ABI_ISA_AVX512BF16"])):
        d = ctx.mkdir("isa-" + target)
        lib = os.path.join(d, "m.so")
        r = ctx.run("compile", ctx.ex("encoder_fused.json"), "--target", target, "--dump-ir",
                    os.path.join(d, "ir"), "-o", lib)
        gen = os.path.join(d, "ir", "09-library.c")
        if c.ok(r) and c.file(gen):
            text = open(gen).read()
            c.contains(text, want, gen)
            c.lacks(text, never, gen)
        if target == "x86-64-avx2" and c.file(lib):
            c.ok(ctx.run("run", lib, "--random-inputs"))
    c.finish()


@case("bad-target", "help")
def _(ctx):
    c = Checker()
    c.error(ctx.run("compile", ctx.ex("encoder_fused.json"),
                    "--target", "armv9", "-o", os.path.join(ctx.tmp, "t.so")),
            ["--target", "'armv9'", "host"])
    c.finish()


@case("bad-chunks", "help")
def _(ctx):
    c = Checker()
    c.error(ctx.run("compile", ctx.ex("encoder_fused.json"), "--chunks", "0",
                    "-o", os.path.join(ctx.tmp, "t.so")),
            ["--chunks", "'0'", ci("positive")])
    c.finish()


@case("bad-threads", "help")
def _(ctx):
    c = Checker()
    c.error(ctx.run("run", "model.so", "--random-inputs", "--threads", "zero"),
            ["--threads", "'zero'"])
    c.finish()


# --------------------------------------------------------------------------
# compile: happy path
# --------------------------------------------------------------------------

@case("compile", "compile")
def _(ctx):
    lib = fx_encoder_lib(ctx)
    base = lib[:-3]
    c = Checker()
    c.file(lib)
    c.file(base + ".h")
    c.file(base + ".weights", min_size=400000)  # ~410 KiB of weights
    with open(lib, "rb") as f:
        c.require(f.read(4) == b"\x7fELF", "%s is not an ELF file" % lib)
    if os.path.isfile(base + ".h"):
        with open(base + ".h") as f:
            header = f.read()
        c.contains(header, ["input_ids", "attention_mask",
                            "last_hidden_state"], "encoder.h")
    c.finish()


@case("compile-default-output-name", "compile")
def _(ctx):
    # `attune compile --help`: "-o ... (default: <MODEL file stem>.so in
    # the current directory)".
    d = ctx.mkdir("default_name")
    name = "encoder_fused"
    c = Checker()
    if c.ok(ctx.run("compile", ctx.ex("encoder_fused.json"), cwd=d)):
        c.file(os.path.join(d, name + ".so"))
        c.file(os.path.join(d, name + ".weights"))
    c.finish()


@case("compile-embed-weights", "compile")
def _(ctx):
    lib = fx_embedded_lib(ctx)
    c = Checker()
    c.file(lib, min_size=400000)  # the weights are inside
    c.file(lib[:-3] + ".h")
    c.no_file(lib[:-3] + ".weights")
    c.finish()


@case("compile-dump-ir", "compile")
def _(ctx):
    out = ctx.mkdir("dump")
    dump = os.path.join(out, "ir")
    lib = os.path.join(out, "encoder.so")
    c = Checker()
    if c.ok(ctx.run("compile", ctx.ex("encoder_fused.json"), "-o", lib,
                    "--dump-ir", dump)):
        c.file(lib)
        present = sorted(os.listdir(dump)) if os.path.isdir(dump) else []
        c.require(present == DUMP_FILES,
                  "--dump-ir wrote %s, expected %s" % (present, DUMP_FILES))
        for name in DUMP_FILES:
            path = os.path.join(dump, name)
            if not c.file(path):
                continue
            if name.endswith(".mlir"):
                for p in weight_data_problems(path):
                    c.problems.append("weight data in the dump: " + p)
        # The graph-level dumps are small: ~400 KiB of weights would show.
        for name in DUMP_FILES[:3]:
            path = os.path.join(dump, name)
            if os.path.isfile(path):
                c.require(os.path.getsize(path) < 200000,
                          "%s has %d bytes (weights inlined?)" %
                          (name, os.path.getsize(path)))
                with open(path) as f:
                    c.contains(f.read(), ["attune.weight", "@main"], name)
    c.finish()


def compile_to_mlir_case(ctx, phase, expect):
    out = ctx.mkdir("compile_to")
    path = os.path.join(out, "encoder.%s.mlir" % phase)
    c = Checker()
    if c.ok(ctx.run("compile", ctx.ex("encoder_fused.json"),
                    "--compile-to", phase, "-o", path)):
        if c.file(path):
            with open(path, "rb") as f:
                data = f.read()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = ""
                c.problems.append("%s is not UTF-8 text" % path)
            c.require(text.lstrip().startswith(("module", "#")),
                      "%s does not start like MLIR text" % path)
            c.contains(text, ["module"] + expect, os.path.basename(path))
            for p in weight_data_problems(path):
                c.problems.append("weight data in the output: " + p)
        c.no_file(os.path.join(out, "encoder.%s.so" % phase))
    c.finish()


@case("compile-to-graph", "compile")
def _(ctx):
    compile_to_mlir_case(ctx, "graph", ["func.func @main", "attune.matmul",
                                        "attune.attention"])


@case("compile-to-tiled", "compile")
def _(ctx):
    compile_to_mlir_case(ctx, "tiled", ["func.func @main", "scf."])


@case("compile-to-llvm", "compile")
def _(ctx):
    compile_to_mlir_case(ctx, "llvm", ["llvm.func @main"])


@case("compile-to-object", "compile")
def _(ctx):
    out = ctx.mkdir("compile_to")
    path = os.path.join(out, "encoder.o")
    c = Checker()
    if c.ok(ctx.run("compile", ctx.ex("encoder_fused.json"),
                    "--compile-to", "object", "-o", path)):
        if c.file(path, min_size=64):
            with open(path, "rb") as f:
                head = f.read(20)
            c.require(head[:4] == b"\x7fELF", "%s is not ELF" % path)
            (e_type,) = struct.unpack("<H", head[16:18])
            c.require(e_type == 1, "%s: ELF type %d, expected 1 (ET_REL, "
                      "a relocatable object)" % (path, e_type))
    c.finish()


@case("compile-timings", "compile")
def _(ctx):
    out = ctx.mkdir("timings")
    c = Checker()
    r = ctx.run("compile", ctx.ex("encoder_fused.json"), "--timings",
                "-o", os.path.join(out, "encoder.so"))
    if c.ok(r):
        both = r.stdout + r.stderr
        for phase in PHASES:
            c.require(re.search(r"\b%s\b\s+[0-9]+(\.[0-9]+)?" % phase, both),
                      "--timings does not show a time for phase '%s'" % phase)
    c.finish()


@case("compile-primitive-matches-reference", "compile")
def _(ctx):
    # The primitive-op graph, after pattern fusion, against the fused graph
    # on the reference interpreter.
    lib = fx_primitive_lib(ctx)
    c = Checker()
    r = ctx.run("run", lib, *encoder_inputs(ctx), "--compare-reference",
                ctx.ex("encoder_fused.json"))
    if c.ok(r):
        c.contains(r.stdout, ["last_hidden_state", rx(r"\bok\b")], "stdout")
        c.lacks(r.stdout, [ci("mismatch")], "stdout")
    c.finish()


# --------------------------------------------------------------------------
# run: happy path
# --------------------------------------------------------------------------

@case("run", "run")
def _(ctx):
    lib = fx_encoder_lib(ctx)
    out = ctx.mkdir("run_out")
    c = Checker()
    r = ctx.run("run", lib, *encoder_inputs(ctx), "--output-dir", out)
    if c.ok(r):
        c.contains(r.stdout, ["last_hidden_state", "f32[1,16,64]"], "stdout")
        path = os.path.join(out, "last_hidden_state.npy")
        if c.file(path):
            try:
                descr, shape, values = read_npy(path)
                c.require(descr == "<f4", "%s: dtype %s, expected <f4" %
                          (path, descr))
                c.require(shape == (1, 16, 64), "%s: shape %s, expected "
                          "(1, 16, 64)" % (path, shape))
                c.require(all(math.isfinite(v) for v in values),
                          "%s has non-finite values" % path)
                c.require(any(v != 0 for v in values),
                          "%s is all zeros" % path)
            except (ValueError, SyntaxError, KeyError) as e:
                c.problems.append("cannot read %s: %s" % (path, e))
    c.finish()


def host_amx_missing():
    """Why this host cannot run AMX bf16 kernels ("" when it can)."""
    try:
        flags = set()
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                flags.update(line.split(":", 1)[1].split())
    except OSError as e:
        return "cannot read /proc/cpuinfo: %s" % e
    for f in ("amx_tile", "amx_bf16", "avx512_bf16"):
        if f not in flags:
            return "host has no " + f
    return ""


@case("bf16-amx-run", "run")
def _(ctx):
    # --dtype bf16 on an AMX host: the GEMMs are AMX tile ops (absent for an
    # avx512_bf16-only target), and `attune run` -- a fresh process that has
    # never asked Linux for AMX state -- runs the library: its runtime asks
    # at load (else the first tile instruction is SIGILL). With the refusal
    # hook the load fails cleanly with the runtime's message.
    c = Checker()
    ir_amx = os.path.join(ctx.tmp, "amx.llvm.mlir")
    r = ctx.run("compile", ctx.ex("encoder_fused.json"), "--dtype", "bf16",
                "--target", "x86-64-avx512-amx", "--compile-to", "llvm", "-o", ir_amx)
    if c.ok(r) and c.file(ir_amx):
        text = open(ir_amx).read()
        c.contains(text, ["amx.tileloadd64", "amx.tdpbf16ps", "amx.tilestored64"], ir_amx)
        c.lacks(text, ["llvm.x86.avx512bf16.dpbf16ps"], ir_amx)
    ir_avx = os.path.join(ctx.tmp, "avx.llvm.mlir")
    r = ctx.run("compile", ctx.ex("encoder_fused.json"), "--dtype", "bf16",
                "--target", "x86-64-avx512-bf16", "--compile-to", "llvm", "-o", ir_avx)
    if c.ok(r) and c.file(ir_avx):
        text = open(ir_avx).read()
        c.contains(text, ["llvm.x86.avx512bf16.dpbf16ps"], ir_avx)
        c.lacks(text, ["amx."], ir_avx)
    why = host_amx_missing()
    if why:
        print("SKIP bf16-amx-run (running the library): " + why, flush=True)
        c.finish()
        return
    lib = compile_encoder(ctx, "enc_amx", "--dtype", "bf16")
    out = ctx.mkdir("amx_out")
    r = ctx.run("run", lib, *encoder_inputs(ctx), "--output-dir", out)
    if c.ok(r):
        path = os.path.join(out, "last_hidden_state.npy")
        if c.file(path):
            _, shape, got = read_npy(path)
            _, _, want = fx_encoder_output(ctx)
            num = sum((a - b) ** 2 for a, b in zip(got, want))
            den = sum(b * b for b in want)
            rel = math.sqrt(num / max(den, 1e-30))
            c.require(shape == (1, 16, 64), "shape %s" % (shape,))
            c.require(rel <= 1e-2, "bf16 (AMX) vs f32: relative error %.3g > 1e-2" % rel)
    r = ctx.run("run", lib, *encoder_inputs(ctx), env={"ATTUNE_TEST_DENY_AMX": "1"})
    c.error(r, ["AMX", "ARCH_REQ_XCOMP_PERM"])
    c.finish()


@case("run-reference", "run")
def _(ctx):
    out = ctx.mkdir("ref_out")
    c = Checker()
    r = ctx.run("run", "--reference", ctx.ex("encoder_fused.json"),
                *encoder_inputs(ctx), "--output-dir", out)
    if c.ok(r):
        c.contains(r.stdout, ["last_hidden_state", "f32[1,16,64]"], "stdout")
        path = os.path.join(out, "last_hidden_state.npy")
        if c.file(path):
            _, shape, ref = read_npy(path)
            _, _, got = fx_encoder_output(ctx)
            c.require(shape == (1, 16, 64), "reference shape %s" % (shape,))
            bad = close(got, ref)
            c.require(bad is None, "compiled vs reference differ at element "
                      "%s: %s vs %s" % bad if bad else "")
    c.finish()


@case("run-compare-reference", "run")
def _(ctx):
    lib = fx_encoder_lib(ctx)
    c = Checker()
    r = ctx.run("run", lib, *encoder_inputs(ctx), "--compare-reference",
                ctx.ex("encoder_fused.json"))
    if c.ok(r):
        c.contains(r.stdout, ["last_hidden_state", rx(r"\bok\b")], "stdout")
        c.lacks(r.stdout, [ci("mismatch")], "stdout")
    c.finish()


@case("run-compare-reference-mismatch-exits-1", "run")
def _(ctx):
    # Tolerance 0 against the primitive graph: tiny float differences must
    # be reported as a mismatch with exit status 1, not hidden.
    lib = fx_encoder_lib(ctx)
    c = Checker()
    r = ctx.run("run", lib, *encoder_inputs(ctx), "--compare-reference",
                ctx.ex("encoder_primitive.json"), "--atol", "0", "--rtol", "0")
    c.note(r)
    if c.no_crash(r):
        both = r.stdout + r.stderr
        if r.returncode == 0 and re.search(
                r"max \|a-b\| 0(\.0*)?(e[+-]?0+)?\s+ok", both):
            pass  # bitwise equal: "ok" is right even with tolerance 0
        else:
            c.require(r.returncode == 1, "expected exit status 1 on a "
                      "mismatch, got %s" % r.returncode)
            c.contains(both, ["last_hidden_state", ci("mismatch")], "output")
    c.finish()


@case("run-embedded-weights", "run")
def _(ctx):
    lib = fx_embedded_lib(ctx)
    out = ctx.mkdir("embedded_out")
    c = Checker()
    if c.ok(ctx.run("run", lib, *encoder_inputs(ctx), "--output-dir", out)):
        _, _, got = read_npy(os.path.join(out, "last_hidden_state.npy"))
        _, _, want = fx_encoder_output(ctx)
        bad = close(got, want)
        c.require(bad is None, "--embed-weights library differs from the "
                  "sidecar one at element %s: %s vs %s" % bad if bad else "")
    c.finish()


@case("run-random-inputs", "run")
def _(ctx):
    lib = fx_encoder_lib(ctx)
    c = Checker()
    r = ctx.run("run", lib, "--random-inputs", "--seed", "7")
    if c.ok(r):
        c.contains(r.stdout, ["last_hidden_state", "f32[1,16,64]"], "stdout")
    c.finish()


# --------------------------------------------------------------------------
# JSON graphs: bad input
# --------------------------------------------------------------------------

@case("json-malformed", "json")
def _(ctx):
    text = '{\n "format": "attune-graph",\n "version": 1,,\n "nodes": []\n}\n'
    json_error_case(ctx, "malformed.json", text,
                    [ci("invalid JSON"), rx(r"line 3, column \d+")])


@case("json-missing-format", "json")
def _(ctx):
    json_error_case(ctx, "no_format.json",
                    tiny_graph(lambda g: g.pop("format")),
                    ["'format'", ci("missing"), "attune-graph"])


@case("json-wrong-format", "json")
def _(ctx):
    json_error_case(ctx, "wrong_format.json",
                    tiny_graph(lambda g: g.update(format="onnx")),
                    ["'format'", "attune-graph", "onnx"])


@case("json-missing-version", "json")
def _(ctx):
    json_error_case(ctx, "no_version.json",
                    tiny_graph(lambda g: g.pop("version")),
                    ["'version'", ci("missing")])


@case("json-wrong-version", "json")
def _(ctx):
    json_error_case(ctx, "version2.json",
                    tiny_graph(lambda g: g.update(version=2)),
                    ["'version'", ci("expected 1"), ci("found 2")])


@case("json-unknown-top-level-field", "json")
def _(ctx):
    def mutate(g):
        g["node"] = g.pop("nodes")
    json_error_case(ctx, "typo_field.json", tiny_graph(mutate),
                    ["'node'", "nodes"])


@case("json-unknown-op", "json")
def _(ctx):
    json_error_case(ctx, "unknown_op.json",
                    tiny_graph(lambda g: node(g, "y").update(op="addd")),
                    ["'y'", "'addd'", ci("supported ops"), "'add'",
                     "'matmul'", "'layer_norm'", "'attention'", "'gelu'"])


@case("json-wrong-arity", "json")
def _(ctx):
    json_error_case(ctx, "arity.json",
                    tiny_graph(lambda g: node(g, "ln").update(
                        inputs=["s", "gamma"])),
                    ["'ln'", "layer_norm", ci("expected 3"), ci("found 2")])


@case("json-add-shape-mismatch", "json")
def _(ctx):
    json_error_case(ctx, "add_shapes.json",
                    tiny_graph(lambda g: g["inputs"][1].update(
                        shape=[1, 5, 4])),
                    ["'s'", "'x'", "[1,5,4]", "[1,3,4]"])


@case("json-dtype-mismatch", "json")
def _(ctx):
    json_error_case(ctx, "add_dtypes.json",
                    tiny_graph(lambda g: g["inputs"][1].update(dtype="i64")),
                    ["'s'", "'x'", "f32", "i64", ci("expected"),
                     ci("found")])


@case("json-unknown-attribute", "json")
def _(ctx):
    json_error_case(ctx, "unknown_attr.json",
                    tiny_graph(lambda g: node(g, "mm").update(
                        attributes={"transposeb": True})),
                    ["'mm'", "'transposeb'", "transpose_b"])


@case("json-attribute-wrong-type", "json")
def _(ctx):
    json_error_case(ctx, "attr_type.json",
                    tiny_graph(lambda g: node(g, "mm").update(
                        attributes={"transpose_b": 1})),
                    ["'mm'", "'transpose_b'", ci("expected"), ci("found 1")])


@case("json-missing-required-attribute", "json")
def _(ctx):
    def mutate(g):
        g["nodes"].append({"name": "att", "op": "attention",
                           "inputs": ["y", "y", "y"]})
        g["outputs"] = ["att"]
    json_error_case(ctx, "attention_no_heads.json", tiny_graph(mutate),
                    ["'att'", "attention", "'num_heads'", ci("missing")])


@case("json-undefined-name", "json")
def _(ctx):
    json_error_case(ctx, "undefined.json",
                    tiny_graph(lambda g: node(g, "y").update(
                        inputs=["mm", "nosuch"])),
                    ["'y'", "'nosuch'", ci("not a graph input")])


@case("json-forward-reference", "json")
def _(ctx):
    json_error_case(ctx, "forward.json",
                    tiny_graph(lambda g: node(g, "mm").update(
                        inputs=["y", "w"])),
                    ["'mm'", "'y'", ci("later"), ci("topological")])


@case("json-duplicate-node-name", "json")
def _(ctx):
    json_error_case(ctx, "duplicate.json",
                    tiny_graph(lambda g: node(g, "y").update(name="ln")),
                    ["'ln'", "nodes[4]", "nodes[2]", ci("already")])


@case("json-bad-output-name", "json")
def _(ctx):
    json_error_case(ctx, "bad_output.json",
                    tiny_graph(lambda g: g.update(outputs=["yy"])),
                    ["outputs[0]", "'yy'"])


@case("json-missing-weights-file", "json")
def _(ctx):
    json_error_case(ctx, "no_weights_file.json",
                    tiny_graph(lambda g: g.update(
                        weights="missing.safetensors")),
                    ["'weights'", "missing.safetensors",
                     ci("no such file")])


@case("json-weight-missing-from-safetensors", "json")
def _(ctx):
    json_error_case(ctx, "weight_missing.json",
                    tiny_graph(lambda g: node(g, "y").update(
                        inputs=["mm", "bias2"])),
                    ["'y'", "'bias2'", "tiny.safetensors"])


@case("json-misshaped-weight", "json")
def _(ctx):
    d = json_dir(ctx)
    weights = [t if t[0] != "gamma" else ("gamma", "F32", [5], [1.0] * 5)
               for t in TINY_WEIGHTS]
    write_bytes(os.path.join(d, "bad_gamma.safetensors"),
                safetensors_bytes(weights))
    json_error_case(ctx, "misshaped_weight.json",
                    tiny_graph(lambda g: g.update(
                        weights="bad_gamma.safetensors")),
                    ["'ln'", "'gamma'", "[4]", "[5]", ci("expected"),
                     ci("found")])


@case("json-truncated-safetensors-data", "json")
def _(ctx):
    d = json_dir(ctx)
    blob = safetensors_bytes(TINY_WEIGHTS)
    write_bytes(os.path.join(d, "trunc_data.safetensors"), blob[:-20])
    json_error_case(ctx, "trunc_data.json",
                    tiny_graph(lambda g: g.update(
                        weights="trunc_data.safetensors")),
                    ["trunc_data.safetensors", "'bias'",
                     rx(r"(?i)past the end|truncated|too short")])


@case("json-truncated-safetensors-header", "json")
def _(ctx):
    d = json_dir(ctx)
    blob = safetensors_bytes(TINY_WEIGHTS)
    write_bytes(os.path.join(d, "trunc_header.safetensors"), blob[:40])
    json_error_case(ctx, "trunc_header.json",
                    tiny_graph(lambda g: g.update(
                        weights="trunc_header.safetensors")),
                    ["trunc_header.safetensors", ci("header")])


@case("json-overlapping-safetensors", "json")
def _(ctx):
    d = json_dir(ctx)
    header = {"gamma": {"dtype": "F32", "shape": [4],
                        "data_offsets": [0, 16]},
              "beta": {"dtype": "F32", "shape": [4],
                       "data_offsets": [8, 24]}}
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    write_bytes(os.path.join(d, "overlap.safetensors"),
                struct.pack("<Q", len(text)) + text + b"\0" * 24)
    json_error_case(ctx, "overlap.json",
                    tiny_graph(lambda g: g.update(
                        weights="overlap.safetensors")),
                    ["overlap.safetensors", "'gamma'", "'beta'",
                     ci("overlap")])


@case("json-missing-model-file", "json")
def _(ctx):
    path = os.path.join(ctx.tmp, "does_not_exist.json")
    compile_error_case(ctx, path, ["does_not_exist.json", ci("no such file")])


@case("json-unsupported-extension", "json")
def _(ctx):
    path = write_graph(ctx, "model.tflite", tiny_graph())
    compile_error_case(ctx, path, ["model.tflite", "'.tflite'", ".onnx", ".json",
                                   ".mlir"])


@case("json-graph-named-onnx", "json")
def _(ctx):
    # A JSON graph saved as .onnx is read as ONNX: a clear protobuf error.
    path = write_graph(ctx, "model.onnx", tiny_graph())
    compile_error_case(ctx, path, ["model.onnx", "not a valid ONNX model"])


@case("json-empty-file", "json")
def _(ctx):
    json_error_case(ctx, "empty.json", "",
                    [ci("invalid JSON"), rx(r"line 1, column \d+")])


@case("json-bad-input-shape", "json")
def _(ctx):
    json_error_case(ctx, "zero_dim.json",
                    tiny_graph(lambda g: g["inputs"][1].update(
                        shape=[1, 0, 4])),
                    ["'x'", "'shape'", "[1,0,4]", ci("positive")])


# The next cases go beyond the minimum list: edge cases found while probing.

def axis_case(ctx, file_name, graph, node_name, axis):
    json_error_case(ctx, file_name, graph,
                    ["'%s'" % node_name, "axis", str(axis)],
                    unwanted=[rx(r"1844674407370955\d{4}")])


X3 = [{"name": "x", "shape": [2, 4, 8]}]


def small_graph(nodes, outputs, inputs=X3):
    return {"format": "attune-graph", "version": 1, "inputs": inputs,
            "nodes": nodes, "outputs": outputs}


@case("json-negative-axis-softmax", "json")
def _(ctx):
    axis_case(ctx, "softmax_axis.json", small_graph(
        [{"name": "r", "op": "softmax", "inputs": ["x"],
          "attributes": {"axis": -4}}], ["r"]), "r", -4)


@case("json-negative-axis-layer-norm", "json")
def _(ctx):
    axis_case(ctx, "layer_norm_axis.json", small_graph(
        [{"name": "g", "op": "constant",
          "attributes": {"value": 1.0, "shape": [8]}},
         {"name": "r", "op": "layer_norm", "inputs": ["x", "g", "g"],
          "attributes": {"axis": -5}}], ["r"]), "r", -5)


@case("json-negative-axis-concat", "json")
def _(ctx):
    axis_case(ctx, "concat_axis.json", small_graph(
        [{"name": "r", "op": "concat", "inputs": ["x", "x"],
          "attributes": {"axis": -5}}], ["r"]), "r", -5)


@case("json-negative-axis-split", "json")
def _(ctx):
    axis_case(ctx, "split_axis.json", small_graph(
        [{"name": "r", "op": "split", "inputs": ["x"],
          "attributes": {"axis": -9, "sizes": [8]}}], ["r:0"]), "r", -9)


@case("json-negative-axis-reduce", "json")
def _(ctx):
    axis_case(ctx, "reduce_axis.json", small_graph(
        [{"name": "r", "op": "reduce_sum", "inputs": ["x"],
          "attributes": {"axes": [-5]}}], ["r"]), "r", -5)


@case("json-number-overflow", "json")
def _(ctx):
    # 1e999 does not fit a double: a parse error (line/column) or an error
    # naming the node's attribute, not an "internal error".
    text = ('{"format": "attune-graph", "version": 1,\n "nodes": [\n'
            '  {"name": "c", "op": "constant", "attributes": '
            '{"value": 1e999}}\n ],\n "outputs": ["c"]\n}\n')
    path = write_graph(ctx, "overflow.json", text)
    out = ctx.mkdir("out", "overflow")
    c = Checker()
    r = ctx.run("compile", path, "-o", os.path.join(out, "m.so"))
    c.error(r, ["overflow.json"])
    c.require(re.search(r"line 3|node 'c'", r.stderr),
              "stderr names neither the line (3) nor node 'c'")
    c.finish()


@case("json-split-zero-size-result", "json")
def _(ctx):
    # sizes may be 0 (docs: non-negative); a zero-size graph output either
    # compiles, or is rejected with a message naming the node.
    path = write_graph(ctx, "split_zero.json", small_graph(
        [{"name": "r", "op": "split", "inputs": ["x"],
          "attributes": {"axis": 2, "sizes": [0, 8]}}], ["r:0"]))
    out = ctx.mkdir("out", "split_zero")
    lib = os.path.join(out, "m.so")
    c = Checker()
    r = ctx.run("compile", path, "-o", lib)
    c.note(r)
    if c.no_crash(r):
        if r.returncode == 0:
            c.file(lib)
        else:
            c.error(r, ["split_zero.json", "'r:0'", "without elements"])
    c.finish()


@case("json-weights-empty-string", "json")
def _(ctx):
    json_error_case(ctx, "weights_empty.json",
                    small_graph([{"name": "r", "op": "relu",
                                  "inputs": ["x"]}], ["r"]) | {"weights": ""},
                    ["'weights'"])


# --------------------------------------------------------------------------
# .mlir input: bad input
# --------------------------------------------------------------------------

MLIR_MATMUL = """module {
  func.func @main(%arg0: tensor<2x4xf32> {attune.name = "x"}) -> (tensor<2x3xf32> {attune.name = "y"}) {
    %0 = attune.weight @w : tensor<KDIMx3xf32>
    %1 = attune.matmul %arg0, %0 : (tensor<2x4xf32>, tensor<KDIMx3xf32>) -> tensor<2x3xf32>
    return %1 : tensor<2x3xf32>
  }
}
"""


def mlir_dir(ctx):
    def make(ctx):
        d = ctx.mkdir("mlir")
        write_bytes(os.path.join(d, "w43.safetensors"), safetensors_bytes(
            [("w", "F32", [4, 3], [0.1 * i for i in range(12)])]))
        write_bytes(os.path.join(d, "w53.safetensors"), safetensors_bytes(
            [("w", "F32", [5, 3], [0.1 * i for i in range(15)])]))
        write_bytes(os.path.join(d, "other.safetensors"), safetensors_bytes(
            [("v", "F32", [4, 3], [0.0] * 12)]))
        write_text(os.path.join(d, "matmul.mlir"),
                   MLIR_MATMUL.replace("KDIM", "4"))
        return d
    return ctx.fixture("mlir_dir", make)


@case("mlir-compile", "mlir")
def _(ctx):
    d = mlir_dir(ctx)
    out = ctx.mkdir("out", "mlir_ok")
    lib = os.path.join(out, "m.so")
    c = Checker()
    if c.ok(ctx.run("compile", os.path.join(d, "matmul.mlir"), "--weights",
                    os.path.join(d, "w43.safetensors"), "-o", lib)):
        c.file(lib)
        c.file(os.path.join(out, "m.weights"))
    c.finish()


@case("mlir-syntax-error", "mlir")
def _(ctx):
    d = mlir_dir(ctx)
    path = write_text(os.path.join(d, "syntax.mlir"),
                      MLIR_MATMUL.replace("KDIM", "4").replace(
                          "attune.matmul %arg0, %0", "attune.matmul %arg0 %0"))
    compile_error_case(ctx, path, ["syntax.mlir:4:", ci("expected ','")],
                       extra=["--weights",
                              os.path.join(d, "w43.safetensors")])


@case("mlir-verifier-error", "mlir")
def _(ctx):
    d = mlir_dir(ctx)
    path = write_text(os.path.join(d, "k_mismatch.mlir"),
                      MLIR_MATMUL.replace("KDIM", "5"))
    compile_error_case(ctx, path, ["k_mismatch.mlir:4:", "attune.matmul",
                                   "rhs", "[2,4]", "[5,3]"],
                       extra=["--weights",
                              os.path.join(d, "w53.safetensors")])


@case("mlir-verifier-error-single-diagnostic", "mlir")
def _(ctx):
    # One mistake, one message: the verifier's error and nothing more
    # (no follow-up "failed to infer returned types" for the same op).
    d = mlir_dir(ctx)
    path = write_text(os.path.join(d, "k_mismatch2.mlir"),
                      MLIR_MATMUL.replace("KDIM", "5"))
    c = Checker()
    r = ctx.run("compile", path, "--weights",
                os.path.join(d, "w53.safetensors"), "-o",
                os.path.join(ctx.mkdir("out", "single"), "m.so"))
    if c.error(r, ["k_mismatch2.mlir"]):
        n = len(re.findall(r"\.mlir:\d+:\d+: error:", r.stderr))
        c.require(n == 1, "expected 1 diagnostic error, found %d" % n)
    c.finish()


@case("mlir-weights-without-flag", "mlir")
def _(ctx):
    d = mlir_dir(ctx)
    compile_error_case(ctx, os.path.join(d, "matmul.mlir"),
                       ["matmul.mlir", "--weights", "attune.weight"])


@case("mlir-weight-not-in-file", "mlir")
def _(ctx):
    d = mlir_dir(ctx)
    compile_error_case(ctx, os.path.join(d, "matmul.mlir"),
                       ["'w'", "other.safetensors"],
                       extra=["--weights",
                              os.path.join(d, "other.safetensors")])


@case("mlir-weight-wrong-shape", "mlir")
def _(ctx):
    d = mlir_dir(ctx)
    compile_error_case(ctx, os.path.join(d, "matmul.mlir"),
                       ["'w'", "w53.safetensors", "[4,3]", "[5,3]"],
                       extra=["--weights",
                              os.path.join(d, "w53.safetensors")])


@case("mlir-no-main", "mlir")
def _(ctx):
    d = mlir_dir(ctx)
    path = write_text(os.path.join(d, "no_main.mlir"), """module {
  func.func @foo(%a: tensor<2xf32>) -> tensor<2xf32> {
    return %a : tensor<2xf32>
  }
}
""")
    compile_error_case(ctx, path, ["no_main.mlir", "@main"])


@case("mlir-dynamic-shape", "mlir")
def _(ctx):
    d = mlir_dir(ctx)
    path = write_text(os.path.join(d, "dynamic.mlir"), """module {
  func.func @main(%a: tensor<?x4xf32>) -> tensor<?x4xf32> {
    %0 = attune.relu %a : tensor<?x4xf32>
    return %0 : tensor<?x4xf32>
  }
}
""")
    compile_error_case(ctx, path, ["dynamic.mlir", ci("static"),
                                   "tensor<?x4xf32>"])


@case("mlir-non-attune-op", "mlir")
def _(ctx):
    # arith.addf on tensors: compile it, or reject it naming the op and line.
    d = mlir_dir(ctx)
    path = write_text(os.path.join(d, "arith.mlir"), """module {
  func.func @main(%a: tensor<2xf32>) -> tensor<2xf32> {
    %0 = arith.addf %a, %a : tensor<2xf32>
    return %0 : tensor<2xf32>
  }
}
""")
    out = ctx.mkdir("out", "arith")
    lib = os.path.join(out, "m.so")
    c = Checker()
    r = ctx.run("compile", path, "-o", lib)
    c.note(r)
    if c.no_crash(r):
        if r.returncode == 0:
            c.file(lib)
        else:
            c.error(r, ["arith.mlir:3", "arith.addf"])
    c.finish()


# --------------------------------------------------------------------------
# run: bad input
# --------------------------------------------------------------------------

def run_dir(ctx):
    def make(ctx):
        d = ctx.mkdir("run_inputs")
        ids = list(range(16))
        write_npy(os.path.join(d, "ids_i32.npy"), "i32", [1, 16], ids)
        write_npy(os.path.join(d, "ids_short.npy"), "i64", [1, 8], ids[:8])
        write_npy(os.path.join(d, "ids_512.npy"), "i64", [1, 16],
                  ids[:15] + [512])
        write_npy(os.path.join(d, "ids_neg.npy"), "i64", [1, 16],
                  [-1] + ids[1:])
        write_npy(os.path.join(d, "ids_ok.npy"), "i64", [1, 16], ids)
        full = npy_bytes("<i8", [1, 16], struct.pack("<16q", *ids))
        write_bytes(os.path.join(d, "ids_trunc_data.npy"), full[:-9])
        write_bytes(os.path.join(d, "ids_trunc_header.npy"), full[:40])
        write_bytes(os.path.join(d, "ids_fortran.npy"), npy_bytes(
            "<i8", [1, 16], struct.pack("<16q", *ids), fortran=True))
        write_bytes(os.path.join(d, "ids_bigendian.npy"), npy_bytes(
            ">i8", [1, 16], struct.pack(">16q", *ids)))
        write_bytes(os.path.join(d, "ids_u8.npy"), npy_bytes(
            "|u1", [1, 16], bytes(ids)))
        write_bytes(os.path.join(d, "ids_trailing.npy"), full + b"\0" * 64)
        write_text(os.path.join(d, "not_npy.npy"),
                   "this is a text file, not a .npy array\n" * 4)
        write_text(os.path.join(d, "not_a_library.so"),
                   "this is a text file, not a shared library\n")
        return d
    return ctx.fixture("run_dir", make)


def mask_arg(ctx):
    return ["--input", "attention_mask=" + ctx.ex("encoder_attention_mask.npy")]


def run_ids_case(ctx, file_name, expect, reference=False):
    d = run_dir(ctx)
    path = os.path.join(d, file_name)
    target = (["--reference", ctx.ex("encoder_fused.json")] if reference
              else [fx_encoder_lib(ctx)])
    c = Checker()
    c.error(ctx.run("run", *target, "--input", "input_ids=" + path,
                    *mask_arg(ctx)), expect)
    c.finish()


@case("run-missing-library", "run-errors")
def _(ctx):
    path = os.path.join(ctx.tmp, "does_not_exist.so")
    c = Checker()
    c.error(ctx.run("run", path, *encoder_inputs(ctx)),
            ["does_not_exist.so", ci("no such file")])
    c.finish()


@case("run-not-a-library", "run-errors")
def _(ctx):
    path = os.path.join(run_dir(ctx), "not_a_library.so")
    c = Checker()
    c.error(ctx.run("run", path, *encoder_inputs(ctx)),
            ["not_a_library.so", ci("load")])
    c.finish()


@case("run-object-file", "run-errors")
def _(ctx):
    out = ctx.mkdir("compile_to")
    obj = os.path.join(out, "for_run.o")
    c = Checker()
    if c.ok(ctx.run("compile", ctx.ex("encoder_fused.json"), "--compile-to",
                    "object", "-o", obj)):
        c.error(ctx.run("run", obj, *encoder_inputs(ctx)), ["for_run.o"])
    c.finish()


@case("run-missing-input", "run-errors")
def _(ctx):
    c = Checker()
    c.error(ctx.run("run", fx_encoder_lib(ctx), "--input",
                    "input_ids=" + ctx.ex("encoder_input_ids.npy")),
            ["attention_mask", ci("missing"),
             rx(r"input_ids\W+i64\[1,\s*16\]"),
             rx(r"attention_mask\W+i64\[1,\s*16\]")])
    c.finish()


@case("run-no-inputs", "run-errors")
def _(ctx):
    c = Checker()
    c.error(ctx.run("run", fx_encoder_lib(ctx)),
            ["input_ids", "attention_mask", ci("missing")])
    c.finish()


@case("run-unknown-input-name", "run-errors")
def _(ctx):
    c = Checker()
    c.error(ctx.run("run", fx_encoder_lib(ctx), *encoder_inputs(ctx),
                    "--input", "tokens=" + ctx.ex("encoder_input_ids.npy")),
            ["'tokens'", "input_ids", "attention_mask"])
    c.finish()


@case("run-input-bad-syntax", "run-errors")
def _(ctx):
    c = Checker()
    c.error(ctx.run("run", fx_encoder_lib(ctx), "--input", "input_ids"),
            ["--input", "NAME=FILE", "'input_ids'"])
    c.finish()


@case("run-duplicate-input", "run-errors")
def _(ctx):
    # Two files for one input: which one is used? Must be an error.
    d = run_dir(ctx)
    c = Checker()
    c.error(ctx.run("run", fx_encoder_lib(ctx), *encoder_inputs(ctx),
                    "--input", "input_ids=" + os.path.join(d, "ids_ok.npy")),
            ["input_ids"])
    c.finish()


@case("run-npy-missing-file", "run-errors")
def _(ctx):
    run_ids_case(ctx, "ids_nonexistent.npy",
                 ["ids_nonexistent.npy", ci("no such file")])


@case("run-npy-wrong-dtype", "run-errors")
def _(ctx):
    run_ids_case(ctx, "ids_i32.npy", ["ids_i32.npy", "'input_ids'", "i64",
                                      "i32", ci("expects")])


@case("run-npy-wrong-shape", "run-errors")
def _(ctx):
    run_ids_case(ctx, "ids_short.npy", ["ids_short.npy", "'input_ids'",
                                        "[1,16]", "[1,8]"])


@case("run-npy-truncated-data", "run-errors")
def _(ctx):
    run_ids_case(ctx, "ids_trunc_data.npy", ["ids_trunc_data.npy",
                                             ci("truncated"), "128"])


@case("run-npy-truncated-header", "run-errors")
def _(ctx):
    run_ids_case(ctx, "ids_trunc_header.npy", ["ids_trunc_header.npy",
                                               ci("header")])


@case("run-npy-trailing-bytes", "run-errors")
def _(ctx):
    run_ids_case(ctx, "ids_trailing.npy", ["ids_trailing.npy",
                                           ci("trailing")])


@case("run-not-npy", "run-errors")
def _(ctx):
    run_ids_case(ctx, "not_npy.npy", ["not_npy.npy", ci("not a .npy")])


@case("run-npy-fortran-order", "run-errors")
def _(ctx):
    run_ids_case(ctx, "ids_fortran.npy", ["ids_fortran.npy",
                                          "fortran_order"])


@case("run-npy-big-endian", "run-errors")
def _(ctx):
    run_ids_case(ctx, "ids_bigendian.npy", ["ids_bigendian.npy", ">i8",
                                            ci("big-endian")])


@case("run-npy-unsupported-dtype", "run-errors")
def _(ctx):
    run_ids_case(ctx, "ids_u8.npy", ["ids_u8.npy", "|u1",
                                     ci("unsupported")])


@case("run-token-id-too-large", "run-errors")
def _(ctx):
    run_ids_case(ctx, "ids_512.npy", ["'input_ids'", "512",
                                      rx(r"\[0,\s*512\)")])


@case("run-token-id-negative", "run-errors")
def _(ctx):
    run_ids_case(ctx, "ids_neg.npy", ["'input_ids'", "-1",
                                      rx(r"\[0,\s*512\)")])


@case("run-reference-token-id-too-large", "run-errors")
def _(ctx):
    run_ids_case(ctx, "ids_512.npy", ["input_ids", "512",
                                      rx(r"\[0,\s*512\)")], reference=True)


@case("run-reference-wrong-dtype", "run-errors")
def _(ctx):
    run_ids_case(ctx, "ids_i32.npy", ["ids_i32.npy", "'input_ids'", "i64",
                                      "i32"], reference=True)


def copied_lib(ctx, subdir):
    """A copy of the compiled encoder's .so (without its .weights)."""
    src = fx_encoder_lib(ctx)
    d = ctx.mkdir(subdir)
    dst = os.path.join(d, "encoder.so")
    shutil.copyfile(src, dst)
    os.chmod(dst, 0o755)
    return dst


@case("run-weights-sidecar-deleted", "run-errors")
def _(ctx):
    lib = copied_lib(ctx, "no_sidecar")
    weights = lib[:-3] + ".weights"
    c = Checker()
    c.error(ctx.run("run", lib, *encoder_inputs(ctx)),
            [weights, ci("no such file")])
    c.finish()


@case("run-weights-sidecar-swapped", "run-errors")
def _(ctx):
    # The sidecar of another compile (the primitive graph: same weights
    # file size, different library) must be rejected.
    lib = copied_lib(ctx, "swapped_sidecar")
    other = fx_primitive_lib(ctx)[:-3] + ".weights"
    weights = lib[:-3] + ".weights"
    shutil.copyfile(other, weights)
    c = Checker()
    c.error(ctx.run("run", lib, *encoder_inputs(ctx)),
            [weights, rx(r"(?i)another compile|mismatch|does not match"),
             ci("expected"), ci("found")])
    c.finish()


@case("run-weights-sidecar-truncated", "run-errors")
def _(ctx):
    lib = copied_lib(ctx, "truncated_sidecar")
    weights = lib[:-3] + ".weights"
    with open(fx_encoder_lib(ctx)[:-3] + ".weights", "rb") as f:
        blob = f.read()
    write_bytes(weights, blob[:1000])
    c = Checker()
    c.error(ctx.run("run", lib, *encoder_inputs(ctx)),
            [weights, ci("truncated"), str(len(blob))])
    c.finish()


@case("run-output-dir-not-writable", "run-errors")
def _(ctx):
    # --output-dir below a regular file cannot be created.
    blocker = write_text(os.path.join(ctx.tmp, "a_regular_file"), "x\n")
    c = Checker()
    c.error(ctx.run("run", fx_encoder_lib(ctx), *encoder_inputs(ctx),
                    "--output-dir", os.path.join(blocker, "out")),
            ["a_regular_file", ci("not a directory")])
    c.finish()


@case("compile-output-not-writable", "run-errors")
def _(ctx):
    blocker = write_text(os.path.join(ctx.tmp, "another_regular_file"), "x\n")
    c = Checker()
    c.error(ctx.run("compile", ctx.ex("encoder_fused.json"), "-o",
                    os.path.join(blocker, "m.so")),
            ["another_regular_file", ci("not a directory")])
    c.finish()


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

# --------------------------------------------------------------------------
# Hugging Face directories and text input (tests/fixtures/hf: tiny random
# models saved by transformers, with the WordPiece fixture vocabulary)
# --------------------------------------------------------------------------

def fx_hf_bert_lib(ctx):
    def build(ctx):
        out = ctx.mkdir("hf_bert")
        lib = os.path.join(out, "bert.so")
        c = Checker()
        c.ok(ctx.run("compile", os.path.join(ctx.source, "tests", "fixtures", "hf", "bert"),
                     "-o", lib, "--seq-len", "16", "--pooling", "mean"))
        c.file(lib)
        c.file(os.path.join(out, "bert.tokenizer", "vocab.txt"))
        c.finish()
        return lib
    return ctx.fixture("hf_bert_lib", build)


@case("hf-compile-announces-shapes", "hf")
def _(ctx):
    out = ctx.mkdir("hf_default")
    c = Checker()
    r = ctx.run("compile", os.path.join(ctx.source, "tests", "fixtures", "hf", "distilbert"),
                "-o", os.path.join(out, "d.so"), "--seq-len", "8")
    if c.ok(r):
        c.contains(r.stdout, ["--batch 1", "--seq-len 8"], "stdout")
    c.finish()


@case("hf-text", "hf")
def _(ctx):
    lib = fx_hf_bert_lib(ctx)
    c = Checker()
    r = ctx.run("run", lib, "--text", "The cat sat on the mat.")
    if c.ok(r):
        c.contains(r.stdout, ["[CLS]", "last_hidden_state", "logits", "sentence_embedding"],
                   "stdout")
    c.finish()


@case("hf-similarity", "hf")
def _(ctx):
    lib = fx_hf_bert_lib(ctx)
    c = Checker()
    r = ctx.run("run", lib, "--similarity", "a cat", "a dog", "the stock market")
    if c.ok(r):
        c.contains(r.stdout, ["cosine similarity", "1.000", "inference:"], "stdout")
    c.finish()


@case("hf-fill-mask", "hf")
def _(ctx):
    lib = fx_hf_bert_lib(ctx)
    c = Checker()
    r = ctx.run("run", lib, "--fill-mask", "the cat sat on the [MASK].", "--top-k", "3")
    if c.ok(r):
        c.contains(r.stdout, ["[MASK] at position"], "stdout")
    c.finish()


@case("hf-text-too-long", "hf")
def _(ctx):
    lib = fx_hf_bert_lib(ctx)
    c = Checker()
    text = " ".join(["word"] * 40)
    c.error(ctx.run("run", lib, "--text", text), ["at most 16", "--truncate", "tokens"])
    r = ctx.run("run", lib, "--text", text, "--truncate")
    c.ok(r)
    c.finish()


@case("hf-fill-mask-without-mask", "hf")
def _(ctx):
    lib = fx_hf_bert_lib(ctx)
    c = Checker()
    c.error(ctx.run("run", lib, "--fill-mask", "no mask here"), ["--fill-mask", "[MASK]"])
    c.finish()


def fx_hf_gpt2_lib(ctx):
    def build(ctx):
        out = ctx.mkdir("hf_gpt2")
        lib = os.path.join(out, "gpt2.so")
        c = Checker()
        c.ok(ctx.run("compile", os.path.join(ctx.source, "tests", "fixtures", "hf", "gpt2"),
                     "-o", lib, "--seq-len", "8", "--context", "32"))
        c.file(lib)
        c.file(os.path.join(out, "gpt2.tokenizer", "vocab.json"))
        c.file(os.path.join(out, "gpt2.tokenizer", "merges.txt"))
        c.finish()
        return lib
    return ctx.fixture("hf_gpt2_lib", build)


@case("hf-gpt2-generate", "hf")
def _(ctx):
    # The fixture's prompt and PyTorch's greedy continuation
    # (scripts/fixtures/make_hf_fixtures.py).
    lib = fx_hf_gpt2_lib(ctx)
    fx = os.path.join(ctx.source, "tests", "fixtures", "hf", "gpt2", "expected")
    _, _, want = read_npy(os.path.join(fx, "generated_ids.npy"))
    with open(os.path.join(fx, "generated_text.txt"), encoding="utf-8") as f:
        want_text = f.read()
    c = Checker()
    r = ctx.run("run", lib, "--text", "The capital of France is", "--generate", str(len(want)))
    if c.ok(r):
        c.contains(r.stdout, ["generated ids: " + " ".join(str(int(x)) for x in want),
                              "text: " + want_text, "per generated token (KV cache)"], "stdout")
    c.finish()


@case("hf-gpt2-text-bpe", "hf")
def _(ctx):
    lib = fx_hf_gpt2_lib(ctx)
    c = Checker()
    r = ctx.run("run", lib, "--text", "The capital of France is")
    if c.ok(r):
        c.contains(r.stdout, ["tokens: The capital of France is", "logits", "present_keys"],
                   "stdout")
    c.finish()


@case("hf-gpt2-generate-bad-use", "hf")
def _(ctx):
    lib = fx_hf_gpt2_lib(ctx)
    c = Checker()
    c.error(ctx.run("run", lib, "--generate", "3"), ["--generate", "--text"])
    c.error(ctx.run("run", lib, "--text", "The capital of France is", "--generate", "40"),
            ["32 tokens", "context length"])
    # A BERT library has no decoder.
    c.error(ctx.run("run", fx_hf_bert_lib(ctx), "--text", "a cat", "--generate", "2"),
            ["--generate", "incremental decoding", "GPT-2"])
    c.finish()


@case("hf-seq-lens", "hf")
def _(ctx):
    out = ctx.mkdir("hf_buckets")
    lib = os.path.join(out, "b.so")
    c = Checker()
    r = ctx.run("compile", os.path.join(ctx.source, "tests", "fixtures", "hf", "bert"),
                "-o", lib, "--seq-lens", "8,16", "--pooling", "mean")
    if c.ok(r):
        c.contains(r.stdout, ["--seq-lens 8,16"], "stdout")
        r = ctx.run("run", lib, "--similarity", "a cat", "a dog")
        if c.ok(r):
            # Two short texts: run at their own length, padded to the 8 bucket.
            c.contains(r.stdout, ["cosine similarity", "x 4 tokens"], "stdout")
        text = " ".join(["word"] * 40)
        c.error(ctx.run("run", lib, "--text", text), ["at most 16", "--truncate"])
        with open(os.path.join(out, "b.h"), encoding="utf-8") as f:
            c.contains(f.read(), ["Sequence-length buckets: 8 16"], "b.h")
    c.error(ctx.run("compile", os.path.join(ctx.source, "tests", "fixtures", "hf", "bert"),
                    "-o", lib, "--seq-lens", "8,x"), ["--seq-lens", "8,x"])
    c.finish()


@case("bench", "run")
def _(ctx):
    lib = fx_encoder_lib(ctx)
    out = ctx.mkdir("bench")
    c = Checker()
    js = os.path.join(out, "b.json")
    r = ctx.run("bench", lib, "--iterations", "5", "--warmup", "1", "--threads", "2",
                "--json", js)
    if c.ok(r):
        c.contains(r.stdout, ["5 runs after 1 warm-up", "p50", "p90", "input_ids[1,16]"], "stdout")
        c.file(js)
        with open(js) as f:
            j = json.load(f)
        c.require(j.get("runs") == 5 and j.get("p50_ms", -1) > 0 and j.get("weights") == "warm",
                  "bench JSON has runs 5, a positive p50_ms and warm weights: " + json.dumps(j))
        t = j.get("times_ms") or []
        c.require(len(t) == 5 and min(t) == j.get("min_ms") and sorted(t)[2] == j.get("p50_ms"),
                  "bench JSON times_ms has the 5 timed runs, their min and median are min_ms "
                  "and p50_ms: " + json.dumps(j))
    # --cold-weights: the weights are evicted before every timed run (said on
    # stdout and in the JSON).
    r = ctx.run("bench", lib, "--iterations", "3", "--warmup", "0", "--cold-weights",
                "--json", js)
    if c.ok(r):
        c.contains(r.stdout, ["3 runs after 0 warm-up, weights evicted from the caches"], "stdout")
        with open(js) as f:
            j = json.load(f)
        c.require(j.get("weights") == "cold" and j.get("runs") == 3,
                  "bench --cold-weights JSON says weights cold: " + json.dumps(j))
    c.error(ctx.run("bench", lib, "--iterations", "0"), ["--iterations", "'0'"])
    c.error(ctx.run("bench", lib, "--seq-len", "4"), ["--seq-len", "no sequence buckets"])
    c.error(ctx.run("bench"), ["bench", "LIB.so"])
    c.finish()


@case("inspect-primitive-encoder", "inspect")
def _(ctx):
    c = Checker()
    r = ctx.run("inspect", ctx.ex("encoder_primitive.json"))
    if c.ok(r):
        c.contains(r.stdout, ["attention        2", "skip_layer_norm  5", "gelu             2",
                              "l0.ctx: attention", "no near misses"], "stdout")
    c.finish()


@case("inspect-onnx-json-and-graph", "inspect")
def _(ctx):
    out = ctx.mkdir("inspect")
    dot = os.path.join(out, "g.dot")
    c = Checker()
    r = ctx.run("inspect", os.path.join(ctx.source, "tests", "fixtures", "onnx",
                                        "bert.torchscript.onnx"),
                "--seq-len", "16", "--json", "--graph", dot)
    if c.ok(r):
        j = json.loads(r.stdout)
        f = j["fusions"]
        # A 2-layer BERT with its MLM head: 2 attentions, 2L+1 layer norms
        # (+1 in the head), L GELUs (+1 in the head), nothing missed.
        c.require(f["attention"]["fused"] == 2 and f["attention"]["missed"] == 0,
                  "attention fused 2, missed 0: " + json.dumps(f["attention"]))
        ln = f["layer_norm"]["fused"] + f["skip_layer_norm"]["fused"]
        c.require(ln == 6, "layer norms in the fused graph: 6, found %d" % ln)
        c.require(f["gelu"]["fused"] == 3, "GELUs: 3, found %d" % f["gelu"]["fused"])
        c.require(j["misses"] == [], "no misses: " + json.dumps(j["misses"]))
        c.file(dot)
        with open(dot) as fh:
            c.contains(fh.read(), ["digraph attune", "attune.attention", "->"], "g.dot")
    c.finish()


@case("inspect-explains-a-broken-attention", "inspect")
def _(ctx):
    # Layer 0's softmax (decomposed) runs over the query axis: attention
    # cannot fuse there and the report says why; layer 1 still fuses.
    with open(ctx.ex("encoder_primitive.json")) as fh:
        g = json.load(fh)
    for n in g["nodes"]:
        if n["name"] in ("l0.softmax.max", "l0.softmax.sum"):
            n["attributes"]["axes"] = [2]
    g["weights"] = ctx.ex(g["weights"])
    path = write_graph(ctx, "broken.json", g)
    c = Checker()
    r = ctx.run("inspect", path)
    if c.ok(r):
        c.contains(r.stdout, ["attention not fused at l0.softmax: the softmax runs over axis 2; "
                              "attention needs the last axis (keys)",
                              "attention        fused   1  missed   1"], "stdout")
    r = ctx.run("inspect", path, "--json")
    if c.ok(r):
        j = json.loads(r.stdout)
        c.require(j["fusions"]["attention"] == {"fused": 1, "by_pass": 1, "missed": 1},
                  "attention counts: " + json.dumps(j["fusions"]["attention"]))
        c.require(len(j["misses"]) == 1 and j["misses"][0]["pattern"] == "attention" and
                  j["misses"][0]["node"] == "l0.softmax" and "axis 2" in j["misses"][0]["reason"],
                  "one attention miss at l0.softmax: " + json.dumps(j["misses"]))
    c.error(ctx.run("inspect"), ["inspect", "MODEL"])
    c.error(ctx.run("inspect", path, "--bogus"), ["--bogus"])
    c.finish()


@case("hf-bad-config", "hf")
def _(ctx):
    d = ctx.mkdir("hf_bad")
    with open(os.path.join(d, "config.json"), "w") as f:
        f.write('{"model_type": "bert", "vocab_size": 10, "hidden_size": 30, '
                '"num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8, '
                '"max_position_embeddings": 8}')
    c = Checker()
    c.error(ctx.run("compile", d, "-o", os.path.join(d, "m.so"), "--seq-len", "4"),
            ["config.json", "hidden size 30", "num", "4"])
    c.no_file(os.path.join(d, "m.so"))
    c.finish()


@case("hf-seq-len-too-long", "hf")
def _(ctx):
    out = ctx.mkdir("hf_long")
    c = Checker()
    c.error(ctx.run("compile", os.path.join(ctx.source, "tests", "fixtures", "hf", "bert"),
                    "-o", os.path.join(out, "m.so"), "--seq-len", "65"),
            ["config.json", "--seq-len 65", "maximum positions (64)"])
    c.finish()


@case("hf-token-id-out-of-vocab", "hf")
def _(ctx):
    lib = fx_hf_bert_lib(ctx)
    d = ctx.mkdir("hf_ids")
    ids = os.path.join(d, "ids.npy")
    write_npy(ids, "i64", (1, 16), [5] * 15 + [1259])
    mask = os.path.join(d, "mask.npy")
    write_npy(mask, "i64", (1, 16), [1] * 16)
    c = Checker()
    c.error(ctx.run("run", lib, "--input", "input_ids=" + ids, "--input",
                    "attention_mask=" + mask, "--input", "token_type_ids=" + mask),
            ["input_ids", "1259", "[0,1259)"])
    c.finish()


# --------------------------------------------------------------------------
# Interrupted compiles: outputs are written to temporary files and renamed,
# so killing a compile never leaves a half-written library or weights file
# under the final names; a library never loads a weights file from another
# compile (the pair is refused instead).
# --------------------------------------------------------------------------

@case("compile-killed-midway-leaves-old-outputs", "compile")
def _(ctx):
    import time
    out = ctx.mkdir("killed")
    lib = os.path.join(out, "enc.so")
    ids = ctx.ex("encoder_input_ids.npy")
    mask = ctx.ex("encoder_attention_mask.npy")
    run_args = ("run", lib, "--input", "input_ids=" + ids, "--input", "attention_mask=" + mask)
    c = Checker()
    if not c.ok(ctx.run("compile", ctx.ex("encoder_fused.json"), "-o", lib)):
        c.finish()
    first = ctx.run(*run_args)
    c.ok(first)
    for delay in (0.05, 0.3, 0.8, 1.5, 2.2):
        p = subprocess.Popen([ctx.attune, "compile", ctx.ex("encoder_fused.json"), "-o", lib,
                              "--dump-ir", os.path.join(out, "ir")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
        time.sleep(delay)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
        r = ctx.run(*run_args)
        c.note(r)
        if not c.no_crash(r):
            continue
        if r.returncode == 0:
            # Either the old library (untouched) or a complete new one: the
            # same model, so the same outputs.
            c.require(r.stdout == first.stdout,
                      "after a kill at %.2f s the library runs but gives other outputs" % delay)
        else:
            # Killed between renaming the weights and the library: the old
            # library must refuse the new weights file, naming it.
            c.contains(r.stderr, ["enc.weights", ci("another compile")], "stderr")
    c.finish()


# --------------------------------------------------------------------------
# attune tune: records, crash isolation, resume, compile/inspect --tuning
# --------------------------------------------------------------------------

TUNE_FAST = ["--threads", "1", "--min-trial-time", "0.01s"]


def read_records(c, path):
    if not c.file(path):
        return None
    try:
        with open(path) as f:
            doc = json.load(f)
    except ValueError as e:
        c.require(False, "%s is not JSON: %s" % (path, e))
        return None
    c.require(doc.get("format") == "attune-tuning" and doc.get("version") == 1,
              "%s: not an attune-tuning version 1 file" % path)
    return doc.get("records", [])


def fx_tuned(ctx):
    """attune tune on the example encoder with a small budget."""
    out = ctx.mkdir("tune")
    path = os.path.join(out, "tune.json")
    c = Checker()
    r = ctx.run("tune", ctx.ex("encoder_fused.json"), "-o", path, "--budget", "25s",
                "--work-dir", os.path.join(out, "work"), *TUNE_FAST)
    if c.ok(r):
        c.contains(r.stdout, ["distinct kernels", "of the FLOPs", "wrote " + path], "stdout")
        recs = read_records(c, path)
        if recs is not None:
            c.require(len(recs) >= 1, "no records written")
            c.require(any(x["status"] == "ok" for x in recs), "no ok record")
            kinds = {x["key"]["kind"] for x in recs}
            c.require(kinds <= {"matmul", "fused_matmul", "attention"}, "kinds %s" % kinds)
            for x in recs:
                c.require(any(t["config"] == {} for t in x.get("trials", [])),
                          "record %s has no baseline trial" % x["key"])
    c.finish()
    return path


@case("tune-help", "tune")
def _(ctx):
    c = Checker()
    r = ctx.run("tune", "--help")
    if c.ok(r):
        c.contains(r.stdout, ["--budget", "--target", "--threads", "-o", "resume",
                              "docs/tuning.md"], "stdout")
    c.finish()


@case("tune-compile-inspect-resume", "tune")
def _(ctx):
    path = ctx.fixture("tuned", fx_tuned)
    c = Checker()
    with open(path) as f:
        before = json.load(f)["records"]
    # Resume: complete records are skipped, their trials not re-run.
    r = ctx.run("tune", ctx.ex("encoder_fused.json"), "-o", path, "--budget", "25s",
                *TUNE_FAST)
    if c.ok(r):
        after = read_records(c, path) or []
        for b in before:
            if not b["complete"]:
                continue
            c.contains(r.stdout, ["already tuned"], "stdout")
            a = [x for x in after if x["key"] == b["key"]]
            c.require(len(a) == 1 and a[0]["trials"] == b["trials"],
                      "the resumed run changed the complete record %s" % b["key"])
        c.require(len(after) >= len(before), "records lost on resume")
    # compile --tuning: the library matches the reference.
    lib = os.path.join(ctx.mkdir("tune-lib"), "encoder.so")
    r = ctx.run("compile", ctx.ex("encoder_fused.json"), "--tuning", path, "-o", lib)
    if c.ok(r):
        r = ctx.run("run", lib, *encoder_inputs(ctx), "--compare-reference",
                    ctx.ex("encoder_fused.json"))
        c.ok(r)
    # inspect --tuning: every kernel with its config and source.
    r = ctx.run("inspect", ctx.ex("encoder_fused.json"), "--tuning", path, "--json")
    if c.ok(r):
        doc = json.loads(r.stdout)
        ks = doc.get("kernels", [])
        c.require(len(ks) >= 1, "inspect --json lists no kernels")
        ok_keys = [x["key"] for x in (read_records(c, path) or []) if x["status"] == "ok"]
        for k in ks:
            c.require(k["source"] in ("exact", "nearest", "heuristic"), "source %r" % k)
            tuned = any(x["kind"] == k["kind"] and x["shape"] == k["shape"] for x in
                        [o for o in ok_keys])
            if tuned:
                c.require(k["source"] == "exact", "a tuned kernel is not 'exact': %r" % k)
    r = ctx.run("inspect", ctx.ex("encoder_fused.json"), "--tuning", path)
    if c.ok(r):
        c.contains(r.stdout, ["kernels (config and where it came from", "[exact]"], "stdout")
    c.finish()


@case("tune-crashing-candidate-is-recorded", "tune")
def _(ctx):
    out = ctx.mkdir("tune-crash")
    path = os.path.join(out, "tune.json")
    c = Checker()
    # The test hook aborts every trial whose config contains "mr=4" and the
    # baseline ("heuristic"): the run goes on and records them as failed.
    r = ctx.run("tune", ctx.ex("encoder_fused.json"), "-o", path, "--budget", "12s",
                *TUNE_FAST, env={"ATTUNE_TUNE_TEST_CRASH": "heuristic"})
    c.note(r)
    c.require(r.returncode == 0, "expected exit status 0, got %s" % r.returncode)
    recs = read_records(c, path) or []
    crashed = [t for x in recs for t in x.get("trials", [])
               if t["status"] == "failed" and "SIGABRT" in t.get("reason", "")]
    c.require(len(crashed) >= 1, "no trial recorded as crashed (SIGABRT)")
    c.require(all(t["config"] == {} for t in crashed), "a non-baseline trial crashed")
    # Without a baseline there is nothing to pair with: candidates run alone.
    c.require(not any("paired_ratio" in t for x in recs for t in x.get("trials", [])),
              "a candidate was paired with a crashed heuristic")
    for x in recs:
        if x["status"] == "ok":
            c.require("config" in x and x["config"] != {},
                      "the crashed heuristic cannot be the winner: %r" % x["key"])
    c.finish()


@case("tune-hanging-candidate-times-out", "tune")
def _(ctx):
    out = ctx.mkdir("tune-hang")
    path = os.path.join(out, "tune.json")
    c = Checker()
    # Trials with mr=16 hang; --trial-timeout kills them, the run goes on.
    r = ctx.run("tune", ctx.ex("encoder_fused.json"), "-o", path, "--budget", "15s",
                "--trial-timeout", "1s", *TUNE_FAST, env={"ATTUNE_TUNE_TEST_HANG": "mr=16 "})
    c.note(r)
    c.require(r.returncode == 0, "expected exit status 0, got %s" % r.returncode)
    recs = read_records(c, path) or []
    hung = [t for x in recs for t in x.get("trials", [])
            if t["status"] == "failed" and "timed out" in t.get("reason", "")]
    c.require(len(hung) >= 1, "no trial recorded as timed out")
    c.require(all(t["config"].get("mr") == 16 for t in hung), "a trial without mr=16 timed out")
    c.finish()


def tune_slowed(ctx, name, search, confirm):
    """attune tune on the example encoder with configs matching `search` 2x
    slower in the search and those matching `confirm` 2x slower in the
    confirmation rounds (TuneKernel.cpp's test hooks); (records path, result)."""
    path = os.path.join(ctx.mkdir(name), "tune.json")
    return path, ctx.run("tune", ctx.ex("encoder_fused.json"), "-o", path, "--budget", "25s",
                         *TUNE_FAST, env={"ATTUNE_TUNE_TEST_SLOW": search,
                                          "ATTUNE_TUNE_TEST_SLOW_CONFIRM": confirm})


@case("tune-paired-confirmation-keeps-a-real-win", "tune")
def _(ctx):
    c = Checker()
    # The heuristic runs twice in every timed run, in the search and in the
    # confirmation rounds: a real 2x loss, which the paired search and the
    # confirmation must both see (ratio winner / heuristic about 0.5).
    path, r = tune_slowed(ctx, "tune-confirm", "heuristic", "heuristic")
    if c.ok(r):
        c.contains(r.stdout, ["(confirmed: median paired time ratio"], "stdout")
        recs = read_records(c, path) or []
        confirmed = [x for x in recs if x.get("confirmation", {}).get("confirmed")]
        c.require(len(confirmed) >= 1, "no winner was confirmed")
        # Once the baseline ran, every candidate was timed paired with it.
        for x in recs:
            if not any(t["config"] == {} and t["status"] == "ok" for t in x.get("trials", [])):
                continue
            cands = [t for t in x["trials"] if t["config"] != {} and t["status"] == "ok"]
            c.require(all(t.get("paired_ratio", 0) > 0 for t in cands),
                      "a candidate timed alone although the baseline ran: %r" % x["key"])
            if cands:
                best = min(t.get("paired_ratio", 9) for t in cands)
                c.require(best < 0.9, "best paired ratio %s against the 2x slower heuristic "
                          "(%r)" % (best, x["key"]))
        for x in confirmed:
            conf = x["confirmation"]
            c.require(x.get("config") == conf["config"] and x["config"] != {},
                      "a confirmed winner is not the record's config: %r" % x)
            ratios = sorted(conf["ratios"])
            c.require(len(ratios) >= 2 and ratios[len(ratios) // 2] < 0.98,
                      "confirmed with median paired ratios %r" % conf["ratios"])
    c.finish()


@case("tune-paired-confirmation-rejects-a-search-fluke", "tune")
def _(ctx):
    c = Checker()
    # The heuristic is 2x slower in the search only, so a candidate wins it;
    # in the confirmation rounds every explicit config ("mr=...") is 2x
    # slower instead. No winner may survive.
    path, r = tune_slowed(ctx, "tune-reject", "heuristic", "mr=")
    if c.ok(r):
        c.contains(r.stdout, ["not confirmed: median paired time ratio"], "stdout")
        recs = read_records(c, path) or []
        rejected = [x for x in recs if "confirmation" in x]
        c.require(len(rejected) >= 1, "no record went through a confirmation")
        for x in recs:
            c.require(x.get("config", {}) == {}, "a fluke won: %r" % x)
        for x in rejected:
            conf = x["confirmation"]
            c.require(conf["confirmed"] is False and conf["config"] != {},
                      "confirmation %r" % conf)
            c.require(all(v > 1.0 for v in conf["ratios"]),
                      "the 2x slower winner measured ratios %r" % conf["ratios"])
    c.finish()


@case("tune-bad-records", "tune")
def _(ctx):
    out = ctx.mkdir("tune-bad")
    bad = os.path.join(out, "bad.json")
    write_text(bad, json.dumps({"format": "attune-tuning", "version": 1, "records": [
        {"key": {"kind": "matmul", "dtype": "f32",
                 "shape": {"batch": 1, "m": 16, "n": 64, "k": "64"},
                 "target": {"arch": "x86_64", "cpu": "x", "features": []}},
         "status": "ok", "complete": True, "config": {}, "time_ms": 1}]}))
    c = Checker()
    c.error(ctx.run("compile", ctx.ex("encoder_fused.json"), "--tuning", bad, "-o",
                    os.path.join(out, "x.so")),
            ["--tuning", bad, "records[0].key.shape.k", "expected an integer"])
    c.no_file(os.path.join(out, "x.so"))
    c.error(ctx.run("tune", ctx.ex("encoder_fused.json"), "-o", bad, "--budget", "5s"),
            [bad, "records[0].key.shape.k", ci("move it away")])
    c.error(ctx.run("inspect", ctx.ex("encoder_fused.json"), "--tuning", bad),
            [bad, "records[0].key.shape.k"])
    c.error(ctx.run("tune", ctx.ex("encoder_fused.json"), "--budget", "soon"),
            ["--budget", "'soon'"])
    c.finish()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--attune", required=True, help="the attune binary")
    ap.add_argument("--source", required=True, help="Attune source directory")
    ap.add_argument("-k", dest="filter", default=None,
                    help="run only cases whose name contains this")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory")
    ap.add_argument("--list", action="store_true", help="list the cases")
    args = ap.parse_args()

    if args.list:
        for name, group, _ in CASES:
            print("%-12s %s" % (group, name))
        return 0

    attune = os.path.abspath(args.attune)
    source = os.path.abspath(args.source)
    if not os.access(attune, os.X_OK):
        print("error: %s is not an executable" % attune, file=sys.stderr)
        return 2
    if not os.path.isfile(os.path.join(source, "examples",
                                       "encoder_fused.json")):
        print("error: %s has no examples/encoder_fused.json" % source,
              file=sys.stderr)
        return 2

    tmp = tempfile.mkdtemp(prefix="attune-cli-test-")
    ctx = Context(attune, source, tmp)
    passed = failed = 0
    failures = []
    try:
        for name, group, fn in CASES:
            if args.filter and args.filter not in name:
                continue
            try:
                fn(ctx)
                passed += 1
                print("PASS %s" % name, flush=True)
            except Fail as e:
                failed += 1
                failures.append(name)
                print("FAIL %s\n%s" % (name, e), flush=True)
            except Exception as e:  # a bug in this driver: still a failure
                failed += 1
                failures.append(name)
                print("FAIL %s\n  - test driver error: %s: %s" %
                      (name, type(e).__name__, e), flush=True)
    finally:
        if args.keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("failed cases: " + ", ".join(failures))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
