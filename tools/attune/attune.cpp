//===- attune.cpp - The attune command line ------------------------------===//
//
//   attune compile MODEL -o out/m.so [--target T] [--compile-to PHASE]
//                  [--dump-ir DIR] [--timings] [--embed-weights] [--weights F]
//   attune run LIB.so [--input NAME=FILE.npy]... [--output-dir DIR]
//                  [--random-inputs] [--compare-reference MODEL] [--threads N]
//   attune run --reference MODEL [--weights F] [--input NAME=FILE.npy]...
//
// A thin main over the driver library: parse, call, print the error.
//
//===----------------------------------------------------------------------===//
#include "attune/Tools/CompileDriver.h"
#include "attune/Tools/Config.h"
#include "attune/Tools/Inspect.h"
#include "attune/Tools/RunDriver.h"
#include "attune/Tools/Tuner.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"
#include <cstring>

namespace {

const char *kMainHelp = R"(attune )" ATTUNE_VERSION R"( - compile Transformer / BERT models into native libraries

usage: attune <command> [options]

commands:
  compile   compile a model into a self-contained shared library (.so + .h + .weights)
  run       run a compiled library (or the reference interpreter) on .npy inputs
  bench     time a compiled library (p50/p90 latency)
  inspect   what the fusion passes fused in a model, per scope, and why near misses did not
  tune      search kernel configs (tiles, vector width, K blocking, split) -> tuning records

Run 'attune <command> --help' for the options of a command.
)";

const char *kCompileHelp = R"(usage: attune compile MODEL -o OUT.so [options]

MODEL is a Hugging Face model directory (config.json + model.safetensors; bert, roberta,
distilbert, gpt2), an ONNX model (.onnx, opsets 7-22 as torch.onnx.export writes them; see
docs/onnx.md; batch/sequence dims bound by --batch/--seq-len), an Attune JSON graph (.json; schema in docs/json-graph.md) or attune-dialect
MLIR (.mlir, with --weights FILE.safetensors for its attune.weight references).

options:
  -o, --output PATH       output library (default: <MODEL file stem>.so in the current directory);
                          with --compile-to: the file that receives that phase
  --target T              host (default), x86-64-avx2, x86-64-avx512, x86-64-avx512-bf16,
                          x86-64-avx512-amx
  --dtype f32|bf16        precision of the weight GEMMs (default f32); bf16: weights stored
                          in bf16, activations rounded to bf16, f32 accumulation, with
                          AMX (tdpbf16ps) where the target has amx-bf16, else avx512_bf16
                          (vdpbf16ps); targets without either keep f32 (docs/bf16.md)
  --compile-to PHASE      stop after PHASE: import, graph, fused, tiled, buffers, vector,
                          llvm (.mlir text), object (.o), library (default)
  --dump-ir DIR           write the IR after every phase to DIR/NN-PHASE.mlir
                          (object: .ll, library: the generated .c)
  --timings               print the time spent in each phase
  --embed-weights         put the weights into the .so instead of OUT.weights
  --weights FILE          .safetensors weights for a .mlir model
  --chunks N              minimum parallel chunks per kernel (default 16)
  --tuning FILE.json      kernel configs from attune tune's records: the exact kernel key,
                          else the nearest shape of the same kind/dtype/target, else the
                          heuristic (docs/tuning.md)

Hugging Face and ONNX models:
  --batch N               batch size to specialize for (default 1)
  --seq-len S             sequence length to specialize for (default 128)
  --seq-lens S1,S2,...    one specialization per length in one library; a run with length L
                          uses the smallest one >= L (inputs padded, attention_mask masks the
                          padding), longer inputs are refused
  --pooling mean|cls      add a sentence_embedding output (L2-normalised); the default is the
                          pooling of a sentence-transformers directory (1_Pooling/), else none
  --context N             GPT-2 at batch 1: KV-cache capacity of the incremental-decoding
                          entry (default: the model's n_positions)
  --no-kv-cache           GPT-2: leave out the incremental-decoding entry
)";

const char *kRunHelp = R"(usage: attune run LIB.so [options]
       attune run --reference MODEL [options]

