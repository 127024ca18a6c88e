//===- TextRun.cpp - attune run --text / --similarity / --fill-mask -------===//
//
// Text in, for libraries compiled from Hugging Face directories: the
// tokenizer files that `attune compile` copied to X.tokenizer/ (or
// --tokenizer DIR) encode each text to the library's [batch, seq-len]
// inputs (padding + attention mask); texts are run in batches of the
// compiled batch size. WordPiece (vocab.txt) or byte-level BPE (vocab.json +
// merges.txt: GPT-2, RoBERTa-style <s>/</s> wrapping when the vocabulary has
// them). Libraries with sequence buckets run at the longest text's length.
//   --generate N               GPT-2: greedy continuation with the KV cache
//   --text T [--text-pair P]   prints every output of each text
//   --similarity S1 S2 ...     cosine-similarity matrix of sentence_embedding
//   --fill-mask "... [MASK] ..." top-k tokens with probabilities (logits)
//
//===----------------------------------------------------------------------===//
#include "attune/Tools/RunDriver.h"

#include "attune/tokenizers/BytePairEncoding.h"
#include "attune/tokenizers/WordPiece.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

namespace attune {
namespace {

llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

const ref::Tensor *findOutput(const std::vector<NamedTensor> &outs, const std::string &name) {
  for (const NamedTensor &t : outs)
    if (t.name == name)
      return &t.tensor;
  return nullptr;
}

} // namespace

std::string defaultTokenizerDir(const std::string &library) {
  llvm::StringRef lib(library);
  if (lib.ends_with(".so"))
    lib = lib.drop_back(3);
  return (lib + ".tokenizer").str();
}

llvm::Error runText(const RunOptions &o, const std::vector<TextSlot> &slots,
                    llvm::raw_ostream &out) {
  // The library's text inputs.
  const TextSlot *ids = nullptr;
  for (const TextSlot &s : slots)
    if (s.name == "input_ids")
      ids = &s;
  if (!ids || ids->shape.size() != 2)
    return makeError(o.target + ": text input needs an input 'input_ids' of shape [batch, "
                     "seq-len] (a library compiled from a Hugging Face directory)");
  for (const TextSlot &s : slots)
    if (s.name != "input_ids" && s.name != "attention_mask" && s.name != "token_type_ids")
      return makeError(o.target + ": input '" + s.name + "' cannot be derived from text");
  int64_t batch = ids->shape[0], seqLen = ids->shape[1];

  std::string dir = o.tokenizerDir.empty() ? defaultTokenizerDir(o.target) : o.tokenizerDir;
  bool wordPiece = llvm::sys::fs::exists(dir + "/vocab.txt");
  bool bpe = !wordPiece && llvm::sys::fs::exists(dir + "/vocab.json") &&
             llvm::sys::fs::exists(dir + "/merges.txt");
  if (!wordPiece && !bpe)
    return makeError("no tokenizer at " + dir + " (expected vocab.txt for WordPiece, or "
                     "vocab.json + merges.txt for byte-level BPE; attune compile copies the "
                     "model's tokenizer files to X.tokenizer/, or pass --tokenizer DIR)");
  std::string error;
  std::unique_ptr<tokenizers::WordPieceTokenizer> tok;
  std::unique_ptr<tokenizers::BytePairEncodingTokenizer> btok;
  if (wordPiece) {
    tokenizers::WordPieceLoadOptions lo;
    lo.requireMaskToken = !o.fillMask.empty();
    tok = tokenizers::WordPieceTokenizer::load(dir, lo, error);
    if (!tok)
      return makeError(error);
  } else {
    btok = tokenizers::BytePairEncodingTokenizer::loadDirectory(dir, {}, error);
    if (!btok)
      return makeError(error);
    if (!o.fillMask.empty())
      return makeError("--fill-mask needs a WordPiece (BERT) tokenizer; " + dir +
                       " holds a byte-level BPE one");
  }
  auto decode = [&](const std::vector<int64_t> &ids) {
    return tok ? tok->decode(ids, /*skipSpecialTokens=*/false) : btok->decode(ids);
  };

  std::vector<std::string> texts;
  if (!o.fillMask.empty())
    texts.push_back(o.fillMask);
  else if (!o.similarity.empty())
    texts = o.similarity;
  else
    texts = o.texts;

  // Encode every text (unpadded); too long is an error unless --truncate.
  std::vector<tokenizers::Encoding> encs;
  for (const std::string &t : texts) {
    tokenizers::Encoding e;
    if (tok) {
      tokenizers::EncodeOptions eo;
      eo.maxLength = static_cast<size_t>(seqLen);
      eo.truncation = o.truncate;
      std::optional<std::string_view> pair;
      if (!o.textPair.empty())
        pair = o.textPair;
      if (!tok->encode(t, pair, eo, e, error))
        return makeError("--text \"" + t + "\": " + error);
    } else {
      // Byte-level BPE: GPT-2 adds no special tokens; RoBERTa-style
      // vocabularies (<s>, </s>) wrap the text as <s> A </s> [</s> B </s>].
      auto bos = btok->tokenToId("<s>"), eos = btok->tokenToId("</s>");
      std::vector<int64_t> a, b;
      if (!btok->encode(t, a, error) ||
          (!o.textPair.empty() && !btok->encode(o.textPair, b, error)))
        return makeError("--text \"" + t + "\": " + error);
      if (bos && eos) {
        e.inputIds.push_back(*bos);
        e.inputIds.insert(e.inputIds.end(), a.begin(), a.end());
        e.inputIds.push_back(*eos);
        if (!o.textPair.empty()) {
          e.inputIds.push_back(*eos);
          e.inputIds.insert(e.inputIds.end(), b.begin(), b.end());
          e.inputIds.push_back(*eos);
        }
      } else {
        e.inputIds = a;
        e.inputIds.insert(e.inputIds.end(), b.begin(), b.end());
      }
      if (o.truncate && !o.generate && static_cast<int64_t>(e.inputIds.size()) > seqLen)
        e.inputIds.resize(seqLen);
      e.attentionMask.assign(e.inputIds.size(), 1);
      e.tokenTypeIds.assign(e.inputIds.size(), 0);
    }
    if (!o.generate && static_cast<int64_t>(e.inputIds.size()) > seqLen)
      return makeError("text \"" + t + "\" has " + std::to_string(e.inputIds.size()) +
                       " tokens; " + o.target + " was compiled for at most " +
                       std::to_string(seqLen) + " (recompile with a larger --seq-len, or pass "
                       "--truncate)");
    if (e.inputIds.empty())
      return makeError("text \"" + t + "\" has no tokens");
    encs.push_back(std::move(e));
  }

  auto lib = LoadedLibrary::open(o.target, o.threads);
  if (!lib)
    return lib.takeError();
  if (o.generate > 0) {
    if (!(*lib)->hasDecoder())
      return makeError(o.target + ": --generate needs a library with incremental decoding "
                       "(compile a GPT-2 directory at --batch 1 without --no-kv-cache)");
    for (size_t i = 0; i < texts.size(); ++i) {
      auto g = (*lib)->generate(encs[i].inputIds, o.generate);
      if (!g)
        return g.takeError();
      out << "prompt [" << i << "]: " << texts[i] << " (" << encs[i].inputIds.size()
          << " tokens)\n  generated ids:";
      for (int64_t id : g->tokens)
        out << " " << id;
      out << "\n  text: " << texts[i] << decode(g->tokens) << "\n";
      out << llvm::format("  prefill %.1f ms, %.2f ms per generated token (KV cache)\n",
                          g->prefillSeconds * 1e3,
                          g->tokens.size() > 1
                              ? g->decodeSeconds * 1e3 / (g->tokens.size() - 1)
                              : 0.0);
    }
    return llvm::Error::success();
  }
  // Bucketed libraries run at the longest text's length (the runtime picks
  // the bucket); others at the compiled length.
  int64_t runLen = seqLen;
  if (ids->seqDim == 1) {
    runLen = 1;
    for (const tokenizers::Encoding &e : encs)
      runLen = std::max<int64_t>(runLen, e.inputIds.size());
  }
  int64_t padId = tok ? tok->padId() : btok->tokenToId("<pad>").value_or(0);
  // Run in batches of the compiled batch size.
  std::vector<std::vector<NamedTensor>> results(texts.size());
  double wallMs = 0;
  int batches = 0;
  auto timing = [&] {
    out << llvm::format("inference: %d batch(es) of %lld x %lld tokens, %.1f ms per batch\n",
                        batches, (long long)batch, (long long)runLen, wallMs / batches);
  };
  for (size_t first = 0; first < texts.size(); first += batch) {
    std::vector<NamedTensor> inputs;
    for (const TextSlot &s : slots) {
      std::vector<int64_t> shape = s.shape;
      shape[1] = runLen;
      ref::Tensor t = ref::Tensor::zeros(ElementType::I64, shape);
      for (int64_t b = 0; b < batch; ++b) {
        size_t k = first + b;
        const tokenizers::Encoding &e = encs[std::min(k, encs.size() - 1)];
        const std::vector<int64_t> &src = s.name == "input_ids"        ? e.inputIds
                                          : s.name == "attention_mask" ? e.attentionMask
                                                                       : e.tokenTypeIds;
        for (int64_t j = 0; j < runLen; ++j)
          t.i64()[b * runLen + j] = j < static_cast<int64_t>(src.size())
                                        ? src[j]
                                        : (s.name == "input_ids" ? padId : 0);
      }
      if (s.type != ElementType::I64)
        return makeError(o.target + ": input '" + s.name + "' must be i64 for text input");
      inputs.push_back({s.name, std::move(t)});
    }
    auto t0 = std::chrono::steady_clock::now();
    auto r = (*lib)->run(inputs);
    if (!r)
      return r.takeError();
    wallMs += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                  .count();
    ++batches;
    // Split every output along the batch dimension.
    for (int64_t b = 0; b < batch && first + b < texts.size(); ++b)
      for (const NamedTensor &t : *r) {
        std::vector<int64_t> shape(t.tensor.shape.begin() + 1, t.tensor.shape.end());
        ref::Tensor part = ref::Tensor::zeros(t.tensor.type, shape);
        size_t bytes = part.data.size();
        std::memcpy(part.data.data(), t.tensor.data.data() + b * bytes, bytes);
        results[first + b].push_back({t.name, std::move(part)});
      }
  }

  if (!o.similarity.empty()) {
    std::vector<const ref::Tensor *> emb;
    for (auto &r : results) {
      emb.push_back(findOutput(r, "sentence_embedding"));
      if (!emb.back())
        return makeError(o.target + ": no sentence_embedding output (compile with --pooling "
                         "mean or cls)");
    }
    out << "cosine similarity of sentence embeddings:\n";
    for (size_t i = 0; i < texts.size(); ++i)
      out << "  [" << i << "] " << texts[i] << "\n";
    out << "      ";
    for (size_t j = 0; j < texts.size(); ++j)
      out << llvm::format("%7s", ("[" + std::to_string(j) + "]").c_str());
    out << "\n";
    for (size_t i = 0; i < texts.size(); ++i) {
      out << llvm::format("  %-4s", ("[" + std::to_string(i) + "]").c_str());
      for (size_t j = 0; j < texts.size(); ++j) {
        const float *a = emb[i]->f32(), *b = emb[j]->f32();
        double dot = 0, na = 0, nb = 0;
        for (int64_t d = 0; d < emb[i]->numElements(); ++d) {
          dot += a[d] * b[d];
          na += a[d] * a[d];
          nb += b[d] * b[d];
        }
        out << llvm::format("%7.3f", dot / std::sqrt(na * nb + 1e-30));
      }
      out << "\n";
    }
    timing();
    return llvm::Error::success();
  }

  if (!o.fillMask.empty()) {
    const ref::Tensor *logits = findOutput(results[0], "logits");
    if (!logits)
      return makeError(o.target + ": no logits output (a masked-LM checkpoint is needed for "
                       "--fill-mask)");
    int64_t vocab = logits->shape.back();
    bool any = false;
    for (int64_t p = 0; p < static_cast<int64_t>(encs[0].inputIds.size()); ++p) {
      if (encs[0].inputIds[p] != tok->maskId())
        continue;
      any = true;
      const float *row = logits->f32() + p * vocab;
      float mx = *std::max_element(row, row + vocab);
      double sum = 0;
      for (int64_t v = 0; v < vocab; ++v)
        sum += std::exp(row[v] - mx);
      std::vector<int64_t> order(vocab);
      for (int64_t v = 0; v < vocab; ++v)
        order[v] = v;
      int64_t k = std::min<int64_t>(o.topK, vocab);
      std::partial_sort(order.begin(), order.begin() + k, order.end(),
                        [&](int64_t a, int64_t b) { return row[a] > row[b]; });
      out << "[MASK] at position " << p << ":\n";
      for (int64_t i = 0; i < k; ++i)
        out << llvm::format("  %-16s %.4f\n", tok->idToToken(order[i]).c_str(),
                            std::exp(row[order[i]] - mx) / sum);
    }
    if (!any)
      return makeError("--fill-mask: the text has no " + tok->config().maskToken + " token");
    return llvm::Error::success();
  }

  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<int64_t> real;
    for (size_t j = 0; j < encs[i].inputIds.size(); ++j)
      if (encs[i].attentionMask[j])
        real.push_back(encs[i].inputIds[j]);
    out << "text [" << i << "]: " << texts[i] << "\n  tokens: " << decode(real) << "\n";
    for (const NamedTensor &t : results[i])
      summarizeTensor(t, out);
  }
  return llvm::Error::success();
}

} // namespace attune
