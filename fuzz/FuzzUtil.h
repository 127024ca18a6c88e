//===- FuzzUtil.h - Helpers shared by Attune's fuzz targets ----------------===//
//
// FUZZ_CHECK(cond, msg): an invariant the code under test promises; when it
// does not hold, print why and abort() so libFuzzer records the input as a
// crash. Use it only for real bugs: an error return of the API is never one.
//
// fuzzScratchDir(): a private directory for files a target must write (the
// readers and writers under test take paths), created once per process
// under $TMPDIR (default /tmp) and removed at normal exit. Fixed file names
// inside it are safe: libFuzzer runs one input at a time per process, and
// every process (e.g. with -jobs/-workers) gets its own directory.
//
// writeFileOrDie(path, bytes) / readFileOrDie(path): for the scratch files
// and the fixtures a target reads at startup (an I/O failure aborts: an
// environment problem, not a finding). isValidUtf8(): strict UTF-8 (no
// overlong forms, surrogates or code points above U+10FFFF).
//
// verbose(): ATTUNE_FUZZ_VERBOSE=1 makes the targets say, per input, whether
// it was accepted and why not.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_FUZZ_FUZZUTIL_H
#define ATTUNE_FUZZ_FUZZUTIL_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#define FUZZ_CHECK(cond, msg)                                                   \
  do {                                                                          \
    if (!(cond)) {                                                              \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %s\n", __FILE__,      \
                   __LINE__, #cond, std::string(msg).c_str());                  \
      std::abort();                                                             \
    }                                                                           \
  } while (0)

namespace attune_fuzz {

/// ATTUNE_FUZZ_VERBOSE=1: print why each input was accepted or refused
/// (for checking seeds: `ATTUNE_FUZZ_VERBOSE=1 ./fuzz_x corpus/fuzz_x/*`).
inline bool verbose() {
  static const bool v = [] {
    const char *e = std::getenv("ATTUNE_FUZZ_VERBOSE");
    return e && *e && std::strcmp(e, "0") != 0;
  }();
  return v;
}

inline void removeScratchDir(const std::string &dir) {
  if (DIR *d = ::opendir(dir.c_str())) {
    while (dirent *e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
        ::unlink((dir + "/" + e->d_name).c_str());
    }
    ::closedir(d);
  }
  ::rmdir(dir.c_str());
}

inline const std::string &fuzzScratchDir() {
  static const std::string dir = [] {
    const char *tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/attune-fuzz.XXXXXX";
    if (!::mkdtemp(tmpl.data())) {
      std::perror(("fuzz: mkdtemp " + tmpl).c_str());
      std::abort(); // an environment problem, not a finding: fails at startup
    }
    return tmpl;
  }();
  static const bool registered = [] {
    std::atexit([] { removeScratchDir(fuzzScratchDir()); });
    return true;
  }();
  (void)registered;
  return dir;
}

inline void writeFileOrDie(const std::string &path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::perror(("fuzz: cannot create " + path).c_str());
    std::abort();
  }
  const char *p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      std::perror(("fuzz: cannot write " + path).c_str());
      std::abort();
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  ::close(fd);
}

inline std::string readFileOrDie(const std::string &path) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::perror(("fuzz: cannot open " + path).c_str());
    std::abort();
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      std::perror(("fuzz: cannot read " + path).c_str());
      std::abort();
    }
    if (n == 0)
      break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

inline bool isValidUtf8(std::string_view s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len)
      return false;
    for (size_t k = 1; k < len; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

/// ATTUNE_FUZZ_FIXTURES (run time) or ATTUNE_FUZZ_FIXTURES_DIR (compile
/// time): the repository's tests/fixtures directory.
inline std::string fixturesDir() {
  const char *e = std::getenv("ATTUNE_FUZZ_FIXTURES");
  if (e && *e)
    return e;
#ifdef ATTUNE_FUZZ_FIXTURES_DIR
  return ATTUNE_FUZZ_FIXTURES_DIR;
#else
  std::fprintf(stderr, "fuzz: set ATTUNE_FUZZ_FIXTURES to the repository's tests/fixtures\n");
  std::abort();
#endif
}

} // namespace attune_fuzz

#endif // ATTUNE_FUZZ_FUZZUTIL_H
