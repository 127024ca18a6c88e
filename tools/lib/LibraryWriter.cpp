//===- LibraryWriter.cpp - weights blob, generated C, header, link --------===//
//
//   kernels.o (from MLIR) ─┐
//   model.c (generated)  ──┼─ cc -shared ─► X.so      (+ X.h, X.weights, attune/runtime.h)
//   libattune_runtime.a  ──┘
//
// model.c defines `attune_generated_model` (abi.h): names/shapes/dtypes of
// inputs and outputs, the weight table, a random 16-byte weights id shared
// with X.weights (so a weights file from another compile is refused), and
// the entry trampoline `void entry(void **args)` that calls the kernel with
// one pointer per weight/input/output. With --embed-weights the blob is
// pulled into .rodata with `.incbin` instead of a sidecar file.
//
//===----------------------------------------------------------------------===//
#include "attune/Tools/LibraryWriter.h"
#include "attune/Tools/CompileDriver.h"
#include "attune/Tools/Config.h"

#include "attune/abi.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"
#include <nlohmann/json.hpp>
#include <random>
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/MemoryBuffer.h"
#include <algorithm>
#include <cstring>
#include <map>

namespace attune {
namespace {

llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

std::string cString(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\%03o", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string tensorInit(const TensorSpec &t) {
  std::string s = "{" + cString(t.name) + ", " + std::to_string(static_cast<int>(t.type)) +
                  ", " + std::to_string(t.shape.size()) + ", {";
  for (size_t i = 0; i < t.shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(t.shape[i]);
  if (t.shape.empty())
    s += "0";
  return s + "}, " + std::to_string(t.maxValue) + "}";
}

uint64_t alignUp(uint64_t v) {
  return (v + ATTUNE_WEIGHTS_ALIGN - 1) / ATTUNE_WEIGHTS_ALIGN * ATTUNE_WEIGHTS_ALIGN;
}

std::string describe(const TensorSpec &t) {
  return t.name + ": " + elementTypeName(t.type) + formatDims(t.shape);
}

/// Writes bytes to a temporary file next to `finalPath`; returns its name.
llvm::Expected<std::string> writeTemp(const std::string &finalPath, llvm::StringRef bytes) {
  std::string tmp = finalPath + ".tmp";
  std::error_code ec;
  llvm::raw_fd_ostream os(tmp, ec);
  if (ec)
    return makeError(finalPath + ": cannot write: " + ec.message());
  os << bytes;
  os.close();
  if (os.has_error())
    return makeError(finalPath + ": write failed: " + os.error().message());
  return tmp;
}

} // namespace

std::string signatureJson(const LibrarySpec &spec) {
  auto tensors = [](const std::vector<TensorSpec> &ts, const std::vector<int32_t> &seqDims) {
    nlohmann::json arr = nlohmann::json::array();
    for (size_t i = 0; i < ts.size(); ++i) {
      const TensorSpec &t = ts[i];
      nlohmann::json j = {{"name", t.name}, {"dtype", elementTypeName(t.type)}, {"shape", t.shape}};
      if (t.maxValue >= 0)
        j["max_value"] = t.maxValue;
      if (i < seqDims.size() && seqDims[i] >= 0)
        j["seq_dim"] = seqDims[i];
      arr.push_back(j);
    }
    return arr;
  };
  nlohmann::json j = {{"model", spec.modelName},
                      {"abi_version", ATTUNE_ABI_VERSION},
                      {"inputs", tensors(spec.inputs, spec.inputSeqDims)},
                      {"outputs", tensors(spec.outputs, spec.outputSeqDims)}};
  if (spec.kind == LibraryKind::SeqBuckets)
    j["seq_lens"] = spec.seqLens;
  if (spec.kind == LibraryKind::Decoder && !spec.seqLens.empty())
    j["decoder"] = {{"capacity", spec.seqLens.front()}};
  if (!spec.entries.empty()) {
    nlohmann::json es = nlohmann::json::array();
    for (const EntrySpec &e : spec.entries)
      es.push_back({{"name", e.name},
                    {"inputs", tensors(e.inputs, {})},
                    {"outputs", tensors(e.outputs, {})}});
    j["entries"] = es;
  }
  return j.dump();
}

const std::vector<std::string> kIsaExtensions = {ATTUNE_ABI_ISA_NAMES};

llvm::Error writeLibrary(const LibrarySpec &spec, const WeightTable &weights,
                         const std::vector<std::string> &objects, const std::string &soPath,
                         bool embedWeights, std::string *generatedC) {
  llvm::SmallString<256> absSo(soPath);
  llvm::sys::fs::make_absolute(absSo);
  std::string so = absSo.str().str();
  std::string dir = llvm::sys::path::parent_path(so).str();
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return makeError(dir + ": cannot create directory: " + ec.message());
  std::string stem = llvm::sys::path::extension(so) == ".so"
                         ? so.substr(0, so.size() - 3)
                         : so;

  // The weights table: the primary entry's weights in its kernel-argument
  // order, then those only further entries use; blob 64-byte aligned.
  std::vector<WeightSpec> table = spec.weights;
  std::map<std::string, uint32_t> index;
  for (size_t i = 0; i < table.size(); ++i)
    index[table[i].name] = static_cast<uint32_t>(i);
  for (const EntrySpec &e : spec.entries)
    for (const WeightSpec &w : e.weights)
      if (index.emplace(w.name, static_cast<uint32_t>(table.size())).second)
        table.push_back(w);
  std::vector<uint64_t> offsets;
  uint64_t total = 0;
  for (const WeightSpec &w : table) {
    total = alignUp(total);
    offsets.push_back(total);
    total += weights.find(w.name)->nbytes;
  }
  std::string blob(total, '\0');
  for (size_t i = 0; i < table.size(); ++i) {
    const WeightTable::Entry *e = weights.find(table[i].name);
    std::memcpy(blob.data() + offsets[i], e->data, e->nbytes);
  }
  uint8_t id[16];
  std::random_device rd;
  for (uint8_t &b : id)
    b = static_cast<uint8_t>(rd());

  // Temporary build directory for object, C source and the embedded blob.
  llvm::SmallString<128> work;
  if (std::error_code ec = llvm::sys::fs::createUniqueDirectory("attune-link", work))
    return makeError("cannot create a temporary directory: " + ec.message());
  std::string workDir = work.str().str();
  auto cleanup = llvm::make_scope_exit([&] { llvm::sys::fs::remove_directories(workDir); });
  auto writeWork = [&](const std::string &name, llvm::StringRef bytes) -> llvm::Expected<std::string> {
    std::string path = workDir + "/" + name;
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    if (ec)
      return makeError(path + ": " + ec.message());
    os << bytes;
    return path;
  };
  std::vector<std::string> objPaths;
  for (size_t i = 0; i < objects.size(); ++i) {
    auto objPath = writeWork("kernels" + std::to_string(i) + ".o", objects[i]);
    if (!objPath)
      return objPath.takeError();
    objPaths.push_back(*objPath);
  }

  // Generated C.
  std::string c;
  llvm::raw_string_ostream cs(c);
  cs << "/* Generated by attune compile for model " << cString(spec.modelName)
     << ". Do not edit. */\n#include <stddef.h>\n#include \"attune/abi.h\"\n\n";
  auto emitTensors = [&](const std::string &name, const std::vector<TensorSpec> &ts) {
    if (ts.empty())
      return std::string("NULL");
    cs << "static const attune_abi_tensor " << name << "[] = {\n";
    for (const TensorSpec &t : ts)
      cs << "  " << tensorInit(t) << ",\n";
    cs << "};\n";
    return name;
  };
  // One trampoline per entry: kernel(a[0], a[1], ...).
  auto emitEntry = [&](const EntrySpec &e, const std::string &fn) {
    size_t nargs = e.weights.size() + e.inputs.size() + e.outputs.size();
    cs << "extern void " << e.kernelSymbol << "(";
    for (size_t i = 0; i < nargs; ++i)
      cs << (i ? ", " : "") << "void *";
    if (nargs == 0)
      cs << "void";
    cs << ");\n\nstatic void " << fn << "(void **a) {\n  (void)a;\n  " << e.kernelSymbol << "(";
    for (size_t i = 0; i < nargs; ++i)
      cs << (i ? ", " : "") << "a[" << i << "]";
    cs << ");\n}\n\n";
  };
  emitEntry(spec, "entry");
  std::string inputsName = emitTensors("inputs", spec.inputs);
  std::string outputsName = emitTensors("outputs", spec.outputs);
  for (size_t k = 0; k < spec.entries.size(); ++k) {
    const EntrySpec &e = spec.entries[k];
    std::string sfx = std::to_string(k);
    emitEntry(e, "entry" + sfx);
    emitTensors("inputs" + sfx, e.inputs);
    emitTensors("outputs" + sfx, e.outputs);
    if (!e.weights.empty()) {
      cs << "static const uint32_t weights" << sfx << "[] = {";
      for (size_t i = 0; i < e.weights.size(); ++i)
        cs << (i ? ", " : "") << index.at(e.weights[i].name) << "u";
      cs << "};\n";
    }
  }
  if (!spec.entries.empty()) {
    cs << "static const attune_abi_entry entries[] = {\n";
    for (size_t k = 0; k < spec.entries.size(); ++k) {
      const EntrySpec &e = spec.entries[k];
      std::string sfx = std::to_string(k);
      cs << "  {" << cString(e.name) << ", " << e.inputs.size() << ", "
         << (e.inputs.empty() ? "NULL" : "inputs" + sfx) << ", " << e.outputs.size() << ", "
         << (e.outputs.empty() ? "NULL" : "outputs" + sfx) << ", " << e.weights.size() << ", "
         << (e.weights.empty() ? "NULL" : "weights" + sfx) << ", entry" << sfx << "},\n";
    }
    cs << "};\n";
  }
  auto emitArray = [&](const char *type, const std::string &name, const auto &values) {
    if (values.empty())
      return std::string("NULL");
    cs << "static const " << type << " " << name << "[] = {";
    for (size_t i = 0; i < values.size(); ++i)
      cs << (i ? ", " : "") << values[i];
    cs << "};\n";
    return name;
  };
  std::string seqLensName = emitArray("int64_t", "seq_lens", spec.seqLens);
  std::string inSeqName = emitArray("int32_t", "input_seq_dims", spec.inputSeqDims);
  std::string outSeqName = emitArray("int32_t", "output_seq_dims", spec.outputSeqDims);
  if (!table.empty()) {
    cs << "static const attune_abi_weight weights[] = {\n";
    for (size_t i = 0; i < table.size(); ++i)
      cs << "  {" << cString(table[i].name) << ", " << offsets[i] << "u, "
         << weights.find(table[i].name)->nbytes << "u},\n";
    cs << "};\n";
  }
  std::string blobDecl;
  if (embedWeights && total > 0) {
    auto blobPath = writeWork("weights.bin", blob);
    if (!blobPath)
      return blobPath.takeError();
    // The path is escaped for the assembler string inside the C string.
    std::string quoted;
    for (char ch : *blobPath)
      quoted += (ch == '"' || ch == '\\') ? std::string("\\\\\\") + ch : std::string(1, ch);
    c += "__asm__(\".pushsection .rodata.attune_weights,\\\"a\\\",@progbits\\n\"\n"
         "        \".balign 64\\n\"\n"
         "        \"attune_embedded_weights_blob:\\n\"\n"
         "        \".incbin \\\"" + quoted + "\\\"\\n\"\n"
         "        \".popsection\\n\");\n"
         "extern const unsigned char attune_embedded_weights_blob[] "
         "__attribute__((visibility(\"hidden\")));\n";
    blobDecl = "attune_embedded_weights_blob";
  }
  c += "\nstatic const char signature[] = " + cString(signatureJson(spec)) + ";\n\n";
  c += "__attribute__((visibility(\"hidden\"))) const attune_abi_model attune_generated_model = {\n";
  c += "  ATTUNE_ABI_VERSION,\n  " + cString(spec.modelName) + ",\n  signature,\n";
  c += "  " + std::to_string(spec.inputs.size()) + ", " + inputsName + ",\n";
  c += "  " + std::to_string(spec.outputs.size()) + ", " + outputsName + ",\n";
  c += "  " + std::to_string(table.size()) + ", " + (table.empty() ? "NULL" : "weights") + ",\n";
  c += "  " + std::to_string(total) + "u,\n  {";
  for (int i = 0; i < 16; ++i)
    c += (i ? ", " : "") + std::to_string(id[i]);
  c += "},\n  " + (blobDecl.empty() ? std::string("NULL") : blobDecl) + ",\n  entry,\n";
  c += "  " + std::to_string(static_cast<int>(spec.kind)) + ", " +
       std::to_string(spec.entries.size()) + ", " + (spec.entries.empty() ? "NULL" : "entries") +
       ", " + seqLensName + ", " + inSeqName + ", " + outSeqName + ",\n";
  bool amx = spec.usesAMX;
  for (const EntrySpec &e : spec.entries)
    amx = amx || e.usesAMX;
  c += std::string("  ") + (amx ? "ATTUNE_ABI_FEATURE_AMX" : "0") + ",\n  ";
  // The target's extensions, by name (attune_model_load checks them).
  std::string isa;
  for (const std::string &ext : spec.isa) {
    if (std::find(kIsaExtensions.begin(), kIsaExtensions.end(), ext) == kIsaExtensions.end())
      return makeError("internal error: unknown instruction-set extension '" + ext + "'");
    std::string macro = "ATTUNE_ABI_ISA_" + llvm::StringRef(ext).upper();
    std::replace(macro.begin(), macro.end(), '-', '_');
    isa += (isa.empty() ? "" : " | ") + macro;
  }
  c += (isa.empty() ? std::string("0") : isa) + "\n};\n";
  if (generatedC)
    *generatedC = c;
  auto cPath = writeWork("model.c", c);
  if (!cPath)
    return cPath.takeError();
  std::string verScript = "{ global: attune_model_*; attune_decoder_*; attune_last_error; attune_set_num_threads; "
                          "attune_version; local: *; };\n";
  auto verPath = writeWork("exports.map", verScript);
  if (!verPath)
    return verPath.takeError();

  // Link into a temporary .so, then rename the outputs into place.
  const char *envCC = std::getenv("ATTUNE_CC");
  std::string cc = envCC && *envCC ? envCC : ATTUNE_C_COMPILER;
  auto ccPath = llvm::sys::findProgramByName(cc);
  if (!ccPath) {
    ccPath = llvm::sys::findProgramByName("cc");
    if (!ccPath)
      return makeError("cannot find a C compiler to link the library (tried '" + cc +
                       "' and 'cc'; set ATTUNE_CC)");
  }
  const char *envRt = std::getenv("ATTUNE_RUNTIME_LIB");
  std::string runtimeLib = envRt && *envRt ? envRt : ATTUNE_RUNTIME_LIBRARY;
  if (!llvm::sys::fs::exists(runtimeLib))
    return makeError("runtime library not found at " + runtimeLib +
                     " (build the attune_runtime target or set ATTUNE_RUNTIME_LIB)");
  std::string tmpSo = so + ".tmp";
  std::vector<std::string> args = {*ccPath, "-shared", "-fPIC", "-O2", "-o", tmpSo,
                                   "-I" + std::string(ATTUNE_RUNTIME_INCLUDE_DIR), *cPath};
  args.insert(args.end(), objPaths.begin(), objPaths.end());
  for (const char *a : {"-Wl,--whole-archive", runtimeLib.c_str(), "-Wl,--no-whole-archive",
                        "-Wl,-Bsymbolic", "-Wl,--no-undefined"})
    args.push_back(a);
  args.push_back("-Wl,--version-script=" + *verPath);
  for (const char *a : {"-lm", "-lpthread", "-ldl"})
    args.push_back(a);
  std::vector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::string linkLog = workDir + "/link.log";
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, llvm::StringRef(linkLog),
                                                llvm::StringRef(linkLog)};
  std::string execError;
  int rc = llvm::sys::ExecuteAndWait(*ccPath, argRefs, std::nullopt, redirects, 0, 0, &execError);
  if (rc != 0) {
    auto buf = llvm::MemoryBuffer::getFile(linkLog);
    std::string out = buf ? (*buf)->getBuffer().str() : "";
    llvm::sys::fs::remove(tmpSo);
    return makeError("linking " + so + " failed (" + *ccPath + ", exit " + std::to_string(rc) +
                     "): " + execError + "\n" + out);
  }

