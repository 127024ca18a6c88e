//===- WordPieceTest.cpp - BERT WordPiece against Hugging Face ------------===//
//
// Each configuration of expected.json (bert-uncased, bert-cased and the
// option overrides) is loaded and every case must give Hugging Face's
// input_ids, token_type_ids and attention_mask; decode() must give the
// Python tokenizer's text.
//===----------------------------------------------------------------------===//
#include "attune/tokenizers/WordPiece.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

using attune::tokenizers::Encoding;
using attune::tokenizers::EncodeOptions;
using attune::tokenizers::WordPieceLoadOptions;
using attune::tokenizers::WordPieceTokenizer;
using attune_test::expected;
using attune_test::fixturePath;
using attune_test::ids;

namespace {

// "bert-uncased/strip_accents=false" -> directory + overrides.
std::unique_ptr<WordPieceTokenizer> loadConfig(const std::string &name, std::string &error) {
  std::string dir = name.substr(0, name.find('/'));
  WordPieceLoadOptions opts;
  if (name.find("strip_accents=false") != std::string::npos)
    opts.stripAccents = false;
  if (name.find("strip_accents=true") != std::string::npos)
    opts.stripAccents = true;
  if (name.find("tokenize_chinese_chars=false") != std::string::npos)
    opts.tokenizeChineseChars = false;
  return WordPieceTokenizer::load(fixturePath(dir), opts, error);
}

std::string printable(const std::string &s) {
  return nlohmann::json(s).dump(-1, ' ', /*ensure_ascii=*/true);
}

class WordPieceFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(WordPieceFixture, MatchesHuggingFace) {
  ASSERT_FALSE(expected().is_discarded()) << "cannot parse expected.json";
  const auto &cfg = expected()["bert"][GetParam()];
  ASSERT_TRUE(cfg.is_object()) << GetParam();
  std::string error;
  auto tok = loadConfig(GetParam(), error);
  ASSERT_TRUE(tok) << error;

  size_t checked = 0;
  for (const auto &c : cfg["cases"]) {
    std::string text = c["text"].get<std::string>();
    std::optional<std::string> pair;
    if (c.contains("text_pair"))
      pair = c["text_pair"].get<std::string>();
    EncodeOptions opts;
    opts.maxLength = c.value("max_length", 0);
    opts.truncation = c.value("truncation", false);
    opts.padToMaxLength = c.value("padding", false);
    SCOPED_TRACE("text=" + printable(text) + (pair ? " pair=" + printable(*pair) : "") +
                 " max_length=" + std::to_string(opts.maxLength) +
                 (opts.truncation ? " truncation" : "") + (opts.padToMaxLength ? " padding" : ""));
    Encoding enc;
    std::optional<std::string_view> pv;
    if (pair)
      pv = *pair;
    ASSERT_TRUE(tok->encode(text, pv, opts, enc, error)) << error;
    std::vector<int64_t> want = ids(c["input_ids"]);
    if (enc.inputIds != want && c.contains("tokens")) {
      std::vector<std::string> got;
      for (int64_t id : enc.inputIds)
        got.push_back(tok->idToToken(id));
      ADD_FAILURE() << "tokens: got " << nlohmann::json(got).dump() << "\n want "
                    << c["tokens"].dump();
    }
    EXPECT_EQ(enc.inputIds, want);
    if (c.contains("token_type_ids")) {
      EXPECT_EQ(enc.tokenTypeIds, ids(c["token_type_ids"]));
      EXPECT_EQ(enc.attentionMask, ids(c["attention_mask"]));
    } else {
      EXPECT_EQ(enc.tokenTypeIds, std::vector<int64_t>(want.size(), 0));
      EXPECT_EQ(enc.attentionMask, std::vector<int64_t>(want.size(), 1));
    }
    // tokenize() and encodeIds() agree with encode() on single texts.
    if (!pair && !opts.truncation && !opts.padToMaxLength) {
      std::vector<int64_t> plain;
      ASSERT_TRUE(tok->encodeIds(text, plain, error)) << error;
      plain.insert(plain.begin(), tok->clsId());
      plain.push_back(tok->sepId());
      EXPECT_EQ(plain, want);
      if (c.contains("tokens")) {
        std::vector<std::string> toks;
        ASSERT_TRUE(tok->tokenize(text, toks, error)) << error;
        toks.insert(toks.begin(), "[CLS]");
        toks.push_back("[SEP]");
        EXPECT_EQ(nlohmann::json(toks), c["tokens"]);
      }
    }
    ++checked;
  }
  EXPECT_GE(checked, 60u);

