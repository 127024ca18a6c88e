//===- CompileDriver.cpp - attune compile: model -> .so -------------------===//
//
//   load (json | mlir) ─► import ─► graph ─► fused ─► tiled ─► buffers ─► vector
//                         ─► llvm ─► object (TargetMachine) ─► library (.so/.h/.weights)
//
// Each arrow is buildCPUPipeline(from, to); --dump-ir writes the module after
// every phase, --compile-to stops at one, --timings prints where time went.
//
//===----------------------------------------------------------------------===//
#include "attune/Tools/CompileDriver.h"
#include "attune/Tools/LibraryWriter.h"
#include "attune/Tools/Tuning.h"

#include "attune/Codegen/EmitObject.h"
#include "attune/IR/AttuneOps.h"
#include "attune/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include <algorithm>
#include <chrono>
#include <functional>

using namespace mlir;
using mlir::attune::Phase;

namespace attune {
namespace {

llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// Writes `text` to `path` through a temporary file + rename.
llvm::Error writeFileAtomic(const std::string &path, llvm::StringRef text) {
  std::string tmp = path + ".tmp";
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(tmp, ec);
    if (ec)
      return makeError(path + ": cannot write: " + ec.message());
    os << text;
    os.close();
    if (os.has_error())
      return makeError(path + ": write failed: " + os.error().message());
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, path))
    return makeError(path + ": cannot rename from " + tmp + ": " + ec.message());
  return llvm::Error::success();
}

std::string printModule(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  OpPrintingFlags flags;
  flags.elideLargeElementsAttrs(64);
  flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/true);
  module->print(os, flags);
  return text;
}

std::optional<ElementType> elementTypeOf(Type t) {
  if (t.isF32()) return ElementType::F32;
  if (t.isF16()) return ElementType::F16;
  if (t.isBF16()) return ElementType::BF16;
  if (t.isInteger(64)) return ElementType::I64;
  if (t.isInteger(32)) return ElementType::I32;
  if (t.isInteger(1)) return ElementType::Bool;
  return std::nullopt;
}

llvm::Expected<TensorSpec> specOf(Type type, std::string name, std::string what) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t || !t.hasStaticShape())
    return makeError(what + " '" + name + "': expected a tensor with a static shape, found " +
                     [&] { std::string s; llvm::raw_string_ostream os(s); os << type; return s; }());
  auto et = elementTypeOf(t.getElementType());
  if (!et || *et == ElementType::F16 || *et == ElementType::BF16)
    return makeError(what + " '" + name + "': element type not supported at the library "
                     "boundary (expected f32, i64, i32 or i1)");
  // Element and byte counts must fit comfortably in 64 bits (the runtime and
  // generated code compute offsets with them): at most 2^40 elements.
  int64_t elements = 1;
  for (int64_t d : t.getShape())
    if (d != 0 && (elements > (int64_t(1) << 40) / d))
      return makeError(what + " '" + name + "': " + formatDims(std::vector<int64_t>(
                           t.getShape().begin(), t.getShape().end())) +
                       " has more than 2^40 elements, the library limit");
    else
      elements *= d;
  if (elements == 0)
    return makeError(what + " '" + name + "': tensors without elements (shape " +
                     formatDims(std::vector<int64_t>(t.getShape().begin(), t.getShape().end())) +
                     ") are not supported at the library boundary");
  if (t.getRank() > 8)
    return makeError(what + " '" + name + "': rank " + std::to_string(t.getRank()) +
                     " exceeds the ABI's maximum of 8");
  TensorSpec s;
  s.name = std::move(name);
  s.type = *et;
  s.shape.assign(t.getShape().begin(), t.getShape().end());
  return s;
}

