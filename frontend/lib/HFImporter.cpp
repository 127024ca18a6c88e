//===- HFImporter.cpp - Hugging Face model directories -> attune ----------===//
//
// config.json decides the architecture; the graph is built in fused form:
//
//   ids ─ embedding(word) ─┐
//   positions ─ embedding ─┼─ add ─ layer_norm ─► L × [ q/k/v linear ─ attention(mask)
//   token types ─ embedding┘        ─ linear ─ add ─ layer_norm ─ linear ─ gelu ─ linear
//                                   ─ add ─ layer_norm ] ─► last_hidden_state
//                                     ├─ pooler: linear(h[:,0]) ─ tanh
//                                     ├─ MLM head: linear ─ act ─ layer_norm ─ tied decoder
//                                     └─ pooling (mean|cls) ─ L2 normalize
//
// HF Linear weights are [out, in]: every linear is attune.matmul {transpose_b}.
// RoBERTa positions follow HF: cumsum(ids != pad) * (ids != pad) + pad, where
// the cumsum is a matmul with a constant upper-triangular matrix (exact).
//
//===----------------------------------------------------------------------===//
#include "attune/Frontend/HFImporter.h"

#include "attune/IR/AttuneOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include <nlohmann/json.hpp>
#include <set>

using namespace mlir;
using namespace mlir::attune;
using json = nlohmann::json;

