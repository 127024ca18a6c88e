//===- attune/tokenizers/WordPiece.h - BERT's WordPiece tokenizer ---------===//
//
// A tokenizer that gives the ids Hugging Face's BertTokenizer gives for the
// same vocab.txt and options: the Rust-backed one, which is what
// AutoTokenizer and pipelines use and the only BertTokenizer in
// transformers 5 (see below for where the pure-Python one differs).
//
// Text goes through, in order:
//   1. Special tokens: occurrences of [CLS], [SEP], [PAD], [UNK], [MASK]
//      (and any additional_special_tokens) in the raw text, matched
//      case-sensitively, leftmost-longest, become their ids directly.
//   2. Normalization of the text between them (BertNormalizer): remove
//      U+0000, U+FFFD and "control" characters (categories Cc Cf Co, except
//      \t \n \r), map white space to ' ', put spaces around CJK
//      ideographs (tokenize_chinese_chars), strip accents (NFD, then drop
//      category Mn) when strip_accents (default: = do_lower_case), and
//      lowercase (full case mapping, no final-sigma rule) when do_lower_case.
//   3. Pre-tokenization (BertPreTokenizer): split on white space, and make
//      every punctuation character (ASCII !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
//      or any category P*) a word of its own.
//   4. WordPiece: greedy longest-match-first, continuation pieces prefixed
//      with "##"; a word that cannot be covered, or has more than
//      max_input_chars_per_word code points, becomes [UNK].
//
// encode() then builds [CLS] A [SEP] (B [SEP]) with token_type_ids 0 for
// the first part and 1 for B [SEP], truncates with 'longest_first' (the
// odd token of the budget goes to the longer sequence) and pads on the
// right with [PAD] (attention_mask 0).
//
// Where the pure-Python BertTokenizer (transformers 4 "slow", 5 "Legacy")
// differs, Attune follows the Rust one: the Python one NFC-normalizes first
// (matters for decomposed input to cased models); drops unassigned code
// points; spaces out U+2B820..U+2B91F (Rust's CJK range starts at U+2B920);
// for pairs gives the odd token of the truncation budget to the first
// sequence; keeps an empty text_pair ([CLS] [SEP] [SEP]); and with
// max_length equal to the number of special tokens does not truncate.
//
// Unicode data comes from utf8proc (Unicode 15). The Rust BertNormalizer
// uses Unicode 9 tables for "control", punctuation and Mn, so characters
// assigned in Unicode 10..15 with those categories (rare: marks and
// punctuation of recently encoded scripts, e.g. U+2E5D) are treated as
// such here but as ordinary letters by Hugging Face.
//
// No function here throws; failures return false / nullptr with a one-line
// message naming the file and the line, field or token.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TOKENIZERS_WORDPIECE_H
#define ATTUNE_TOKENIZERS_WORDPIECE_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace attune {
namespace tokenizers {

/// Model inputs for one text or text pair.
struct Encoding {
  std::vector<int64_t> inputIds;
  std::vector<int64_t> tokenTypeIds;
  std::vector<int64_t> attentionMask;
};

/// The options in effect (after tokenizer_config.json and overrides).
struct WordPieceConfig {
  bool doLowerCase = true;
  /// Unset: strip accents exactly when lowercasing (as Hugging Face).
  std::optional<bool> stripAccents;
  bool tokenizeChineseChars = true;
  size_t maxInputCharsPerWord = 100;
  /// Used for max_length when truncating or padding without one; 0: none.
  uint64_t modelMaxLength = 0;
  /// decode()'s default for clean_up_tokenization_spaces.
  bool cleanUpTokenizationSpaces = true;
  std::string unkToken = "[UNK]";
  std::string sepToken = "[SEP]";
  std::string padToken = "[PAD]";
  std::string clsToken = "[CLS]";
  std::string maskToken = "[MASK]";
  std::vector<std::string> additionalSpecialTokens;

