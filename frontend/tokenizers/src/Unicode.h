//===- Unicode.h - UTF-8 and character classes for the tokenizers ---------===//
//
// Internal to attune_tokenizers. Thin helpers over utf8proc: strict UTF-8
// decoding (invalid input is refused, never replaced), encoding, lossy
// decoding as Python's bytes.decode("utf-8", errors="replace") and Rust's
// String::from_utf8_lossy do it, NFD, one-code-point lowercasing, and the
// character classes the Hugging Face tokenizers use.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TOKENIZERS_UNICODE_H
#define ATTUNE_TOKENIZERS_UNICODE_H

#include <cstddef>
#include <string>
#include <string_view>

namespace attune {
namespace tokenizers {
namespace detail {

/// Decodes UTF-8. On invalid input returns false and sets `badOffset` to the
/// byte offset of the first invalid sequence.
bool decodeUtf8(std::string_view in, std::u32string &out, size_t &badOffset);
/// Appends the UTF-8 encoding of `cp` (a valid scalar value).
void appendUtf8(std::string &out, char32_t cp);
std::string encodeUtf8(std::u32string_view in);
/// Decodes bytes, replacing each maximal invalid subsequence with U+FFFD.
std::string decodeUtf8Lossy(std::string_view bytes);
/// Number of code points of valid UTF-8.
size_t countCodePoints(std::string_view utf8);

/// Canonical decomposition (NFD) of a code-point string.
std::u32string nfd(std::u32string_view in);
/// Full lowercase mapping of one code point, as Rust's char::to_lowercase
/// (and Python's str.lower() outside the final-sigma context): the simple
/// mapping, except U+0130 which becomes "i\u0307".
void appendLowercase(std::u32string &out, char32_t cp);

/// Unicode general category, as utf8proc_category_t.
int category(char32_t cp);
bool isLetter(char32_t cp);       // \p{L}: Lu Ll Lt Lm Lo
bool isNumber(char32_t cp);       // \p{N}: Nd Nl No
bool isNonspacingMark(char32_t cp); // Mn
/// The White_Space property (Rust's char::is_whitespace, regex \s).
bool isWhiteSpace(char32_t cp);
/// Characters Python's str.isspace() accepts (bidi WS/B/S or Zs).
bool isPythonSpace(char32_t cp);
/// BERT: ASCII punctuation (33-47, 58-64, 91-96, 123-126) or category P*.
bool isBertPunctuation(char32_t cp);
/// BERT: "control" = category Cc, Cf, Cs or Co, other than \t \n \r (the
/// Rust tokenizers keep unassigned code points, Cn).
bool isBertControl(char32_t cp);
/// BERT: the CJK Unified Ideograph blocks that get spaces around them.
bool isCjkIdeograph(char32_t cp);

} // namespace detail
} // namespace tokenizers
} // namespace attune

#endif // ATTUNE_TOKENIZERS_UNICODE_H
