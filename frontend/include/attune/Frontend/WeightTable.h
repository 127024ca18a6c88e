//===- WeightTable.h - Named weight tensors of a model -----------*- C++ -*-===//
//
// What `attune.weight @name` refers to: the importers fill a WeightTable
// (views into an mmapped .safetensors file, or owned buffers when a weight
// had to be converted, e.g. F16 -> F32); the compile driver packs it into the
// library's weights blob and the reference interpreter reads from it.
// No MLIR dependency.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_FRONTEND_WEIGHTTABLE_H
#define ATTUNE_FRONTEND_WEIGHTTABLE_H

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace attune {

/// Element types of tensors crossing Attune's boundaries (same numbering as
/// attune_dtype in runtime.h).
enum class ElementType { F32 = 0, F16 = 1, BF16 = 2, I64 = 3, I32 = 4, Bool = 5 };

inline size_t elementSize(ElementType t) {
  switch (t) {
  case ElementType::F32: case ElementType::I32: return 4;
  case ElementType::F16: case ElementType::BF16: return 2;
  case ElementType::I64: return 8;
  case ElementType::Bool: return 1;
  }
  return 0;
}

/// "f32", "f16", "bf16", "i64", "i32", "bool".
inline const char *elementTypeName(ElementType t) {
  switch (t) {
  case ElementType::F32: return "f32";
  case ElementType::F16: return "f16";
  case ElementType::BF16: return "bf16";
  case ElementType::I64: return "i64";
  case ElementType::I32: return "i32";
  case ElementType::Bool: return "bool";
  }
  return "?";
}

class WeightTable {
public:
  struct Entry {
    std::string name;
    ElementType type = ElementType::F32;
    std::vector<int64_t> shape;
    const uint8_t *data = nullptr; // dense row-major
    size_t nbytes = 0;
  };

  /// Adds a view of memory kept alive by `keepAlive` (e.g. the mmapped file).
  void addView(Entry e, std::shared_ptr<const void> keepAlive) {
    if (keepAlive)
      keepAlive_.push_back(std::move(keepAlive));
    entries_[e.name] = std::move(e);
  }
  /// Adds a weight that owns its bytes.
  void addOwned(Entry e, std::vector<uint8_t> bytes) {
    auto owned = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
    e.data = owned->data();
    e.nbytes = owned->size();
    keepAlive_.push_back(owned);
    entries_[e.name] = std::move(e);
  }
  /// Moves every entry of `other` into this table (later entries win).
  void merge(WeightTable &&other) {
    for (auto &kv : other.entries_)
      entries_[kv.first] = std::move(kv.second);
    for (auto &k : other.keepAlive_)
      keepAlive_.push_back(std::move(k));
    other.entries_.clear();
    other.keepAlive_.clear();
  }
  const Entry *find(const std::string &name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }
  const std::map<std::string, Entry> &entries() const { return entries_; }
  /// Where the weights came from (for messages), e.g. "model.safetensors".
  std::string source;

private:
  std::map<std::string, Entry> entries_;
  std::vector<std::shared_ptr<const void>> keepAlive_;
};

} // namespace attune

#endif
