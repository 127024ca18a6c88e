//===- TestUtil.h - Shared helpers of the tokenizer tests -----------------===//
#ifndef ATTUNE_TESTS_TOKENIZERS_TESTUTIL_H
#define ATTUNE_TESTS_TOKENIZERS_TESTUTIL_H

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <unistd.h>

namespace attune_test {

inline std::string fixturePath(const std::string &rel) {
  return std::string(ATTUNE_TOKENIZER_FIXTURES) + "/" + rel;
}

/// tests/fixtures/tokenizers/expected.json, parsed once.
inline const nlohmann::json &expected() {
  static const nlohmann::json j = [] {
    std::ifstream in(fixturePath("expected.json"), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  }();
  return j;
}

inline std::vector<int64_t> ids(const nlohmann::json &a) {
  return a.get<std::vector<int64_t>>();
}

/// A fresh temporary directory, removed (with its files) on destruction.
class TempDir {
public:
  TempDir() {
    char tmpl[] = "/tmp/attune-tok-test-XXXXXX";
    const char *d = ::mkdtemp(tmpl);
    path_ = d ? d : "/tmp";
  }
  ~TempDir() {
    for (const auto &f : files_)
      ::unlink(f.c_str());
    ::rmdir(path_.c_str());
  }
  const std::string &path() const { return path_; }
  std::string write(const std::string &name, const std::string &content) {
    std::string p = path_ + "/" + name;
    std::ofstream out(p, std::ios::binary);
    out << content;
    files_.push_back(p);
    return p;
  }

private:
  std::string path_;
  std::vector<std::string> files_;
};

/// The minimal BERT vocabulary plus `extra` lines.
inline std::string bertVocab(const std::vector<std::string> &extra = {}) {
  std::string s = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  for (const auto &e : extra)
    s += e + "\n";
  return s;
}

} // namespace attune_test

#endif // ATTUNE_TESTS_TOKENIZERS_TESTUTIL_H
