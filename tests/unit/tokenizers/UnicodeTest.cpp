//===- UnicodeTest.cpp - The internal Unicode helpers ---------------------===//
#include "Unicode.h"

#include <gtest/gtest.h>

using namespace attune::tokenizers::detail;

namespace {

TEST(Unicode, StrictDecoding) {
  std::u32string u;
  size_t bad = 99;
  EXPECT_TRUE(decodeUtf8("a\xC3\xA9\xE6\x88\x91\xF0\x9F\x99\x82", u, bad));
  EXPECT_EQ(u, (std::u32string{U'a', 0xE9, 0x6211, 0x1F642}));
  const char *invalid[] = {"\xC3",         "\xC0\xAF",         "\xE0\x80\xAF",
                           "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF",
                           "\x80",         "\xF0\x9F\x99"};
  for (const char *s : invalid) {
    EXPECT_FALSE(decodeUtf8(std::string("ok") + s, u, bad)) << s;
    EXPECT_EQ(bad, 2u);
  }
  EXPECT_EQ(encodeUtf8(U"a\u00e9\U0001F642"), "a\xC3\xA9\xF0\x9F\x99\x82");
  EXPECT_EQ(countCodePoints("a\xC3\xA9\xF0\x9F\x99\x82"), 3u);
}

TEST(Unicode, LossyDecodingAsPython) {
  // Expected strings from Python's bytes.decode("utf-8", errors="replace").
  const std::string R = "\xEF\xBF\xBD";
  EXPECT_EQ(decodeUtf8Lossy("\xE4\xBD"), R);
  EXPECT_EQ(decodeUtf8Lossy("\xE4\xBD a"), R + " a");
  EXPECT_EQ(decodeUtf8Lossy("\xF0\x9F\x99"), R);
  EXPECT_EQ(decodeUtf8Lossy("\xED\xA0\x80"), R + R + R);
  EXPECT_EQ(decodeUtf8Lossy("\xC0\xAF"), R + R);
  EXPECT_EQ(decodeUtf8Lossy("\xF4\x90\x80\x80"), R + R + R + R);
  EXPECT_EQ(decodeUtf8Lossy("a\xFF" "b\xF0\x9F\x99\x82"), "a" + R + "b\xF0\x9F\x99\x82");
  EXPECT_EQ(decodeUtf8Lossy("\xE2\x82"), R);
  EXPECT_EQ(decodeUtf8Lossy("\xE2\x82\xAC"), "\xE2\x82\xAC");
}

TEST(Unicode, Normalization) {
  EXPECT_EQ(nfd(U"\u00e9"), (std::u32string{U'e', 0x301}));
  EXPECT_EQ(nfd(U"\u1e69"), (std::u32string{U's', 0x323, 0x307})); // canonical order
  EXPECT_EQ(nfd(U"\ufb01"), U"\ufb01");                           // no compatibility
  EXPECT_EQ(nfd(U"\uac00"), (std::u32string{0x1100, 0x1161}));    // Hangul
  std::u32string l;
  appendLowercase(l, 0x130);
  appendLowercase(l, U'A');
  appendLowercase(l, 0x3A3);
  appendLowercase(l, 0x1C5);
  appendLowercase(l, 0x2160);
  EXPECT_EQ(l, (std::u32string{U'i', 0x307, U'a', 0x3C3, 0x1C6, 0x2170}));
}

TEST(Unicode, Classes) {
  for (char32_t c : {U'!', U'$', U'+', U'<', U'^', U'`', U'|', U'~', char32_t(0xBF),
                     char32_t(0x2014), char32_t(0x3002), char32_t(0xFF0C)})
    EXPECT_TRUE(isBertPunctuation(c)) << unsigned(c);
  for (char32_t c : {U'a', U'0', U' ', char32_t(0x20AC), char32_t(0xB2), char32_t(0x1F642)})
    EXPECT_FALSE(isBertPunctuation(c)) << unsigned(c);
  for (char32_t c : {char32_t(0), char32_t(7), char32_t(0x0B), char32_t(0x1B), char32_t(0x7F),
                     char32_t(0x85), char32_t(0xAD), char32_t(0x200B), char32_t(0x200D),
                     char32_t(0xFEFF), char32_t(0xE000), char32_t(0xE0001)})
    EXPECT_TRUE(isBertControl(c)) << unsigned(c);
  // Unassigned code points (Cn) are kept, as the Rust tokenizers do.
  for (char32_t c : {U'\t', U'\n', U'\r', U' ', U'a', char32_t(0x2028), char32_t(0x0378),
                     char32_t(0x10FFFF)})
    EXPECT_FALSE(isBertControl(c)) << unsigned(c);
  for (char32_t c : {U' ', U'\t', U'\v', char32_t(0x85), char32_t(0xA0), char32_t(0x1680),
                     char32_t(0x2007), char32_t(0x2028), char32_t(0x2029), char32_t(0x3000)})
    EXPECT_TRUE(isWhiteSpace(c)) << unsigned(c);
  for (char32_t c : {char32_t(0x1C), char32_t(0x200B), char32_t(0x180E), U'a'})
    EXPECT_FALSE(isWhiteSpace(c)) << unsigned(c);
  EXPECT_TRUE(isPythonSpace(0x1C));
  EXPECT_TRUE(isLetter(0x4E2D));
  EXPECT_TRUE(isLetter(0x2B0)); // Lm
  EXPECT_FALSE(isLetter(0x301));
  EXPECT_TRUE(isNumber(0xBD));   // No
  EXPECT_TRUE(isNumber(0x2160)); // Nl
  EXPECT_TRUE(isNumber(0x663));  // Nd
  EXPECT_TRUE(isNonspacingMark(0x301));
  EXPECT_FALSE(isNonspacingMark(0x903)); // Mc
  EXPECT_TRUE(isCjkIdeograph(0x4E2D));
  EXPECT_TRUE(isCjkIdeograph(0xF900));
  EXPECT_TRUE(isCjkIdeograph(0x2B81F));
  EXPECT_FALSE(isCjkIdeograph(0x2B820)); // Rust's range starts at U+2B920
  EXPECT_TRUE(isCjkIdeograph(0x2B920));
  EXPECT_FALSE(isCjkIdeograph(0x3042)); // hiragana
  EXPECT_FALSE(isCjkIdeograph(0xAC00)); // hangul
}

} // namespace
