//===- attune/formats/Npy.h - Reading and writing NumPy .npy files --------===//
//
// A validating reader and a writer for the NumPy .npy format (versions 1.0,
// 2.0 and 3.0): the magic "\x93NUMPY", a version, a little-endian header
// length, a header that is a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and ended by '\n', then the raw array data.
//
// The header is parsed by a small strict parser for Python literals (no
// regular expressions, no evaluation). Supported element types are the
// little-endian '<f4', '<f8', '<i4', '<i8' and '|b1'; big-endian data,
// Fortran order, structured dtypes and any other descr are refused. The
// data must be exactly product(shape) * itemsize bytes long, and bool
// elements must be 0 or 1. Every failure is a one-line message naming the
// file and, where there is one, the header field. No function here throws.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_FORMATS_NPY_H
#define ATTUNE_FORMATS_NPY_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attune {
namespace formats {

enum class NpyDType { F32, F64, I32, I64, Bool };

/// The descr numpy writes for the type: "<f4", "<f8", "<i4", "<i8", "|b1".
const char *npyDescr(NpyDType dtype);
/// Size of one element in bytes (1 for Bool).
size_t npyDTypeSize(NpyDType dtype);
/// Inverse of npyDescr; std::nullopt for any other string.
std::optional<NpyDType> parseNpyDescr(const std::string &descr);

/// A C-order array. `data` holds product(shape) * npyDTypeSize(dtype) bytes
/// in little-endian element order; an empty shape is a 0-d (scalar) array.
struct NpyArray {
  NpyDType dtype = NpyDType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;

  /// Number of elements (1 for a 0-d array).
  int64_t numElements() const;
};

/// Parses an in-memory .npy image (used by readNpy and by fuzzers).
/// `nameForErrors` prefixes every message. `out` is only written on success.
bool parseNpy(const uint8_t *data, size_t size, const std::string &nameForErrors,
              NpyArray &out, std::string &error);

/// Reads and validates the .npy file at `path`.
bool readNpy(const std::string &path, NpyArray &out, std::string &error);

/// Writes `a` as a version 1.0 .npy file laid out exactly as numpy does
/// (header padded with spaces so the data starts at a multiple of 64).
/// Fails if data.size() does not match the shape, a dimension is negative,
/// a bool element is not 0/1, or on an I/O error (no file is left behind).
bool writeNpy(const std::string &path, const NpyArray &a, std::string &error);

} // namespace formats
} // namespace attune

#endif // ATTUNE_FORMATS_NPY_H
