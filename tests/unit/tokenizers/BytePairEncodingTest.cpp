//===- BytePairEncodingTest.cpp - GPT-2 BPE against Hugging Face ----------===//
#include "attune/tokenizers/BytePairEncoding.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <thread>

using attune::tokenizers::BpeLoadOptions;
using attune::tokenizers::BytePairEncodingTokenizer;
using attune_test::expected;
using attune_test::fixturePath;
using attune_test::ids;

namespace {

std::string printable(const std::string &s) {
  return nlohmann::json(s).dump(-1, ' ', /*ensure_ascii=*/true);
}

std::unique_ptr<BytePairEncodingTokenizer> loadGpt2(const BpeLoadOptions &o = BpeLoadOptions()) {
  std::string error;
  auto tok = BytePairEncodingTokenizer::loadDirectory(fixturePath("gpt2"), o, error);
  EXPECT_TRUE(tok) << error;
  return tok;
}

TEST(BytePairEncoding, Loads) {
  auto tok = loadGpt2();
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->numMerges(), expected()["gpt2"]["num_merges"].get<size_t>());
  EXPECT_EQ(tok->idToToken(0), "!");
  EXPECT_EQ(tok->tokenToId("\xC4\xA0"), std::optional<int64_t>(220)); // "Ġ" = space
  ASSERT_GE(tok->eosId(), 0);
  EXPECT_EQ(tok->idToToken(tok->eosId()), "<|endoftext|>");
  EXPECT_EQ(tok->eosId(), static_cast<int64_t>(tok->vocabSize()) - 1);
  EXPECT_TRUE(tok->isSpecialId(tok->eosId()));
  EXPECT_EQ(tok->idToToken(-5), "");
}

TEST(BytePairEncoding, MatchesHuggingFace) {
  ASSERT_FALSE(expected().is_discarded()) << "cannot parse expected.json";
  auto tok = loadGpt2();
  ASSERT_TRUE(tok);
  std::string error;
  size_t checked = 0;
  for (const auto &c : expected()["gpt2"]["cases"]) {
    std::string text = c["text"].get<std::string>();
    SCOPED_TRACE("text=" + printable(text));
    std::vector<int64_t> got;
    ASSERT_TRUE(tok->encode(text, got, error)) << error;
    EXPECT_EQ(got, ids(c["ids"]));
    EXPECT_EQ(tok->decode(got), c["decoded"].get<std::string>());
    std::vector<std::string> toks;
    ASSERT_TRUE(tok->tokenize(text, toks, error)) << error;
    ASSERT_EQ(toks.size(), got.size());
    for (size_t i = 0; i < toks.size(); ++i)
      EXPECT_EQ(tok->tokenToId(toks[i]), std::optional<int64_t>(got[i]));
    ++checked;
  }
  EXPECT_GE(checked, 60u);
}

TEST(BytePairEncoding, CacheDoesNotChangeResults) {
  BpeLoadOptions noCache;
  noCache.cacheCapacity = 0;
  BpeLoadOptions tiny;
  tiny.cacheCapacity = 3;
  auto a = loadGpt2(), b = loadGpt2(noCache), c = loadGpt2(tiny);
  ASSERT_TRUE(a && b && c);
  std::string error;
  for (int round = 0; round < 2; ++round) {
    for (const auto &cs : expected()["gpt2"]["cases"]) {
      std::string text = cs["text"].get<std::string>();
      std::vector<int64_t> x, y, z;
      ASSERT_TRUE(a->encode(text, x, error));
      ASSERT_TRUE(b->encode(text, y, error));
      ASSERT_TRUE(c->encode(text, z, error));
      EXPECT_EQ(x, ids(cs["ids"]));
      EXPECT_EQ(y, x);
      EXPECT_EQ(z, x);
    }
  }
}

TEST(BytePairEncoding, ConcurrentEncode) {
  auto tok = loadGpt2();
  ASSERT_TRUE(tok);
  const auto &cases = expected()["gpt2"]["cases"];
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string error;
      for (int r = 0; r < 3; ++r)
        for (const auto &c : cases) {
          std::vector<int64_t> got;
          if (!tok->encode(c["text"].get<std::string>(), got, error) || got != ids(c["ids"]))
            ++failures[t];
        }
    });
  }
  for (auto &th : threads)
    th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

TEST(BytePairEncoding, PreTokenizerMatchesRegex) {
  std::string error;
  for (const auto &c : expected()["gpt2"]["pretokenize"]) {
    std::string text = c["text"].get<std::string>();
    std::vector<std::string> pieces;
    ASSERT_TRUE(BytePairEncodingTokenizer::preTokenize(text, pieces, error)) << error;
    EXPECT_EQ(nlohmann::json(pieces), c["pieces"]) << "text=" << printable(text);
  }
}

TEST(BytePairEncoding, AddPrefixSpace) {
  BpeLoadOptions o;
  o.addPrefixSpace = true;
  auto tok = loadGpt2(o);
  ASSERT_TRUE(tok);
  EXPECT_TRUE(tok->addPrefixSpace());
  std::string error;
  for (const auto &c : expected()["gpt2"]["add_prefix_space"]) {
    std::string text = c["text"].get<std::string>();
    std::vector<int64_t> got;
    ASSERT_TRUE(tok->encode(text, got, error)) << error;
    EXPECT_EQ(got, ids(c["ids"])) << "text=" << printable(text);
  }
}

TEST(BytePairEncoding, DecodePartialCharacters) {
  auto tok = loadGpt2();
  ASSERT_TRUE(tok);
  for (const auto &d : expected()["gpt2"]["decode"])
    EXPECT_EQ(tok->decode(ids(d["ids"])), d["text"].get<std::string>()) << d["ids"].dump();
}

TEST(BytePairEncoding, DecodeOptions) {
  auto tok = loadGpt2();
  ASSERT_TRUE(tok);
  std::string error;
  std::vector<int64_t> got;
  ASSERT_TRUE(tok->encode("Hello<|endoftext|> world , it 's", got, error)) << error;
  EXPECT_EQ(tok->decode(got), "Hello<|endoftext|> world , it 's");
  EXPECT_EQ(tok->decode(got, /*skipSpecialTokens=*/true), "Hello world , it 's");
  EXPECT_EQ(tok->decode(got, true, /*cleanUp=*/true), "Hello world, it's");
  // Ids no token has are skipped.
  EXPECT_EQ(tok->decode({-1, 1 << 30}), "");
}

TEST(BytePairEncoding, LongWord) {
  auto tok = loadGpt2();
  ASSERT_TRUE(tok);
  std::string error;
  std::string word(5000, 'a');
  std::vector<int64_t> got;
  ASSERT_TRUE(tok->encode(word, got, error)) << error;
  EXPECT_EQ(tok->decode(got), word);
  std::string mixed;
  for (int i = 0; i < 2000; ++i)
    mixed += "x\xC3\xA9y\xF0\x9F\x99\x82 ";
  ASSERT_TRUE(tok->encode(mixed, got, error)) << error;
  EXPECT_EQ(tok->decode(got), mixed);
}

TEST(BytePairEncoding, RejectsInvalidUtf8Input) {
  auto tok = loadGpt2();
  ASSERT_TRUE(tok);
  std::string error;
  std::vector<int64_t> got;
  EXPECT_FALSE(tok->encode("abc\xFF", got, error));
  EXPECT_NE(error.find("invalid UTF-8 at byte 3"), std::string::npos) << error;
}

} // namespace