  bool stripsAccents() const { return stripAccents.value_or(doLowerCase); }
};

/// What load() takes. Fields left unset come from tokenizer_config.json
/// next to vocab.txt (when present and readTokenizerConfig), else from the
/// Hugging Face defaults in WordPieceConfig.
struct WordPieceLoadOptions {
  std::optional<bool> doLowerCase;
  std::optional<bool> stripAccents;
  std::optional<bool> tokenizeChineseChars;
  std::optional<size_t> maxInputCharsPerWord;
  bool readTokenizerConfig = true;
  /// Fail when the mask token is not in the vocabulary (fill-mask models).
  bool requireMaskToken = false;
};

struct EncodeOptions {
  /// 0: none (then truncation and padding use config().modelMaxLength).
  size_t maxLength = 0;
  /// 'longest_first' truncation to maxLength, special tokens included.
  bool truncation = false;
  /// Pad to maxLength with [PAD], token type 0, attention mask 0.
  bool padToMaxLength = false;
  bool addSpecialTokens = true;
};

class WordPieceTokenizer {
public:
  /// Loads `path`: a vocab.txt (one token per line, id = line number,
  /// lines ended by \n, \r\n or \r), or a directory holding one. Reads
  /// tokenizer_config.json from the same directory when present. Fails on a
  /// missing or empty file, invalid UTF-8, a duplicate token, a missing
  /// [CLS]/[SEP]/[PAD]/[UNK] (and [MASK] when required), or a malformed
  /// config field.
  static std::unique_ptr<WordPieceTokenizer> load(const std::string &path,
                                                  const WordPieceLoadOptions &options,
                                                  std::string &error);
  static std::unique_ptr<WordPieceTokenizer> load(const std::string &path, std::string &error) {
    return load(path, WordPieceLoadOptions(), error);
  }

  const WordPieceConfig &config() const { return config_; }
  /// The vocab.txt that was read.
  const std::string &vocabPath() const { return vocabPath_; }
  size_t vocabSize() const { return idToToken_.size(); }

  int64_t clsId() const { return clsId_; }
  int64_t sepId() const { return sepId_; }
  int64_t padId() const { return padId_; }
  int64_t unkId() const { return unkId_; }
  /// -1 when the vocabulary has no mask token.
  int64_t maskId() const { return maskId_; }

  /// The id of a vocabulary token, or std::nullopt.
  std::optional<int64_t> tokenToId(std::string_view token) const;
  /// The token of an id; the unknown token for an id outside the vocabulary
  /// (as Hugging Face's convert_ids_to_tokens).
  const std::string &idToToken(int64_t id) const;
  bool isSpecialId(int64_t id) const;

  /// The tokens of `text`, without [CLS]/[SEP] added. Fails only on
  /// invalid UTF-8.
  bool tokenize(std::string_view text, std::vector<std::string> &tokens,
                std::string &error) const;
  /// The words WordPiece is applied to: `text` after special-token
  /// splitting, normalization and pre-tokenization (special tokens appear
  /// as they are). For debugging and tests. Fails only on invalid UTF-8.
  bool basicTokenize(std::string_view text, std::vector<std::string> &words,
                     std::string &error) const;
  /// The ids of `text`, without [CLS]/[SEP] added.
  bool encodeIds(std::string_view text, std::vector<int64_t> &ids, std::string &error) const;

  /// Model inputs for `text` (and `textPair`). As in Hugging Face, an empty
  /// textPair is treated as no pair. Fails only on invalid UTF-8.
  bool encode(std::string_view text, const std::optional<std::string_view> &textPair,
              const EncodeOptions &options, Encoding &out, std::string &error) const;
  bool encode(std::string_view text, const EncodeOptions &options, Encoding &out,
              std::string &error) const {
    return encode(text, std::nullopt, options, out, error);
  }

  /// Text for ids, as Hugging Face's decode(): tokens joined by spaces,
  /// " ##" removed, and with cleanUp (default: the config's
  /// clean_up_tokenization_spaces) " ." -> "." and the like.
  std::string decode(const std::vector<int64_t> &ids, bool skipSpecialTokens = false,
                     std::optional<bool> cleanUp = std::nullopt) const;

private:
  WordPieceTokenizer() = default;
  void appendWordPieces(std::u32string_view word, std::vector<int64_t> &ids,
                        std::vector<std::string> *tokens) const;
  template <typename OnSpecial, typename OnWord>
  bool split(std::string_view text, std::string &error, OnSpecial &&onSpecial,
             OnWord &&onWord) const;
  bool run(std::string_view text, std::vector<int64_t> &ids, std::vector<std::string> *tokens,
           std::string &error) const;

  WordPieceConfig config_;
  std::string vocabPath_;
  std::unordered_map<std::string, int64_t> vocab_;
  std::vector<std::string> idToToken_;
  // Special tokens matched in raw text, longest first.
  std::vector<std::pair<std::string, int64_t>> specialTokens_;
  std::vector<bool> isSpecial_;
  int64_t clsId_ = -1, sepId_ = -1, padId_ = -1, unkId_ = -1, maskId_ = -1;
};

} // namespace tokenizers
} // namespace attune

#endif // ATTUNE_TOKENIZERS_WORDPIECE_H
