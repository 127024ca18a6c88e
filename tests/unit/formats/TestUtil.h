//===- tests/unit/formats/TestUtil.h - Helpers for the format tests -------===//
//
// A temporary directory removed after each test, reading and writing whole
// files as byte strings, and building safetensors images from a header
// string and a data section so that malformed files can be written by hand.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TESTS_FORMATS_TESTUTIL_H
#define ATTUNE_TESTS_FORMATS_TESTUTIL_H

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

/// An error message that must mention `needle`.
#define EXPECT_HAS(haystack, needle)                                           \
  EXPECT_NE((haystack).find(needle), std::string::npos)                        \
      << "message: " << (haystack) << "\nexpected to contain: " << (needle)

namespace attune_test {

class TempDir {
public:
  TempDir() {
    const char *base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") +
                       "/attune_formats_XXXXXX";
    char *made = ::mkdtemp(tmpl.data());
    if (made)
      path_ = made;
  }
  ~TempDir() {
    if (!path_.empty())
      std::system(("rm -rf '" + path_ + "'").c_str());
  }
  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

inline void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

inline std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

/// 8-byte little-endian length, then `header` verbatim, then `data`.
inline std::string safetensorsImage(const std::string &header,
                                    const std::string &data = "",
                                    uint64_t lengthOverride = UINT64_MAX) {
  uint64_t n = lengthOverride == UINT64_MAX ? header.size() : lengthOverride;
  std::string out;
  for (int i = 0; i < 8; ++i)
    out += static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

} // namespace attune_test

#endif // ATTUNE_TESTS_FORMATS_TESTUTIL_H
