#!/usr/bin/env python3
"""Attune vs ONNX Runtime vs PyTorch on BERT-base, plus GEMM kernels vs
OpenBLAS/oneDNN and the machine's measured FMA peak. See bench/README.md.

Run through bench/run.sh (it installs the dependencies). Phases:
  1. build bench/fma_peak.c and bench/gemm_bench.c, measure the FMA peak;
  2. write the BERT-base random checkpoint (bert-base-uncased config, seed 0);
  3. compile it with attune for each shape, export + optimize it for ORT
     (all cached in bench/.cache, keyed by the attune binary's hash);
  4. time Attune, ORT and PyTorch per shape, each in its own process, same
     thread count; 5. time the BERT GEMM shapes at 1 and 2 threads;
  6. write bench/results/<date>-<cpu>{.md,.json} and bench/results/latest.md.
"""
import argparse
import collections
import datetime
import hashlib
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)

# bert-base-uncased's config.json, written by hand (no hub access).
BERT_BASE = dict(vocab_size=30522, hidden_size=768, num_hidden_layers=12,
                 num_attention_heads=12, intermediate_size=3072, hidden_act="gelu",
                 hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
                 max_position_embeddings=512, type_vocab_size=2, initializer_range=0.02,
                 layer_norm_eps=1e-12, pad_token_id=0, position_embedding_type="absolute",
                 use_cache=True, classifier_dropout=None)
SEED = 0
ROUNDS = 3  # interleaved timing rounds per GEMM row (see the GEMM loop)
# ... and per model shape: more, shorter rounds, so that the per-round
# Attune/ORT ratios have a median worth quoting (3 rounds of one run gave
# 0.79-1.13 at 1x128).
MODEL_ROUNDS = 5


def log(*a):
    print("[bench %s]" % time.strftime("%H:%M:%S"), *a, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), capture_output=True, text=True, **kw)


def bert_flops(b, s, c=BERT_BASE):
    """2*M*N*K over every matmul: Q, K, V, attention output, FFN up/down,
    Q*K^T and attention*V per layer, plus the pooler's dense layer."""
    h, i, layers = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"]
    per_layer = (4 * 2 * b * s * h * h      # Q, K, V, output projections
                 + 2 * 2 * b * s * h * i    # FFN up + down
                 + 2 * 2 * b * s * s * h)   # QK^T and attn*V (all heads)
    return layers * per_layer + 2 * b * h * h


def p50(xs):
    return statistics.median(xs)


# ---------------------------------------------------------------------------
# workers (run in their own process: `run.py --worker NAME ...`)
# ---------------------------------------------------------------------------

def make_inputs(b, s, vocab, seed):
    import numpy as np
    rng = np.random.default_rng(seed)
    return {"input_ids": rng.integers(0, vocab, (b, s), dtype=np.int64),
            "attention_mask": np.ones((b, s), dtype=np.int64),
            "token_type_ids": np.zeros((b, s), dtype=np.int64)}


def time_loop(fn, warmup, iters, max_seconds):
    for _ in range(warmup):
        fn()
    ms = []
    start = time.perf_counter()
    for _ in range(iters):
        t = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t) * 1e3)
        if len(ms) >= 3 and time.perf_counter() - start > max_seconds:
            break
    return ms


def summary(ms, **extra):
    d = dict(runs=len(ms), min_ms=min(ms), p50_ms=p50(ms), mean_ms=statistics.fmean(ms),
             p90_ms=sorted(ms)[min(len(ms) - 1, int(0.9 * len(ms)))], times_ms=list(ms))
    d.update(extra)
    return d


def pool_rounds(parts):
    """One result from the rounds of one peer: the statistics of all their
    timed runs together (the rounds' own min/p50 are kept under "rounds")."""
    ok = [d for d in parts if "error" not in d and d.get("times_ms")]
    if not ok:
        return parts[-1] if parts else dict(error="not run")
    ms = [t for d in ok for t in d["times_ms"]]
    out = {k: v for k, v in ok[-1].items() if k not in ("times_ms", "runs", "min_ms", "p50_ms",
                                                         "p90_ms", "mean_ms")}
    out.update(summary(ms))
    out["rounds"] = [dict(runs=d.get("runs"), min_ms=d.get("min_ms"), p50_ms=d.get("p50_ms"))
                     for d in ok]
    if len(ok) < len(parts):
        out["failed_rounds"] = [d.get("error", "")[-300:] for d in parts if d not in ok]
    return out


def worker_torch(a):
    import torch
    from transformers import BertModel
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    model = BertModel.from_pretrained(a.model_dir).eval()
    inp = {k: torch.from_numpy(v) for k, v in make_inputs(a.batch, a.seq, BERT_BASE["vocab_size"], SEED).items()}
    with torch.inference_mode():
        ms = time_loop(lambda: model(**inp), a.warmup, a.iterations, a.max_seconds)
    return summary(ms, threads=torch.get_num_threads(),
                   attn_implementation=model.config._attn_implementation,
                   torch=torch.__version__)


def worker_ort(a):
    import numpy as np
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(a.onnx, so, providers=["CPUExecutionProvider"])
    src = make_inputs(a.batch, a.seq, BERT_BASE["vocab_size"], SEED)
    feed = {}
    for i in sess.get_inputs():
        dt = np.int32 if "int32" in i.type else np.int64
        feed[i.name] = src[i.name].astype(dt)
    out = {}
    if a.check_against_torch:
        # The fused graph must still compute BERT: compare with PyTorch once.
        import torch
        from transformers import BertModel
        m = BertModel.from_pretrained(a.model_dir).eval()
        with torch.inference_mode():
            ref = m(**{k: torch.from_numpy(v) for k, v in src.items()}).last_hidden_state.numpy()
        got = sess.run(None, feed)[0]
        # (timing happens in a fresh process, without torch's threads around)
        return dict(max_abs_diff_vs_torch=float(np.abs(got - ref).max()))
    ms = time_loop(lambda: sess.run(None, feed), a.warmup, a.iterations, a.max_seconds)
    return summary(ms, threads=a.threads, onnxruntime=ort.__version__,
                   providers=sess.get_providers(), **out)