Runs a compiled library (or MODEL on the reference interpreter), prints each output's
name, shape and a short summary, and writes OUTPUT.npy files with --output-dir.

options:
  --input NAME=FILE.npy   an input (float32, int32, int64 or bool .npy); repeat per input
  --random-inputs         fill inputs that were not given with deterministic data
                          (floats in [-1,1), token ids below the vocabulary size, masks 1)
  --seed N                seed for --random-inputs (default 1)
  --output-dir DIR        write every output as DIR/NAME.npy
  --reference             run MODEL on the op-by-op reference interpreter
  --weights FILE          .safetensors weights for a .mlir MODEL (with --reference)
  --compare-reference MODEL
                          also run MODEL on the reference interpreter with the same
                          inputs and compare (|a-b| <= atol + rtol |b|); exit 1 on mismatch
  --atol X, --rtol X      tolerances for --compare-reference (default 1e-5, 1e-4)
  --threads N             worker threads (default: ATTUNE_NUM_THREADS or all CPUs)
  --batch N, --seq-len S, --pooling mean|cls
                          with --reference on a Hugging Face directory: as for compile

text input (libraries compiled from a Hugging Face directory with a vocab.txt):
  --text "T"              tokenize T (repeatable) and print the outputs for each text
  --text-pair "P"         second segment for every --text (token_type_ids 1)
  --similarity S1 S2 ...  cosine-similarity matrix of the sentence_embedding output
  --fill-mask "... [MASK] ..."
                          top-k tokens and probabilities for each [MASK] (logits output)
  --top-k K               with --fill-mask (default 5)
  --tokenizer DIR         tokenizer files (default: X.tokenizer/ written next to X.so)
  --truncate              truncate texts longer than the compiled --seq-len (else an error)
  --generate N            GPT-2 libraries: greedy-decode N tokens after each --text with the
                          library's KV cache (one decode step per new token)
)";

const char *kBenchHelp = R"(usage: attune bench LIB.so [options]

Times attune_model_run on the library: warm-up runs, then timed runs; prints min, p50, p90 and
mean latency. Inputs are --input files or deterministic random data (token ids below the
vocabulary size, masks 1).

options:
  --iterations N          timed runs (default 20)
  --warmup N              untimed runs first (default 3)
  --max-seconds S         stop after S seconds of timed runs (at least 3 runs)
  --threads N             worker threads (default: ATTUNE_NUM_THREADS or all CPUs)
  --input NAME=FILE.npy   an input (repeatable); the others are random (--seed N)
  --seq-len L             bucketed libraries (--seq-lens): run at length L
  --json FILE             also write the numbers as JSON
  --cold-weights          evict the library's weights from the CPU caches before each timed
                          run (untimed), as in a model whose weights do not fit in cache
                          (attune tune times its trials this way)
)";

const char *kTuneHelp = R"(usage: attune tune MODEL -o tune.json [options]

Finds the distinct kernels of MODEL (matmul / fused_matmul by shape, attention), and for each
searches register tiles, vector widths, K blocking and the parallel split: every candidate is
compiled as a single-kernel library, checked against the reference interpreter and timed in a
child process (a crash, timeout or wrong result is recorded as failed), alternately with the
heuristic's library in the same process. The candidate with the lowest median time ratio to
the heuristic wins if it is below 0.98, and again in 2 of 3 more such paired rounds. The
records file is written atomically after every trial; running the same command again resumes
(kernels already tuned are skipped).
Use the result with attune compile --tuning tune.json. Schema and rules: docs/tuning.md.

options:
  -o, --output FILE       the records file (default tune.json; resumed when it exists)
  --target T              host (default), x86-64-avx2, x86-64-avx512
  --budget TIME           total search time, e.g. 120s, 5m, 90 (default 120s)
  --threads N             threads the candidates run with (default 1)
  --chunks N              as for compile (default 16)
  --trial-timeout TIME    a trial running longer is killed and recorded as failed (default 120s)
  --min-trial-time TIME   timed runs per trial last at least this long (default 0.25s)
  --work-dir DIR          keep the extracted kernels and trial logs there (default: a
                          temporary directory, removed at the end)
  --weights FILE, --batch N, --seq-len S, --pooling mean|cls
                          as for compile
)";