namespace attune {
namespace {

struct ImportError {
  std::string message;
};
[[noreturn]] void fail(const std::string &m) { throw ImportError{m}; }

std::string joinPath(const std::string &a, const std::string &b) {
  llvm::SmallString<256> p(a);
  llvm::sys::path::append(p, b);
  return p.str().str();
}

json readJson(const std::string &path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf)
    fail(path + ": cannot read: " + buf.getError().message());
  json j = json::parse((*buf)->getBuffer().begin(), (*buf)->getBuffer().end(), nullptr, false);
  if (j.is_discarded())
    fail(path + ": invalid JSON");
  if (!j.is_object())
    fail(path + ": expected a JSON object");
  return j;
}

/// The architecture hyper-parameters, normalized across model types.
struct Arch {
  std::string type;
  int64_t vocab = 0, hidden = 0, layers = 0, heads = 0, inter = 0, maxPos = 0, typeVocab = 0;
  int64_t padId = 0;
  double eps = 1e-12;
  std::string act;
};

struct ConfigReader {
  const json &cfg;
  std::string path;
  int64_t positive(const char *key) {
    if (!cfg.contains(key))
      fail(path + ": missing field '" + key + "'");
    const json &v = cfg[key];
    if (!v.is_number_integer() || v.get<int64_t>() <= 0)
      fail(path + ": field '" + key + "': expected a positive integer, found " + v.dump());
    return v.get<int64_t>();
  }
  int64_t integer(const char *key, int64_t def) {
    if (!cfg.contains(key) || cfg[key].is_null())
      return def;
    if (!cfg[key].is_number_integer())
      fail(path + ": field '" + key + "': expected an integer, found " + cfg[key].dump());
    return cfg[key].get<int64_t>();
  }
  double number(const char *key, double def) {
    if (!cfg.contains(key))
      return def;
    if (!cfg[key].is_number() || cfg[key].get<double>() < 0)
      fail(path + ": field '" + key + "': expected a non-negative number, found " +
           cfg[key].dump());
    return cfg[key].get<double>();
  }
  std::string string(const char *key, const std::string &def) {
    if (!cfg.contains(key))
      return def;
    if (!cfg[key].is_string())
      fail(path + ": field '" + key + "': expected a string, found " + cfg[key].dump());
    return cfg[key].get<std::string>();
  }
};

Arch readArch(const std::string &configPath) {
  json cfg = readJson(configPath);
  ConfigReader r{cfg, configPath};
  Arch a;
  a.type = r.string("model_type", "");
  if (a.type.empty())
    fail(configPath + ": missing field 'model_type' (expected bert, roberta or distilbert)");
  if (a.type == "bert" || a.type == "roberta") {
    a.vocab = r.positive("vocab_size");
    a.hidden = r.positive("hidden_size");
    a.layers = r.positive("num_hidden_layers");
    a.heads = r.positive("num_attention_heads");
    a.inter = r.positive("intermediate_size");
    a.maxPos = r.positive("max_position_embeddings");
    a.typeVocab = r.integer("type_vocab_size", 2);
    a.eps = r.number("layer_norm_eps", 1e-12);
    a.act = r.string("hidden_act", "gelu");
    a.padId = r.integer("pad_token_id", a.type == "roberta" ? 1 : 0);
    if (a.typeVocab < 0)
      fail(configPath + ": field 'type_vocab_size': expected >= 0, found " +
           std::to_string(a.typeVocab));
  } else if (a.type == "distilbert") {
    a.vocab = r.positive("vocab_size");
    a.hidden = r.positive("dim");
    a.layers = r.positive("n_layers");
    a.heads = r.positive("n_heads");
    a.inter = r.positive("hidden_dim");
    a.maxPos = r.positive("max_position_embeddings");
    a.act = r.string("activation", "gelu");
    a.padId = r.integer("pad_token_id", 0);
    if (cfg.value("sinusoidal_pos_embds", false))
      fail(configPath + ": field 'sinusoidal_pos_embds': true is not supported (expected false)");
  } else if (a.type == "gpt2") {
    a.vocab = r.positive("vocab_size");
    a.hidden = r.positive("n_embd");
    a.layers = r.positive("n_layer");
    a.heads = r.positive("n_head");
    a.maxPos = r.positive("n_positions");
    a.inter = cfg.contains("n_inner") && !cfg["n_inner"].is_null() ? r.positive("n_inner")
                                                                   : 4 * a.hidden;
    a.eps = r.number("layer_norm_epsilon", 1e-5);
    a.act = r.string("activation_function", "gelu_new");
    if (cfg.value("scale_attn_by_inverse_layer_idx", false) ||
        cfg.value("reorder_and_upcast_attn", false))
      fail(configPath + ": scale_attn_by_inverse_layer_idx / reorder_and_upcast_attn are not "
                        "supported (expected false)");
  } else {
    fail(configPath + ": field 'model_type': unsupported model type '" + a.type +
         "' (supported: bert, roberta, distilbert, gpt2)");
  }
  if (a.hidden % a.heads != 0)
    fail(configPath + ": hidden size " + std::to_string(a.hidden) +
         " is not divisible by the number of attention heads " + std::to_string(a.heads));
  static const std::set<std::string> acts{"gelu", "gelu_new", "gelu_pytorch_tanh", "relu"};
  if (!acts.count(a.act))
    fail(configPath + ": field '" + std::string(a.type == "distilbert" ? "activation" : "hidden_act") +
         "': unsupported activation '" + a.act + "' (supported: gelu, gelu_new, "
         "gelu_pytorch_tanh, relu)");
  return a;
}

/// Loads model.safetensors or every shard listed by model.safetensors.index.json.
WeightTable loadWeights(const std::string &dir) {
  std::string single = joinPath(dir, "model.safetensors");
  std::string index = joinPath(dir, "model.safetensors.index.json");
  auto load = [](const std::string &p) {
    auto t = loadSafetensorsWeights(p);
    if (!t)
      fail(llvm::toString(t.takeError()));
    return std::move(*t);
  };
  if (llvm::sys::fs::exists(single))
    return load(single);
  if (!llvm::sys::fs::exists(index))
    fail(dir + ": no model.safetensors or model.safetensors.index.json (PyTorch .bin "
               "checkpoints are not read; save with safe_serialization=True)");
  json j = readJson(index);
  if (!j.contains("weight_map") || !j["weight_map"].is_object())
    fail(index + ": missing object field 'weight_map'");
  std::set<std::string> shards;
  for (auto &kv : j["weight_map"].items()) {
    if (!kv.value().is_string())
      fail(index + ": weight_map['" + kv.key() + "']: expected a file name");
    std::string shard = kv.value().get<std::string>();
    if (shard.find('/') != std::string::npos || shard.find("..") != std::string::npos)
      fail(index + ": weight_map['" + kv.key() + "']: shard '" + shard +
           "' must be a file name in the model directory");
    shards.insert(shard);
  }
  WeightTable table;
  table.source = index;
  for (const std::string &s : shards)
    table.merge(load(joinPath(dir, s)));
  for (auto &kv : j["weight_map"].items())
    if (!table.find(kv.key()))
      fail(index + ": weight '" + kv.key() + "' is listed in shard '" +
           kv.value().get<std::string>() + "' but not found there");
  return table;
}

class Builder {
public:
  Builder(MLIRContext &ctx, const Arch &arch, const WeightTable &weights, std::string prefix,
          const HFImportOptions &opts, std::string weightsSource)
      : ctx(ctx), b(&ctx), arch(arch), weights(weights), prefix(std::move(prefix)), opts(opts),
        source(std::move(weightsSource)) {}

