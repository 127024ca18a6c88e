//===- fuzz_bpe.cpp - Fuzz GPT-2's byte-level BPE tokenizer ---------------===//
//
// Input, split on the byte 0xFF (never part of valid UTF-8, so never part of
// a valid vocab.json):
//
//   TEXT                              no 0xFF: TEXT through the fixed tokenizers
//   0xFF TEXT                         the same, TEXT may hold 0xFF
//   VOCAB 0xFF MERGES                 fuzzed files; the text is MERGES itself
//   VOCAB 0xFF MERGES 0xFF TEXT       fuzzed files and TEXT
//   VOCAB 0xFF MERGES 0xFF CONFIG 0xFF TEXT   ... and tokenizer_config.json
//
// The fixed tokenizers are tests/fixtures/tokenizers/gpt2 loaded once at
// startup: as it is (its vocabulary has all 256 byte symbols, so encoding
// is lossless), and with add_prefix_space and a one-entry merge cache (to
// exercise eviction). Fuzzed files are written to vocab.json, merges.txt
// (and tokenizer_config.json) in the private scratch directory and loaded
// with BytePairEncodingTokenizer::load; a refusal is fine (checked to be a
// one-line message).
//
// Checks (BytePairEncoding.h): encoding fails only on invalid UTF-8 (valid
// TEXT always encodes; tokenize, encode and preTokenize agree on success);
// preTokenize's pieces concatenate to TEXT; tokenize and encode agree token
// for token, and a second encode (now from the cache) gives the same ids;
// every id names a token and tokenToId(idToToken(id)) == id; decode gives
// valid UTF-8; with the fixed lossless tokenizer decode(encode(TEXT)) ==
// TEXT.
//===----------------------------------------------------------------------===//
#include "FuzzUtil.h"

#include "attune/tokenizers/BytePairEncoding.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

using namespace attune::tokenizers;
using attune_fuzz::isValidUtf8;