const char *kInspectHelp = R"(usage: attune inspect MODEL [options]

Runs the fusion passes (softmax, GELU, layer norm / skip layer norm, attention, matmul epilogues)
on MODEL and prints, per pattern, the sites fused and missed; per scope (Hugging Face module, ONNX
node scope, JSON node) what was fused there; and for every near miss the pattern, the node and the
reason it did not fuse.

options:
  --json                  print {"fusions": {"attention": {"fused", "missed"}, "layer_norm",
                          "skip_layer_norm", "gelu", "softmax", "epilogue"}, "misses": [{"pattern",
                          "node", "scope", "reason"}], "scopes": {...}}
  --graph FILE.dot        write the fused graph (Graphviz; fused ops highlighted)
  --tuning FILE.json      list every tunable kernel (matmul, fused_matmul, attention) with the
                          config attune compile --tuning would give it and where it came from
                          (exact, nearest, heuristic); with --json as "kernels": [...]
  --kernels               the same list without records (every kernel: heuristic)
  --target T, --chunks N  as for compile (the records' target key, the heuristic's split)
  --weights FILE          .safetensors weights for a .mlir MODEL
  --batch N, --seq-len S, --pooling mean|cls
                          as for compile (Hugging Face directories, ONNX dynamic dims)
)";

int fail(const llvm::Twine &msg) {
  llvm::WithColor::error(llvm::errs(), "attune") << msg << "\n";
  return 1;
}

/// Reads the value of option `name` at argv[i+1].
bool takeValue(int argc, char **argv, int &i, const char *name, std::string &out) {
  if (i + 1 >= argc) {
    fail(llvm::Twine(name) + ": expected a value");
    return false;
  }
  out = argv[++i];
  return true;
}

bool parseInt(const std::string &s, int64_t &v) {
  char *end = nullptr;
  errno = 0;
  long long x = strtoll(s.c_str(), &end, 10);
  if (errno || end == s.c_str() || *end)
    return false;
  v = x;
  return true;
}

/// --input NAME=FILE.npy (the value at argv[i+1]) appended to `inputs`.
bool takeInput(int argc, char **argv, int &i,
               std::vector<std::pair<std::string, std::string>> &inputs) {
  std::string v;
  if (!takeValue(argc, argv, i, "--input", v))
    return false;
  size_t eq = v.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
    fail("--input: expected NAME=FILE.npy, found '" + v + "'");
    return false;
  }
  inputs.push_back({v.substr(0, eq), v.substr(eq + 1)});
  return true;
}

/// An argument no option consumed: an unknown option is an error, else it
/// fills the command's one positional `slot` (a second one is an error).
bool takePositional(const char *cmd, const char *what, const std::string &a, std::string &slot) {
  if (!a.empty() && a[0] == '-') {
    fail(std::string(cmd) + ": unknown option '" + a + "' (see attune " + cmd + " --help)");
    return false;
  }
  if (!slot.empty()) {
    fail(std::string(cmd) + ": more than one " + what + " given ('" + slot + "' and '" + a + "')");
    return false;
  }
  slot = a;
  return true;
}

/// --batch / --seq-len / --pooling; returns 1 = consumed, 0 = not ours, -1 = error.
int parseModelOption(int argc, char **argv, int &i, attune::ModelOptions &m) {
  std::string a = argv[i], v;
  if (a == "--batch" || a == "--seq-len") {
    if (!takeValue(argc, argv, i, a.c_str(), v))
      return -1;
    int64_t x;
    if (!parseInt(v, x) || x < 1 || x > (1 << 20)) {
      fail(a + ": expected a positive integer, found '" + v + "'");
      return -1;
    }
    (a == "--batch" ? m.batch : m.seqLen) = x;
    return 1;
  }
  if (a == "--pooling") {
    if (!takeValue(argc, argv, i, "--pooling", v))
      return -1;
    if (v != "mean" && v != "cls") {
      fail("--pooling: expected mean or cls, found '" + v + "'");
      return -1;
    }
    m.pooling = v;
    return 1;
  }
  return 0;
}

