//===- CleanUp.h - Hugging Face's clean_up_tokenization -------------------===//
//
// Internal to attune_tokenizers: the string replacements of
// PreTrainedTokenizerBase.clean_up_tokenization, applied in its order.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TOKENIZERS_CLEANUP_H
#define ATTUNE_TOKENIZERS_CLEANUP_H

#include <string>
#include <string_view>
#include <utility>

namespace attune {
namespace tokenizers {
namespace detail {

/// Python's str.replace: every non-overlapping occurrence, left to right.
inline void replaceAll(std::string &s, std::string_view from, std::string_view to) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    size_t hit = s.find(from, pos);
    if (hit == std::string::npos)
      break;
    out.append(s, pos, hit - pos);
    out.append(to);
    pos = hit + from.size();
  }
  if (pos == 0)
    return;
  out.append(s, pos, std::string::npos);
  s = std::move(out);
}

inline void cleanUpTokenization(std::string &s) {
  static const std::pair<const char *, const char *> kRules[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto &r : kRules)
    replaceAll(s, r.first, r.second);
}

} // namespace detail
} // namespace tokenizers
} // namespace attune

#endif // ATTUNE_TOKENIZERS_CLEANUP_H