/// Inputs/outputs of @main (graph phase: before weights become arguments).
llvm::Error collectSignature(func::FuncOp fn, LibrarySpec &spec) {
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    auto nameAttr = fn.getArgAttrOfType<StringAttr>(i, mlir::attune::kNameAttr);
    std::string name = nameAttr ? nameAttr.str() : "input_" + std::to_string(i);
    auto s = specOf(fn.getArgument(i).getType(), name, "input");
    if (!s)
      return s.takeError();
    if (auto mv = fn.getArgAttrOfType<IntegerAttr>(i, mlir::attune::kMaxValueArgAttr))
      s->maxValue = mv.getInt();
    // An input used as embedding ids is bounded by the table's rows, whether
    // or not the importer said so: the runtime rejects ids outside [0, rows).
    for (OpOperand &use : fn.getArgument(i).getUses())
      if (auto emb = dyn_cast<mlir::attune::EmbeddingOp>(use.getOwner()))
        if (use.getOperandNumber() == 1) {
          int64_t rows = emb.getTable().getType().getDimSize(0);
          s->maxValue = s->maxValue < 0 ? rows : std::min(s->maxValue, rows);
        }
    spec.inputs.push_back(*s);
  }
  for (unsigned i = 0; i < fn.getNumResults(); ++i) {
    auto nameAttr = fn.getResultAttrOfType<StringAttr>(i, mlir::attune::kNameAttr);
    std::string name = nameAttr ? nameAttr.str() : "output_" + std::to_string(i);
    auto s = specOf(fn.getResultTypes()[i], name, "output");
    if (!s)
      return s.takeError();
    spec.outputs.push_back(*s);
  }
  return llvm::Error::success();
}

/// Weights in kernel-argument order (after attune-weights-to-args), checked
/// against the weight table.
llvm::Error collectWeights(func::FuncOp fn, const WeightTable &table, LibrarySpec &spec) {
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    auto w = fn.getArgAttrOfType<StringAttr>(i, mlir::attune::kWeightArgAttr);
    if (!w)
      break;
    Type argType = fn.getArgument(i).getType();
    auto t = cast<ShapedType>(argType);
    auto et = elementTypeOf(t.getElementType());
    WeightSpec ws{w.str(), et.value_or(ElementType::F32),
                  std::vector<int64_t>(t.getShape().begin(), t.getShape().end())};
    const WeightTable::Entry *e = table.find(ws.name);
    std::string src = table.source.empty() ? "the weights file" : table.source;
    if (!e)
      return makeError("weight '" + ws.name + "' is not in " + src);
    if (!et || e->type != ws.type || e->shape != ws.shape)
      return makeError("weight '" + ws.name + "': the model uses " + elementTypeName(ws.type) +
                       formatDims(ws.shape) + ", " + src + " has " + elementTypeName(e->type) +
                       formatDims(e->shape));
    spec.weights.push_back(ws);
  }
  return llvm::Error::success();
}

/// Copies the tokenizer files of a Hugging Face directory to X.tokenizer/
/// next to X.so (what `attune run --text` reads).
llvm::Error copyTokenizerFiles(const std::string &modelDir, const std::string &soPath) {
  static const char *files[] = {"vocab.txt",   "tokenizer_config.json", "special_tokens_map.json",
                                "vocab.json",  "merges.txt",            "tokenizer.json"};
  llvm::StringRef so(soPath);
  std::string dir = (so.ends_with(".so") ? so.drop_back(3) : so).str() + ".tokenizer";
  bool any = false;
  for (const char *f : files) {
    std::string src = modelDir + "/" + f;
    if (!llvm::sys::fs::exists(src))
      continue;
    if (!any)
      if (std::error_code ec = llvm::sys::fs::create_directories(dir))
        return makeError(dir + ": cannot create directory: " + ec.message());
    any = true;
    if (std::error_code ec = llvm::sys::fs::copy_file(src, dir + "/" + f))
      return makeError(dir + "/" + f + ": cannot copy the tokenizer file: " + ec.message());
  }
  return llvm::Error::success();
}

} // namespace

const char *dtypeList() { return "f32, bf16"; }