int compileMain(int argc, char **argv) {
  attune::CompileOptions o;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i], v;
    if (int r = parseModelOption(argc, argv, i, o.modelOptions)) {
      if (r < 0)
        return 1;
    } else if (a == "-h" || a == "--help") {
      llvm::outs() << kCompileHelp;
      return 0;
    } else if (a == "-o" || a == "--output") {
      if (!takeValue(argc, argv, i, "-o", o.output)) return 1;
    } else if (a == "--target") {
      if (!takeValue(argc, argv, i, "--target", o.target)) return 1;
    } else if (a == "--dtype") {
      if (!takeValue(argc, argv, i, "--dtype", o.dtype)) return 1;
      if (o.dtype != "f32" && o.dtype != "bf16")
        return fail("--dtype: unknown element type '" + o.dtype + "' (expected one of: " +
                    attune::dtypeList() + ")");
    } else if (a == "--compile-to") {
      if (!takeValue(argc, argv, i, "--compile-to", v)) return 1;
      auto p = mlir::attune::parsePhase(v);
      if (!p)
        return fail("--compile-to: unknown phase '" + v + "' (expected one of: " +
                    mlir::attune::phaseList() + ")");
      o.compileTo = *p;
    } else if (a == "--dump-ir") {
      if (!takeValue(argc, argv, i, "--dump-ir", o.dumpIrDir)) return 1;
    } else if (a == "--timings") {
      o.timings = true;
    } else if (a == "--embed-weights") {
      o.embedWeights = true;
    } else if (a == "--weights") {
      if (!takeValue(argc, argv, i, "--weights", o.weights)) return 1;
    } else if (a == "--seq-lens") {
      if (!takeValue(argc, argv, i, "--seq-lens", v)) return 1;
      llvm::SmallVector<llvm::StringRef> parts;
      llvm::StringRef(v).split(parts, ',');
      for (llvm::StringRef part : parts) {
        int64_t x;
        if (!parseInt(part.trim().str(), x) || x < 1 || x > (1 << 20))
          return fail("--seq-lens: expected comma-separated positive integers, found '" + v +
                      "'");
        o.seqLens.push_back(x);
      }
    } else if (a == "--context") {
      if (!takeValue(argc, argv, i, "--context", v)) return 1;
      if (!parseInt(v, o.contextLen) || o.contextLen < 1 || o.contextLen > (1 << 20))
        return fail("--context: expected a positive integer, found '" + v + "'");
    } else if (a == "--no-kv-cache") {
      o.kvCache = false;
    } else if (a == "--tuning") {
      if (!takeValue(argc, argv, i, "--tuning", o.tuningPath)) return 1;
    } else if (a == "--chunks") {
      if (!takeValue(argc, argv, i, "--chunks", v)) return 1;
      if (!parseInt(v, o.parallelChunks) || o.parallelChunks < 1)
        return fail("--chunks: expected a positive integer, found '" + v + "'");
    } else if (!takePositional("compile", "MODEL", a, o.model)) {
      return 1;
    }
  }
  if (o.model.empty())
    return fail("compile: expected a MODEL (see attune compile --help)");
  if (o.output.empty()) {
    std::string stem = llvm::sys::path::stem(llvm::StringRef(o.model).rtrim('/')).str();
    if (!o.compileTo || *o.compileTo == mlir::attune::Phase::Library)
      o.output = stem + ".so";
    else if (*o.compileTo == mlir::attune::Phase::Object)
      o.output = stem + ".o";
    else
      o.output = stem + "." + mlir::attune::phaseName(*o.compileTo).str() + ".mlir";
  }
  if (llvm::sys::fs::is_directory(o.model)) {
    llvm::outs() << "specializing for --batch " << o.modelOptions.batch;
    if (o.seqLens.empty()) {
      llvm::outs() << " --seq-len " << o.modelOptions.seqLen << "\n";
    } else {
      llvm::outs() << " --seq-lens ";
      for (size_t k = 0; k < o.seqLens.size(); ++k)
        llvm::outs() << (k ? "," : "") << o.seqLens[k];
      llvm::outs() << "\n";
    }
  }
  if (auto err = attune::compile(o, llvm::outs()))
    return fail(llvm::toString(std::move(err)));
  llvm::outs() << "wrote " << o.output << "\n";
  return 0;
}

