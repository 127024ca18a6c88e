//===- BytePairEncoding.cpp - GPT-2 byte-level BPE ------------------------===//
#include "attune/tokenizers/BytePairEncoding.h"

#include "CleanUp.h"
#include "FileUtil.h"
#include "SpecialTokens.h"
#include "Unicode.h"

#include <algorithm>
#include <limits>
#include <new>

namespace attune {
namespace tokenizers {

using namespace detail;

namespace {

// GPT-2's bytes_to_unicode(): printable Latin-1 bytes map to themselves,
// the other 68 bytes to U+0100 onwards, in byte order.
struct ByteTable {
  char32_t toChar[256];
  std::string toUtf8[256];
  std::unordered_map<char32_t, unsigned char> toByte;
  ByteTable() {
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      toChar[b] = printable ? char32_t(b) : char32_t(256 + n++);
      appendUtf8(toUtf8[b], toChar[b]);
      toByte[toChar[b]] = static_cast<unsigned char>(b);
    }
  }
};

const ByteTable &byteTable() {
  static const ByteTable table;
  return table;
}

uint64_t pairKey(int64_t a, int64_t b) {
  return (static_cast<uint64_t>(a) << 32) | static_cast<uint64_t>(b);
}

bool isOtherChar(char32_t c) { return !isWhiteSpace(c) && !isLetter(c) && !isNumber(c); }

// GPT-2's pattern over code points [begin, end): appends piece boundaries.
void splitPieces(const std::u32string &s, size_t begin, size_t end,
                 std::vector<std::pair<size_t, size_t>> &out) {
  size_t i = begin;
  while (i < end) {
    // 's|'t|'re|'ve|'m|'ll|'d
    if (s[i] == U'\'' && i + 1 < end) {
      char32_t a = s[i + 1];
      if (a == U's' || a == U't' || a == U'm' || a == U'd') {
        out.emplace_back(i, i + 2);
        i += 2;
        continue;
      }
      if (i + 2 < end) {
        char32_t b = s[i + 2];
        if ((a == U'r' && b == U'e') || (a == U'v' && b == U'e') || (a == U'l' && b == U'l')) {
          out.emplace_back(i, i + 3);
          i += 3;
          continue;
        }
      }
    }
    // ' ?\p{L}+' | ' ?\p{N}+' | ' ?[^\s\p{L}\p{N}]+'
    size_t k = (s[i] == U' ') ? i + 1 : i;
    if (k < end) {
      bool (*cls)(char32_t) = nullptr;
      if (isLetter(s[k]))
        cls = isLetter;
      else if (isNumber(s[k]))
        cls = isNumber;
      else if (isOtherChar(s[k]))
        cls = isOtherChar;
      if (cls) {
        size_t j = k + 1;
        while (j < end && cls(s[j]))
          ++j;
        out.emplace_back(i, j);
        i = j;
        continue;
      }
    }
    // '\s+(?!\S)' | '\s+'  (s[i] is white space here): a run of white space
    // up to the end, else all of it but the last character, which then
    // prefixes the next piece (or stands alone when the run is one long).
    size_t j = i + 1;
    while (j < end && isWhiteSpace(s[j]))
      ++j;
    if (j < end && j - i >= 2)
      --j;
    out.emplace_back(i, j);
    i = j;
  }
}

struct AddedToken {
  int64_t id;
  std::string content;
  bool special;
};

// bos/eos/unk default to <|endoftext|> (GPT2Tokenizer's defaults); pad has
// no default.
bool readSpecialConfig(const std::string &path, const nlohmann::json &cfg,
                       std::vector<std::string> &specials, std::vector<AddedToken> &added,
                       std::optional<bool> &addPrefixSpace, std::optional<std::string> &eos,
                       std::string &error) {
  if (!configBool(cfg, "add_prefix_space", path, addPrefixSpace, error))
    return false;
  for (const char *f : {"bos_token", "eos_token", "unk_token", "pad_token"}) {
    std::optional<std::string> t;
    if (!configToken(cfg, f, path, t, error))
      return false;
    bool isPad = std::string(f) == "pad_token";
    if (!t && !isPad && !cfg.contains(f))
      t = "<|endoftext|>";
    if (t) {
      specials.push_back(*t);
      if (std::string(f) == "eos_token")
        eos = t;
    }
  }
  auto it = cfg.find("added_tokens_decoder");
  if (it != cfg.end() && !it->is_null()) {
    if (!it->is_object()) {
      error = path + ": field 'added_tokens_decoder' must be an object, got " + it->type_name();
      return false;
    }
    for (auto e = it->begin(); e != it->end(); ++e) {
      int64_t id = -1;
      try {
        size_t used = 0;
        long long v = std::stoll(e.key(), &used);
        if (used == e.key().size() && v >= 0)
          id = v;
      } catch (const std::exception &) {
      }
      if (id < 0 || id > std::numeric_limits<int32_t>::max()) {
        error = path + ": added_tokens_decoder key " + quote(e.key()) +
                " is not a token id";
        return false;
      }
      const auto &v = e.value();
      if (!v.is_object() || !v.contains("content") || !v["content"].is_string()) {
        error = path + ": added_tokens_decoder[" + e.key() +
                "] must be an object with a string \"content\"";
        return false;
      }
      bool special = true;
      if (v.contains("special")) {
        if (!v["special"].is_boolean()) {
          error = path + ": added_tokens_decoder[" + e.key() + "].special must be true or false";
          return false;
        }
        special = v["special"].get<bool>();
      }
      added.push_back({id, v["content"].get<std::string>(), special});
    }
  }
  return true;
}

} // namespace

std::unique_ptr<BytePairEncodingTokenizer>
BytePairEncodingTokenizer::loadDirectory(const std::string &dir, const BpeLoadOptions &options,
                                         std::string &error) {
  return load(joinPath(dir, "vocab.json"), joinPath(dir, "merges.txt"), options, error);
}

std::unique_ptr<BytePairEncodingTokenizer>
BytePairEncodingTokenizer::load(const std::string &vocabPath, const std::string &mergesPath,
                                const BpeLoadOptions &options, std::string &error) {
  try {
    std::unique_ptr<BytePairEncodingTokenizer> tok(new BytePairEncodingTokenizer());
    tok->cacheCapacity_ = options.cacheCapacity;

    // vocab.json: {"token": id, ...}
    std::string text;
    if (!readFile(vocabPath, text, error))
      return nullptr;
    nlohmann::json vocab;
    if (!parseJson(vocabPath, text, vocab, error))
      return nullptr;
    if (!vocab.is_object()) {
      error = vocabPath + ": expected a JSON object mapping tokens to ids, got " +
              vocab.type_name();
      return nullptr;
    }
    if (vocab.empty()) {
      error = vocabPath + ": empty vocabulary";
      return nullptr;
    }
    int64_t maxId = -1;
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      const auto &v = it.value();
      if (!v.is_number_unsigned() || v.get<uint64_t>() > uint64_t(INT32_MAX)) {
        error = vocabPath + ": token " + quote(it.key()) +
                ": id must be a non-negative 32-bit integer, got " + v.dump();
        return nullptr;
      }
      maxId = std::max<int64_t>(maxId, v.get<int64_t>());
    }
    if (static_cast<uint64_t>(maxId) > 4 * static_cast<uint64_t>(vocab.size()) + 1024) {
      error = vocabPath + ": ids are too sparse (largest " + std::to_string(maxId) + " for " +
              std::to_string(vocab.size()) + " tokens)";
      return nullptr;
    }
    tok->idToToken_.assign(static_cast<size_t>(maxId) + 1, std::string());
    std::vector<bool> used(static_cast<size_t>(maxId) + 1, false);
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      int64_t id = it.value().get<int64_t>();
      if (used[static_cast<size_t>(id)]) {
        error = vocabPath + ": tokens " + quote(tok->idToToken_[static_cast<size_t>(id)]) +
                " and " + quote(it.key()) + " both have id " + std::to_string(id);
        return nullptr;
      }
      used[static_cast<size_t>(id)] = true;
      tok->idToToken_[static_cast<size_t>(id)] = it.key();
      tok->vocab_.emplace(it.key(), id);
    }
    vocab = nlohmann::json();

