//===- fuzz_wordpiece.cpp - Fuzz BERT's WordPiece tokenizer ---------------===//
//
// Input, split on the byte 0xFF (never part of valid UTF-8, so never part of
// a valid vocab.txt or JSON file):
//
//   TEXT                       no 0xFF: TEXT through the fixed tokenizer
//   0xFF TEXT                  the fixed tokenizer, TEXT may hold 0xFF
//   VOCAB 0xFF TEXT            VOCAB as vocab.txt, no tokenizer_config.json
//   VOCAB 0xFF CONFIG 0xFF TEXT   ... and CONFIG as tokenizer_config.json
//
// The fixed tokenizer is tests/fixtures/tokenizers/bert-uncased (vocab.txt
// and tokenizer_config.json), loaded once at startup. A fuzzed vocabulary
// is written to vocab.txt (and tokenizer_config.json) in the private
// scratch directory and loaded with WordPieceTokenizer::load; a refusal is
// fine (checked to be a one-line message). TEXT is then run through
// tokenize, basicTokenize, encodeIds, encode (alone, as a pair split in the
// middle, with truncation / padding to a length derived from the input) and
// decode.
//
// Checks (WordPiece.h): encoding fails only on invalid UTF-8 (so valid TEXT
// always encodes, and every call agrees on success); tokenize and encodeIds
// agree token for token; ids are in the vocabulary; the Encoding's three
// vectors have one length, masks are 0/1, token types 0/1, [CLS] first and
// [SEP] last with special tokens; truncation keeps the length <= max_length
// (when that leaves room for the special tokens) and padding reaches it;
// decode gives valid UTF-8 (all vocabulary tokens are valid UTF-8).
//===----------------------------------------------------------------------===//
#include "FuzzUtil.h"

#include "attune/tokenizers/WordPiece.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

using namespace attune::tokenizers;
using attune_fuzz::isValidUtf8;

namespace {

std::unique_ptr<WordPieceTokenizer> fixedTokenizer;
std::string vocabPath, configPath;

void checkMessage(const std::string &err, const char *what) {
  FUZZ_CHECK(!err.empty(), std::string(what) + " failed without a message");
  FUZZ_CHECK(err.find('\n') == std::string::npos,
             std::string(what) + ": message is not one line: " + err);
}

void checkIds(const WordPieceTokenizer &tok, const std::vector<int64_t> &ids) {
  for (int64_t id : ids)
    FUZZ_CHECK(id >= 0 && static_cast<uint64_t>(id) < tok.vocabSize(),
               "id " + std::to_string(id) + " outside the vocabulary");
}

void checkDecode(const WordPieceTokenizer &tok, const std::vector<int64_t> &ids) {
  for (bool skip : {false, true})
    for (bool clean : {false, true}) {
      std::string s = tok.decode(ids, skip, clean);
      FUZZ_CHECK(isValidUtf8(s), "decode gave invalid UTF-8");
    }
  // Ids outside the vocabulary decode as [UNK] (idToToken's promise).
  std::vector<int64_t> odd = ids;
  odd.push_back(-1);
  odd.push_back(static_cast<int64_t>(tok.vocabSize()));
  odd.push_back(INT64_MIN);
  std::string s = tok.decode(odd);
  FUZZ_CHECK(isValidUtf8(s), "decode gave invalid UTF-8 (ids outside the vocabulary)");
}

void checkEncoding(const WordPieceTokenizer &tok, const Encoding &e, const EncodeOptions &o,
                   bool pair) {
  size_t n = e.inputIds.size();
  FUZZ_CHECK(e.tokenTypeIds.size() == n && e.attentionMask.size() == n,
             "inputIds, tokenTypeIds and attentionMask differ in length");
  checkIds(tok, e.inputIds);
  for (size_t i = 0; i < n; ++i) {
    FUZZ_CHECK(e.attentionMask[i] == 0 || e.attentionMask[i] == 1, "attention mask not 0/1");
    FUZZ_CHECK(e.tokenTypeIds[i] == 0 || e.tokenTypeIds[i] == 1, "token type not 0/1");
    if (e.attentionMask[i] == 0)
      FUZZ_CHECK(e.inputIds[i] == tok.padId(), "masked position is not [PAD]");
  }
  size_t added = o.addSpecialTokens ? (pair ? 3 : 2) : 0;
  if (o.addSpecialTokens) {
    FUZZ_CHECK(n >= 2 && e.inputIds[0] == tok.clsId(), "encoding does not start with [CLS]");
    size_t real = n;
    while (real > 0 && e.attentionMask[real - 1] == 0)
      --real;
    FUZZ_CHECK(real >= added && e.inputIds[real - 1] == tok.sepId(),
               "encoding does not end with [SEP] (before padding)");
  }
  uint64_t limit = o.maxLength ? o.maxLength : tok.config().modelMaxLength;
  if (o.truncation && limit > 0 && limit >= added)
    FUZZ_CHECK(n <= limit,
               "truncated encoding longer than max_length: " + std::to_string(n) + " > " +
                   std::to_string(limit));
  if (o.padToMaxLength && limit > 0)
    FUZZ_CHECK(n >= limit, "padded encoding shorter than max_length");
}

void exercise(const WordPieceTokenizer &tok, std::string_view text, uint8_t salt) {
  const bool valid = isValidUtf8(text);
  std::string err;

  std::vector<std::string> tokens;
  bool okTok = tok.tokenize(text, tokens, err);
  if (!okTok)
    checkMessage(err, "tokenize");
  FUZZ_CHECK(okTok || !valid, "tokenize failed on valid UTF-8: " + err);

  std::vector<std::string> words;
  err.clear();
  bool okWords = tok.basicTokenize(text, words, err);
  FUZZ_CHECK(okWords == okTok, "basicTokenize and tokenize disagree on success: " + err);
  for (const std::string &w : words)
    FUZZ_CHECK(isValidUtf8(w) && !w.empty(), "basicTokenize gave an empty or invalid word");

  std::vector<int64_t> ids;
  err.clear();
  bool okIds = tok.encodeIds(text, ids, err);
  FUZZ_CHECK(okIds == okTok, "encodeIds and tokenize disagree on success: " + err);
  if (!okIds)
    return;
  FUZZ_CHECK(ids.size() == tokens.size(), "encodeIds and tokenize differ in length");
  checkIds(tok, ids);
  for (size_t i = 0; i < ids.size(); ++i) {
    FUZZ_CHECK(tok.idToToken(ids[i]) == tokens[i],
               "tokenize gave '" + tokens[i] + "' where encodeIds gave id " +
                   std::to_string(ids[i]));
  }
  checkDecode(tok, ids);

  // encode: alone, then a pair (split at a valid point: half-way, moved
  // forward to a character boundary), with options from `salt`.
  EncodeOptions o;
  Encoding e;
  err.clear();
  FUZZ_CHECK(tok.encode(text, o, e, err), "encode failed where encodeIds succeeded: " + err);
  checkEncoding(tok, e, o, false);
  FUZZ_CHECK(e.inputIds.size() == ids.size() + 2, "encode length != encodeIds length + 2");
  checkDecode(tok, e.inputIds);

  size_t mid = text.size() / 2;
  while (mid < text.size() && (static_cast<unsigned char>(text[mid]) & 0xC0) == 0x80)
    ++mid;
  std::string_view a = text.substr(0, mid), b = text.substr(mid);
  o.maxLength = salt % 24;
  o.truncation = salt & 0x20;
  o.padToMaxLength = salt & 0x40;
  o.addSpecialTokens = !(salt & 0x80);
  err.clear();
  FUZZ_CHECK(tok.encode(a, b, o, e, err), "pair encode failed on valid halves: " + err);
  checkEncoding(tok, e, o, !b.empty());
  checkDecode(tok, e.inputIds);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  const std::string &dir = attune_fuzz::fuzzScratchDir();
  vocabPath = dir + "/vocab.txt";
  configPath = dir + "/tokenizer_config.json";
  std::string fixed = attune_fuzz::fixturesDir() + "/tokenizers/bert-uncased";
  std::string err;
  fixedTokenizer = WordPieceTokenizer::load(fixed, err);
  if (!fixedTokenizer) {
    std::fprintf(stderr, "fuzz: cannot load the fixed tokenizer %s: %s\n", fixed.c_str(),
                 err.c_str());
    std::abort();
  }
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
    exercise(*fixedTokenizer, text, salt);
    return 0;
  }