int runMain(int argc, char **argv) {
  attune::RunOptions o;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i], v;
    if (int r = parseModelOption(argc, argv, i, o.modelOptions)) {
      if (r < 0)
        return 1;
    } else if (a == "-h" || a == "--help") {
      llvm::outs() << kRunHelp;
      return 0;
    } else if (a == "--input") {
      if (!takeInput(argc, argv, i, o.inputs)) return 1;
    } else if (a == "--output-dir") {
      if (!takeValue(argc, argv, i, "--output-dir", o.outputDir)) return 1;
    } else if (a == "--text") {
      if (!takeValue(argc, argv, i, "--text", v)) return 1;
      o.texts.push_back(v);
    } else if (a == "--text-pair") {
      if (!takeValue(argc, argv, i, "--text-pair", o.textPair)) return 1;
    } else if (a == "--similarity") {
      while (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0)
        o.similarity.push_back(argv[++i]);
      if (o.similarity.size() < 2)
        return fail("--similarity: expected at least two sentences");
    } else if (a == "--fill-mask") {
      if (!takeValue(argc, argv, i, "--fill-mask", o.fillMask)) return 1;
    } else if (a == "--tokenizer") {
      if (!takeValue(argc, argv, i, "--tokenizer", o.tokenizerDir)) return 1;
    } else if (a == "--truncate") {
      o.truncate = true;
    } else if (a == "--generate") {
      int64_t n;
      if (!takeValue(argc, argv, i, "--generate", v)) return 1;
      if (!parseInt(v, n) || n < 1 || n > (1 << 20))
        return fail("--generate: expected a positive integer, found '" + v + "'");
      o.generate = n;
    } else if (a == "--top-k") {
      int64_t k;
      if (!takeValue(argc, argv, i, "--top-k", v)) return 1;
      if (!parseInt(v, k) || k < 1 || k > 1000)
        return fail("--top-k: expected an integer in [1, 1000], found '" + v + "'");
      o.topK = static_cast<int>(k);
    } else if (a == "--reference") {
      o.reference = true;
    } else if (a == "--weights") {
      if (!takeValue(argc, argv, i, "--weights", o.weights)) return 1;
    } else if (a == "--random-inputs") {
      o.randomInputs = true;
    } else if (a == "--seed") {
      int64_t s;
      if (!takeValue(argc, argv, i, "--seed", v)) return 1;
      if (!parseInt(v, s) || s < 0)
        return fail("--seed: expected a non-negative integer, found '" + v + "'");
      o.seed = static_cast<uint64_t>(s);
    } else if (a == "--compare-reference") {
      if (!takeValue(argc, argv, i, "--compare-reference", o.compareWith)) return 1;
    } else if (a == "--atol" || a == "--rtol") {
      if (!takeValue(argc, argv, i, a.c_str(), v)) return 1;
      char *end = nullptr;
      double x = strtod(v.c_str(), &end);
      if (end == v.c_str() || *end || x < 0)
        return fail(a + ": expected a non-negative number, found '" + v + "'");
      (a == "--atol" ? o.atol : o.rtol) = x;
    } else if (a == "--threads") {
      int64_t t;
      if (!takeValue(argc, argv, i, "--threads", v)) return 1;
      if (!parseInt(v, t) || t < 1 || t > 1024)
        return fail("--threads: expected an integer in [1, 1024], found '" + v + "'");
      o.threads = static_cast<int>(t);
    } else if (!takePositional("run", "library/model", a, o.target)) {
      return 1;
    }
  }
  if (o.target.empty())
    return fail(o.reference ? "run --reference: expected a MODEL" : "run: expected a LIB.so");
  if (o.textMode() && (o.reference || !o.inputs.empty()))
    return fail("run: --text/--similarity/--fill-mask take the inputs from text; they cannot be "
                "combined with --reference or --input");
  if (o.generate && o.texts.empty())
    return fail("run: --generate N continues the --text prompt; give one with --text");
  if ((!o.texts.empty()) + (!o.similarity.empty()) + (!o.fillMask.empty()) > 1)
    return fail("run: use one of --text, --similarity and --fill-mask");
  if (auto err = attune::run(o, llvm::outs()))
    return fail(llvm::toString(std::move(err)));
  return 0;
}