  MLIRContext &ctx;
  OpBuilder b;
  const Arch &arch;
  const WeightTable &weights;
  std::string prefix;
  const HFImportOptions &opts;
  std::string source;
  std::set<std::string> used;

  Location at(const std::string &module) { return NameLoc::get(b.getStringAttr(module)); }

  RankedTensorType f32(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, b.getF32Type());
  }

  bool has(const std::string &name, bool prefixed = true) {
    return weights.find((prefixed ? prefix : "") + name) != nullptr;
  }

  /// attune.weight for `name` (with the checkpoint's prefix), checked
  /// against the expected shape.
  Value weight(const std::string &name, ArrayRef<int64_t> shape, bool prefixed = true) {
    std::string full = (prefixed ? prefix : "") + name;
    const WeightTable::Entry *e = weights.find(full);
    if (!e)
      fail(source + ": missing weight '" + full + "' (expected for " + arch.type + " with " +
           std::to_string(arch.layers) + " layers)");
    std::vector<int64_t> want(shape.begin(), shape.end());
    if (e->type != ElementType::F32 || e->shape != want) {
      std::string ws = "[", fs = "[";
      for (size_t i = 0; i < want.size(); ++i) ws += (i ? "," : "") + std::to_string(want[i]);
      for (size_t i = 0; i < e->shape.size(); ++i) fs += (i ? "," : "") + std::to_string(e->shape[i]);
      fail(source + ": weight '" + full + "': expected f32 shape " + ws + "], found " +
           elementTypeName(e->type) + " shape " + fs + "]");
    }
    used.insert(full);
    return b.create<WeightOp>(at(full), f32(shape), FlatSymbolRefAttr::get(&ctx, full));
  }

  Value linear(Value x, const std::string &module, int64_t in, int64_t out,
               bool prefixed = true) {
    Location loc = at(module);
    Value w = weight(module + ".weight", {out, in}, prefixed);
    Value y = b.create<MatmulOp>(loc, x, w, /*transpose_b=*/true);
    Value bias = weight(module + ".bias", {out}, prefixed);
    return b.create<AddOp>(loc, y, bias);
  }

  Value layerNorm(Value x, const std::string &module, const std::string &weightName = "weight",
                  const std::string &biasName = "bias", bool prefixed = true) {
    // Old checkpoints name LayerNorm parameters gamma/beta.
    std::string w = module + "." + weightName, bi = module + "." + biasName;
    if (!has(w, prefixed) && has(module + ".gamma", prefixed)) {
      w = module + ".gamma";
      bi = module + ".beta";
    }
    Value g = weight(w, {arch.hidden}, prefixed);
    Value be = weight(bi, {arch.hidden}, prefixed);
    return b.create<LayerNormOp>(at(module), x, g, be, b.getF32FloatAttr(arch.eps),
                                 b.getI64IntegerAttr(-1));
  }

  Value activation(Value x, const std::string &module) {
    Location loc = at(module);
    if (arch.act == "relu")
      return b.create<ReluOp>(loc, x);
    return b.create<GeluOp>(loc, x, b.getStringAttr(arch.act == "gelu" ? "none" : "tanh"));
  }

  Value i64Const(ArrayRef<int64_t> shape, ArrayRef<int64_t> values, Location loc) {
    auto t = RankedTensorType::get(shape, b.getI64Type());
    return b.create<ConstantOp>(loc, DenseElementsAttr::get(t, values));
  }
  Value f32Scalar(float v, Location loc) {
    auto t = f32({});
    return b.create<ConstantOp>(loc, DenseElementsAttr::get(t, ArrayRef<float>{v}));
  }

