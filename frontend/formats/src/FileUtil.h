//===- FileUtil.h - File mapping and writing shared by the readers --------===//
//
// Internal to attune_formats. MappedFile maps a regular file read-only (a
// FIFO, device or directory is refused without blocking); writeChunks
// writes a file from a list of byte ranges through a temporary file in the
// same directory that is renamed into place, so a failed write never leaves
// a partial file at `path`. Errors are one line, prefixed with the path.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_FORMATS_FILEUTIL_H
#define ATTUNE_FORMATS_FILEUTIL_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace attune {
namespace formats {
namespace detail {

class MappedFile {
public:
  MappedFile() = default;
  ~MappedFile() { reset(); }
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;

  /// Maps `path`. An empty file succeeds with data() == nullptr, size() == 0.
  bool map(const std::string &path, std::string &error);
  void reset();
  /// Gives up ownership of the mapping (the caller munmaps it).
  void release() {
    addr_ = nullptr;
    size_ = 0;
  }

  const uint8_t *data() const { return static_cast<const uint8_t *>(addr_); }
  size_t size() const { return size_; }
  void *addr() const { return addr_; }

private:
  void *addr_ = nullptr;
  size_t size_ = 0;
};

/// Writes the concatenation of `chunks` (pointer, length) to `path`.
bool writeChunks(const std::string &path,
                 const std::vector<std::pair<const void *, size_t>> &chunks,
                 std::string &error);

} // namespace detail
} // namespace formats
} // namespace attune

#endif // ATTUNE_FORMATS_FILEUTIL_H