int inspectMain(int argc, char **argv) {
  attune::InspectOptions o;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (int r = parseModelOption(argc, argv, i, o.modelOptions)) {
      if (r < 0)
        return 1;
    } else if (a == "-h" || a == "--help") {
      llvm::outs() << kInspectHelp;
      return 0;
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--graph") {
      if (!takeValue(argc, argv, i, "--graph", o.graphPath)) return 1;
    } else if (a == "--tuning") {
      if (!takeValue(argc, argv, i, "--tuning", o.tuningPath)) return 1;
    } else if (a == "--kernels") {
      o.kernels = true;
    } else if (a == "--target") {
      if (!takeValue(argc, argv, i, "--target", o.target)) return 1;
    } else if (a == "--chunks") {
      std::string v;
      if (!takeValue(argc, argv, i, "--chunks", v)) return 1;
      if (!parseInt(v, o.parallelChunks) || o.parallelChunks < 1)
        return fail("--chunks: expected a positive integer, found '" + v + "'");
    } else if (a == "--weights") {
      if (!takeValue(argc, argv, i, "--weights", o.weights)) return 1;
    } else if (!takePositional("inspect", "MODEL", a, o.model)) {
      return 1;
    }
  }
  if (o.model.empty())
    return fail("inspect: expected a MODEL (see attune inspect --help)");
  if (auto err = attune::inspect(o, llvm::outs()))
    return fail(llvm::toString(std::move(err)));
  return 0;
}

/// "120s", "5m", "90", "0.5s" -> seconds (> 0).
bool parseDuration(const std::string &v, double &secs) {
  char *end = nullptr;
  double x = strtod(v.c_str(), &end);
  if (end == v.c_str() || !(x > 0))
    return false;
  std::string unit = end;
  if (unit == "m" || unit == "min")
    x *= 60;
  else if (unit == "h")
    x *= 3600;
  else if (!unit.empty() && unit != "s")
    return false;
  secs = x;
  return true;
}

int tuneMain(int argc, char **argv) {
  attune::TuneOptions o;
  o.output.clear();
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i], v;
    int64_t x;
    if (int r = parseModelOption(argc, argv, i, o.modelOptions)) {
      if (r < 0)
        return 1;
    } else if (a == "-h" || a == "--help") {
      llvm::outs() << kTuneHelp;
      return 0;
    } else if (a == "-o" || a == "--output") {
      if (!takeValue(argc, argv, i, "-o", o.output)) return 1;
    } else if (a == "--target") {
      if (!takeValue(argc, argv, i, "--target", o.target)) return 1;
    } else if (a == "--weights") {
      if (!takeValue(argc, argv, i, "--weights", o.weights)) return 1;
    } else if (a == "--work-dir") {
      if (!takeValue(argc, argv, i, "--work-dir", o.workDir)) return 1;
    } else if (a == "--budget" || a == "--trial-timeout" || a == "--min-trial-time") {
      if (!takeValue(argc, argv, i, a.c_str(), v)) return 1;
      double secs;
      if (!parseDuration(v, secs))
        return fail(a + ": expected a positive duration such as 120s, 5m or 90, found '" + v +
                    "'");
      (a == "--budget" ? o.budgetSeconds
                       : a == "--trial-timeout" ? o.trialTimeoutSeconds : o.minTrialSeconds) = secs;
    } else if (a == "--threads" || a == "--chunks") {
      if (!takeValue(argc, argv, i, a.c_str(), v)) return 1;
      if (!parseInt(v, x) || x < 1 || x > 1024)
        return fail(a + ": expected an integer in [1, 1024], found '" + v + "'");
      if (a == "--threads")
        o.threads = static_cast<int>(x);
      else
        o.parallelChunks = x;
    } else if (!takePositional("tune", "MODEL", a, o.model)) {
      return 1;
    }
  }
  if (o.model.empty())
    return fail("tune: expected a MODEL (see attune tune --help)");
  if (o.output.empty())
    o.output = "tune.json";
  if (auto err = attune::tune(o, llvm::outs(), llvm::errs()))
    return fail(llvm::toString(std::move(err)));
  return 0;
}