  for (const auto &d : cfg["decode"]) {
    std::vector<int64_t> in = ids(d["ids"]);
    bool skip = d["skip_special_tokens"].get<bool>();
    EXPECT_EQ(tok->decode(in, skip, true), d["clean_up"].get<std::string>());
    EXPECT_EQ(tok->decode(in, skip, false), d["raw"].get<std::string>());
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, WordPieceFixture,
                         ::testing::Values("bert-uncased", "bert-uncased/strip_accents=false",
                                           "bert-uncased/tokenize_chinese_chars=false",
                                           "bert-cased", "bert-cased/strip_accents=true"),
                         [](const ::testing::TestParamInfo<std::string> &info) {
                           std::string n;
                           for (char c : info.param)
                             n += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

TEST(WordPiece, ReadsTokenizerConfig) {
  std::string error;
  auto u = WordPieceTokenizer::load(fixturePath("bert-uncased/vocab.txt"), error);
  ASSERT_TRUE(u) << error;
  EXPECT_TRUE(u->config().doLowerCase);
  EXPECT_TRUE(u->config().stripsAccents());
  EXPECT_EQ(u->config().modelMaxLength, 512u);
  EXPECT_EQ(u->vocabPath(), fixturePath("bert-uncased/vocab.txt"));
  auto c = WordPieceTokenizer::load(fixturePath("bert-cased"), error);
  ASSERT_TRUE(c) << error;
  EXPECT_FALSE(c->config().doLowerCase);
  EXPECT_FALSE(c->config().stripsAccents());

  // Overrides win over the file; without the file the defaults apply.
  WordPieceLoadOptions o;
  o.doLowerCase = false;
  auto u2 = WordPieceTokenizer::load(fixturePath("bert-uncased"), o, error);
  ASSERT_TRUE(u2) << error;
  EXPECT_FALSE(u2->config().doLowerCase);
  WordPieceLoadOptions noCfg;
  noCfg.readTokenizerConfig = false;
  auto c2 = WordPieceTokenizer::load(fixturePath("bert-cased"), noCfg, error);
  ASSERT_TRUE(c2) << error;
  EXPECT_TRUE(c2->config().doLowerCase);
  EXPECT_EQ(c2->config().modelMaxLength, 0u);
}

TEST(WordPiece, VocabularyLookups) {
  std::string error;
  auto tok = WordPieceTokenizer::load(fixturePath("bert-uncased"), error);
  ASSERT_TRUE(tok) << error;
  EXPECT_EQ(tok->padId(), 0);
  EXPECT_EQ(tok->unkId(), 3);
  EXPECT_EQ(tok->clsId(), 4);
  EXPECT_EQ(tok->sepId(), 5);
  EXPECT_EQ(tok->maskId(), 6);
  EXPECT_EQ(tok->idToToken(6), "[MASK]");
  EXPECT_EQ(tok->idToToken(-1), "[UNK]");
  EXPECT_EQ(tok->idToToken(static_cast<int64_t>(tok->vocabSize())), "[UNK]");
  ASSERT_TRUE(tok->tokenToId("paris").has_value());
  EXPECT_EQ(tok->idToToken(*tok->tokenToId("paris")), "paris");
  EXPECT_FALSE(tok->tokenToId("Paris").has_value());
  EXPECT_TRUE(tok->isSpecialId(tok->maskId()));
  EXPECT_FALSE(tok->isSpecialId(*tok->tokenToId("paris")));
}

TEST(WordPiece, FillMaskTopKTokensDecode) {
  std::string error;
  auto tok = WordPieceTokenizer::load(fixturePath("bert-uncased"), error);
  ASSERT_TRUE(tok) << error;
  Encoding enc;
  ASSERT_TRUE(tok->encode("Paris is the capital of [MASK].", EncodeOptions(), enc, error));
  auto pos = std::find(enc.inputIds.begin(), enc.inputIds.end(), tok->maskId());
  ASSERT_NE(pos, enc.inputIds.end());
  *pos = *tok->tokenToId("france");
  EXPECT_EQ(tok->decode(enc.inputIds, /*skipSpecialTokens=*/true),
            "paris is the capital of france.");
  EXPECT_EQ(tok->decode({*tok->tokenToId("token"), *tok->tokenToId("##ization")}),
            "tokenization");
}

TEST(WordPiece, TruncationDefaultsToModelMaxLength) {
  std::string error;
  auto tok = WordPieceTokenizer::load(fixturePath("bert-uncased"), error);
  ASSERT_TRUE(tok) << error;
  std::string text;
  for (int i = 0; i < 600; ++i)
    text += "word ";
  EncodeOptions opts;
  opts.truncation = true;
  Encoding enc;
  ASSERT_TRUE(tok->encode(text, opts, enc, error)) << error;
  ASSERT_EQ(enc.inputIds.size(), 512u);
  EXPECT_EQ(enc.inputIds.front(), tok->clsId());
  EXPECT_EQ(enc.inputIds.back(), tok->sepId());
  // Without truncation nothing is cut.
  ASSERT_TRUE(tok->encode(text, EncodeOptions(), enc, error)) << error;
  EXPECT_EQ(enc.inputIds.size(), 602u);
  // Without special tokens.
  opts.addSpecialTokens = false;
  opts.maxLength = 7;
  opts.padToMaxLength = true;
  ASSERT_TRUE(tok->encode("word word", opts, enc, error)) << error;
  EXPECT_EQ(enc.inputIds.size(), 7u);
  EXPECT_EQ(enc.inputIds[0], *tok->tokenToId("word"));
  EXPECT_EQ(enc.attentionMask, (std::vector<int64_t>{1, 1, 0, 0, 0, 0, 0}));
}

TEST(WordPiece, MaxInputCharsPerWord) {
  std::string error;
  WordPieceLoadOptions o;
  o.maxInputCharsPerWord = 5;
  auto tok = WordPieceTokenizer::load(fixturePath("bert-uncased"), o, error);
  ASSERT_TRUE(tok) << error;
  std::vector<std::string> toks;
  ASSERT_TRUE(tok->tokenize("hello helloo", toks, error)) << error;
  EXPECT_EQ(toks, (std::vector<std::string>{"hello", "[UNK]"}));
}

TEST(WordPiece, RejectsInvalidUtf8Input) {
  std::string error;
  auto tok = WordPieceTokenizer::load(fixturePath("bert-uncased"), error);
  ASSERT_TRUE(tok) << error;
  Encoding enc;
  EXPECT_FALSE(tok->encode("ok \xC3\x28", EncodeOptions(), enc, error));
  EXPECT_NE(error.find("invalid UTF-8 at byte 3"), std::string::npos) << error;
}

TEST(WordPiece, LongInput) {
  std::string error;
  auto tok = WordPieceTokenizer::load(fixturePath("bert-uncased"), error);
  ASSERT_TRUE(tok) << error;
  std::string text;
  for (int i = 0; i < 20000; ++i)
    text += "Tokenization of café 我爱北京 naïve text, playing! ";
  std::vector<int64_t> out;
  ASSERT_TRUE(tok->encodeIds(text, out, error)) << error;
  EXPECT_GT(out.size(), 200000u);
  std::string word(100, 'a');
  ASSERT_TRUE(tok->encodeIds(word, out, error));
  EXPECT_NE(out, std::vector<int64_t>{tok->unkId()});
  ASSERT_TRUE(tok->encodeIds(word + "a", out, error));
  EXPECT_EQ(out, std::vector<int64_t>{tok->unkId()});
}

} // namespace