def worker_export(a):
    """Exports BertModel to ONNX with one exporter/attention setting and runs
    ORT's transformers optimizer on it; returns its fusion statistics."""
    import torch
    from transformers import BertModel
    from onnxruntime.transformers.optimizer import optimize_model
    model = BertModel.from_pretrained(a.model_dir, attn_implementation=a.attn).eval()

    class Wrapped(torch.nn.Module):  # positional inputs, tuple outputs
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            o = self.m(input_ids=input_ids, attention_mask=attention_mask,
                       token_type_ids=token_type_ids)
            return o.last_hidden_state, o.pooler_output

    w = Wrapped(model).eval()
    ex = {k: torch.from_numpy(v) for k, v in make_inputs(1, 128, BERT_BASE["vocab_size"], SEED).items()}
    names = ["input_ids", "attention_mask", "token_type_ids"]
    dyn = {n: {0: "batch", 1: "seq"} for n in names}
    raw = os.path.join(a.out, "model.onnx")
    t = time.time()
    if a.exporter == "dynamo":
        torch.onnx.export(w, tuple(ex[n] for n in names), raw, dynamo=True, input_names=names,
                          output_names=["last_hidden_state", "pooler_output"], dynamic_axes=dyn,
                          external_data=False)
    else:
        dyn.update(last_hidden_state={0: "batch", 1: "seq"}, pooler_output={0: "batch"})
        torch.onnx.export(w, tuple(ex[n] for n in names), raw, dynamo=False, opset_version=17,
                          do_constant_folding=True, input_names=names,
                          output_names=["last_hidden_state", "pooler_output"], dynamic_axes=dyn)
    export_s = time.time() - t
    opt = optimize_model(raw, model_type="bert", num_heads=BERT_BASE["num_attention_heads"],
                         hidden_size=BERT_BASE["hidden_size"])
    stats = {k: v for k, v in opt.get_fused_operator_statistics().items()}
    full = bool(opt.is_fully_optimized())
    opt.save_model_to_file(os.path.join(a.out, "model_opt.onnx"))
    os.remove(raw)  # only the optimized model is used
    return dict(exporter=a.exporter, attn_implementation=a.attn, export_seconds=round(export_s, 1),
                fusion_statistics=stats, fully_fused=full, onnx=os.path.join(a.out, "model_opt.onnx"))


def worker_checkpoint(a):
    import torch
    import transformers
    from transformers import BertConfig, BertModel
    torch.manual_seed(SEED)
    model = BertModel(BertConfig(**BERT_BASE)).eval()  # random init, seed fixed
    tmp = a.out + ".tmp"
    model.save_pretrained(tmp)
    os.replace(tmp, a.out)
    return dict(path=a.out, transformers=transformers.__version__, seed=SEED)


WORKERS = dict(torch=worker_torch, ort=worker_ort, export=worker_export, checkpoint=worker_checkpoint)


def run_worker(name, timeout=1800, **kw):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", name]
    for k, v in kw.items():
        if v is True:
            cmd.append("--" + k.replace("_", "-"))
        elif v is not None and v is not False:
            cmd += ["--" + k.replace("_", "-"), str(v)]
    env = dict(os.environ, PYTHONWARNINGS="ignore", TRANSFORMERS_VERBOSITY="error")
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return dict(error="timed out after %d s" % timeout)
    for line in reversed(r.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    return dict(error="exit %d: %s" % (r.returncode, (r.stderr or r.stdout).strip()[-1500:]))


# ---------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------

def cpu_info():
    info = {}
    try:
        txt = open("/proc/cpuinfo").read()
        first = txt.split("\n\n")[0]
        for key in ("model name", "vendor_id", "cpu family", "model", "cpu MHz"):
            m = re.search(r"^%s\s*:\s*(.*)$" % re.escape(key), first, re.M)
            if m:
                info[key.replace(" ", "_")] = m.group(1).strip()
        flags = re.search(r"^flags\s*:\s*(.*)$", first, re.M).group(1).split()
        info["simd"] = [f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_fp16", "amx_tile",
                                    "amx_bf16") if f in flags]
    except (OSError, AttributeError):
        pass
    info["online_cpus"] = os.cpu_count()
    r = sh("lscpu")
    for key in ("Hypervisor vendor", "L2 cache", "L3 cache", "Thread(s) per core"):
        m = re.search(r"^%s:\s*(.*)$" % re.escape(key), r.stdout, re.M)
        if m:
            info[key] = m.group(1).strip()
    return info


def cpu_slug(info):
    name = info.get("model_name", platform.processor() or "cpu")
    name = re.sub(r"\((R|TM|tm|r)\)|CPU|@.*|Processor", " ", name)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if info.get("cpu_family") and info.get("model"):
        slug += "-f%sm%s" % (info["cpu_family"], info["model"])
    return slug


def loadavg():
    try:
        return [float(x) for x in open("/proc/loadavg").read().split()[:3]]
    except OSError:
        return None


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def find_cc():
    for cc in ("clang-19", "clang", "gcc", "cc"):
        if shutil.which(cc):
            return cc
    sys.exit("bench: no C compiler found")


def build_tools(cache):
    bindir = os.path.join(cache, "bin")
    os.makedirs(bindir, exist_ok=True)
    cc = find_cc()
    fma = os.path.join(bindir, "fma_peak")
    r = sh([cc, "-O2", "-march=native", "-pthread", os.path.join(BENCH, "fma_peak.c"), "-o", fma])
    if r.returncode:
        sys.exit("bench: building fma_peak failed:\n" + r.stderr)
    gemm = os.path.join(bindir, "gemm_bench")
    base = [cc, "-O2", "-march=native", "-I", os.path.join(REPO, "runtime", "include"),
            os.path.join(BENCH, "gemm_bench.c"), "-o", gemm]
    r = sh(base + ["-DWITH_OPENBLAS", "-DWITH_DNNL", "-lopenblas", "-ldnnl", "-ldl", "-lm"])
    libs = ["openblas", "dnnl"]
    if r.returncode:  # keep going with whatever links
        log("gemm_bench with OpenBLAS+oneDNN failed to build:", r.stderr.strip()[-500:])
        libs = []
        for lib, flags in (("openblas", ["-DWITH_OPENBLAS", "-lopenblas"]), ("dnnl", ["-DWITH_DNNL", "-ldnnl"])):
            if sh(base + flags + ["-ldl", "-lm"]).returncode == 0:
                libs = [lib]
                break
        if not libs:
            r = sh(base + ["-ldl", "-lm"])
            if r.returncode:
                sys.exit("bench: building gemm_bench failed:\n" + r.stderr)
    return fma, gemm, libs, cc


def fma_peak(fma, rounds=3):
    """The FMA throughput ceiling per (isa, threads): the best of `rounds`
    runs (a ceiling is what the machine can do; on this VM one run of the
    2-thread case can land while the second vCPU is busy and measure ~20 %
    low). Every sample is kept in the row."""
    best = {}
    for _ in range(rounds):
        r = sh([fma, "1", "2"])
        for l in r.stdout.splitlines():
            if not l.startswith("{"):
                continue
            row = json.loads(l)
            key = (row.get("isa"), row.get("threads"))
            if key not in best:
                best[key] = dict(row, samples=[])
            best[key]["samples"].append(row["gflops"])
            best[key]["gflops"] = max(best[key]["samples"])
    return list(best.values())


def attune_has_bench(attune):
    r = sh([attune, "bench", "--help"])
    return r.returncode == 0 and "unknown command" not in (r.stdout + r.stderr)


