//===- SpecialTokens.h - Splitting raw text on special tokens -------------===//
//
// Internal to attune_tokenizers. Hugging Face matches special ("added")
// tokens in the raw text before any normalization: case-sensitive,
// leftmost-longest (aho-corasick in the Rust tokenizers). The tokens are
// few, so a direct scan does.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TOKENIZERS_SPECIALTOKENS_H
#define ATTUNE_TOKENIZERS_SPECIALTOKENS_H

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attune {
namespace tokenizers {
namespace detail {

/// Drops empty and repeated tokens and orders longest first, so the first
/// match at a position is the longest.
inline std::vector<std::pair<std::string, int64_t>>
sortSpecialTokens(std::vector<std::pair<std::string, int64_t>> tokens) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (auto &t : tokens) {
    if (t.first.empty())
      continue;
    bool seen = false;
    for (const auto &o : out)
      seen = seen || o.first == t.first;
    if (!seen)
      out.push_back(std::move(t));
  }
  // Two different tokens of one length cannot match at one position, so
  // their relative order does not matter.
  std::sort(out.begin(), out.end(), [](const auto &x, const auto &y) {
    return x.first.size() > y.first.size();
  });
  return out;
}

/// Calls f(segment, -1) for each (non-empty) stretch of ordinary text and
/// f(token, id) for each special token, in order.
template <typename F>
void splitOnSpecialTokens(std::string_view text,
                          const std::vector<std::pair<std::string, int64_t>> &specials, F &&f) {
  size_t segStart = 0, i = 0;
  while (i < text.size()) {
    const std::pair<std::string, int64_t> *hit = nullptr;
    for (const auto &s : specials) {
      if (text.compare(i, s.first.size(), s.first) == 0) {
        hit = &s;
        break;
      }
    }
    if (!hit) {
      ++i;
      continue;
    }
    if (i > segStart)
      f(text.substr(segStart, i - segStart), int64_t(-1));
    f(text.substr(i, hit->first.size()), hit->second);
    i += hit->first.size();
    segStart = i;
  }
  if (segStart < text.size())
    f(text.substr(segStart), int64_t(-1));
}

} // namespace detail
} // namespace tokenizers
} // namespace attune

#endif // ATTUNE_TOKENIZERS_SPECIALTOKENS_H