  Value positionIds(Value ids, Location loc) {
    int64_t S = opts.seqLen;
    if (arch.type != "roberta") {
      std::vector<int64_t> pos(S);
      for (int64_t i = 0; i < S; ++i) pos[i] = i;
      return i64Const({1, S}, pos, loc);
    }
    // cumsum(ids != pad) * (ids != pad) + pad  (HF create_position_ids_from_input_ids)
    Value pad = i64Const({}, {arch.padId}, loc);
    Value isPad = b.create<EqualOp>(loc, ids, pad);
    Value one = i64Const({}, {1}, loc);
    Value keep = b.create<SubOp>(loc, one, b.create<CastOp>(loc, RankedTensorType::get({opts.batch, S}, b.getI64Type()), isPad));
    Value keepF = b.create<CastOp>(loc, f32({opts.batch, S}), keep);
    std::vector<float> upper(S * S, 0.0f);
    for (int64_t k = 0; k < S; ++k)
      for (int64_t j = k; j < S; ++j)
        upper[k * S + j] = 1.0f;
    Value tri = b.create<ConstantOp>(loc, DenseElementsAttr::get(f32({S, S}), ArrayRef<float>(upper)));
    Value cum = b.create<MatmulOp>(loc, keepF, tri, false);
    Value cumI = b.create<CastOp>(loc, RankedTensorType::get({opts.batch, S}, b.getI64Type()), cum);
    return b.create<AddOp>(loc, b.create<MulOp>(loc, cumI, keep), pad);
  }
};

std::string detectPrefix(const WeightTable &w, const std::string &type) {
  if (type == "gpt2")
    return w.find("transformer.wte.weight") ? "transformer." : "";
  for (std::string p : {std::string(""), type + "."})
    if (w.find(p + "embeddings.word_embeddings.weight"))
      return p;
  return "";
}

/// GPT-2 (pre-LN decoder, causal attention, Conv1D weights stored [in, out],
/// LM head tied to the token embeddings):
///   h = wte[ids] + wpe[pos];  L x [ h += proj(attn(split(c_attn(ln_1 h))));
///                                   h += c_proj(gelu(c_fc(ln_2 h))) ];
///   last_hidden_state = ln_f h;  logits = last_hidden_state . wte^T
/// `past`: the decode step of a KV-cached decoder: `positions` [1, 1], the
/// caches [L, 1, C, E] and `mask` [1, C + 1] (the cache's valid rows and the
/// new token); keys/values are the cache's rows followed by the new token's.
/// Otherwise causal attention over the S tokens with the padding `mask`.
/// `newKeys`/`newValues` receive each layer's keys/values [1, Sq, E].
struct GPT2Past {
  Value positions, keys, values;
  int64_t capacity = 0;
};