def attune_compile(attune, model, out_so, extra, timeout):
    """Compiles (cached); returns dict(seconds, error, cached)."""
    meta = out_so + ".compile.json"
    if os.path.exists(out_so) and os.path.exists(meta):
        d = json.load(open(meta))
        d["cached"] = True
        return d
    os.makedirs(os.path.dirname(out_so), exist_ok=True)
    t = time.time()
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        r = subprocess.run([attune, "compile", model, "-o", out_so] + extra + ["--timings"],
                           capture_output=True, text=True, timeout=timeout)
        secs = time.time() - t
        ru2 = resource.getrusage(resource.RUSAGE_CHILDREN)
        d = dict(seconds=round(secs, 1),
                 cpu_seconds=round(ru2.ru_utime + ru2.ru_stime - ru.ru_utime - ru.ru_stime, 1))
        if r.returncode:
            d["error"] = (r.stderr or r.stdout).strip()[-1500:]
        else:
            m = re.search(r"total\s+([\d.]+) s", r.stdout + r.stderr)
            if m:
                d["phase_total_seconds"] = float(m.group(1))
            m = re.search(r"object\s+([\d.]+) s", r.stdout + r.stderr)
            if m:
                d["object_phase_seconds"] = float(m.group(1))
    except subprocess.TimeoutExpired:
        d = dict(seconds=timeout, error="compile timed out after %d s" % timeout)
    if "error" not in d:
        json.dump(d, open(meta, "w"))
    d["cached"] = False
    return d


def attune_options(attune):
    """Which optional compile features this attune binary has."""
    comp = sh([attune, "compile", "--help"])
    text = comp.stdout + comp.stderr
    tune = sh([attune, "tune", "--help"])
    return dict(bf16="--dtype" in text, tuning="--tuning" in text,
                tune=tune.returncode == 0 and "unknown command" not in (tune.stdout + tune.stderr))


def compile_variants(attune, model_dir, base_so, b, s, threads, a):
    """The tuned (attune tune + compile --tuning) and bf16 (--dtype bf16)
    libraries of one BERT shape, and at 1x128 the x86-64-avx2 one, next to
    the default one (all cached)."""
    opts = attune_options(attune)
    shape = ["--batch", str(b), "--seq-len", str(s)]
    out = {}
    d = os.path.dirname(base_so)
    if opts["tune"] and opts["tuning"] and a.tune_budget > 0:
        rec = os.path.join(d, "tune.json")
        meta = rec + ".meta.json"
        if os.path.exists(rec) and os.path.exists(meta):
            tinfo = json.load(open(meta))
            tinfo["cached"] = True
        else:
            log("attune tune BERT-base %dx%d --budget %ds" % (b, s, a.tune_budget))
            t = time.time()
            r = sh([attune, "tune", model_dir, "-o", rec, "--budget", "%ds" % a.tune_budget,
                    "--threads", str(threads)] + shape, timeout=a.tune_budget * 4 + 600)
            tinfo = dict(seconds=round(time.time() - t, 1), budget_s=a.tune_budget)
            if r.returncode or not os.path.exists(rec):
                tinfo["error"] = (r.stderr or r.stdout).strip()[-1500:]
            else:
                json.dump(tinfo, open(meta, "w"))
            tinfo["cached"] = False
        v = dict(tune=tinfo, so=os.path.join(d, "tuned", "m.so"))
        if "error" not in tinfo:
            # A tuner that kept the heuristic for every kernel leaves the
            # tuned library the same code as the default one: its ratio is
            # then this machine's noise, and the markdown says so.
            recs = json.load(open(rec)).get("records", [])
            tinfo["kernels"] = len(recs)
            tinfo["kernels_with_config"] = sum(1 for r in recs if r.get("config"))
            # Per kernel: the confirmation rounds' paired ratios (winner time /
            # heuristic time, alternating in one process), kept or not.
            tinfo["confirmations"] = [
                dict(kernel="%s %s" % (r["key"]["kind"], "x".join(
                         str(r["key"]["shape"][d]) for d in ("batch", "m", "n", "k", "heads", "seq_q",
                                                              "seq_kv", "head_dim")
                         if d in r["key"]["shape"])),
                     confirmed=r["confirmation"]["confirmed"], ratios=r["confirmation"]["ratios"])
                for r in recs if r.get("confirmation")]
        if "error" in tinfo:
            v["compile"] = dict(error="attune tune failed: " + tinfo["error"][-300:])
        else:
            v["compile"] = attune_compile(attune, model_dir, v["so"], shape + ["--tuning", rec],
                                          a.compile_timeout)
        out["tuned"] = v
    if opts["bf16"]:
        v = dict(so=os.path.join(d, "bf16", "m.so"))
        v["compile"] = attune_compile(attune, model_dir, v["so"], shape + ["--dtype", "bf16"],
                                      a.compile_timeout)
        out["bf16"] = v
    if (b, s) == (1, 128):
        # The AVX2 fallback (8-wide vectors, 16 registers) on this CPU: what
        # a machine without AVX-512 gets, at the headline shape only.
        v = dict(so=os.path.join(d, "avx2", "m.so"))
        v["compile"] = attune_compile(attune, model_dir, v["so"],
                                      shape + ["--target", "x86-64-avx2"], a.compile_timeout)
        out["avx2"] = v
    for name, v in out.items():
        c = v["compile"]
        log("  %s: %s" % (name, ("compile ERROR: " + c["error"][-300:]) if "error" in c else
                          "compiled (%s%.1f s)" % ("cached, " if c.get("cached") else "", c["seconds"])))
    return out


def attune_time(attune, has_bench, gemm, so, threads, iters, warmup, max_seconds):
    if has_bench:
        js = so + ".bench.json"
        cmd = [attune, "bench", so, "--threads", str(threads), "--iterations", str(iters),
               "--warmup", str(warmup), "--max-seconds", str(max_seconds), "--json", js]
        r = sh(cmd, timeout=max(600, 4 * max_seconds))
        if r.returncode == 0 and os.path.exists(js):
            d = json.load(open(js))
            d["timer"] = "attune bench"
            return d
        return dict(error=(r.stderr or r.stdout).strip()[-1000:], timer="attune bench")
    # Fallback: bench/gemm_bench.c's attune mode (dlopen + attune_model_run).
    r = sh([gemm, "attune", so, str(iters), str(threads), str(max_seconds)],
           env=dict(os.environ, ATTUNE_NUM_THREADS=str(threads)), timeout=max(600, 4 * max_seconds))
    line = [l for l in r.stdout.splitlines() if l.startswith("{")]
    if r.returncode or not line:
        return dict(error=(r.stderr or r.stdout).strip()[-1000:], timer="gemm_bench attune")
    d = json.loads(line[-1])
    d["timer"] = "bench/gemm_bench attune (dlopen + attune_model_run; this attune has no `bench`)"
    d["warmup"] = "1 call (none when a call takes > 0.5 s), 2 more when fast"
    return d


