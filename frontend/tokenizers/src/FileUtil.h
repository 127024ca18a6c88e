//===- FileUtil.h - File reading and tokenizer_config.json fields ---------===//
//
// Internal to attune_tokenizers. readFile reads a regular file whole (a
// directory, FIFO or device is refused without blocking). The config
// helpers read optional fields of a parsed tokenizer_config.json and fail
// with a message naming the file and the field when a field has the wrong
// type. Messages are one line, prefixed with the path.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TOKENIZERS_FILEUTIL_H
#define ATTUNE_TOKENIZERS_FILEUTIL_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace attune {
namespace tokenizers {
namespace detail {

bool readFile(const std::string &path, std::string &out, std::string &error);
bool isDirectory(const std::string &path);
bool isRegularFile(const std::string &path);
/// "dir/name", or just "name" when dir is empty.
std::string joinPath(const std::string &dir, const std::string &name);
/// The directory part of `path` ("" when it has none).
std::string parentDirectory(const std::string &path);

/// Parses JSON text; on failure names `path` and the parser's message.
bool parseJson(const std::string &path, const std::string &text, nlohmann::json &out,
               std::string &error);

/// Reads tokenizer_config.json when `path` exists. `present` tells whether
/// it did; a missing file is not an error, a malformed one is. The top level
/// must be an object.
bool readConfig(const std::string &path, nlohmann::json &out, bool &present, std::string &error);

// Typed optional fields of a config object. Absent and null fields leave
// `out` unchanged and succeed; a field of another type fails.
bool configBool(const nlohmann::json &cfg, const char *field, const std::string &path,
                std::optional<bool> &out, std::string &error);
bool configSize(const nlohmann::json &cfg, const char *field, const std::string &path,
                std::optional<uint64_t> &out, std::string &error);
/// A token: a string or an object with a string "content" (AddedToken).
bool configToken(const nlohmann::json &cfg, const char *field, const std::string &path,
                 std::optional<std::string> &out, std::string &error);

/// Quotes a token for an error message (control characters escaped).
std::string quote(std::string_view token);

} // namespace detail
} // namespace tokenizers
} // namespace attune

#endif // ATTUNE_TOKENIZERS_FILEUTIL_H
