//===- attune/formats/Safetensors.h - Reading and writing .safetensors ----===//
//
// A validating reader for the Hugging Face safetensors format and a writer
// that produces files the reference `safetensors` library reads.
//
// Layout of a file: an 8-byte little-endian header length N, N bytes of a
// JSON object (padded with spaces), then the data section. Each JSON entry
// other than "__metadata__" describes one tensor:
//   "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}
// with offsets relative to the start of the data section.
//
// The reader maps the file read-only and checks everything before returning:
// header bounds, JSON syntax, field types, supported dtypes, that the byte
// size implied by the shape equals end - begin (with overflow checks), that
// every range lies inside the data section and that no two ranges overlap.
// Every failure is reported as a one-line message naming the file and, where
// there is one, the tensor. No function here throws.
//
// Tensor data pointers point into the mapping and are NOT necessarily
// aligned for their element type: copy with memcpy. A file truncated by
// another process while mapped can still raise SIGBUS on access; that cannot
// be checked up front.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_FORMATS_SAFETENSORS_H
#define ATTUNE_FORMATS_SAFETENSORS_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attune {
namespace formats {

/// Element types Attune accepts from safetensors files.
enum class DType { F32, F16, BF16, I64, I32 };

/// "F32", "F16", "BF16", "I64", "I32".
const char *dtypeName(DType dtype);
/// Size of one element in bytes.
size_t dtypeSize(DType dtype);
/// Inverse of dtypeName; std::nullopt for any other string.
std::optional<DType> parseDType(const std::string &name);

/// One tensor of an open file. `data` points into the file mapping (valid as
/// long as the SafetensorsFile lives) and may be unaligned.
struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape; ///< Empty for a rank-0 (scalar) tensor.
  const uint8_t *data = nullptr;
  uint64_t nbytes = 0;
  uint64_t offset = 0; ///< Begin offset inside the data section.

  /// Number of elements (1 for rank 0). Never overflows for an opened file.
  int64_t numElements() const;
};

class SafetensorsFile {
public:
  /// Maps and validates `path`. On failure returns nullptr and sets `error`.
  static std::unique_ptr<SafetensorsFile> open(const std::string &path,
                                               std::string &error);

  /// Validates an in-memory image of a file (used by open() and by fuzzers).
  /// The buffer is not copied and must outlive the returned object.
  /// `nameForErrors` stands in for the path in messages and path().
  static std::unique_ptr<SafetensorsFile>
  openFromMemory(const uint8_t *data, size_t size,
                 const std::string &nameForErrors, std::string &error);

  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile &) = delete;
  SafetensorsFile &operator=(const SafetensorsFile &) = delete;

  /// Tensor names in file order (ascending data offset; ties by name).
  const std::vector<std::string> &names() const { return names_; }
  /// All tensors, in the same order as names().
  const std::vector<TensorInfo> &tensors() const { return tensors_; }
  /// The tensor called `name`, or nullptr.
  const TensorInfo *find(const std::string &name) const;
  /// The "__metadata__" object (empty if absent).
  const std::map<std::string, std::string> &metadata() const {
    return metadata_;
  }
  const std::string &path() const { return path_; }

private:
  SafetensorsFile() = default;

  std::string path_;
  std::vector<std::string> names_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
  void *mapping_ = nullptr; ///< Non-null only for files opened by open().
  size_t mappingSize_ = 0;
};

/// One tensor for writeSafetensors. `data` holds product(shape) elements of
/// `dtype` in row-major order (may be null when there are none).
struct TensorToWrite {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const void *data = nullptr;
};

/// Writes `tensors` (data laid out in the given order) and `metadata` to
/// `path`. The header is padded with spaces to a multiple of 8 bytes. Fails
/// (with `error` set and no file left behind) on duplicate or reserved
/// names, negative dimensions, rank > 8, overflowing sizes, null data or an
/// I/O error.
bool writeSafetensors(const std::string &path,
                      const std::vector<TensorToWrite> &tensors,
                      const std::map<std::string, std::string> &metadata,
                      std::string &error);

} // namespace formats
} // namespace attune

#endif // ATTUNE_FORMATS_SAFETENSORS_H