  // Header documenting the signature.
  std::string h;
  std::string guard = "ATTUNE_MODEL_" + llvm::sys::path::stem(so).upper() + "_H";
  for (char &ch : guard)
    if (!isalnum(static_cast<unsigned char>(ch)))
      ch = '_';
  h += "/* Generated by attune compile: model \"" + spec.modelName + "\".\n";
  h += " * The functions are those of attune/runtime.h (one ABI for every model);\n";
  h += " * this header only documents this model's signature. */\n";
  h += "#ifndef " + guard + "\n#define " + guard + "\n#include \"attune/runtime.h\"\n\n";
  h += "/* Inputs, in the order attune_model_run expects them:\n";
  for (size_t i = 0; i < spec.inputs.size(); ++i)
    h += " *   " + std::to_string(i) + ": " + describe(spec.inputs[i]) +
         (spec.inputs[i].maxValue >= 0 ? "  (values in [0, " + std::to_string(spec.inputs[i].maxValue) + "))" : "") + "\n";
  h += " * Outputs:\n";
  for (size_t i = 0; i < spec.outputs.size(); ++i)
    h += " *   " + std::to_string(i) + ": " + describe(spec.outputs[i]) + "\n";
  if (spec.kind == LibraryKind::SeqBuckets) {
    h += " * Sequence-length buckets:";
    for (int64_t l : spec.seqLens)
      h += " " + std::to_string(l);
    h += " (shapes above are the largest; attune_model_seq_dim names the\n"
         " * dimension that takes any length up to it).\n";
  }
  if (spec.kind == LibraryKind::Decoder && !spec.seqLens.empty())
    h += " * Incremental decoding: attune_decoder_* with a KV cache of " +
         std::to_string(spec.seqLens.front()) + " tokens.\n";
  h += " */\n#define " + guard.substr(0, guard.size() - 2) + "_NUM_INPUTS " +
       std::to_string(spec.inputs.size()) + "\n#define " + guard.substr(0, guard.size() - 2) +
       "_NUM_OUTPUTS " + std::to_string(spec.outputs.size()) + "\n\n#endif\n";

