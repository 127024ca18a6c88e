//===- attune/tokenizers/BytePairEncoding.h - GPT-2 byte-level BPE --------===//
//
// A tokenizer that gives the ids Hugging Face's GPT2Tokenizer gives for the
// same vocab.json and merges.txt (the Rust-backed one; the pure-Python one
// of transformers 4 agrees except as noted below).
//
//   1. Special tokens (<|endoftext|> by default; the bos/eos/unk/pad tokens
//      and added_tokens_decoder of tokenizer_config.json when present) are
//      matched in the raw text, case-sensitively, leftmost-longest, and
//      become their ids.
//   2. Each stretch of text between them is split by GPT-2's pattern
//        's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//      implemented by hand over utf8proc's categories (\s is the Unicode
//      White_Space property).
//   3. Each piece's UTF-8 bytes are mapped to printable characters with
//      GPT-2's bytes_to_unicode table, and merged pairwise, lowest merge
//      rank first (all occurrences of the pair, left to right), until no
//      ranked pair is left. Results are cached per piece.
//   4. The symbols are looked up in vocab.json. A symbol not in it (only
//      possible when the vocabulary lacks some of the 256 byte symbols) is
//      dropped, as the Rust BPE without an unk token does.
//
// With add_prefix_space, a space is put before each stretch of text that
// does not start with one (the Rust ByteLevel pre-tokenizer; the pure-Python
// GPT2Tokenizer puts one before the whole text, even an empty one or one
// that already starts with a space).
//
// Unicode data comes from utf8proc (Unicode 15); letters and digits
// encoded later (Unicode 16) count as "other" characters here.
//
// merges.txt: one merge "a b" per line (a single space between the two
// symbols); lines starting with "#version" are skipped wherever they are;
// rank = position among the merges. Both symbols and their concatenation
// must be in vocab.json (as the Rust tokenizers require).
//
// No function here throws; failures return false / nullptr with a one-line
// message naming the file and the line or token.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TOKENIZERS_BYTEPAIRENCODING_H
#define ATTUNE_TOKENIZERS_BYTEPAIRENCODING_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace attune {
namespace tokenizers {

struct BpeLoadOptions {
  /// Unset: tokenizer_config.json's add_prefix_space, else false.
  std::optional<bool> addPrefixSpace;
  /// Read tokenizer_config.json next to vocab.json when present.
  bool readTokenizerConfig = true;
  /// Entries kept in the per-piece merge cache (0 disables it).
  size_t cacheCapacity = 1 << 16;
};

class BytePairEncodingTokenizer {
public:
  /// Loads vocab.json and merges.txt. Fails on a missing file, JSON that is
  /// not an object of token -> non-negative integer id, two tokens with one
  /// id, a malformed merges line, a merge whose symbols are not in the
  /// vocabulary, or a malformed config field.
  static std::unique_ptr<BytePairEncodingTokenizer> load(const std::string &vocabJsonPath,
                                                         const std::string &mergesPath,
                                                         const BpeLoadOptions &options,
                                                         std::string &error);
  static std::unique_ptr<BytePairEncodingTokenizer>
  load(const std::string &vocabJsonPath, const std::string &mergesPath, std::string &error) {
    return load(vocabJsonPath, mergesPath, BpeLoadOptions(), error);
  }
  /// Loads dir/vocab.json and dir/merges.txt.
  static std::unique_ptr<BytePairEncodingTokenizer>
  loadDirectory(const std::string &dir, const BpeLoadOptions &options, std::string &error);

  /// The largest id + 1.
  size_t vocabSize() const { return idToToken_.size(); }
  size_t numMerges() const { return numMerges_; }
  bool addPrefixSpace() const { return addPrefixSpace_; }

  std::optional<int64_t> tokenToId(std::string_view token) const;
  /// The token of an id, or "" for an id no token has.
  const std::string &idToToken(int64_t id) const;
  bool isSpecialId(int64_t id) const;
  /// The id of <|endoftext|> (or the config's eos_token); -1 if none.
  int64_t eosId() const { return eosId_; }

  /// The pre-tokenizer alone: `text` split by GPT-2's pattern (UTF-8
  /// pieces, before the byte mapping). Fails only on invalid UTF-8.
  static bool preTokenize(std::string_view text, std::vector<std::string> &pieces,
                          std::string &error);

  /// Byte-level tokens (as in vocab.json) of `text`. Fails only on invalid
  /// UTF-8.
  bool tokenize(std::string_view text, std::vector<std::string> &tokens,
                std::string &error) const;
  /// Ids of `text`; GPT-2 adds no special tokens.
  bool encode(std::string_view text, std::vector<int64_t> &ids, std::string &error) const;

  /// Text for ids: the tokens' bytes decoded as UTF-8, each invalid
  /// sequence replaced by U+FFFD (Python's errors="replace"). Ids no token
  /// has are skipped. With cleanUp, Hugging Face's
  /// clean_up_tokenization (" ." -> "." and the like) is applied.
  std::string decode(const std::vector<int64_t> &ids, bool skipSpecialTokens = false,
                     bool cleanUp = false) const;

private:
  BytePairEncodingTokenizer() = default;
  void bpe(const std::string &mapped, std::vector<int64_t> &ids,
           std::vector<std::string> *tokens) const;
  bool run(std::string_view text, std::vector<int64_t> &ids, std::vector<std::string> *tokens,
           std::string &error) const;

  std::unordered_map<std::string, int64_t> vocab_;
  std::vector<std::string> idToToken_;
  std::vector<bool> isSpecial_;
  // (first id << 32 | second id) -> (rank, id of the merged symbol).
  std::unordered_map<uint64_t, std::pair<uint32_t, int64_t>> merges_;
  size_t numMerges_ = 0;
  std::vector<std::pair<std::string, int64_t>> specialTokens_;
  int64_t eosId_ = -1;
  bool addPrefixSpace_ = false;
  size_t cacheCapacity_ = 0;
  // Mapped piece -> symbol ids.
  mutable std::mutex cacheMutex_;
  mutable std::unordered_map<std::string, std::vector<int64_t>> cache_;
};

} // namespace tokenizers
} // namespace attune

#endif // ATTUNE_TOKENIZERS_BYTEPAIRENCODING_H