std::string formatDims(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

llvm::Error lowerTo(ModuleOp module, Phase from, Phase to,
                    const mlir::attune::TargetOptions &target) {
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &diag) {
    os << diag.getLocation() << ": " << diag << "\n";
    for (Diagnostic &note : diag.getNotes())
      if (!llvm::StringRef(note.str()).starts_with("see current operation"))
        os << "  note: " << note << "\n";
    return success();
  });
  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  mlir::attune::buildCPUPipeline(pm, from, to, target);
  if (failed(pm.run(module)))
    return makeError("phase '" + mlir::attune::phaseName(to) + "' failed:\n" + diagnostics);
  return llvm::Error::success();
}

llvm::Error lowerTo(ModuleOp module, Phase phase, const mlir::attune::TargetOptions &target) {
  return lowerTo(module, Phase::Import, phase, target);
}

namespace {

/// One entry point compiled from its own specialization of the model.
struct EntryBuild {
  EntrySpec spec;
  std::string object;
  LoadedModel model; // keeps the weights alive until the library is written
  bool causalDecoder = false;
  int64_t maxPositions = 0;
};

/// Which entries a library holds.
struct EntryPlan {
  std::string name;    // "" = primary
  ModelOptions model;  // specialization
  std::string dumpDir; // "" = no dumps
};

} // namespace

/// Imports and lowers one specialization. With `last` < library it writes
/// `o.output` itself (primary only) and returns with `*done` set.
static llvm::Error compileEntry(const CompileOptions &o, const EntryPlan &plan,
                                const mlir::attune::CPUTarget &target,
                                const mlir::attune::TargetOptions &topts, Phase last,
                                const std::function<void(const std::string &)> &lap,
                                EntryBuild &out, bool *done) {
  auto ctx = createContext();
  auto model = loadModel(*ctx, o.model, o.weights, plan.model);
  if (!model)
    return model.takeError();
  ModuleOp module = *model->module;
  std::string tag = plan.name.empty() ? "" : " (" + plan.name + ")";
  lap("import" + tag);

  if (!plan.dumpDir.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(plan.dumpDir))
      return makeError(plan.dumpDir + ": cannot create directory: " + ec.message());
  // The text is produced only when dumping: printing a BERT-base module
  // costs seconds per phase.
  auto dump = [&](Phase p, llvm::function_ref<std::string()> text,
                  llvm::StringRef ext) -> llvm::Error {
    if (plan.dumpDir.empty())
      return llvm::Error::success();
    char prefix[8];
    snprintf(prefix, sizeof(prefix), "%02d-", static_cast<int>(p) + 1);
    std::string path = plan.dumpDir + "/" + prefix + mlir::attune::phaseName(p).str() + ext.str();
    return writeFileAtomic(path, text());
  };
  auto moduleText = [&] { return printModule(module); };
  if (auto err = dump(Phase::Import, moduleText, ".mlir"))
    return err;

  LibrarySpec spec; // collects this entry's signature and weights
  std::string symbolName = plan.name.empty() ? "main" : plan.name;
  for (char &c : symbolName)
    if (!isalnum(static_cast<unsigned char>(c)))
      c = '_';
  spec.kernelSymbol = "attune_kernel_" + symbolName;
  Phase prev = Phase::Import;
  for (Phase p : mlir::attune::allPhases()) {
    if (p == Phase::Import || p > last || p > Phase::LLVM)
      continue;
    auto fn = module.lookupSymbol<func::FuncOp>(mlir::attune::kEntryFunctionName);
    // Compile-time weight layout changes happen on the way to `tiled`, so the
    // graph/fused dumps still name the checkpoint's own weights.
    if (p == Phase::Tiled && fn) {
      // Kernel configs (tuning records or the heuristic) before prepacking:
      // the panel width of a weight follows its reader's config.
      // (--dtype bf16: the bf16 micro-kernel's tile is not tunable yet; its
      // GEMMs keep the heuristic.)
      std::vector<KernelChoice> choices =
          applyTuning(fn, topts.bf16Matmuls ? nullptr : o.tuning.get(), tuningTargetOf(target),
                      topts.vectorWidth, topts.parallelChunks);
      if (!o.forceConfig.empty())
        for (KernelChoice &c : choices) {
          std::string why = checkConfig(c.site, o.forceConfig);
          if (!why.empty())
            return makeError(c.site.key.str() + ": config " +
                             formats::formatFields(o.forceConfig) + ": " + why);
          attachConfig(c.site, o.forceConfig);
        }
      prepackWeights(fn, model->weights, topts.vectorWidth);
      if (topts.bf16Matmuls)
        convertPanelsToBF16(fn, model->weights);
    }
    if (auto err = lowerTo(module, prev, p, topts))
      return err;
    prev = p;
    lap(mlir::attune::phaseName(p).str() + tag);
    fn = module.lookupSymbol<func::FuncOp>(mlir::attune::kEntryFunctionName);
    auto inModel = [&](llvm::Error err) {
      return makeError(o.model + ": " + llvm::toString(std::move(err)));
    };
    if (p == Phase::Graph && fn)
      if (auto err = collectSignature(fn, spec))
        return inModel(std::move(err));
    if (p == Phase::Tiled && fn)
      if (auto err = collectWeights(fn, model->weights, spec))
        return inModel(std::move(err));
    if (auto err = dump(p, moduleText, ".mlir"))
      return err;
  }
  if (last <= Phase::LLVM) {
    *done = true;
    return writeFileAtomic(o.output, printModule(module));
  }

  // object
  auto llvmMain = module.lookupSymbol<LLVM::LLVMFuncOp>(mlir::attune::kEntryFunctionName);
  if (!llvmMain)
    return makeError("internal error: no llvm.func @main after the llvm phase");
  if (failed(SymbolTable::replaceAllSymbolUses(
          llvmMain, StringAttr::get(ctx.get(), spec.kernelSymbol), module)))
    return makeError("internal error: cannot rename the entry function");
  SymbolTable::setSymbolName(llvmMain, spec.kernelSymbol);
  // AMX tile ops (MicroKernelAMX.cpp) need the OS's AMX permission at load.
  module.walk([&](Operation *op) {
    if (op->getName().getDialectNamespace() == "amx")
      spec.usesAMX = true;
  });
  std::string llvmIR;
  if (auto err = mlir::attune::emitObject(module, target, out.object,
                                          plan.dumpDir.empty() ? nullptr : &llvmIR))
    return err;
  lap("object" + tag);
  if (auto err = dump(Phase::Object, [&] { return llvmIR; }, ".ll"))
    return err;
  if (last == Phase::Object) {
    *done = true;
    return writeFileAtomic(o.output, out.object);
  }
  out.spec = static_cast<EntrySpec &>(spec);
  out.spec.name = plan.name.empty() ? "main" : plan.name;
  out.causalDecoder = model->causalDecoder;
  out.maxPositions = model->maxPositions;
  // Only the weights outlive this function (and the context the IR needs).
  model->module = {};
  out.model = std::move(*model);
  return llvm::Error::success();
}

