//===- Unicode.cpp - UTF-8 and character classes for the tokenizers -------===//
#include "Unicode.h"

#include <cstdint>
#include <cstdlib>

#include <utf8proc.h>

namespace attune {
namespace tokenizers {
namespace detail {

bool decodeUtf8(std::string_view in, std::u32string &out, size_t &badOffset) {
  out.clear();
  out.reserve(in.size());
  const auto *p = reinterpret_cast<const utf8proc_uint8_t *>(in.data());
  size_t i = 0, n = in.size();
  while (i < n) {
    if (p[i] < 0x80) {
      out.push_back(p[i]);
      ++i;
      continue;
    }
    utf8proc_int32_t cp = -1;
    utf8proc_ssize_t len = utf8proc_iterate(p + i, static_cast<utf8proc_ssize_t>(n - i), &cp);
    if (len <= 0 || cp < 0) {
      badOffset = i;
      return false;
    }
    out.push_back(static_cast<char32_t>(cp));
    i += static_cast<size_t>(len);
  }
  return true;
}

void appendUtf8(std::string &out, char32_t cp) {
  utf8proc_uint8_t buf[4];
  utf8proc_ssize_t len = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), buf);
  out.append(reinterpret_cast<const char *>(buf), static_cast<size_t>(len));
}

std::string encodeUtf8(std::u32string_view in) {
  std::string out;
  out.reserve(in.size());
  for (char32_t c : in)
    appendUtf8(out, c);
  return out;
}

size_t countCodePoints(std::string_view utf8) {
  size_t n = 0;
  for (unsigned char c : utf8)
    n += (c & 0xC0) != 0x80;
  return n;
}

// Length of the valid prefix of a UTF-8 sequence starting at s[0] (1..4 on a
// complete character; on an invalid or truncated one, the number of bytes of
// its maximal valid prefix, at least 1) and whether it is complete.
static size_t utf8Prefix(const unsigned char *s, size_t n, bool &complete) {
  complete = false;
  unsigned char b = s[0];
  if (b < 0x80) {
    complete = true;
    return 1;
  }
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) {
    need = 1;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 2;
    if (b == 0xE0)
      lo = 0xA0;
    else if (b == 0xED)
      hi = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 3;
    if (b == 0xF0)
      lo = 0x90;
    else if (b == 0xF4)
      hi = 0x8F;
  } else {
    return 1;
  }
  size_t k = 1;
  for (; k <= need; ++k) {
    if (k >= n)
      return k;
    unsigned char c = s[k];
    unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (c < l || c > h)
      return k;
  }
  complete = true;
  return k;
}

std::string decodeUtf8Lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  const auto *s = reinterpret_cast<const unsigned char *>(bytes.data());
  size_t i = 0, n = bytes.size();
  while (i < n) {
    bool complete;
    size_t len = utf8Prefix(s + i, n - i, complete);
    if (complete)
      out.append(bytes.data() + i, len);
    else
      out.append("\xEF\xBF\xBD");
    i += len;
  }
  return out;
}

std::u32string nfd(std::u32string_view in) {
  std::u32string out;
  // Fast path: ASCII never decomposes.
  bool ascii = true;
  for (char32_t c : in)
    if (c >= 0x80) {
      ascii = false;
      break;
    }
  if (ascii)
    return std::u32string(in);
  std::string utf8 = encodeUtf8(in);
  utf8proc_uint8_t *dst = nullptr;
  utf8proc_ssize_t len =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t *>(utf8.data()),
                   static_cast<utf8proc_ssize_t>(utf8.size()), &dst,
                   static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE));
  if (len < 0 || !dst) {
    std::free(dst);
    return std::u32string(in); // Cannot happen on valid input.
  }
  size_t bad;
  if (!decodeUtf8(std::string_view(reinterpret_cast<char *>(dst), static_cast<size_t>(len)),
                  out, bad))
    out.assign(in);
  std::free(dst);
  return out;
}

void appendLowercase(std::u32string &out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
    return;
  }
  if (cp == 0x130) { // LATIN CAPITAL LETTER I WITH DOT ABOVE (SpecialCasing)
    out.push_back(U'i');
    out.push_back(0x307);
    return;
  }
  out.push_back(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
}

int category(char32_t cp) {
  return static_cast<int>(utf8proc_category(static_cast<utf8proc_int32_t>(cp)));
}

bool isLetter(char32_t cp) {
  if (cp < 0x80)
    return (cp | 32) >= 'a' && (cp | 32) <= 'z';
  int c = category(cp);
  return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

bool isNumber(char32_t cp) {
  if (cp < 0x80)
    return cp >= '0' && cp <= '9';
  int c = category(cp);
  return c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO;
}

bool isNonspacingMark(char32_t cp) {
  return cp >= 0x300 && category(cp) == UTF8PROC_CATEGORY_MN;
}

bool isWhiteSpace(char32_t cp) {
  if (cp < 0x80)
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
  if (cp == 0x85)
    return true;
  int c = category(cp);
  return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

bool isPythonSpace(char32_t cp) {
  if (cp < 0x80)
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
  const utf8proc_property_t *p = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
  return p->category == UTF8PROC_CATEGORY_ZS || p->bidi_class == UTF8PROC_BIDI_CLASS_WS ||
         p->bidi_class == UTF8PROC_BIDI_CLASS_B || p->bidi_class == UTF8PROC_BIDI_CLASS_S;
}

bool isBertPunctuation(char32_t cp) {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
      (cp >= 123 && cp <= 126))
    return true;
  if (cp < 0x80)
    return false;
  int c = category(cp);
  return c >= UTF8PROC_CATEGORY_PC && c <= UTF8PROC_CATEGORY_PO;
}

bool isBertControl(char32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r')
    return false;
  if (cp < 0x20 || cp == 0x7F)
    return true;
  if (cp < 0x80)
    return false;
  // Not Cn: the Rust tokenizers keep unassigned code points (the Python
  // BertTokenizer drops them).
  int c = category(cp);
  return c == UTF8PROC_CATEGORY_CC || c == UTF8PROC_CATEGORY_CF || c == UTF8PROC_CATEGORY_CS ||
         c == UTF8PROC_CATEGORY_CO;
}

bool isCjkIdeograph(char32_t cp) {
  // The Rust tokenizers' ranges: they start the fourth at U+2B920 where the
  // Python BertTokenizer has U+2B820 (so U+2B820..U+2B91F are not spaced).
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

} // namespace detail
} // namespace tokenizers
} // namespace attune
