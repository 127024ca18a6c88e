//===- WordPiece.cpp - BERT's WordPiece tokenizer -------------------------===//
#include "attune/tokenizers/WordPiece.h"

#include "CleanUp.h"
#include "FileUtil.h"
#include "SpecialTokens.h"
#include "Unicode.h"

#include <algorithm>
#include <new>

namespace attune {
namespace tokenizers {

using namespace detail;

namespace {

// Reads the config fields BertTokenizer takes from tokenizer_config.json.
bool applyConfig(const std::string &path, const nlohmann::json &cfg, WordPieceConfig &c,
                 std::string &error) {
  std::optional<bool> b;
  if (!configBool(cfg, "do_lower_case", path, b, error))
    return false;
  if (b)
    c.doLowerCase = *b;
  b.reset();
  if (!configBool(cfg, "strip_accents", path, b, error))
    return false;
  c.stripAccents = b;
  b.reset();
  if (!configBool(cfg, "tokenize_chinese_chars", path, b, error))
    return false;
  if (b)
    c.tokenizeChineseChars = *b;
  b.reset();
  if (!configBool(cfg, "clean_up_tokenization_spaces", path, b, error))
    return false;
  if (b)
    c.cleanUpTokenizationSpaces = *b;
  std::optional<uint64_t> n;
  if (!configSize(cfg, "max_input_chars_per_word", path, n, error))
    return false;
  if (n)
    c.maxInputCharsPerWord = static_cast<size_t>(*n);
  n.reset();
  if (!configSize(cfg, "model_max_length", path, n, error))
    return false;
  // Hugging Face writes a huge number (int(1e30)) for "no limit".
  if (n)
    c.modelMaxLength = *n >= (uint64_t(1) << 53) ? 0 : *n;
  struct {
    const char *field;
    std::string *dst;
  } toks[] = {{"unk_token", &c.unkToken},
              {"sep_token", &c.sepToken},
              {"pad_token", &c.padToken},
              {"cls_token", &c.clsToken},
              {"mask_token", &c.maskToken}};
  for (auto &t : toks) {
    std::optional<std::string> s;
    if (!configToken(cfg, t.field, path, s, error))
      return false;
    if (s)
      *t.dst = *s;
  }
  auto it = cfg.find("additional_special_tokens");
  if (it != cfg.end() && !it->is_null()) {
    if (!it->is_array()) {
      error = path + ": field 'additional_special_tokens' must be a list, got " +
              it->type_name();
      return false;
    }
    for (size_t i = 0; i < it->size(); ++i) {
      const auto &e = (*it)[i];
      if (e.is_string()) {
        c.additionalSpecialTokens.push_back(e.get<std::string>());
      } else if (e.is_object() && e.contains("content") && e["content"].is_string()) {
        c.additionalSpecialTokens.push_back(e["content"].get<std::string>());
      } else {
        error = path + ": field 'additional_special_tokens' item " + std::to_string(i) +
                " must be a string or an object with a string \"content\"";
        return false;
      }
    }
  }
  return true;
}

// Python's str.strip().
std::string pyStrip(const std::string &s) {
  std::u32string u;
  size_t bad;
  if (!decodeUtf8(s, u, bad))
    return s;
  size_t b = 0, e = u.size();
  while (b < e && isPythonSpace(u[b]))
    ++b;
  while (e > b && isPythonSpace(u[e - 1]))
    --e;
  if (b == 0 && e == u.size())
    return s;
  return encodeUtf8(std::u32string_view(u).substr(b, e - b));
}

} // namespace

std::unique_ptr<WordPieceTokenizer> WordPieceTokenizer::load(const std::string &pathIn,
                                                             const WordPieceLoadOptions &options,
                                                             std::string &error) {
  try {
    std::string path = pathIn;
    if (isDirectory(path))
      path = joinPath(path, "vocab.txt");
    std::string text;
    if (!readFile(path, text, error))
      return nullptr;
    if (text.empty()) {
      error = path + ": empty vocabulary file";
      return nullptr;
    }

    std::unique_ptr<WordPieceTokenizer> tok(new WordPieceTokenizer());
    tok->vocabPath_ = path;
    WordPieceConfig &c = tok->config_;
    if (options.readTokenizerConfig) {
      std::string cfgPath = joinPath(parentDirectory(path), "tokenizer_config.json");
      nlohmann::json cfg;
      bool present = false;
      if (!readConfig(cfgPath, cfg, present, error))
        return nullptr;
      if (present && !applyConfig(cfgPath, cfg, c, error))
        return nullptr;
    }
    if (options.doLowerCase)
      c.doLowerCase = *options.doLowerCase;
    if (options.stripAccents)
      c.stripAccents = *options.stripAccents;
    if (options.tokenizeChineseChars)
      c.tokenizeChineseChars = *options.tokenizeChineseChars;
    if (options.maxInputCharsPerWord)
      c.maxInputCharsPerWord = *options.maxInputCharsPerWord;

    // Lines end with \n, \r\n or \r (Python's universal newlines); a last
    // line without an ending is a token unless it is empty.
    size_t pos = 0, line = 0;
    std::unordered_map<std::string, size_t> firstLine;
    while (pos < text.size()) {
      size_t end = text.find_first_of("\r\n", pos);
      size_t next;
      if (end == std::string::npos) {
        end = next = text.size();
      } else if (text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') {
        next = end + 2;
      } else {
        next = end + 1;
      }
      ++line;
      std::string token = text.substr(pos, end - pos);
      pos = next;
      std::u32string scratch;
      size_t bad;
      if (!decodeUtf8(token, scratch, bad)) {
        error = path + ":" + std::to_string(line) + ": invalid UTF-8 at byte " +
                std::to_string(bad + 1) + " of the line";
        return nullptr;
      }
      auto ins = firstLine.emplace(token, line);
      if (!ins.second) {
        error = path + ":" + std::to_string(line) + ": duplicate token " + quote(token) +
                " (first on line " + std::to_string(ins.first->second) + ")";
        return nullptr;
      }
      tok->vocab_.emplace(token, static_cast<int64_t>(tok->idToToken_.size()));
      tok->idToToken_.push_back(std::move(token));
    }

    struct Required {
      const char *field;
      const std::string *token;
      int64_t *id;
      bool required;
    } specials[] = {{"cls_token", &c.clsToken, &tok->clsId_, true},
                    {"sep_token", &c.sepToken, &tok->sepId_, true},
                    {"pad_token", &c.padToken, &tok->padId_, true},
                    {"unk_token", &c.unkToken, &tok->unkId_, true},
                    {"mask_token", &c.maskToken, &tok->maskId_, options.requireMaskToken}};
    tok->isSpecial_.assign(tok->idToToken_.size(), false);
    std::vector<std::pair<std::string, int64_t>> matchable;
    for (auto &s : specials) {
      auto it = tok->vocab_.find(*s.token);
      if (it == tok->vocab_.end()) {
        if (s.required) {
          error = path + ": required special token " + quote(*s.token) + " (" + s.field +
                  ") is not in the vocabulary";
          return nullptr;
        }
        continue;
      }
      *s.id = it->second;
      tok->isSpecial_[static_cast<size_t>(it->second)] = true;
      matchable.emplace_back(*s.token, it->second);
    }
    for (const std::string &t : c.additionalSpecialTokens) {
      auto it = tok->vocab_.find(t);
      if (it == tok->vocab_.end())
        continue; // Hugging Face would append it; Attune ignores it.
      tok->isSpecial_[static_cast<size_t>(it->second)] = true;
      matchable.emplace_back(t, it->second);
    }
    tok->specialTokens_ = sortSpecialTokens(std::move(matchable));
    return tok;
  } catch (const std::bad_alloc &) {
    error = pathIn + ": out of memory";
    return nullptr;
  } catch (const std::exception &e) {
    error = pathIn + ": " + e.what();
    return nullptr;
  }
}

std::optional<int64_t> WordPieceTokenizer::tokenToId(std::string_view token) const {
  auto it = vocab_.find(std::string(token));
  if (it == vocab_.end())
    return std::nullopt;
  return it->second;
}

const std::string &WordPieceTokenizer::idToToken(int64_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= idToToken_.size())
    return config_.unkToken;
  return idToToken_[static_cast<size_t>(id)];
}

bool WordPieceTokenizer::isSpecialId(int64_t id) const {
  return id >= 0 && static_cast<size_t>(id) < isSpecial_.size() &&
         isSpecial_[static_cast<size_t>(id)];
}

void WordPieceTokenizer::appendWordPieces(std::u32string_view word, std::vector<int64_t> &ids,
                                          std::vector<std::string> *tokens) const {
  auto emit = [&](int64_t id) {
    ids.push_back(id);
    if (tokens)
      tokens->push_back(idToToken_[static_cast<size_t>(id)]);
  };
  if (word.size() > config_.maxInputCharsPerWord) {
    emit(unkId_);
    return;
  }
  // UTF-8 of the word and the byte offset of each code point.
  std::string utf8;
  std::vector<size_t> offset;
  offset.reserve(word.size() + 1);
  for (char32_t c : word) {
    offset.push_back(utf8.size());
    appendUtf8(utf8, c);
  }
  offset.push_back(utf8.size());

  std::vector<int64_t> pieces;
  std::string candidate;
  size_t start = 0, n = word.size();
  while (start < n) {
    size_t end = n;
    int64_t found = -1;
    while (start < end) {
      candidate.clear();
      if (start > 0)
        candidate = "##";
      candidate.append(utf8, offset[start], offset[end] - offset[start]);
      auto it = vocab_.find(candidate);
      if (it != vocab_.end()) {
        found = it->second;
        break;
      }
      --end;
    }
    if (found < 0) {
      // The word cannot be covered by vocabulary pieces.
      emit(unkId_);
      return;
    }
    pieces.push_back(found);
    start = end;
  }
  for (int64_t id : pieces)
    emit(id);
}

// Calls onSpecial(id) for each special token and onWord(word) for each
// normalized, pre-tokenized word, in order.
template <typename OnSpecial, typename OnWord>
bool WordPieceTokenizer::split(std::string_view text, std::string &error,
                               OnSpecial &&onSpecial, OnWord &&onWord) const {
  std::u32string all;
  size_t bad = 0;
  if (!decodeUtf8(text, all, bad)) {
    error = "input text: invalid UTF-8 at byte " + std::to_string(bad);
    return false;
  }
  const bool strip = config_.stripsAccents();
  std::u32string raw, norm, scratch;
  auto processSegment = [&](std::string_view segment) {
    decodeUtf8(segment, raw, bad);
    // 1. Clean text and space out CJK ideographs.
    norm.clear();
    norm.reserve(raw.size());
    for (char32_t cp : raw) {
      if (cp == 0 || cp == 0xFFFD || isBertControl(cp))
        continue;
      if (isWhiteSpace(cp)) {
        norm.push_back(U' ');
      } else if (config_.tokenizeChineseChars && isCjkIdeograph(cp)) {
        norm.push_back(U' ');
        norm.push_back(cp);
        norm.push_back(U' ');
      } else {
        norm.push_back(cp);
      }
    }
    // 2. Strip accents: NFD, then drop nonspacing marks.
    if (strip) {
      scratch = nfd(norm);
      norm.clear();
      for (char32_t cp : scratch)
        if (!isNonspacingMark(cp))
          norm.push_back(cp);
    }
    // 3. Lowercase.
    if (config_.doLowerCase) {
      scratch.clear();
      for (char32_t cp : norm)
        appendLowercase(scratch, cp);
      norm.swap(scratch);
    }
    // 4. Split on white space; punctuation characters are words of their own.
    size_t i = 0, n = norm.size();
    std::u32string_view v(norm);
    while (i < n) {
      char32_t cp = norm[i];
      if (isWhiteSpace(cp)) {
        ++i;
        continue;
      }
      size_t j = i + 1;
      if (!isBertPunctuation(cp))
        while (j < n && !isWhiteSpace(norm[j]) && !isBertPunctuation(norm[j]))
          ++j;
      onWord(v.substr(i, j - i));
      i = j;
    }
  };
  splitOnSpecialTokens(text, specialTokens_, [&](std::string_view segment, int64_t specialId) {
    if (specialId >= 0)
      onSpecial(specialId);
    else
      processSegment(segment);
  });
  return true;
}

bool WordPieceTokenizer::run(std::string_view text, std::vector<int64_t> &ids,
                             std::vector<std::string> *tokens, std::string &error) const {
  return split(
      text, error,
      [&](int64_t id) {
        ids.push_back(id);
        if (tokens)
          tokens->push_back(idToToken_[static_cast<size_t>(id)]);
      },
      [&](std::u32string_view word) { appendWordPieces(word, ids, tokens); });
}

bool WordPieceTokenizer::basicTokenize(std::string_view text, std::vector<std::string> &words,
                                       std::string &error) const {
  try {
    words.clear();
    return split(
        text, error, [&](int64_t id) { words.push_back(idToToken_[static_cast<size_t>(id)]); },
        [&](std::u32string_view word) { words.push_back(encodeUtf8(word)); });
  } catch (const std::exception &e) {
    error = std::string("tokenize: ") + e.what();
    return false;
  }
}

bool WordPieceTokenizer::tokenize(std::string_view text, std::vector<std::string> &tokens,
                                  std::string &error) const {
  try {
    std::vector<int64_t> ids;
    tokens.clear();
    return run(text, ids, &tokens, error);
  } catch (const std::exception &e) {
    error = std::string("tokenize: ") + e.what();
    return false;
  }
}

bool WordPieceTokenizer::encodeIds(std::string_view text, std::vector<int64_t> &ids,
                                   std::string &error) const {
  try {
    ids.clear();
    return run(text, ids, nullptr, error);
  } catch (const std::exception &e) {
    error = std::string("encode: ") + e.what();
    return false;
  }
}

bool WordPieceTokenizer::encode(std::string_view text,
                                const std::optional<std::string_view> &textPair,
                                const EncodeOptions &options, Encoding &out,
                                std::string &error) const {
  try {
    std::vector<int64_t> a, b;
    if (!run(text, a, nullptr, error))
      return false;
    // Hugging Face drops an empty text_pair ("if text_pair" in its wrapper).
    bool pair = textPair.has_value() && !textPair->empty();
    if (pair && !run(*textPair, b, nullptr, error))
      return false;

    uint64_t limit = options.maxLength ? options.maxLength : config_.modelMaxLength;
    if (options.truncation && limit > 0) {
      uint64_t added = options.addSpecialTokens ? (pair ? 3 : 2) : 0;
      // Below the number of special tokens Hugging Face does not truncate.
      if (limit >= added) {
        uint64_t budget = limit - added;
        if (!pair) {
          if (a.size() > budget)
            a.resize(static_cast<size_t>(budget));
        } else if (a.size() + b.size() > budget) {
          // tokenizers' truncate_encodings, LongestFirst.
          uint64_t n1 = a.size(), n2 = b.size();
          bool swap = n1 > n2;
          if (swap)
            std::swap(n1, n2);
          if (budget == 0) {
            n1 = n2 = 0;
          } else {
            n2 = n1 > budget ? n1 : std::max(n1, budget - n1);
            if (n1 + n2 > budget) {
              n1 = budget / 2;
              n2 = n1 + budget % 2;
            }
          }
          if (swap)
            std::swap(n1, n2);
          if (a.size() > n1)
            a.resize(static_cast<size_t>(n1));
          if (b.size() > n2)
            b.resize(static_cast<size_t>(n2));
        }
      }
    }

    out.inputIds.clear();
    out.tokenTypeIds.clear();
    out.attentionMask.clear();
    if (options.addSpecialTokens)
      out.inputIds.push_back(clsId_);
    out.inputIds.insert(out.inputIds.end(), a.begin(), a.end());
    if (options.addSpecialTokens)
      out.inputIds.push_back(sepId_);
    out.tokenTypeIds.assign(out.inputIds.size(), 0);
    if (pair) {
      out.inputIds.insert(out.inputIds.end(), b.begin(), b.end());
      if (options.addSpecialTokens)
        out.inputIds.push_back(sepId_);
      out.tokenTypeIds.resize(out.inputIds.size(), 1);
    }
    out.attentionMask.assign(out.inputIds.size(), 1);
    if (options.padToMaxLength && limit > out.inputIds.size()) {
      size_t n = static_cast<size_t>(limit);
      out.inputIds.resize(n, padId_);
      out.tokenTypeIds.resize(n, 0);
      out.attentionMask.resize(n, 0);
    }
    return true;
  } catch (const std::exception &e) {
    error = std::string("encode: ") + e.what();
    return false;
  }
}

std::string WordPieceTokenizer::decode(const std::vector<int64_t> &ids, bool skipSpecialTokens,
                                       std::optional<bool> cleanUp) const {
  std::string s;
  bool first = true;
  for (int64_t id : ids) {
    if (skipSpecialTokens && isSpecialId(id))
      continue;
    if (!first)
      s += ' ';
    first = false;
    s += idToToken(id);
  }
  replaceAll(s, " ##", "");
  s = pyStrip(s);
  if (cleanUp.value_or(config_.cleanUpTokenizationSpaces))
    cleanUpTokenization(s);
  return s;
}

} // namespace tokenizers
} // namespace attune
