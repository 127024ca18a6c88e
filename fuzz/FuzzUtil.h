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
// verbose(): ATTUNE_FUZZ_VERBOSE=1 makes the targets say, per input, whether
// it was accepted and why not.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_FUZZ_FUZZUTIL_H
#define ATTUNE_FUZZ_FUZZUTIL_H

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <dirent.h>
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

} // namespace attune_fuzz

#endif // ATTUNE_FUZZ_FUZZUTIL_H