    // tokenizer_config.json (optional).
    std::vector<std::string> specials = {"<|endoftext|>"};
    std::vector<AddedToken> added;
    std::vector<std::string> plainAdded; // matched in text, not special
    std::optional<bool> addPrefix;
    std::optional<std::string> eos;
    if (options.readTokenizerConfig) {
      std::string cfgPath = joinPath(parentDirectory(vocabPath), "tokenizer_config.json");
      nlohmann::json cfg;
      bool present = false;
      if (!readConfig(cfgPath, cfg, present, error))
        return nullptr;
      if (present) {
        specials.clear();
        if (!readSpecialConfig(cfgPath, cfg, specials, added, addPrefix, eos, error))
          return nullptr;
      }
      for (const auto &a : added) {
        auto it = tok->vocab_.find(a.content);
        if (it != tok->vocab_.end()) {
          if (it->second != a.id) {
            error = cfgPath + ": added token " + quote(a.content) + " has id " +
                    std::to_string(a.id) + " but vocab.json gives it " +
                    std::to_string(it->second);
            return nullptr;
          }
        } else {
          size_t id = static_cast<size_t>(a.id);
          if (id < tok->idToToken_.size() && used[id]) {
            error = cfgPath + ": added token " + quote(a.content) + " has id " +
                    std::to_string(a.id) + ", which vocab.json gives to " +
                    quote(tok->idToToken_[id]);
            return nullptr;
          }
          if (id > tok->idToToken_.size() + 1024) {
            error = cfgPath + ": added token " + quote(a.content) + " has id " +
                    std::to_string(a.id) + ", far beyond the vocabulary";
            return nullptr;
          }
          if (id >= tok->idToToken_.size()) {
            tok->idToToken_.resize(id + 1);
            used.resize(id + 1, false);
          }
          used[id] = true;
          tok->idToToken_[id] = a.content;
          tok->vocab_.emplace(a.content, a.id);
        }
        if (a.special)
          specials.push_back(a.content);
        else
          plainAdded.push_back(a.content);
      }
    }
    tok->addPrefixSpace_ = options.addPrefixSpace.value_or(addPrefix.value_or(false));
    tok->isSpecial_.assign(tok->idToToken_.size(), false);
    std::vector<std::pair<std::string, int64_t>> matchable;
    for (const auto &s : specials) {
      auto it = tok->vocab_.find(s);
      if (it == tok->vocab_.end())
        continue;
      tok->isSpecial_[static_cast<size_t>(it->second)] = true;
      matchable.emplace_back(s, it->second);
    }
    for (const auto &s : plainAdded)
      matchable.emplace_back(s, tok->vocab_.at(s));
    tok->specialTokens_ = sortSpecialTokens(std::move(matchable));
    if (auto id = tok->tokenToId(eos.value_or("<|endoftext|>")))
      tok->eosId_ = *id;