def export_onnx(cache, model_dir, log_attempts):
    """Tries exporter/attention settings in order until ORT's optimizer
    reports full fusion. Cached (the attempts are recorded)."""
    root = os.path.join(cache, "onnx")
    os.makedirs(root, exist_ok=True)
    record = os.path.join(root, "attempts.json")
    if os.path.exists(record):
        d = json.load(open(record))
        if d.get("chosen") and os.path.exists(d["chosen"]["onnx"]):
            d["cached"] = True
            return d
    attempts = []
    chosen = None
    # In order: what a user would try first (the default dynamo exporter with
    # the default SDPA attention), then the TorchScript exporter, then the
    # eager attention implementation the fusion patterns are written for.
    for exporter, attn in (("dynamo", "sdpa"), ("torchscript", "sdpa"), ("torchscript", "eager")):
        out = os.path.join(root, "%s-%s" % (exporter, attn))
        os.makedirs(out, exist_ok=True)
        log("ORT: export with the %s exporter, attn_implementation=%s, then optimize_model" % (exporter, attn))
        d = run_worker("export", model_dir=model_dir, exporter=exporter, attn=attn, out=out)
        attempts.append(d)
        log_attempts(d)
        if d.get("fully_fused"):
            chosen = d
            break
    if chosen is None:  # use the best-fused one
        ok = [d for d in attempts if "fusion_statistics" in d]
        if ok:
            chosen = max(ok, key=lambda d: sum(d["fusion_statistics"].values()))
    for d in attempts:  # keep only the timed model on disk
        if d is not chosen and d.get("onnx") and os.path.exists(d["onnx"]):
            os.remove(d["onnx"])
    d = dict(attempts=attempts, chosen=chosen)
    json.dump(d, open(record, "w"), indent=1)
    d["cached"] = False
    return d


def gemm_graph(cache, m, n, k):
    import numpy as np
    from safetensors.numpy import save_file
    d = os.path.join(cache, "gemm", "%dx%dx%d" % (m, n, k))
    os.makedirs(d, exist_ok=True)
    js = os.path.join(d, "gemm.json")
    if not os.path.exists(js):
        rng = np.random.default_rng(SEED)
        save_file({"w": (rng.standard_normal((n, k)) * 0.02).astype(np.float32)},
                  os.path.join(d, "gemm.safetensors"))
        g = {"format": "attune-graph", "version": 1, "name": "gemm_%dx%dx%d" % (m, n, k),
             "weights": "gemm.safetensors",
             "inputs": [{"name": "x", "shape": [m, k], "dtype": "f32"}],
             "nodes": [{"name": "y", "op": "matmul", "inputs": ["x", "w"],
                        "attributes": {"transpose_b": True}}],
             "outputs": ["y"]}
        json.dump(g, open(js, "w"), indent=1)
    return js


def run_gemm(gemm, lib, m, n, k, threads, iters, env_extra=None):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    env.pop("OPENBLAS_CORETYPE", None)
    env.update(env_extra or {})
    r = sh([gemm, lib, str(m), str(n), str(k), str(iters)], env=env, timeout=600)
    line = [l for l in r.stdout.splitlines() if l.startswith("{")]
    if r.returncode or not line:
        return dict(error=(r.stderr or r.stdout).strip()[-500:])
    return json.loads(line[-1])