/// For each tensor of the largest bucket, the dim that follows the bucket's
/// length (-1: none), from the smaller buckets' shapes.
static llvm::Error seqDims(const std::vector<TensorSpec> &primary, int64_t maxLen,
                           const std::vector<const std::vector<TensorSpec> *> &others,
                           const std::vector<int64_t> &lens, const char *kind,
                           std::vector<int32_t> &dims) {
  for (size_t i = 0; i < primary.size(); ++i) {
    int32_t dim = -1;
    for (size_t b = 0; b < others.size(); ++b) {
      const TensorSpec &t = (*others[b])[i];
      if (t.name != primary[i].name || t.shape.size() != primary[i].shape.size())
        return makeError(std::string("--seq-lens: ") + kind + " '" + primary[i].name +
                         "' changes name or rank between buckets");
      for (size_t d = 0; d < t.shape.size(); ++d) {
        if (t.shape[d] == primary[i].shape[d])
          continue;
        if (t.shape[d] != lens[b] || primary[i].shape[d] != maxLen ||
            (dim >= 0 && dim != static_cast<int32_t>(d)))
          return makeError(std::string("--seq-lens: ") + kind + " '" + primary[i].name +
                           "' has shape " + formatDims(t.shape) + " at length " +
                           std::to_string(lens[b]) + " and " + formatDims(primary[i].shape) +
                           " at " + std::to_string(maxLen) +
                           ": only one dimension may follow the sequence length");
        dim = static_cast<int32_t>(d);
      }
    }
    dims.push_back(dim);
  }
  return llvm::Error::success();
}