    // merges.txt
    if (!readFile(mergesPath, text, error))
      return nullptr;
    size_t pos = 0, line = 0;
    uint32_t rank = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      size_t next = end == std::string::npos ? text.size() : end + 1;
      if (end == std::string::npos)
        end = text.size();
      ++line;
      std::string_view l(text.data() + pos, end - pos);
      pos = next;
      if (!l.empty() && l.back() == '\r')
        l.remove_suffix(1);
      if (l.substr(0, 8) == "#version")
        continue;
      std::u32string scratch;
      size_t bad;
      if (!decodeUtf8(l, scratch, bad)) {
        error = mergesPath + ":" + std::to_string(line) + ": invalid UTF-8";
        return nullptr;
      }
      size_t sp = l.find(' ');
      if (sp == std::string_view::npos || sp == 0 || sp + 1 == l.size() ||
          l.find(' ', sp + 1) != std::string_view::npos) {
        error = mergesPath + ":" + std::to_string(line) + ": malformed merge " +
                quote(l) + " (expected two symbols separated by one space)";
        return nullptr;
      }
      std::string a(l.substr(0, sp)), b(l.substr(sp + 1));
      int64_t ids[3] = {-1, -1, -1};
      const std::string parts[3] = {a, b, a + b};
      for (int k = 0; k < 3; ++k) {
        auto it = tok->vocab_.find(parts[k]);
        if (it == tok->vocab_.end()) {
          error = mergesPath + ":" + std::to_string(line) + ": " +
                  (k < 2 ? "merge symbol " : "merged token ") + quote(parts[k]) +
                  " is not in " + vocabPath;
          return nullptr;
        }
        ids[k] = it->second;
      }
      // A repeated merge takes its later rank (as a dict / HashMap does).
      tok->merges_[pairKey(ids[0], ids[1])] = {rank++, ids[2]};
    }
    tok->numMerges_ = rank;
    return tok;
  } catch (const std::bad_alloc &) {
    error = vocabPath + ": out of memory";
    return nullptr;
  } catch (const std::exception &e) {
    error = vocabPath + ": " + e.what();
    return nullptr;
  }
}

