//===- SafetensorsWriter.cpp - Writing .safetensors -----------------------===//
//
// writeSafetensors: validates every tensor (unique, non-reserved, UTF-8
// names; rank <= 8; non-negative dimensions; byte sizes that do not
// overflow; non-null data), builds the header with nlohmann::ordered_json
// (metadata first, then tensors in the given order with consecutive
// data_offsets), pads it with spaces to a multiple of 8 as the reference
// implementation does, and writes header and tensor data straight from the
// caller's buffers through detail::writeChunks (temporary file + rename).
//===----------------------------------------------------------------------===//
#include "attune/formats/Safetensors.h"

#include "Common.h"
#include "FileUtil.h"

#include <nlohmann/json.hpp>

#include <set>

namespace attune {
namespace formats {

using detail::checkedByteSize;
using detail::formatShape;
using detail::quoteForError;
using json = nlohmann::json;

static constexpr uint64_t kMaxHeaderBytes = 100ull * 1000 * 1000; // 100 MB
static constexpr size_t kMaxRank = 8;
static constexpr const char *kMetadataKey = "__metadata__";

/// Whether `s` can be encoded as a JSON string (valid UTF-8).
static bool isJsonEncodable(const std::string &s) {
  try {
    (void)json(s).dump();
    return true;
  } catch (const json::exception &) {
    return false;
  }
}

bool writeSafetensors(const std::string &path,
                      const std::vector<TensorToWrite> &tensors,
                      const std::map<std::string, std::string> &metadata,
                      std::string &error) {
  try {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) {
      nlohmann::ordered_json meta = nlohmann::ordered_json::object();
      for (const auto &kv : metadata) {
        if (!isJsonEncodable(kv.first) || !isJsonEncodable(kv.second)) {
          error = path + ": metadata entry '" + quoteForError(kv.first) +
                  "' is not valid UTF-8";
          return false;
        }
        meta[kv.first] = kv.second;
      }
      header[kMetadataKey] = std::move(meta);
    }
    std::vector<std::pair<const void *, size_t>> chunks;
    std::set<std::string> seen;
    uint64_t offset = 0;
    for (const TensorToWrite &t : tensors) {
      std::string where = path + ": tensor '" + quoteForError(t.name) + "': ";
      if (t.name == kMetadataKey) {
        error = where + "name is reserved for metadata";
        return false;
      }
      if (!seen.insert(t.name).second) {
        error = where + "duplicate tensor name";
        return false;
      }
      if (!isJsonEncodable(t.name)) {
        error = where + "name is not valid UTF-8";
        return false;
      }
      if (t.shape.size() > kMaxRank) {
        error = where + "rank " + std::to_string(t.shape.size()) +
                " is more than the supported " + std::to_string(kMaxRank);
        return false;
      }
      for (int64_t d : t.shape) {
        if (d < 0) {
          error = where + "shape " + formatShape(t.shape) +
                  " has a negative dimension";
          return false;
        }
      }
      uint64_t nbytes = 0;
      if (!checkedByteSize(t.shape, dtypeSize(t.dtype), nbytes) ||
          nbytes > SIZE_MAX || __builtin_add_overflow(offset, nbytes, &offset)) {
        error = where + "shape " + formatShape(t.shape) +
                " is too large (byte size overflows)";
        return false;
      }
      if (nbytes > 0 && !t.data) {
        error = where + "data pointer is null for " + std::to_string(nbytes) +
                " bytes";
        return false;
      }
      nlohmann::ordered_json entry = nlohmann::ordered_json::object();
      entry["dtype"] = dtypeName(t.dtype);
      entry["shape"] = t.shape;
      entry["data_offsets"] = {offset - nbytes, offset};
      header[t.name] = std::move(entry);
      if (nbytes > 0)
        chunks.emplace_back(t.data, static_cast<size_t>(nbytes));
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    if (text.size() > kMaxHeaderBytes) {
      error = path + ": header would be " + std::to_string(text.size()) +
              " bytes, more than the limit of " +
              std::to_string(kMaxHeaderBytes);
      return false;
    }
    uint8_t lenBytes[8];
    uint64_t len = text.size();
    for (int i = 0; i < 8; ++i)
      lenBytes[i] = static_cast<uint8_t>(len >> (8 * i));
    chunks.insert(chunks.begin(), {{lenBytes, 8}, {text.data(), text.size()}});
    return detail::writeChunks(path, chunks, error);
  } catch (const std::exception &e) {
    error = path + ": cannot write safetensors file: " + e.what();
  } catch (...) {
    error = path + ": cannot write safetensors file: unknown error";
  }
  return false;
}

} // namespace formats
} // namespace attune