llvm::Error compile(const CompileOptions &o, llvm::raw_ostream &log) {
  using Clock = std::chrono::steady_clock;
  std::vector<std::pair<std::string, double>> times;
  auto t0 = Clock::now(), start = t0;
  auto lap = [&](const std::string &what) {
    auto now = Clock::now();
    times.push_back({what, std::chrono::duration<double>(now - t0).count()});
    t0 = now;
  };
  auto finish = [&]() {
    lap("write");
    if (o.timings) {
      log << "phase timings:\n";
      for (auto &[what, secs] : times)
        log << llvm::format("  %-18s %8.3f s\n", what.c_str(), secs);
      double total = std::chrono::duration<double>(Clock::now() - start).count();
      log << llvm::format("  %-18s %8.3f s\n", static_cast<const char *>("total"), total);
    }
  };

  auto target = mlir::attune::resolveCPUTarget(o.target);
  if (!target)
    return target.takeError();
  CompileOptions withRecords;
  if (!o.tuningPath.empty() && !o.tuning) {
    auto file = std::make_shared<formats::TuningFile>();
    std::string error;
    if (!formats::readTuningFile(o.tuningPath, *file, error))
      return makeError("--tuning: " + error);
    withRecords = o;
    withRecords.tuning = std::move(file);
    return compile(withRecords, log);
  }
  mlir::attune::TargetOptions topts;
  topts.cpu = target->cpu;
  topts.features = target->features;
  topts.vectorWidth = target->vectorWidth;
  topts.parallelChunks = o.parallelChunks;
  if (o.dtype != "f32" && o.dtype != "bf16")
    return makeError("--dtype: unknown element type '" + o.dtype + "' (expected one of: " +
                     dtypeList() + ")");
  if (o.dtype == "bf16") {
    // vdpbf16ps needs AVX-512 BF16; without it the GEMMs stay f32 (an
    // emulation through f32 FMAs would be slower than f32 itself at
    // compute-bound shapes, docs/bf16.md).
    llvm::SmallVector<llvm::StringRef> features;
    llvm::StringRef(target->features).split(features, ',');
    bool has = llvm::is_contained(features, "+avx512bf16");
    if (has && topts.vectorWidth == 16) {
      topts.bf16Matmuls = true;
      // AMX tiles (tdpbf16ps) for the GEMMs they fit; the avx512_bf16
      // kernel stays the fallback (odd K, docs/bf16.md).
      topts.amxMatmuls =
          llvm::is_contained(features, "+amx-tile") && llvm::is_contained(features, "+amx-bf16");
    } else
      log << "bf16 requested but the target (" << target->description
          << ") has no avx512_bf16; using f32\n";
  }
  Phase last = o.compileTo.value_or(Phase::Library);

  // Buckets: the primary is the largest length, further entries the others.
  std::vector<int64_t> lens = o.seqLens;
  std::sort(lens.begin(), lens.end());
  lens.erase(std::unique(lens.begin(), lens.end()), lens.end());
  EntryPlan primary{"", o.modelOptions, o.dumpIrDir};
  if (!lens.empty()) {
    if (lens.front() <= 0)
      return makeError("--seq-lens: expected positive lengths, found " +
                       std::to_string(lens.front()));
    primary.model.seqLen = lens.back();
  }
  bool wantDecoder = lens.empty() && o.kvCache && o.modelOptions.batch == 1 &&
                     last == Phase::Library;
  primary.model.kvOutputs = wantDecoder;

  EntryBuild main;
  bool done = false;
  if (auto err = compileEntry(o, primary, *target, topts, last, lap, main, &done))
    return err;
  if (done) {
    finish();
    return llvm::Error::success();
  }
  if (!lens.empty() && main.maxPositions == 0)
    return makeError(o.model + ": --seq-lens needs a model whose sequence length is chosen at "
                     "compile time (a Hugging Face directory); this description fixes its shapes");
  if (!lens.empty()) {
    bool masked = main.causalDecoder;
    for (const TensorSpec &t : main.spec.inputs)
      masked |= t.name == "attention_mask";
    if (!masked)
      return makeError(o.model + ": --seq-lens pads inputs to the next bucket, which needs an "
                       "'attention_mask' input (or causal attention) to mask the padding");
  }

  LibrarySpec spec;
  static_cast<EntrySpec &>(spec) = main.spec;
  spec.modelName = main.model.name;
  auto has = mlir::attune::targetHasFeatures(*target, kIsaExtensions);
  if (!has)
    return has.takeError();
  for (size_t i = 0; i < kIsaExtensions.size(); ++i)
    if ((*has)[i])
      spec.isa.push_back(kIsaExtensions[i]);
  WeightTable weights;
  weights.source = main.model.weights.source;
  std::vector<std::string> objects{main.object};
  std::vector<EntryBuild> extra;
  if (!lens.empty()) {
    spec.kind = LibraryKind::SeqBuckets;
    for (size_t b = 0; b + 1 < lens.size(); ++b) {
      EntryPlan plan{"seq" + std::to_string(lens[b]), o.modelOptions, ""};
      plan.model.seqLen = lens[b];
      if (!o.dumpIrDir.empty())
        plan.dumpDir = o.dumpIrDir + "/" + plan.name;
      extra.emplace_back();
      if (auto err = compileEntry(o, plan, *target, topts, last, lap, extra.back(), &done))
        return err;
    }
    std::vector<const std::vector<TensorSpec> *> ins, outs;
    for (EntryBuild &e : extra) {
      ins.push_back(&e.spec.inputs);
      outs.push_back(&e.spec.outputs);
    }
    std::vector<int64_t> smaller(lens.begin(), lens.end() - 1);
    if (auto err = seqDims(spec.inputs, lens.back(), ins, smaller, "input", spec.inputSeqDims))
      return err;
    if (auto err = seqDims(spec.outputs, lens.back(), outs, smaller, "output",
                           spec.outputSeqDims))
      return err;
    spec.seqLens = lens;
  } else if (wantDecoder && main.causalDecoder) {
    spec.kind = LibraryKind::Decoder;
    EntryPlan plan{"decode", o.modelOptions, ""};
    plan.model.decodeStep = true;
    plan.model.contextLen = o.contextLen;
    if (!o.dumpIrDir.empty())
      plan.dumpDir = o.dumpIrDir + "/decode";
    extra.emplace_back();
    if (auto err = compileEntry(o, plan, *target, topts, last, lap, extra.back(), &done))
      return err;
    int64_t capacity = o.contextLen > 0 ? o.contextLen : main.maxPositions;
    if (capacity < o.modelOptions.seqLen)
      return makeError("--context " + std::to_string(capacity) +
                       " is shorter than --seq-len " + std::to_string(o.modelOptions.seqLen) +
                       " (the prompt must fit the KV cache)");
    spec.seqLens = {capacity};
  }
  for (EntryBuild &e : extra) {
    spec.entries.push_back(e.spec);
    objects.push_back(e.object);
  }
  weights.merge(std::move(main.model.weights));
  for (EntryBuild &e : extra)
    weights.merge(std::move(e.model.weights));

  std::string generatedC;
  if (auto err = writeLibrary(spec, weights, objects, o.output, o.embedWeights, &generatedC))
    return err;
  lap("library");
  if (llvm::sys::fs::is_directory(o.model))
    if (auto err = copyTokenizerFiles(o.model, o.output))
      return err;
  if (!o.dumpIrDir.empty()) {
    char prefix[8];
    snprintf(prefix, sizeof(prefix), "%02d-", static_cast<int>(Phase::Library) + 1);
    if (auto err = writeFileAtomic(o.dumpIrDir + "/" + prefix + "library.c", generatedC))
      return err;
  }
  finish();
  return llvm::Error::success();
}

} // namespace attune
