//===- FileUtil.cpp - File mapping and writing shared by the readers ------===//
//
// Implements MappedFile (open with O_NONBLOCK so a FIFO cannot hang us,
// fstat to refuse anything but a regular file, then a read-only private
// mmap) and writeChunks (temporary file + rename, short writes and EINTR
// retried, every failure reported with strerror).
//===----------------------------------------------------------------------===//
#include "FileUtil.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace attune {
namespace formats {
namespace detail {

static std::string errnoText(int err) { return std::strerror(err); }

bool MappedFile::map(const std::string &path, std::string &error) {
  reset();
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": cannot open: " + errnoText(errno);
    return false;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    error = path + ": cannot stat: " + errnoText(errno);
    ::close(fd);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    error = path + ": not a regular file";
    ::close(fd);
    return false;
  }
  if (st.st_size < 0 || static_cast<uint64_t>(st.st_size) > SIZE_MAX) {
    error = path + ": file size " + std::to_string(st.st_size) +
            " is not addressable";
    ::close(fd);
    return false;
  }
  size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return true;
  }
  void *addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int mapErr = errno;
  ::close(fd);
  if (addr == MAP_FAILED) {
    error = path + ": cannot mmap " + std::to_string(size) +
            " bytes: " + errnoText(mapErr);
    return false;
  }
  addr_ = addr;
  size_ = size;
  return true;
}

void MappedFile::reset() {
  if (addr_)
    ::munmap(addr_, size_);
  addr_ = nullptr;
  size_ = 0;
}

bool writeChunks(const std::string &path,
                 const std::vector<std::pair<const void *, size_t>> &chunks,
                 std::string &error) {
  static std::atomic<unsigned> counter{0};
  std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                    std::to_string(counter.fetch_add(1));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    error = path + ": cannot create '" + tmp + "': " + errnoText(errno);
    return false;
  }
  auto fail = [&](const std::string &what, int err) {
    error = path + ": " + what + ": " + errnoText(err);
    if (fd >= 0)
      ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  };
  for (const auto &chunk : chunks) {
    const char *p = static_cast<const char *>(chunk.first);
    size_t left = chunk.second;
    while (left > 0) {
      ssize_t n = ::write(fd, p, left);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        return fail("write failed", errno);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
  }
  int rc = ::close(fd);
  fd = -1;
  if (rc != 0)
    return fail("close failed", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return fail("cannot rename '" + tmp + "' into place", errno);
  return true;
}

} // namespace detail
} // namespace formats
} // namespace attune