std::optional<int64_t> BytePairEncodingTokenizer::tokenToId(std::string_view token) const {
  auto it = vocab_.find(std::string(token));
  if (it == vocab_.end())
    return std::nullopt;
  return it->second;
}

const std::string &BytePairEncodingTokenizer::idToToken(int64_t id) const {
  static const std::string kEmpty;
  if (id < 0 || static_cast<size_t>(id) >= idToToken_.size())
    return kEmpty;
  return idToToken_[static_cast<size_t>(id)];
}

bool BytePairEncodingTokenizer::isSpecialId(int64_t id) const {
  return id >= 0 && static_cast<size_t>(id) < isSpecial_.size() &&
         isSpecial_[static_cast<size_t>(id)];
}

bool BytePairEncodingTokenizer::preTokenize(std::string_view text,
                                            std::vector<std::string> &pieces,
                                            std::string &error) {
  try {
    std::u32string u;
    size_t bad;
    if (!decodeUtf8(text, u, bad)) {
      error = "input text: invalid UTF-8 at byte " + std::to_string(bad);
      return false;
    }
    std::vector<std::pair<size_t, size_t>> spans;
    splitPieces(u, 0, u.size(), spans);
    pieces.clear();
    for (auto &s : spans)
      pieces.push_back(encodeUtf8(std::u32string_view(u).substr(s.first, s.second - s.first)));
    return true;
  } catch (const std::exception &e) {
    error = std::string("pre-tokenize: ") + e.what();
    return false;
  }
}

void BytePairEncodingTokenizer::bpe(const std::string &mapped, std::vector<int64_t> &ids,
                                    std::vector<std::string> *tokens) const {
  auto emit = [&](const std::vector<int64_t> &symbolIds) {
    for (int64_t id : symbolIds) {
      ids.push_back(id);
      if (tokens)
        tokens->push_back(idToToken_[static_cast<size_t>(id)]);
    }
  };
  if (cacheCapacity_ > 0) {
    std::lock_guard<std::mutex> lock(cacheMutex_);
    auto it = cache_.find(mapped);
    if (it != cache_.end()) {
      emit(it->second);
      return;
    }
  }
  // Symbols: the characters of the mapped piece. One missing from the
  // vocabulary is dropped (the Rust BPE without an unk token).
  std::vector<int64_t> symbolIds;
  for (size_t i = 0; i < mapped.size();) {
    size_t len = 1;
    unsigned char c = static_cast<unsigned char>(mapped[i]);
    if (c >= 0xF0)
      len = 4;
    else if (c >= 0xE0)
      len = 3;
    else if (c >= 0xC0)
      len = 2;
    auto it = vocab_.find(mapped.substr(i, len));
    if (it != vocab_.end())
      symbolIds.push_back(it->second);
    i += len;
  }
  // GPT2Tokenizer.bpe: merge every occurrence of the lowest-ranked adjacent
  // pair, left to right, until no adjacent pair is a merge.
  std::vector<int64_t> merged;
  while (symbolIds.size() > 1) {
    uint32_t best = UINT32_MAX;
    uint64_t bestKey = 0;
    int64_t bestResult = -1;
    for (size_t i = 0; i + 1 < symbolIds.size(); ++i) {
      auto it = merges_.find(pairKey(symbolIds[i], symbolIds[i + 1]));
      if (it != merges_.end() && it->second.first < best) {
        best = it->second.first;
        bestKey = it->first;
        bestResult = it->second.second;
      }
    }
    if (bestResult < 0)
      break;
    merged.clear();
    for (size_t i = 0; i < symbolIds.size();) {
      if (i + 1 < symbolIds.size() && pairKey(symbolIds[i], symbolIds[i + 1]) == bestKey) {
        merged.push_back(bestResult);
        i += 2;
      } else {
        merged.push_back(symbolIds[i]);
        ++i;
      }
    }
    symbolIds.swap(merged);
  }
  emit(symbolIds);
  if (cacheCapacity_ > 0) {
    std::lock_guard<std::mutex> lock(cacheMutex_);
    if (cache_.size() >= cacheCapacity_)
      cache_.clear();
    cache_.emplace(mapped, std::move(symbolIds));
  }
}