  // Weights sidecar.
  std::string weightsFile;
  if (!embedWeights) {
    std::string header(ATTUNE_WEIGHTS_HEADER_BYTES, '\0');
    std::memcpy(header.data(), ATTUNE_WEIGHTS_MAGIC, 8);
    std::memcpy(header.data() + 8, id, 16);
    uint64_t n = total, off = ATTUNE_WEIGHTS_HEADER_BYTES;
    std::memcpy(header.data() + 24, &n, 8);
    std::memcpy(header.data() + 32, &off, 8);
    auto tmpW = writeTemp(stem + ".weights", header + blob);
    if (!tmpW)
      return tmpW.takeError();
    weightsFile = *tmpW;
  }
  auto tmpH = writeTemp(stem + ".h", h);
  if (!tmpH)
    return tmpH.takeError();
  std::string rtDir = dir + "/attune";
  llvm::sys::fs::create_directories(rtDir);
  llvm::sys::fs::copy_file(std::string(ATTUNE_RUNTIME_INCLUDE_DIR) + "/attune/runtime.h",
                           rtDir + "/runtime.h");

  // Rename: weights first, library last (a library never pairs with a stale
  // weights file: their ids differ, and the runtime refuses the pair).
  auto rename = [](const std::string &from, const std::string &to) -> llvm::Error {
    if (std::error_code ec = llvm::sys::fs::rename(from, to))
      return makeError(to + ": cannot rename from " + from + ": " + ec.message());
    return llvm::Error::success();
  };
  if (!weightsFile.empty())
    if (auto err = rename(weightsFile, stem + ".weights"))
      return err;
  if (auto err = rename(*tmpH, stem + ".h"))
    return err;
  if (embedWeights)
    llvm::sys::fs::remove(stem + ".weights"); // a stale sidecar would only confuse
  return rename(tmpSo, so);
}

} // namespace attune