void buildGPT2(Builder &bld, Value ids, Value mask, const GPT2Past *past,
               SmallVector<Value> &newKeys, SmallVector<Value> &newValues,
               SmallVector<Value> &outs, SmallVector<std::string> &outNames) {
  OpBuilder &b = bld.b;
  const Arch &arch = bld.arch;
  int64_t S = cast<RankedTensorType>(ids.getType()).getDimSize(1), E = arch.hidden;
  int64_t B = cast<RankedTensorType>(ids.getType()).getDimSize(0);
  auto conv1d = [&](Value x, const std::string &module, int64_t in, int64_t out) {
    Location loc = bld.at(module);
    Value y = b.create<MatmulOp>(loc, x, bld.weight(module + ".weight", {in, out}), false);
    return b.create<AddOp>(loc, y, bld.weight(module + ".bias", {out})).getResult();
  };
  Value wte = bld.weight("wte.weight", {arch.vocab, E});
  Value h = b.create<EmbeddingOp>(bld.at("wte"), wte, ids);
  Value positions;
  if (past) {
    positions = past->positions;
  } else {
    std::vector<int64_t> pos(S);
    for (int64_t i = 0; i < S; ++i)
      pos[i] = i;
    positions = bld.i64Const({1, S}, pos, bld.at("wpe"));
  }
  Value p = b.create<EmbeddingOp>(bld.at("wpe"), bld.weight("wpe.weight", {arch.maxPos, E}),
                                  positions);
  h = b.create<AddOp>(bld.at("wpe"), h, p);
  auto cacheRows = [&](Value cache, int64_t layer, Value fresh, Location loc) -> Value {
    int64_t C = past->capacity;
    Value rows = b.create<SliceOp>(loc, cache, b.getDenseI64ArrayAttr({layer, 0, 0, 0}),
                                   b.getDenseI64ArrayAttr({layer + 1, 1, C, E}),
                                   b.getDenseI64ArrayAttr({1, 1, 1, 1}));
    rows = b.create<ReshapeOp>(loc, bld.f32({1, C, E}), rows);
    return b.create<ConcatOp>(loc, ValueRange{rows, fresh}, b.getI64IntegerAttr(1));
  };
  for (int64_t i = 0; i < arch.layers; ++i) {
    std::string L = "h." + std::to_string(i);
    Value a = bld.layerNorm(h, L + ".ln_1");
    Value qkv = conv1d(a, L + ".attn.c_attn", E, 3 * E);
    Location al = bld.at(L + ".attn");
    auto split = b.create<SplitOp>(al, qkv, b.getI64IntegerAttr(2),
                                   b.getDenseI64ArrayAttr({E, E, E}));
    Value k = split.getResult(1), v = split.getResult(2);
    newKeys.push_back(k);
    newValues.push_back(v);
    Value ctxv;
    if (past)
      ctxv = b.create<AttentionOp>(al, split.getResult(0), cacheRows(past->keys, i, k, al),
                                   cacheRows(past->values, i, v, al), mask,
                                   b.getI64IntegerAttr(arch.heads), FloatAttr(), UnitAttr());
    else
      ctxv = b.create<AttentionOp>(al, split.getResult(0), k, v, mask,
                                   b.getI64IntegerAttr(arch.heads), FloatAttr(),
                                   b.getUnitAttr());
    h = b.create<AddOp>(bld.at(L + ".attn.c_proj"), h, conv1d(ctxv, L + ".attn.c_proj", E, E));
    Value m = bld.layerNorm(h, L + ".ln_2");
    Value f = bld.activation(conv1d(m, L + ".mlp.c_fc", E, arch.inter), L + ".mlp.act");
    h = b.create<AddOp>(bld.at(L + ".mlp.c_proj"), h,
                        conv1d(f, L + ".mlp.c_proj", arch.inter, E));
  }
  (void)B;
  h = bld.layerNorm(h, "ln_f");
  if (!past) {
    outs.push_back(h);
    outNames.push_back("last_hidden_state");
  }
  Value head = bld.has("lm_head.weight", false)
                   ? bld.weight("lm_head.weight", {arch.vocab, E}, false)
                   : wte;
  outs.push_back(b.create<MatmulOp>(bld.at("lm_head"), h, head, true));
  outNames.push_back("logits");
}

/// [1, S, E] per layer -> [L, 1, S, E].
Value stackLayers(Builder &bld, ArrayRef<Value> perLayer, Location loc) {
  SmallVector<Value> parts;
  for (Value v : perLayer) {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> shape{1};
    shape.append(t.getShape().begin(), t.getShape().end());
    parts.push_back(bld.b.create<ReshapeOp>(loc, RankedTensorType::get(shape, t.getElementType()), v));
  }
  return bld.b.create<ConcatOp>(loc, parts, bld.b.getI64IntegerAttr(0));
}

std::string detectPooling(const std::string &dir) {
  std::string p = joinPath(dir, "1_Pooling/config.json");
  if (!llvm::sys::fs::exists(p))
    return "";
  json j = readJson(p);
  if (j.value("pooling_mode_mean_tokens", false))
    return "mean";
  if (j.value("pooling_mode_cls_token", false))
    return "cls";
  fail(p + ": only mean and cls pooling are supported (pooling_mode_mean_tokens or "
           "pooling_mode_cls_token)");
}