bool BytePairEncodingTokenizer::run(std::string_view text, std::vector<int64_t> &ids,
                                    std::vector<std::string> *tokens, std::string &error) const {
  std::u32string all;
  size_t bad = 0;
  if (!decodeUtf8(text, all, bad)) {
    error = "input text: invalid UTF-8 at byte " + std::to_string(bad);
    return false;
  }
  const ByteTable &table = byteTable();
  std::vector<std::pair<size_t, size_t>> spans;
  std::string mapped;
  splitOnSpecialTokens(text, specialTokens_, [&](std::string_view segment, int64_t specialId) {
    if (specialId >= 0) {
      ids.push_back(specialId);
      if (tokens)
        tokens->push_back(idToToken_[static_cast<size_t>(specialId)]);
      return;
    }
    std::u32string u;
    if (addPrefixSpace_ && segment.front() != ' ')
      u.push_back(U' ');
    std::u32string rest;
    decodeUtf8(segment, rest, bad);
    u += rest;
    spans.clear();
    splitPieces(u, 0, u.size(), spans);
    for (const auto &s : spans) {
      std::string piece = encodeUtf8(std::u32string_view(u).substr(s.first, s.second - s.first));
      mapped.clear();
      for (unsigned char c : piece)
        mapped += table.toUtf8[c];
      bpe(mapped, ids, tokens);
    }
  });
  return true;
}

bool BytePairEncodingTokenizer::tokenize(std::string_view text, std::vector<std::string> &tokens,
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

bool BytePairEncodingTokenizer::encode(std::string_view text, std::vector<int64_t> &ids,
                                       std::string &error) const {
  try {
    ids.clear();
    return run(text, ids, nullptr, error);
  } catch (const std::exception &e) {
    error = std::string("encode: ") + e.what();
    return false;
  }
}

std::string BytePairEncodingTokenizer::decode(const std::vector<int64_t> &ids,
                                              bool skipSpecialTokens, bool cleanUp) const {
  const ByteTable &table = byteTable();
  std::string bytes;
  std::u32string u;
  size_t bad;
  for (int64_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= idToToken_.size() ||
        (skipSpecialTokens && isSpecialId(id)))
      continue;
    const std::string &t = idToToken_[static_cast<size_t>(id)];
    // A token made only of byte symbols gives those bytes; any other (an
    // added token with other characters) is kept as it is.
    bool allBytes = decodeUtf8(t, u, bad);
    std::string b;
    for (char32_t c : u) {
      auto it = table.toByte.find(c);
      if (it == table.toByte.end()) {
        allBytes = false;
        break;
      }
      b += static_cast<char>(it->second);
    }
    bytes += allBytes ? b : t;
  }
  std::string s = decodeUtf8Lossy(bytes);
  if (cleanUp)
    cleanUpTokenization(s);
  return s;
}

} // namespace tokenizers
} // namespace attune