namespace {

std::unique_ptr<BytePairEncodingTokenizer> fixedTokenizer, fixedPrefixTokenizer;
std::string vocabPath, mergesPath, configPath;

void checkMessage(const std::string &err, const char *what) {
  FUZZ_CHECK(!err.empty(), std::string(what) + " failed without a message");
  FUZZ_CHECK(err.find('\n') == std::string::npos,
             std::string(what) + ": message is not one line: " + err);
}

/// Returns the ids when `text` was encoded.
bool exercise(const BytePairEncodingTokenizer &tok, std::string_view text,
              std::vector<int64_t> &ids) {
  const bool valid = isValidUtf8(text);
  std::string err;

  std::vector<std::string> pieces;
  bool okPre = BytePairEncodingTokenizer::preTokenize(text, pieces, err);
  if (!okPre)
    checkMessage(err, "preTokenize");
  FUZZ_CHECK(okPre || !valid, "preTokenize failed on valid UTF-8: " + err);
  if (okPre) {
    std::string joined;
    for (const std::string &p : pieces) {
      FUZZ_CHECK(!p.empty(), "preTokenize gave an empty piece");
      joined += p;
    }
    FUZZ_CHECK(joined == text, "preTokenize's pieces do not concatenate to the text");
  }

  std::vector<std::string> tokens;
  err.clear();
  bool okTok = tok.tokenize(text, tokens, err);
  if (!okTok)
    checkMessage(err, "tokenize");
  FUZZ_CHECK(okTok || !valid, "tokenize failed on valid UTF-8: " + err);

  err.clear();
  bool okIds = tok.encode(text, ids, err);
  FUZZ_CHECK(okIds == okTok, "encode and tokenize disagree on success: " + err);
  if (!okIds)
    return false;
  FUZZ_CHECK(ids.size() == tokens.size(), "encode and tokenize differ in length");
  for (size_t i = 0; i < ids.size(); ++i) {
    FUZZ_CHECK(ids[i] >= 0 && static_cast<uint64_t>(ids[i]) < tok.vocabSize(),
               "id " + std::to_string(ids[i]) + " outside the vocabulary");
    FUZZ_CHECK(tok.idToToken(ids[i]) == tokens[i],
               "tokenize gave '" + tokens[i] + "' where encode gave id " + std::to_string(ids[i]));
    std::optional<int64_t> back = tok.tokenToId(tokens[i]);
    FUZZ_CHECK(back && *back == ids[i], "tokenToId(idToToken(id)) != id for '" + tokens[i] + "'");
  }

  std::vector<int64_t> again;
  err.clear();
  FUZZ_CHECK(tok.encode(text, again, err), "second encode failed: " + err);
  FUZZ_CHECK(again == ids, "second encode (cached) gave other ids");

  for (bool skip : {false, true})
    for (bool clean : {false, true})
      FUZZ_CHECK(isValidUtf8(tok.decode(ids, skip, clean)), "decode gave invalid UTF-8");
  std::vector<int64_t> odd = ids;
  odd.push_back(-1);
  odd.push_back(static_cast<int64_t>(tok.vocabSize()));
  odd.push_back(INT64_MAX);
  FUZZ_CHECK(isValidUtf8(tok.decode(odd)), "decode gave invalid UTF-8 (ids outside)");
  return true;
}

std::unique_ptr<BytePairEncodingTokenizer> loadFixed(const BpeLoadOptions &o) {
  std::string dir = attune_fuzz::fixturesDir() + "/tokenizers/gpt2", err;
  auto t = BytePairEncodingTokenizer::loadDirectory(dir, o, err);
  if (!t) {
    std::fprintf(stderr, "fuzz: cannot load the fixed tokenizer %s: %s\n", dir.c_str(),
                 err.c_str());
    std::abort();
  }
  return t;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  const std::string &dir = attune_fuzz::fuzzScratchDir();
  vocabPath = dir + "/vocab.json";
  mergesPath = dir + "/merges.txt";
  configPath = dir + "/tokenizer_config.json";
  fixedTokenizer = loadFixed(BpeLoadOptions());
  BpeLoadOptions o;
  o.addPrefixSpace = true;
  o.cacheCapacity = 1;
  fixedPrefixTokenizer = loadFixed(o);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view in(reinterpret_cast<const char *>(data), size);
  uint8_t salt = 0;
  for (size_t i = 0; i < size; ++i)
    salt = static_cast<uint8_t>(salt * 31 + data[i]);

  size_t sep = in.find('\xff');
  if (sep == std::string_view::npos || sep == 0) {
    std::string_view text = sep == 0 ? in.substr(1) : in;
    std::vector<int64_t> ids;
    if (exercise(*fixedTokenizer, text, ids)) {
      std::string back = fixedTokenizer->decode(ids);
      FUZZ_CHECK(back == text, "decode(encode(text)) != text with the lossless fixed vocabulary");
    }
    exercise(*fixedPrefixTokenizer, text, ids);
    return 0;
  }

  // Split the rest into up to three more parts.
  std::vector<std::string_view> parts{in.substr(0, sep)};
  std::string_view rest = in.substr(sep + 1);
  while (parts.size() < 3) {
    size_t s = rest.find('\xff');
    if (s == std::string_view::npos)
      break;
    parts.push_back(rest.substr(0, s));
    rest = rest.substr(s + 1);
  }
  parts.push_back(rest);
  std::string_view vocab = parts[0], merges = parts[1], text = parts.back();
  ::unlink(configPath.c_str());
  if (parts.size() == 4)
    attune_fuzz::writeFileOrDie(configPath, parts[2]);
  attune_fuzz::writeFileOrDie(vocabPath, vocab);
  attune_fuzz::writeFileOrDie(mergesPath, merges);

  BpeLoadOptions opts;
  opts.cacheCapacity = salt & 1 ? 1 : 1 << 16;
  if (salt & 2)
    opts.addPrefixSpace = (salt & 4) != 0;
  std::string err;
  std::unique_ptr<BytePairEncodingTokenizer> tok =
      salt & 8 ? BytePairEncodingTokenizer::load(vocabPath, mergesPath, opts, err)
               : BytePairEncodingTokenizer::loadDirectory(attune_fuzz::fuzzScratchDir(), opts, err);
  if (!tok) {
    checkMessage(err, "load");
    if (attune_fuzz::verbose())
      std::fprintf(stderr, "refused: %s\n", err.c_str());
    return 0;
  }
  if (attune_fuzz::verbose())
    std::fprintf(stderr, "loaded %zu ids, %zu merges\n", tok->vocabSize(), tok->numMerges());
  // (at most the first 65536 ids: a file can claim huge ids)
  for (size_t i = 0; i < tok->vocabSize() && i < 65536; ++i) {
    const std::string &t = tok->idToToken(static_cast<int64_t>(i));
    if (t.empty())
      continue; // an id no token has (or the token "")
    std::optional<int64_t> back = tok->tokenToId(t);
    FUZZ_CHECK(back && *back == static_cast<int64_t>(i),
               "tokenToId(idToToken(" + std::to_string(i) + ")) != " + std::to_string(i));
  }
  FUZZ_CHECK(tok->eosId() < static_cast<int64_t>(tok->vocabSize()), "eos id outside the vocabulary");
  std::vector<int64_t> ids;
  exercise(*tok, text, ids);
  return 0;
}