ImportedModel build(MLIRContext &ctx, const std::string &dir, const HFImportOptions &opts) {
  std::string configPath = joinPath(dir, "config.json");
  Arch arch = readArch(configPath);
  if (opts.batch <= 0 || opts.seqLen <= 0)
    fail("--batch and --seq-len must be positive");
  int64_t maxLen = arch.type == "roberta" ? arch.maxPos - arch.padId - 1 : arch.maxPos;
  if (opts.seqLen > maxLen)
    fail(configPath + ": --seq-len " + std::to_string(opts.seqLen) +
         " exceeds the model's maximum positions (" + std::to_string(maxLen) + ")");
  WeightTable weights = loadWeights(dir);
  std::string prefix = detectPrefix(weights, arch.type);
  std::string pooling = opts.pooling.empty() ? detectPooling(dir) : opts.pooling;
  if (!pooling.empty() && pooling != "mean" && pooling != "cls")
    fail("--pooling: expected mean or cls, found '" + pooling + "'");

  ctx.getOrLoadDialect<AttuneDialect>();
  ctx.getOrLoadDialect<func::FuncDialect>();
  Builder bld(ctx, arch, weights, prefix, opts, weights.source);
  OpBuilder &b = bld.b;
  int64_t B = opts.batch, S = opts.seqLen, H = arch.hidden;
  auto ids = RankedTensorType::get({B, S}, b.getI64Type());
  bool withTypes = arch.type == "bert" && arch.typeVocab > 0;
  SmallVector<Type> inTypes{ids, ids};
  SmallVector<std::string> inNames{"input_ids", "attention_mask"};
  bool decode = opts.decodeStep;
  int64_t capacity = opts.contextLen > 0 ? opts.contextLen : arch.maxPos;
  if (decode) {
    if (arch.type != "gpt2")
      fail(configPath + ": incremental decoding needs a causal decoder (model_type gpt2), found '" +
           arch.type + "'");
    if (B != 1)
      fail("incremental decoding is compiled for batch 1, found --batch " + std::to_string(B));
    if (capacity > arch.maxPos)
      fail(configPath + ": context length " + std::to_string(capacity) +
           " exceeds the model's maximum positions (n_positions " + std::to_string(arch.maxPos) +
           ")");
    auto one = RankedTensorType::get({1, 1}, b.getI64Type());
    auto cache = bld.f32({arch.layers, 1, capacity, H});
    inTypes = {one, one, cache, cache, RankedTensorType::get({1, capacity + 1}, b.getI64Type())};
    inNames = {"input_ids", "position_ids", "past_keys", "past_values", "past_mask"};
  }
  if (withTypes) {
    inTypes.push_back(ids);
    inNames.push_back("token_type_ids");
  }

  // Owned until returned: a failure below (fail() throws) frees it.
  OwningOpRef<ModuleOp> owned = ModuleOp::create(NameLoc::get(b.getStringAttr(dir)));
  ModuleOp module = *owned;
  b.setInsertionPointToEnd(module.getBody());
  auto fn = b.create<func::FuncOp>(bld.at("model"), "main", b.getFunctionType(inTypes, {}));
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value inputIds = entry->getArgument(0), mask = entry->getArgument(1);
  SmallVector<Value> outs;
  SmallVector<std::string> outNames;
  Value h;
  if (arch.type == "gpt2") {
    SmallVector<Value> keys, values;
    GPT2Past past;
    if (decode) {
      past = {entry->getArgument(1), entry->getArgument(2), entry->getArgument(3), capacity};
      mask = entry->getArgument(4);
    }
    buildGPT2(bld, inputIds, mask, decode ? &past : nullptr, keys, values, outs, outNames);
    h = outs.front();
    if (decode || (opts.kvOutputs && B == 1)) {
      Location kl = bld.at("model");
      outs.push_back(stackLayers(bld, keys, kl));
      outNames.push_back(decode ? "keys" : "present_keys");
      outs.push_back(stackLayers(bld, values, kl));
      outNames.push_back(decode ? "values" : "present_values");
    }
  } else {
  // Embeddings.
  std::string emb = "embeddings";
  Location el = bld.at(emb);
  h = b.create<EmbeddingOp>(bld.at(emb + ".word_embeddings"),
                                  bld.weight(emb + ".word_embeddings.weight", {arch.vocab, H}),
                                  inputIds);
  int64_t posRows = arch.maxPos;
  Value pos = b.create<EmbeddingOp>(bld.at(emb + ".position_embeddings"),
                                    bld.weight(emb + ".position_embeddings.weight", {posRows, H}),
                                    bld.positionIds(inputIds, el));
  h = b.create<AddOp>(el, h, pos);
  if (arch.type != "distilbert" && arch.typeVocab > 0) {
    Value types = withTypes ? entry->getArgument(2)
                            : bld.i64Const({1, S}, std::vector<int64_t>(S, 0), el);
    Value te = b.create<EmbeddingOp>(
        bld.at(emb + ".token_type_embeddings"),
        bld.weight(emb + ".token_type_embeddings.weight", {arch.typeVocab, H}), types);
    h = b.create<AddOp>(el, h, te);
  }
  h = bld.layerNorm(h, emb + ".LayerNorm");

  // Encoder layers.
  for (int64_t i = 0; i < arch.layers; ++i) {
    bool distil = arch.type == "distilbert";
    std::string L = (distil ? "transformer.layer." : "encoder.layer.") + std::to_string(i);
    std::string att = L + ".attention";
    std::string q = distil ? att + ".q_lin" : att + ".self.query";
    std::string k = distil ? att + ".k_lin" : att + ".self.key";
    std::string v = distil ? att + ".v_lin" : att + ".self.value";
    std::string o = distil ? att + ".out_lin" : att + ".output.dense";
    Value qv = bld.linear(h, q, H, H), kv = bld.linear(h, k, H, H), vv = bld.linear(h, v, H, H);
    Value ctxv = b.create<AttentionOp>(bld.at(distil ? att : att + ".self"), qv, kv, vv, mask,
                                       b.getI64IntegerAttr(arch.heads), FloatAttr(), UnitAttr());
    Value a = bld.linear(ctxv, o, H, H);
    Value h1 = bld.layerNorm(b.create<AddOp>(bld.at(o), a, h),
                             distil ? L + ".sa_layer_norm" : att + ".output.LayerNorm");
    std::string up = distil ? L + ".ffn.lin1" : L + ".intermediate.dense";
    std::string down = distil ? L + ".ffn.lin2" : L + ".output.dense";
    Value f = bld.activation(bld.linear(h1, up, H, arch.inter), up);
    Value f2 = bld.linear(f, down, arch.inter, H);
    h = bld.layerNorm(b.create<AddOp>(bld.at(down), f2, h1),
                      distil ? L + ".output_layer_norm" : L + ".output.LayerNorm");
  }

  outs.push_back(h);
  outNames.push_back("last_hidden_state");

  // Pooler (BERT/RoBERTa checkpoints that have one).
  if (arch.type != "distilbert" && bld.has("pooler.dense.weight")) {
    Location pl = bld.at("pooler");
    Value first = b.create<SliceOp>(pl, h, b.getDenseI64ArrayAttr({0, 0, 0}),
                                    b.getDenseI64ArrayAttr({B, 1, H}),
                                    b.getDenseI64ArrayAttr({1, 1, 1}));
    first = b.create<ReshapeOp>(pl, bld.f32({B, H}), first);
    Value p = b.create<TanhOp>(pl, bld.linear(first, "pooler.dense", H, H));
    outs.push_back(p);
    outNames.push_back("pooler_output");
  }

  // Masked-LM head (weights outside the base-model prefix).
  std::string mlmDense, mlmNorm, mlmBias, decoder;
  if (arch.type == "bert") {
    mlmDense = "cls.predictions.transform.dense";
    mlmNorm = "cls.predictions.transform.LayerNorm";
    mlmBias = "cls.predictions.bias";
    decoder = "cls.predictions.decoder.weight";
  } else if (arch.type == "roberta") {
    mlmDense = "lm_head.dense";
    mlmNorm = "lm_head.layer_norm";
    mlmBias = "lm_head.bias";
    decoder = "lm_head.decoder.weight";
  } else {
    mlmDense = "vocab_transform";
    mlmNorm = "vocab_layer_norm";
    mlmBias = "vocab_projector.bias";
    decoder = "vocab_projector.weight";
  }
  if (!opts.noMlmHead && arch.type != "gpt2" && bld.has(mlmDense + ".weight", false)) {
    Location ml = bld.at(arch.type == "bert" ? "cls.predictions" : mlmDense);
    Value t = bld.linear(h, mlmDense, H, H, false);
    t = bld.activation(t, mlmDense);
    t = bld.layerNorm(t, mlmNorm, "weight", "bias", false);
    Value dec = bld.has(decoder, false)
                    ? bld.weight(decoder, {arch.vocab, H}, false)
                    : bld.weight("embeddings.word_embeddings.weight", {arch.vocab, H});
    Value logits = b.create<MatmulOp>(ml, t, dec, true);
    logits = b.create<AddOp>(ml, logits, bld.weight(mlmBias, {arch.vocab}, false));
    outs.push_back(logits);
    outNames.push_back("logits");
  }
  } // encoders

  // Sentence embedding (sentence-transformers: pooling + Normalize).
  if (!pooling.empty() && !decode) {
    Location sl = bld.at("pooling");
    Value e;
    if (pooling == "mean") {
      Value m = b.create<CastOp>(sl, bld.f32({B, S}), mask);
      m = b.create<ReshapeOp>(sl, bld.f32({B, S, 1}), m);
      Value sum = b.create<ReduceSumOp>(sl, b.create<MulOp>(sl, h, m),
                                        b.getDenseI64ArrayAttr({1}), UnitAttr());
      Value cnt = b.create<ReduceSumOp>(sl, m, b.getDenseI64ArrayAttr({1}), UnitAttr());
      cnt = b.create<MaximumOp>(sl, cnt, bld.f32Scalar(1e-9f, sl));
      e = b.create<DivOp>(sl, sum, cnt);
    } else {
      e = b.create<SliceOp>(sl, h, b.getDenseI64ArrayAttr({0, 0, 0}),
                            b.getDenseI64ArrayAttr({B, 1, H}), b.getDenseI64ArrayAttr({1, 1, 1}));
      e = b.create<ReshapeOp>(sl, bld.f32({B, H}), e);
    }
    Location nl = bld.at("normalize");
    Value sq = b.create<ReduceSumOp>(nl, b.create<MulOp>(nl, e, e), b.getDenseI64ArrayAttr({-1}),
                                     b.getUnitAttr());
    Value norm = b.create<MaximumOp>(nl, b.create<SqrtOp>(nl, sq), bld.f32Scalar(1e-12f, nl));
    outs.push_back(b.create<DivOp>(nl, e, norm));
    outNames.push_back("sentence_embedding");
  }

  b.create<func::ReturnOp>(bld.at("model"), outs);
  SmallVector<Type> outTypes;
  for (Value v : outs)
    outTypes.push_back(v.getType());
  fn.setType(b.getFunctionType(inTypes, outTypes));
  for (size_t i = 0; i < inNames.size(); ++i)
    fn.setArgAttr(i, "attune.name", b.getStringAttr(inNames[i]));
  fn.setArgAttr(0, "attune.max_value", b.getI64IntegerAttr(arch.vocab));
  if (decode)
    fn.setArgAttr(1, "attune.max_value", b.getI64IntegerAttr(capacity));
  if (withTypes)
    fn.setArgAttr(2, "attune.max_value", b.getI64IntegerAttr(arch.typeVocab));
  for (size_t i = 0; i < outNames.size(); ++i)
    fn.setResultAttr(i, "attune.name", b.getStringAttr(outNames[i]));
  std::string name = llvm::sys::path::filename(llvm::StringRef(dir).rtrim('/')).str();
  fn->setAttr("attune.model_name", b.getStringAttr(name));

  std::string diagnostics;
  {
    ScopedDiagnosticHandler h2(&ctx, [&](Diagnostic &d) {
      diagnostics += d.str() + "\n";
      return success();
    });
    if (failed(verify(module)))
      fail(dir + ": internal error: the imported model does not verify: " + diagnostics);
  }
  ImportedModel out;
  out.module = std::move(owned);
  out.name = name;
  out.causalDecoder = arch.type == "gpt2";
  out.maxPositions = maxLen;
  out.weights.source = weights.source;
  out.weights.merge(std::move(weights));
  return out;
}

} // namespace

bool isHuggingFaceDirectory(const std::string &dir) {
  return llvm::sys::fs::is_directory(dir) && llvm::sys::fs::exists(joinPath(dir, "config.json"));
}

llvm::Expected<ImportedModel> importHuggingFace(MLIRContext &ctx, const std::string &dir,
                                                const HFImportOptions &opts) {
  try {
    return build(ctx, dir, opts);
  } catch (const ImportError &e) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), e.message);
  } catch (const std::exception &e) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   dir + ": error while importing: " + e.what());
  }
}

} // namespace attune