int benchMain(int argc, char **argv) {
  attune::RunOptions o;
  o.randomInputs = true;
  o.benchIterations = 20;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i], v;
    int64_t x;
    auto intOpt = [&](const char *name, int64_t lo, int64_t hi, int64_t &dst) {
      if (!takeValue(argc, argv, i, name, v))
        return false;
      if (!parseInt(v, x) || x < lo || x > hi) {
        fail(std::string(name) + ": expected an integer in [" + std::to_string(lo) + ", " +
             std::to_string(hi) + "], found '" + v + "'");
        return false;
      }
      dst = x;
      return true;
    };
    int64_t tmp;
    if (a == "-h" || a == "--help") {
      llvm::outs() << kBenchHelp;
      return 0;
    } else if (a == "--iterations") {
      if (!intOpt("--iterations", 1, 1000000, tmp)) return 1;
      o.benchIterations = static_cast<int>(tmp);
    } else if (a == "--warmup") {
      if (!intOpt("--warmup", 0, 1000000, tmp)) return 1;
      o.benchWarmup = static_cast<int>(tmp);
    } else if (a == "--threads") {
      if (!intOpt("--threads", 1, 1024, tmp)) return 1;
      o.threads = static_cast<int>(tmp);
    } else if (a == "--seed") {
      if (!intOpt("--seed", 0, INT64_MAX, tmp)) return 1;
      o.seed = static_cast<uint64_t>(tmp);
    } else if (a == "--seq-len") {
      if (!intOpt("--seq-len", 1, 1 << 20, o.benchSeqLen)) return 1;
    } else if (a == "--max-seconds") {
      if (!takeValue(argc, argv, i, "--max-seconds", v)) return 1;
      char *end = nullptr;
      double secs = strtod(v.c_str(), &end);
      if (end == v.c_str() || *end || !(secs > 0))
        return fail("--max-seconds: expected a positive number, found '" + v + "'");
      o.benchSeconds = secs;
    } else if (a == "--json") {
      if (!takeValue(argc, argv, i, "--json", o.benchJson)) return 1;
    } else if (a == "--cold-weights") {
      o.benchColdWeights = true;
    } else if (a == "--input") {
      if (!takeInput(argc, argv, i, o.inputs)) return 1;
    } else if (!takePositional("bench", "library", a, o.target)) {
      return 1;
    }
  }
  if (o.target.empty())
    return fail("bench: expected a LIB.so (see attune bench --help)");
  if (auto err = attune::run(o, llvm::outs()))
    return fail(llvm::toString(std::move(err)));
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
    llvm::outs() << kMainHelp;
    return argc < 2 ? 1 : 0;
  }
  if (!strcmp(argv[1], "--version")) {
    llvm::outs() << "attune " ATTUNE_VERSION "\n";
    return 0;
  }
  std::string cmd = argv[1];
  if (cmd == "compile")
    return compileMain(argc - 2, argv + 2);
  if (cmd == "run")
    return runMain(argc - 2, argv + 2);
  if (cmd == "bench")
    return benchMain(argc - 2, argv + 2);
  if (cmd == "inspect")
    return inspectMain(argc - 2, argv + 2);
  if (cmd == "tune")
    return tuneMain(argc - 2, argv + 2);
  if (cmd == "__tune-trial") // attune tune's child process (TuneKernel.cpp)
    return attune::tuneTrialMain(argc - 2, argv + 2);
  return fail("unknown command '" + cmd + "' (expected compile, run, bench, inspect or tune; see attune --help)");
}
