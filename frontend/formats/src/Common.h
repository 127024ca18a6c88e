//===- Common.h - Helpers shared by the readers and writers ---------------===//
//
// Internal to attune_formats.
//
// quoteForError: names read from files (tensor names, JSON
// keys, dict keys) can hold newlines, control bytes or megabytes of text;
// quoteForError makes them safe to embed in a one-line message: printable
// ASCII is kept, everything else is written as \xNN, and the result is cut
// at a fixed length with "...".
//
// checkedByteSize: the byte size of a row-major array, refusing shapes
// whose non-zero dimensions multiply past INT64_MAX (even when another
// dimension is 0, so that strides computed later cannot overflow).
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_FORMATS_COMMON_H
#define ATTUNE_FORMATS_COMMON_H

#include <cstdint>
#include <string>
#include <vector>

namespace attune {
namespace formats {
namespace detail {

/// `s` made printable and short, without surrounding quotes.
inline std::string quoteForError(const std::string &s, size_t maxLen = 200) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    if (out.size() >= maxLen) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

/// Sets `bytes` to product(shape) * elemSize. Returns false if a dimension
/// is negative or the size overflows (see above).
inline bool checkedByteSize(const std::vector<int64_t> &shape, uint64_t elemSize,
                            uint64_t &bytes) {
  uint64_t nonzero = 1;
  bool hasZero = false;
  for (int64_t d : shape) {
    if (d < 0)
      return false;
    if (d == 0)
      hasZero = true;
    else if (__builtin_mul_overflow(nonzero, static_cast<uint64_t>(d), &nonzero))
      return false;
  }
  if (nonzero > static_cast<uint64_t>(INT64_MAX))
    return false;
  return !__builtin_mul_overflow(hasZero ? 0 : nonzero, elemSize, &bytes);
}

template <typename T> std::string formatShape(const std::vector<T> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

} // namespace detail
} // namespace formats
} // namespace attune

#endif // ATTUNE_FORMATS_COMMON_H
