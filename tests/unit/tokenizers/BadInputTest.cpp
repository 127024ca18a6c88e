//===- BadInputTest.cpp - Malformed vocabularies, merges and configs ------===//
//
// Every failure must be a message naming the file and the line, field or
// token, never an exception or a crash.
//===----------------------------------------------------------------------===//
#include "attune/tokenizers/BytePairEncoding.h"
#include "attune/tokenizers/WordPiece.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

using attune::tokenizers::BpeLoadOptions;
using attune::tokenizers::BytePairEncodingTokenizer;
using attune::tokenizers::WordPieceLoadOptions;
using attune::tokenizers::WordPieceTokenizer;
using attune_test::bertVocab;
using attune_test::TempDir;

namespace {

#define EXPECT_CONTAINS(haystack, needle)                                                  \
  EXPECT_NE((haystack).find(needle), std::string::npos)                                    \
      << "'" << (haystack) << "' does not contain '" << (needle) << "'"

std::string wordPieceError(const std::string &path,
                           const WordPieceLoadOptions &o = WordPieceLoadOptions()) {
  std::string error;
  auto tok = WordPieceTokenizer::load(path, o, error);
  EXPECT_FALSE(tok) << "loaded " << path;
  EXPECT_FALSE(error.empty());
  return error;
}

TEST(WordPieceBadInput, MissingFile) {
  std::string e = wordPieceError("/nonexistent/dir/vocab.txt");
  EXPECT_CONTAINS(e, "/nonexistent/dir/vocab.txt: cannot open");
  TempDir d;
  e = wordPieceError(d.path()); // a directory without vocab.txt
  EXPECT_CONTAINS(e, d.path() + "/vocab.txt: cannot open");
}

TEST(WordPieceBadInput, EmptyFile) {
  TempDir d;
  std::string p = d.write("vocab.txt", "");
  EXPECT_CONTAINS(wordPieceError(p), p + ": empty vocabulary file");
}

TEST(WordPieceBadInput, MissingSeparator) {
  TempDir d;
  std::string p = d.write("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[MASK]\nhello\n");
  std::string e = wordPieceError(p);
  EXPECT_CONTAINS(e, p + ": required special token '[SEP]' (sep_token) is not in the vocabulary");
}

TEST(WordPieceBadInput, EachRequiredSpecialToken) {
  for (const char *missing : {"[PAD]", "[UNK]", "[CLS]", "[SEP]"}) {
    TempDir d;
    std::string v;
    for (const char *t : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"})
      if (std::string(t) != missing)
        v += std::string(t) + "\n";
    std::string p = d.write("vocab.txt", v);
    EXPECT_CONTAINS(wordPieceError(p), std::string("'") + missing + "'");
  }
}

TEST(WordPieceBadInput, MaskRequiredOnlyWhenAsked) {
  TempDir d;
  std::string p = d.write("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n");
  std::string error;
  auto tok = WordPieceTokenizer::load(p, error);
  ASSERT_TRUE(tok) << error;
  EXPECT_EQ(tok->maskId(), -1);
  WordPieceLoadOptions o;
  o.requireMaskToken = true;
  EXPECT_CONTAINS(wordPieceError(p, o), p + ": required special token '[MASK]' (mask_token)");
}

TEST(WordPieceBadInput, DuplicateToken) {
  TempDir d;
  std::string p = d.write("vocab.txt", bertVocab({"hello", "world", "hello"}));
  EXPECT_CONTAINS(wordPieceError(p), p + ":8: duplicate token 'hello' (first on line 6)");
}

TEST(WordPieceBadInput, InvalidUtf8Line) {
  TempDir d;
  std::string p = d.write("vocab.txt", bertVocab({"ok", "bad\xC3"}));
  EXPECT_CONTAINS(wordPieceError(p), p + ":7: invalid UTF-8");
}

TEST(WordPieceBadInput, MalformedConfig) {
  TempDir d;
  std::string p = d.write("vocab.txt", bertVocab());
  std::string c = d.write("tokenizer_config.json", "{\"do_lower_case\": \"yes\"}");
  EXPECT_CONTAINS(wordPieceError(p), c + ": field 'do_lower_case' must be true, false or null");
  d.write("tokenizer_config.json", "{\"model_max_length\": -3}");
  EXPECT_CONTAINS(wordPieceError(p), c + ": field 'model_max_length' must be a non-negative");
  d.write("tokenizer_config.json", "{\"unk_token\": 5}");
  EXPECT_CONTAINS(wordPieceError(p), c + ": field 'unk_token'");
  d.write("tokenizer_config.json", "{\"do_lower_case\": tru");
  EXPECT_CONTAINS(wordPieceError(p), c + ": invalid JSON");
  d.write("tokenizer_config.json", "[1, 2]");
  EXPECT_CONTAINS(wordPieceError(p), c + ": expected a JSON object");
  // A config may rename the special tokens; they must then be in the vocab.
  d.write("tokenizer_config.json", "{\"sep_token\": {\"content\": \"</s>\"}}");
  EXPECT_CONTAINS(wordPieceError(p), p + ": required special token '</s>' (sep_token)");
  // Ignored: no config reading.
  WordPieceLoadOptions o;
  o.readTokenizerConfig = false;
  std::string error;
  EXPECT_TRUE(WordPieceTokenizer::load(p, o, error)) << error;
}

TEST(WordPieceBadInput, ConfigAsHuggingFaceWritesIt) {
  TempDir d;
  std::string p = d.write("vocab.txt", bertVocab({"<e1>", "hello"}));
  // model_max_length = int(1e30) means "no limit"; special tokens may be
  // AddedToken objects; additional special tokens are matched in text.
  d.write("tokenizer_config.json", R"({
    "do_lower_case": false, "strip_accents": null,
    "model_max_length": 1000000000000000019884624838656,
    "mask_token": {"content": "[MASK]", "lstrip": false, "__type": "AddedToken"},
    "additional_special_tokens": ["<e1>"],
    "added_tokens_decoder": {"0": {"content": "[PAD]", "special": true}},
    "tokenizer_class": "BertTokenizer"})");
  std::string error;
  auto tok = WordPieceTokenizer::load(p, error);
  ASSERT_TRUE(tok) << error;
  EXPECT_FALSE(tok->config().doLowerCase);
  EXPECT_EQ(tok->config().modelMaxLength, 0u);
  EXPECT_EQ(tok->maskId(), 4);
  std::vector<std::string> toks;
  ASSERT_TRUE(tok->tokenize("hello<e1>hello <e2>", toks, error)) << error;
  EXPECT_EQ(toks, (std::vector<std::string>{"hello", "<e1>", "hello", "[UNK]", "[UNK]",
                                            "[UNK]"}));
  EXPECT_TRUE(tok->isSpecialId(5));
  EXPECT_EQ(tok->decode({2, 6, 5, 6, 3}, /*skipSpecialTokens=*/true), "hello hello");
}

TEST(WordPieceBadInput, LineEndingsAndNotARegularFile) {
  TempDir d;
  // \r\n and \r end lines, as Python's universal newlines; no trailing newline.
  std::string p = d.write("vocab.txt", "[PAD]\r\n[UNK]\r[CLS]\n[SEP]\r\n[MASK]\nlast");
  std::string error;
  auto tok = WordPieceTokenizer::load(p, error);
  ASSERT_TRUE(tok) << error;
  EXPECT_EQ(tok->vocabSize(), 6u);
  EXPECT_EQ(tok->sepId(), 3);
  EXPECT_EQ(tok->tokenToId("last"), std::optional<int64_t>(5));
  std::string fifo = d.path() + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_CONTAINS(wordPieceError(fifo), fifo + ": not a regular file");
  ::unlink(fifo.c_str());
}

std::string bpeError(const std::string &vocab, const std::string &merges) {
  std::string error;
  auto tok = BytePairEncodingTokenizer::load(vocab, merges, error);
  EXPECT_FALSE(tok) << "loaded " << vocab;
  EXPECT_FALSE(error.empty());
  return error;
}

const char *kSmallVocab = R"({"a": 0, "b": 1, "ab": 2, "c": 3, "abc": 4})";

TEST(BpeBadInput, MissingFiles) {
  TempDir d;
  std::string v = d.write("vocab.json", kSmallVocab);
  std::string m = d.write("merges.txt", "#version: 0.2\na b\n");
  EXPECT_CONTAINS(bpeError(d.path() + "/nope.json", m), d.path() + "/nope.json: cannot open");
  EXPECT_CONTAINS(bpeError(v, d.path() + "/nope.txt"), d.path() + "/nope.txt: cannot open");
  std::string error;
  EXPECT_FALSE(BytePairEncodingTokenizer::loadDirectory("/nonexistent", BpeLoadOptions(), error));
  EXPECT_CONTAINS(error, "/nonexistent/vocab.json: cannot open");
}

TEST(BpeBadInput, VocabNotAnObject) {
  TempDir d;
  std::string m = d.write("merges.txt", "a b\n");
  std::string v = d.write("vocab.json", "[\"a\", \"b\"]");
  EXPECT_CONTAINS(bpeError(v, m), v + ": expected a JSON object mapping tokens to ids, got array");
  d.write("vocab.json", "{\"a\": 0,");
  EXPECT_CONTAINS(bpeError(v, m), v + ": invalid JSON");
  d.write("vocab.json", "{}");
  EXPECT_CONTAINS(bpeError(v, m), v + ": empty vocabulary");
}

TEST(BpeBadInput, BadIds) {
  TempDir d;
  std::string m = d.write("merges.txt", "");
  std::string v = d.write("vocab.json", R"({"a": 0, "b": "1"})");
  EXPECT_CONTAINS(bpeError(v, m), v + ": token 'b': id must be a non-negative 32-bit integer");
  d.write("vocab.json", R"({"a": 0, "b": -1})");
  EXPECT_CONTAINS(bpeError(v, m), v + ": token 'b'");
  d.write("vocab.json", R"({"a": 0, "b": 1.5})");
  EXPECT_CONTAINS(bpeError(v, m), v + ": token 'b'");
  d.write("vocab.json", R"({"a": 0, "b": 0})");
  EXPECT_CONTAINS(bpeError(v, m), v + ": tokens 'a' and 'b' both have id 0");
  d.write("vocab.json", R"({"a": 0, "b": 4000000})");
  EXPECT_CONTAINS(bpeError(v, m), v + ": ids are too sparse");
}

TEST(BpeBadInput, MalformedMergesLine) {
  TempDir d;
  std::string v = d.write("vocab.json", kSmallVocab);
  std::string m = d.write("merges.txt", "#version: 0.2\na b\nab\n");
  EXPECT_CONTAINS(bpeError(v, m), m + ":3: malformed merge 'ab'");
  d.write("merges.txt", "a b\nab c d\n");
  EXPECT_CONTAINS(bpeError(v, m), m + ":2: malformed merge 'ab c d'");
  d.write("merges.txt", "a b\n\nab c\n");
  EXPECT_CONTAINS(bpeError(v, m), m + ":2: malformed merge ''");
  d.write("merges.txt", "a  b\n");
  EXPECT_CONTAINS(bpeError(v, m), m + ":1: malformed merge");
  d.write("merges.txt", "a b\nab \xFF\n");
  EXPECT_CONTAINS(bpeError(v, m), m + ":2: invalid UTF-8");
}

TEST(BpeBadInput, MergeSymbolsNotInVocab) {
  TempDir d;
  std::string v = d.write("vocab.json", kSmallVocab);
  std::string m = d.write("merges.txt", "a b\nab x\n");
  EXPECT_CONTAINS(bpeError(v, m), m + ":2: merge symbol 'x' is not in " + v);
  d.write("merges.txt", "a b\nb c\n");
  EXPECT_CONTAINS(bpeError(v, m), m + ":2: merged token 'bc' is not in " + v);
}

TEST(BpeBadInput, ValidSmallTokenizer) {
  TempDir d;
  std::string v = d.write("vocab.json", kSmallVocab);
  // No #version line, CRLF endings, no final newline.
  std::string m = d.write("merges.txt", "a b\r\nab c");
  std::string error;
  auto tok = BytePairEncodingTokenizer::load(v, m, error);
  ASSERT_TRUE(tok) << error;
  EXPECT_EQ(tok->numMerges(), 2u);
  std::vector<int64_t> got;
  ASSERT_TRUE(tok->encode("abc", got, error)) << error;
  EXPECT_EQ(got, std::vector<int64_t>{4});
  // Symbols the vocabulary lacks ("d", " ") are dropped before merging, as
  // in Rust's BPE: "abdc" merges to "abc".
  ASSERT_TRUE(tok->encode("abdc a", got, error)) << error;
  EXPECT_EQ(got, (std::vector<int64_t>{4, 0}));
  EXPECT_EQ(tok->eosId(), -1);
}

TEST(BpeBadInput, MalformedConfig) {
  TempDir d;
  std::string v = d.write("vocab.json", kSmallVocab);
  std::string m = d.write("merges.txt", "a b\n");
  std::string c = d.write("tokenizer_config.json", "{\"add_prefix_space\": 1}");
  EXPECT_CONTAINS(bpeError(v, m), c + ": field 'add_prefix_space' must be true, false or null");
  d.write("tokenizer_config.json", R"({"added_tokens_decoder": {"x": {"content": "<s>"}}})");
  EXPECT_CONTAINS(bpeError(v, m), c + ": added_tokens_decoder key 'x' is not a token id");
  d.write("tokenizer_config.json", R"({"added_tokens_decoder": {"1": {"content": "<s>"}}})");
  EXPECT_CONTAINS(bpeError(v, m), c + ": added token '<s>' has id 1, which vocab.json gives to 'b'");
  // A valid config: an added special token and add_prefix_space.
  d.write("tokenizer_config.json",
          R"({"add_prefix_space": true, "eos_token": "<s>",
              "added_tokens_decoder": {"5": {"content": "<s>", "special": true}}})");
  std::string error;
  auto tok = BytePairEncodingTokenizer::load(v, m, error);
  ASSERT_TRUE(tok) << error;
  EXPECT_TRUE(tok->addPrefixSpace());
  EXPECT_EQ(tok->eosId(), 5);
  std::vector<int64_t> got;
  ASSERT_TRUE(tok->encode("ab<s>c", got, error)) << error;
  EXPECT_EQ(got, (std::vector<int64_t>{2, 5, 3})); // the prefix space is not in the vocab
  EXPECT_EQ(tok->decode(got), "ab<s>c");
  EXPECT_EQ(tok->decode(got, true), "abc");
}

} // namespace
