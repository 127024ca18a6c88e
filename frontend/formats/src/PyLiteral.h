//===- PyLiteral.h - A strict parser for the Python literals in .npy ------===//
//
// Internal to attune_formats. The header of a .npy file is the repr() of a
// Python dict. parsePyLiteral accepts the subset numpy produces and a bit of
// harmless slack: a dict, tuple or list of values; strings in single or
// double quotes without escape sequences; decimal integers (optional sign,
// optional Python 2 'L' suffix) that fit in int64; True, False and None;
// whitespace and trailing commas where Python allows them. A parenthesised
// single value without a comma is not a tuple, as in Python. Nesting is
// limited to 16 levels and everything after the value must be whitespace.
// Errors name the offset inside the header and what was expected.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_FORMATS_PYLITERAL_H
#define ATTUNE_FORMATS_PYLITERAL_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace attune {
namespace formats {
namespace detail {

struct PyValue {
  enum class Kind { String, Int, Bool, None, Tuple, List, Dict };
  Kind kind = Kind::None;
  std::string str;            ///< String
  int64_t i = 0;              ///< Int
  bool b = false;             ///< Bool
  std::vector<PyValue> items; ///< Tuple, List; Dict values
  std::vector<std::string> keys; ///< Dict keys (strings only), parallel to items

  /// "str", "int", "bool", "None", "tuple", "list", "dict".
  const char *kindName() const;
  /// A short Python-like rendering for error messages.
  std::string repr() const;
};

/// Parses `text[0, len)` as one literal. On failure returns false and sets
/// `error` to e.g. "expected ':' after dict key at header offset 7".
/// Duplicate dict keys are an error.
bool parsePyLiteral(const char *text, size_t len, PyValue &out,
                    std::string &error);

} // namespace detail
} // namespace formats
} // namespace attune

#endif // ATTUNE_FORMATS_PYLITERAL_H