def fmt(x, nd=1):
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    return ("%." + str(nd) + "f") % x


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="seq 128 batch 1 only, fewer iterations, M=128 GEMMs")
    ap.add_argument("--attune", help="attune binary (default: $ATTUNE, else build/bin/attune)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", default=os.path.join(BENCH, ".cache"))
    ap.add_argument("--results", default=os.path.join(BENCH, "results"))
    ap.add_argument("--prepare-only", action="store_true",
                    help="build, write the checkpoint, compile and export (all cached), time nothing")
    ap.add_argument("--skip-kernels", action="store_true")
    ap.add_argument("--skip-models", action="store_true")
    ap.add_argument("--compile-timeout", type=int, default=1200)
    ap.add_argument("--tune-budget", type=int, default=120,
                    help="seconds of `attune tune` per BERT shape for the tuned variant (0: skip it)")
    ap.add_argument("--skip-variants", action="store_true",
                    help="time only the default (f32, heuristic) Attune library")
    ap.add_argument("--note", default="", help="free text recorded in the results")
    ap.add_argument("--rewrite", metavar="JSON", help="only rewrite the markdown from a results JSON")
    # worker mode
    ap.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    for opt in ("--model-dir", "--onnx", "--out", "--exporter", "--attn"):
        ap.add_argument(opt, help=argparse.SUPPRESS)
    for opt, default in (("--batch", 1), ("--seq", 128), ("--warmup", 3), ("--iterations", 20)):
        ap.add_argument(opt, type=int, default=default, help=argparse.SUPPRESS)
    ap.add_argument("--max-seconds", type=float, default=20, help=argparse.SUPPRESS)
    ap.add_argument("--check-against-torch", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()

    if a.worker:
        print("RESULT " + json.dumps(WORKERS[a.worker](a)), flush=True)
        return
    if a.rewrite:  # regenerate the markdown from a results JSON
        res = json.load(open(a.rewrite))
        res["peak_gflops"] = {int(k): v for k, v in res.get("peak_gflops", {}).items()}
        started = datetime.datetime.strptime(res["date_utc"], "%Y-%m-%d %H:%M:%S UTC")
        write_results(a, res, started)
        return

    T = a.threads
    quick = a.quick
    attune = a.attune or os.environ.get("ATTUNE") or os.path.join(REPO, "build", "bin", "attune")
    if not os.path.exists(attune):
        sys.exit("bench: no attune binary at %s (build with scripts/build.sh, or pass --attune / ATTUNE=)" % attune)
    attune = os.path.abspath(attune)
    os.makedirs(a.cache, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    res = dict(date_utc=started.strftime("%Y-%m-%d %H:%M:%S UTC"), mode="quick" if quick else "full",
               threads=T, note=a.note, loadavg_start=loadavg(), round_order="shuffled")
    res["cpu"] = cpu_info()
    log("CPU:", res["cpu"].get("model_name"), "| load average:", res["loadavg_start"])

    import numpy, torch, transformers, onnxruntime, onnx  # noqa: E401 (versions only)
    res["versions"] = dict(python=platform.python_version(), torch=torch.__version__,
                           transformers=transformers.__version__, onnxruntime=onnxruntime.__version__,
                           onnx=onnx.__version__, numpy=numpy.__version__)
    try:
        import onnxscript
        res["versions"]["onnxscript"] = onnxscript.__version__
    except ImportError:
        pass
    ahash = sha256(attune)
    git = sh(["git", "-C", REPO, "log", "-1", "--format=%h %cI %s"]).stdout.strip()
    res["attune"] = dict(binary=attune, sha256=ahash[:16],
                         mtime_utc=datetime.datetime.fromtimestamp(os.path.getmtime(attune), datetime.timezone.utc)
                         .strftime("%Y-%m-%d %H:%M:%S UTC"), version=sh([attune, "--version"]).stdout.strip(),
                         repo_head=git, has_bench_command=attune_has_bench(attune))

    # Compiled libraries are cached per attune binary; drop other binaries'
    # (each BERT-base library has a 440 MB weights file).
    adir = os.path.join(a.cache, "attune")
    if os.path.isdir(adir):
        for old in os.listdir(adir):
            if old != ahash[:12]:
                shutil.rmtree(os.path.join(adir, old), ignore_errors=True)

    fma, gemm, blas_libs, cc = build_tools(a.cache)
    res["versions"]["cc"] = sh([cc, "--version"]).stdout.splitlines()[0]
    if not a.prepare_only:
        log("FMA peak microbenchmark (bench/fma_peak.c)")
        res["fma_peak"] = fma_peak(fma)
        for row in res["fma_peak"]:
            log("  %s %d thread(s): %.1f GFLOP/s" % (row["isa"], row["threads"], row["gflops"]))
    peak = {r["threads"]: r["gflops"] for r in res.get("fma_peak", []) if r["isa"] == "avx512"} or \
           {r["threads"]: r["gflops"] for r in res.get("fma_peak", [])}

    shapes = [(1, 128)] if quick else [(1, 128), (8, 128), (1, 32), (1, 384)]
    model_dir = os.path.join(a.cache, "bert-base-random")
    models = []
    if not a.skip_models:
        if not os.path.exists(os.path.join(model_dir, "model.safetensors")):
            log("writing the random BERT-base checkpoint (seed %d) to %s" % (SEED, model_dir))
            d = run_worker("checkpoint", out=model_dir)
            if "error" in d:
                sys.exit("bench: checkpoint: " + d["error"])
        res["checkpoint"] = dict(config="bert-base-uncased (hand-written)", seed=SEED,
                                 path=os.path.relpath(model_dir, REPO))
        onnx_info = export_onnx(a.cache, model_dir, lambda d: log(
            "  fusion statistics:", json.dumps(d.get("fusion_statistics", d.get("error"))),
            "fully fused:", d.get("fully_fused")))
        res["ort_export"] = onnx_info
        chosen = onnx_info.get("chosen")
        if chosen:
            log("ORT model: %s exporter, attn_implementation=%s, fully fused: %s" % (
                chosen["exporter"], chosen["attn_implementation"], chosen["fully_fused"]))
            log("  fusion statistics:", json.dumps({k: v for k, v in chosen["fusion_statistics"].items() if v}))

        for b, s in shapes:
            so = os.path.join(a.cache, "attune", ahash[:12], "b%ds%d" % (b, s), "m.so")
            log("attune compile BERT-base --batch %d --seq-len %d" % (b, s))
            c = attune_compile(attune, model_dir, so, ["--batch", str(b), "--seq-len", str(s)], a.compile_timeout)
            log("  %s%s" % ("cached, took " if c.get("cached") else "", "%.1f s" % c["seconds"]),
                ("ERROR: " + c["error"][-300:]) if "error" in c else "")
            row = dict(batch=b, seq=s, gflop=bert_flops(b, s) / 1e9, compile=c, so=so, variants={})
            if not a.skip_variants:
                row["variants"] = compile_variants(attune, model_dir, so, b, s, T, a)
            models.append(row)

    if not a.prepare_only and not a.skip_models:
        for i, mrow in enumerate(models):
            b, s = mrow["batch"], mrow["seq"]
            gf = mrow["gflop"]
            # Interleaved rounds: Attune (and its variants), ORT, PyTorch, then
            # again, MODEL_ROUNDS times, each with a 1/MODEL_ROUNDS share of the run count
            # and time budget; a peer's p50 is over all its rounds' runs. This
            # VM's speed drifts over minutes (other tenants), and timing one
            # peer after the other handed that drift to whichever ran in the
            # slow minutes; in rounds, every peer samples the same minutes.
            rounds = 1 if quick else MODEL_ROUNDS
            iters, warm, secs = (10, 2, 5) if quick else (50, 5, 20)
            r_iters, r_secs = max(3, iters // rounds), secs / rounds
            parts = {"attune": [], "ort": [], "torch": []}
            vparts = {vname: [] for vname in mrow.get("variants", {})}
            check = {}
            if res["ort_export"].get("chosen") and i == 0:
                log("check the fused ORT model against PyTorch at %dx%d" % (b, s))
                check = run_worker("ort", onnx=res["ort_export"]["chosen"]["onnx"], model_dir=model_dir,
                                   batch=b, seq=s, threads=T, check_against_torch=True)
                log("  last_hidden_state max |diff|:", check.get("max_abs_diff_vs_torch", check.get("error")))
            # One timing job per peer and variant; each round runs them in its
            # own shuffled order (seeded: reproducible; recorded in the JSON),
            # so that no job always runs first or after the same job. A fixed
            # order (session 5) and then a rotated one (session 6; it keeps
            # every job's predecessor: the default library always ran right
            # after PyTorch, the tuned variant right after the default) let
            # identical tuned code measure 0.98-1.12x the default library.
            jobs = []
            if "error" not in mrow["compile"]:
                jobs.append(("attune", parts["attune"], lambda: attune_time(
                    attune, res["attune"]["has_bench_command"], gemm, mrow["so"], T, r_iters, warm, r_secs)))
            for vname, v in mrow.get("variants", {}).items():
                if "error" not in v["compile"]:
                    jobs.append((vname, vparts[vname], lambda v=v: attune_time(
                        attune, res["attune"]["has_bench_command"], gemm, v["so"], T, r_iters, warm, r_secs)))
            if res["ort_export"].get("chosen"):
                jobs.append(("ort", parts["ort"], lambda: run_worker(
                    "ort", onnx=res["ort_export"]["chosen"]["onnx"], model_dir=model_dir, batch=b, seq=s,
                    threads=T, warmup=warm, iterations=r_iters, max_seconds=r_secs)))
            jobs.append(("torch", parts["torch"], lambda: run_worker(
                "torch", model_dir=model_dir, batch=b, seq=s, threads=T, warmup=warm, iterations=r_iters,
                max_seconds=r_secs)))
            mrow["round_orders"] = []
            for rnd in range(rounds):
                order = list(jobs)
                random.Random(1000 * i + rnd).shuffle(order)
                mrow["round_orders"].append([name for name, _, _ in order])
                log("round %d/%d at %dx%d: %s" % (rnd + 1, rounds, b, s,
                                                  " ".join(mrow["round_orders"][-1])))
                for _, out, job in order:
                    out.append(job())
                for peer in ("attune", "ort", "torch"):
                    d = parts[peer][-1] if parts[peer] else {}
                    if "p50_ms" in d:
                        log("  %-6s p50 %9.2f ms (this round)" % (peer, d["p50_ms"]))
            if "error" not in mrow["compile"]:
                mrow["attune"] = pool_rounds(parts["attune"])
            else:
                mrow["attune"] = dict(error="compile failed: " + mrow["compile"]["error"][-300:])
            for vname, v in mrow.get("variants", {}).items():
                if "error" in v["compile"]:
                    continue
                v["time"] = pool_rounds(vparts[vname])
                vp, bp = v["time"].get("p50_ms"), (mrow.get("attune") or {}).get("p50_ms")
                if vp and bp:
                    v["speedup_over_default"] = bp / vp
                    log("  %-6s p50 %9.2f ms  (default %.2f ms, speedup %.3f)" % (vname, vp, bp, bp / vp))
            if res["ort_export"].get("chosen"):
                mrow["ort"] = pool_rounds(parts["ort"])
                if "max_abs_diff_vs_torch" in check:
                    mrow["ort"]["max_abs_diff_vs_torch"] = check["max_abs_diff_vs_torch"]
            mrow["torch"] = pool_rounds(parts["torch"])
            mrow["rounds"] = rounds
            for peer in ("attune", "ort", "torch"):
                d = mrow.get(peer) or {}
                if "p50_ms" in d:
                    d["gflops_p50"] = gf / (d["p50_ms"] * 1e-3)
                    log("  %-6s p50 %9.2f ms  %7.1f GFLOP/s" % (peer, d["p50_ms"], d["gflops_p50"]))
                elif d:
                    log("  %-6s ERROR %s" % (peer, d.get("error", "")[-300:]))
            at = (mrow.get("attune") or {}).get("p50_ms")
            for peer in ("ort", "torch"):
                pm = (mrow.get(peer) or {}).get("p50_ms")
                mrow["attune_over_" + peer] = at / pm if at and pm else None
            # Paired per round: Attune's and ORT's p50 from the same round (a
            # minute apart at most) cancel most of this VM's slow drift; the
            # median over the rounds is the robust estimate of the ratio.
            ar = [d.get("p50_ms") for d in (mrow.get("attune") or {}).get("rounds", [])]
            orr = [d.get("p50_ms") for d in (mrow.get("ort") or {}).get("rounds", [])]
            if ar and len(ar) == len(orr) and all(ar) and all(orr):
                mrow["attune_over_ort_rounds"] = [x / y for x, y in zip(ar, orr)]
                mrow["attune_over_ort_round_median"] = statistics.median(mrow["attune_over_ort_rounds"])
            if at and peak.get(T):
                mrow["attune_pct_of_peak"] = 100 * mrow["attune"]["gflops_p50"] / peak[T]
        res["models"] = models

    # ---- GEMM kernels ----
    gemms = []
    if not a.skip_kernels:
        rows_m = [128] if quick else [128, 1024]
        shapes_nk = [(768, 768), (3072, 768), (768, 3072)]  # (N, K): QKV/out, FFN up, FFN down
        # Plus BERT's masked-LM vocabulary projection (N = 30522, not a
        # multiple of 16) at M = 128.
        extra = [] if quick else [(128, 30522, 768)]
        forced = ["Haswell"] if quick else ["Haswell", "SkylakeX", "Cooperlake"]
        for m, n, k in [(m, n, k) for m in rows_m for n, k in shapes_nk] + extra:
            js = gemm_graph(a.cache, m, n, k)
            so = os.path.join(a.cache, "attune", ahash[:12], "gemm", "%dx%dx%d" % (m, n, k), "gemm.so")
            c = attune_compile(attune, js, so, [], a.compile_timeout)
            for t in (1, 2):
                if a.prepare_only:
                    continue
                g = dict(M=m, N=n, K=k, threads=t, gflop=2e-9 * m * n * k)
                log("GEMM %dx%dx%d, %d thread(s)" % (m, n, k, t))
                big = m * n * k > 5e8
                it = (5 if quick else 30) if big else (20 if quick else 100)
                # Every library once per round, ROUNDS interleaved rounds
                # with a 1/ROUNDS share of the runs each, pooled (as the
                # model shapes): this VM's speed drifts over minutes, and
                # one library timed alone in a slow minute lost by that.
                rounds = 1 if quick else ROUNDS
                rit = max(5, it // rounds)
                parts = collections.defaultdict(list)
                for _ in range(rounds):
                    if "openblas" in blas_libs:
                        parts["openblas_auto"].append(run_gemm(gemm, "openblas", m, n, k, t, rit))
                        for ct in forced:
                            parts["openblas_" + ct].append(run_gemm(gemm, "openblas", m, n, k, t, rit,
                                                                    {"OPENBLAS_CORETYPE": ct}))
                    if "dnnl" in blas_libs:
                        parts["dnnl"].append(run_gemm(gemm, "dnnl", m, n, k, t, rit))
                    if "error" in c:
                        parts["attune"].append(dict(error="compile failed: " + c["error"][-300:]))
                    else:
                        # As many timed runs as the peers get: a second
                        # vCPU of this VM takes tens of runs to be
                        # scheduled promptly, and 10 runs measured that
                        # warm-up.
                        r = sh([gemm, "attune", so, str(rit), str(t), "3" if quick else "8"],
                               env=dict(os.environ, ATTUNE_NUM_THREADS=str(t)), timeout=900)
                        line = [l for l in r.stdout.splitlines() if l.startswith("{")]
                        parts["attune"].append(json.loads(line[-1]) if line
                                               else dict(error=r.stderr.strip()[-300:]))
                for key, ps in parts.items():
                    g[key] = pool_rounds(ps)
                for key, d in list(g.items()):
                    if isinstance(d, dict) and "p50_ms" in d:
                        d["gflops_p50"] = g["gflop"] / (d["p50_ms"] * 1e-3)
                forced_best = [g[x]["gflops_p50"] for x in g if x.startswith("openblas_") and x != "openblas_auto"
                               and "gflops_p50" in g[x]]
                g["openblas_best_forced_gflops"] = max(forced_best) if forced_best else None
                blas = [g[x]["gflops_p50"] for x in g if x.startswith("openblas_") and
                        isinstance(g[x], dict) and "gflops_p50" in g[x]]
                at = (g.get("attune") or {}).get("gflops_p50")
                g["attune_over_best_openblas"] = at / max(blas) if at and blas else None
                gemms.append(g)
                log("  " + "  ".join("%s %.1f" % (x, g[x]["gflops_p50"]) for x in g
                                     if isinstance(g[x], dict) and "gflops_p50" in g[x]) + " GFLOP/s")
        res["gemm"] = gemms
    if a.prepare_only:
        log("prepared (cache: %s)" % a.cache)
        return

    # The peak again at the end, merged (best per isa and threads): a ceiling
    # measured while the second vCPU happened to be busy would flatter every
    # "% of peak" of the run.
    if res.get("fma_peak"):
        log("FMA peak microbenchmark again (the best of start and end counts)")
        start_rows = {(r["isa"], r["threads"]): r for r in res["fma_peak"]}
        for r in fma_peak(fma):
            old = start_rows.get((r["isa"], r["threads"]))
            if old is None:
                start_rows[(r["isa"], r["threads"])] = r
                continue
            old["samples"] = old.get("samples", []) + r.get("samples", [])
            old["gflops"] = max(old["gflops"], r["gflops"])
        res["fma_peak"] = list(start_rows.values())
        for row in res["fma_peak"]:
            log("  %s %d thread(s): %.1f GFLOP/s" % (row["isa"], row["threads"], row["gflops"]))
        peak = {r["threads"]: r["gflops"] for r in res["fma_peak"] if r["isa"] == "avx512"} or \
               {r["threads"]: r["gflops"] for r in res["fma_peak"]}
        for mrow in res.get("models", []):
            at = (mrow.get("attune") or {}).get("gflops_p50")
            T = mrow.get("threads", a.threads)
            if at and peak.get(T):
                mrow["attune_pct_of_peak"] = 100 * at / peak[T]
    res["loadavg_end"] = loadavg()
    res["uptime_end"] = sh("uptime").stdout.strip()
    res["attune_over_ort"] = {"b%d_s%d" % (r["batch"], r["seq"]): r.get("attune_over_ort") for r in models}
    res["attune_over_torch"] = {"b%d_s%d" % (r["batch"], r["seq"]): r.get("attune_over_torch") for r in models}
    res["peak_gflops"] = peak
    with open(os.path.join(a.cache, "last-results.json"), "w") as f:  # survives a failed write
        json.dump(res, f, indent=1, default=str)
    write_results(a, res, started)


def write_results(a, res, started):
    os.makedirs(a.results, exist_ok=True)
    slug = cpu_slug(res["cpu"])
    stem = "%s-%s%s" % (started.strftime("%Y-%m-%d-%H%M"), slug, "-quick" if res["mode"] == "quick" else "")
    T = res["threads"]
    peak = res.get("peak_gflops", {})
    L = []
    L.append("# Attune benchmark — %s" % res["date_utc"])
    L.append("")
    c = res["cpu"]
    L.append("- CPU: %s (vendor %s, family %s, model %s; %s; %s cores online; L2 %s, L3 %s; SIMD: %s)" % (
        c.get("model_name"), c.get("vendor_id"), c.get("cpu_family"), c.get("model"),
        ("hypervisor " + c["Hypervisor vendor"]) if c.get("Hypervisor vendor") else "bare metal",
        c.get("online_cpus"), c.get("L2 cache"), c.get("L3 cache"), ", ".join(c.get("simd", []))))
    L.append("- Mode: %s; threads: %d for every peer; load average (1/5/15 min) at start %s, at end %s" % (
        res["mode"], T, res.get("loadavg_start"), res.get("loadavg_end")))
    L.append("- `uptime` at end: `%s`" % res.get("uptime_end"))
    v = res["versions"]
    L.append("- Attune: `%s` (%s, sha256 %s…, built %s), repo HEAD %s; timer: %s" % (
        res["attune"]["binary"], res["attune"]["version"], res["attune"]["sha256"],
        res["attune"].get("mtime_utc"), res["attune"]["repo_head"],
        "`attune bench`" if res["attune"]["has_bench_command"] else
        "bench/gemm_bench.c attune mode (this binary has no `attune bench`)"))
    L.append("- PyTorch %s, transformers %s, ONNX Runtime %s, onnx %s, onnxscript %s, numpy %s, C compiler: %s" % (
        v["torch"], v["transformers"], v["onnxruntime"], v["onnx"], v.get("onnxscript"), v["numpy"], v.get("cc")))
    if res.get("note"):
        L.append("- Note: " + res["note"])
    L.append("")
    if res.get("fma_peak"):
        L.append("## Measured peak (bench/fma_peak.c, 12 independent FMA chains per thread; best of 3 runs at the start and 3 at the end)")
        L.append("")
        L.append("| ISA | 1 thread GFLOP/s | 2 threads GFLOP/s |")
        L.append("|---|---:|---:|")
        for isa in ("avx512", "avx2"):
            rows = {r["threads"]: r["gflops"] for r in res["fma_peak"] if r["isa"] == isa}
            if rows:
                L.append("| %s | %s | %s |" % (isa, fmt(rows.get(1)), fmt(rows.get(2))))
        L.append("")
    models = res.get("models") or []
    if models:
        L.append("## BERT-base (random weights, bert-base-uncased config), p50 latency, %d threads" % T)
        L.append("")
        L.append("FLOPs = 2·M·N·K over every matmul (QKV, attention output, FFN, QKᵀ, attention·V, pooler). "
                 "Ratios are Attune's p50 over the peer's p50: above 1 means Attune is slower. "
                 "Each shape is timed in %d interleaved rounds (Attune and its variants, ORT, PyTorch; "
                 "repeat%s); p50 is over all rounds' runs. *Per round* is Attune's p50 over ORT's p50 "
                 "within each round (the two a minute apart at most), and its median over the rounds." % (
                     max(r.get("rounds", 1) for r in models),
                     {"rotated": ", in an order rotated by one each round",
                      "shuffled": ", in an order shuffled each round (seeded; `round_orders` in the JSON)"}
                     .get(res.get("round_order"), "")))
        L.append("")
        L.append("| batch×seq | GFLOP | Attune ms | ORT ms | PyTorch ms | Attune/ORT | Attune/ORT per round "
                 "(median) | Attune/PyTorch "
                 "| Attune GFLOP/s | %% of %d-thread peak | ORT GFLOP/s | PyTorch GFLOP/s | Attune runs |" % T)
        L.append("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")
        for r in models:
            g = lambda peer, key: (r.get(peer) or {}).get(key)
            per_round = ("%s (%s)" % (" / ".join(fmt(x, 2) for x in r["attune_over_ort_rounds"]),
                                      fmt(r.get("attune_over_ort_round_median"), 2))
                         if r.get("attune_over_ort_rounds") else "—")
            L.append("| %d×%d | %.1f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                r["batch"], r["seq"], r["gflop"], fmt(g("attune", "p50_ms")), fmt(g("ort", "p50_ms"), 2),
                fmt(g("torch", "p50_ms"), 2), fmt(r.get("attune_over_ort"), 2), per_round,
                fmt(r.get("attune_over_torch"), 2),
                fmt(g("attune", "gflops_p50"), 2), fmt(r.get("attune_pct_of_peak"), 2),
                fmt(g("ort", "gflops_p50")), fmt(g("torch", "gflops_p50")), fmt(g("attune", "runs"), 0)))
        L.append("")
        errs = [(r, p) for r in models for p in ("attune", "ort", "torch") if "error" in (r.get(p) or {})]
        for r, p in errs:
            L.append("- **%s %d×%d failed**: `%s`" % (p, r["batch"], r["seq"], r[p]["error"][-400:].replace("\n", " ")))
        L.append("Attune compile time per shape (wall, this machine): " + ", ".join(
            "%d×%d %s%s" % (r["batch"], r["seq"], fmt(r["compile"].get("seconds")) + " s" + (
                " (%s s CPU)" % fmt(r["compile"]["cpu_seconds"]) if r["compile"].get("cpu_seconds") else ""),
                           " (cached from an earlier run)" if r["compile"].get("cached") else "")
            + (" **FAILED: %s**" % r["compile"]["error"][-200:] if "error" in r["compile"] else "")
            for r in models) + ".")
        L.append("")
        vrows = [(r, name, v) for r in models for name, v in sorted((r.get("variants") or {}).items())]
        if vrows:
            L.append("### Attune variants: tuned (`attune tune` + `compile --tuning`), bf16 (`--dtype bf16`)"
                     + (", avx2 (`--target x86-64-avx2`)" if any(n == "avx2" for _, n, _ in vrows) else ""))
            L.append("")
            L.append("Speedup = default Attune p50 / variant p50 (same run, same threads). The bf16 "
                     "library's accuracy is checked by the tests (relative error ≤ 1e-2 vs f32), not here."
                     + (" avx2 is the AVX2 fallback (8-wide vectors) run on this AVX-512 CPU: what a "
                        "machine without AVX-512 gets, at half the vector width."
                        if any(n == "avx2" for _, n, _ in vrows) else ""))
            L.append("")
            L.append("| batch×seq | variant | default ms | variant ms | speedup | variant/ORT | tuning |")
            L.append("|---|---|---:|---:|---:|---:|---|")
            for r, name, v in vrows:
                vt = v.get("time") or {}
                bp = (r.get("attune") or {}).get("p50_ms")
                op = (r.get("ort") or {}).get("p50_ms")
                tinfo = v.get("tune") or {}
                tune_txt = ("%s s budget, took %s s%s" % (tinfo.get("budget_s"), fmt(tinfo.get("seconds")),
                                                          " (cached)" if tinfo.get("cached") else "")
                            if tinfo and "error" not in tinfo else ("FAILED" if tinfo else ""))
                if tinfo.get("kernels_with_config") == 0:
                    tune_txt += "; kept the heuristic for all %d kernels: same code as the default" % \
                        tinfo.get("kernels", 0)
                elif tinfo.get("kernels_with_config"):
                    tune_txt += "; tuned configs for %d of %d kernels" % (tinfo["kernels_with_config"],
                                                                          tinfo.get("kernels", 0))
                for cf in tinfo.get("confirmations") or []:
                    tune_txt += "; %s %s (paired %s)" % (
                        cf["kernel"], "kept" if cf["confirmed"] else "rejected",
                        "/".join("%.3f" % x for x in cf["ratios"]) or "no round")
                err = v["compile"].get("error") or vt.get("error")
                L.append("| %d×%d | %s | %s | %s | %s | %s | %s |" % (
                    r["batch"], r["seq"], name, fmt(bp), fmt(vt.get("p50_ms")) if not err else "**failed**",
                    fmt(v.get("speedup_over_default"), 3),
                    fmt(vt["p50_ms"] / op if vt.get("p50_ms") and op else None, 2), tune_txt))
            L.append("")
            for r, name, v in vrows:
                err = v["compile"].get("error") or (v.get("time") or {}).get("error")
                if err:
                    L.append("- **%s %d×%d failed**: `%s`" % (name, r["batch"], r["seq"],
                                                            err[-400:].replace("\n", " ")))
            L.append("")
        ox = res.get("ort_export") or {}
        ch = ox.get("chosen")
        L.append("### ONNX Runtime model")
        L.append("")
        for d in ox.get("attempts", []):
            if "error" in d:
                L.append("- export attempt failed: `%s`" % d["error"][-300:].replace("\n", " "))
                continue
            L.append("- `torch.onnx.export(%s)`, attn_implementation=`%s` → `optimize_model(model_type='bert', "
                     "num_heads=12, hidden_size=768)`: fully fused **%s**; fused operators: %s" % (
                         "dynamo=True" if d["exporter"] == "dynamo" else "dynamo=False, opset_version=17",
                         d["attn_implementation"], d["fully_fused"],
                         ", ".join("%s %d" % kv for kv in d["fusion_statistics"].items() if kv[1]) or "none"))
        if ch:
            L.append("- Timed: the %s export (attn_implementation=%s). Session: CPUExecutionProvider, "
                     "intra_op_num_threads=%d, inter_op_num_threads=1, sequential, ORT_ENABLE_ALL." % (
                         ch["exporter"], ch["attn_implementation"], T))
        mx = (models[0].get("ort") or {}).get("max_abs_diff_vs_torch")
        if mx is not None:
            L.append("- Fused ORT model vs PyTorch, last_hidden_state max |diff| at %d×%d: %.2e" % (
                models[0]["batch"], models[0]["seq"], mx))
        tt = (models[0].get("torch") or {})
        if tt:
            L.append("- PyTorch eager: `torch.inference_mode()`, `torch.set_num_threads(%d)`, attn_implementation=`%s` "
                     "(the default)." % (T, tt.get("attn_implementation")))
        L.append("")
    gemms = res.get("gemm") or []
    if gemms:
        L.append("## GEMM kernels, GFLOP/s at p50 (C[M,N] = A[M,K]·B[N,K]ᵀ, f32, row-major)")
        L.append("")
        L.append("Each library is timed in %d interleaved rounds per shape and thread count; p50 is over all "
                 "rounds' runs. Ratios are Attune's GFLOP/s over the peer's: above 1 means Attune is faster "
                 "(the inverse of the model table's latency ratios)." % max(len((gemms[0].get("attune") or {}).get("rounds") or [1]), 1))
        L.append("")
        core = next((g["openblas_auto"].get("core") for g in gemms if "core" in g.get("openblas_auto", {})), "?")
        forced = sorted({k[9:] for g in gemms for k in g if k.startswith("openblas_") and k not in
                         ("openblas_auto", "openblas_best_forced_gflops")})
        hdr = ["M×N×K", "threads", "Attune", "OpenBLAS auto (%s)" % core] + ["OpenBLAS %s" % f for f in forced] + \
              ["oneDNN", "Attune / best OpenBLAS", "Attune / best peer", "best peer % of peak"]
        L.append("| " + " | ".join(hdr) + " |")
        L.append("|" + "---|" * 2 + "---:|" * (len(hdr) - 2))
        for g in gemms:
            val = lambda key: (g.get(key) or {}).get("gflops_p50")
            peers = [x for x in [val("openblas_auto"), val("dnnl")] + [val("openblas_" + f) for f in forced] if x]
            best = max(peers) if peers else None
            at = val("attune")
            L.append("| " + " | ".join(
                ["%d×%d×%d" % (g["M"], g["N"], g["K"]), str(g["threads"]), fmt(at, 2), fmt(val("openblas_auto"))]
                + [fmt(val("openblas_" + f)) for f in forced]
                + [fmt(val("dnnl")), fmt(g.get("attune_over_best_openblas"), 3),
                   fmt(at / best if at and best else None, 3),
                   fmt(100 * best / peak[g["threads"]] if best and peak.get(g["threads"]) else None, 0)]) + " |")
        L.append("")
        errs = [(g, k) for g in gemms for k in g if isinstance(g[k], dict) and "error" in g[k]]
        for g, k in errs:
            L.append("- %s %d×%d×%d failed: `%s`" % (k, g["M"], g["N"], g["K"], g[k]["error"][-200:]))
    L.append("")
    L.append("Reproduce: `ATTUNE=%s bench/run.sh%s` (see bench/README.md). Raw numbers: `%s.json`." % (
        res["attune"]["binary"], " --quick" if res["mode"] == "quick" else "", stem))
    md = "\n".join(L) + "\n"
    json_path = os.path.join(a.results, stem + ".json")
    with open(json_path, "w") as f:
        json.dump(res, f, indent=1, default=str)
    with open(os.path.join(a.results, stem + ".md"), "w") as f:
        f.write(md)
    with open(os.path.join(a.results, "latest.md"), "w") as f:
        f.write(md)
    print(md)
    log("wrote %s.{md,json} and latest.md in %s" % (stem, a.results))


if __name__ == "__main__":
    main()