  std::string_view vocab = in.substr(0, sep), rest = in.substr(sep + 1), text = rest;
  size_t sep2 = rest.find('\xff');
  ::unlink(configPath.c_str());
  if (sep2 != std::string_view::npos) {
    attune_fuzz::writeFileOrDie(configPath, rest.substr(0, sep2));
    text = rest.substr(sep2 + 1);
  }
  attune_fuzz::writeFileOrDie(vocabPath, vocab);

  WordPieceLoadOptions opts;
  opts.requireMaskToken = salt & 1;
  std::string err;
  std::unique_ptr<WordPieceTokenizer> tok =
      WordPieceTokenizer::load(salt & 2 ? vocabPath : attune_fuzz::fuzzScratchDir(), opts, err);
  if (!tok) {
    checkMessage(err, "load");
    if (attune_fuzz::verbose())
      std::fprintf(stderr, "refused: %s\n", err.c_str());
    return 0;
  }
  FUZZ_CHECK(tok->vocabSize() > 0, "loaded an empty vocabulary");
  for (int64_t id : {tok->clsId(), tok->sepId(), tok->padId(), tok->unkId()})
    FUZZ_CHECK(id >= 0 && static_cast<uint64_t>(id) < tok->vocabSize(),
               "special token id outside the vocabulary");
  FUZZ_CHECK(!opts.requireMaskToken || tok->maskId() >= 0, "mask token required but missing");
  for (size_t i = 0; i < tok->vocabSize(); ++i) {
    const std::string &t = tok->idToToken(static_cast<int64_t>(i));
    std::optional<int64_t> back = tok->tokenToId(t);
    FUZZ_CHECK(back && *back == static_cast<int64_t>(i),
               "tokenToId(idToToken(" + std::to_string(i) + ")) != " + std::to_string(i));
  }
  if (attune_fuzz::verbose())
    std::fprintf(stderr, "loaded %zu tokens\n", tok->vocabSize());
  exercise(*tok, text, salt);
  return 0;
}
