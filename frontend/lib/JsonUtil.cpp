//===- JsonUtil.cpp - Formatting and JSON value helpers of the importer ---===//
#include "ImporterInternal.h"

#include "attune/IR/ShapeUtils.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace attune::detail {

std::string describeJson(const json &j) {
  switch (j.type()) {
  case json::value_t::array:
    return j.empty() ? "an empty list" : "a list";
  case json::value_t::object:
    return "an object";
  case json::value_t::null:
    return "null";
  default: {
    std::string s = j.dump();
    if (s.size() > 40)
      s = s.substr(0, 37) + "...";
    return s;
  }
  }
}

std::string typeToString(mlir::Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

std::string shapeToString(llvm::ArrayRef<int64_t> shape) {
  return mlir::attune::formatShape(shape);
}

std::string joinQuoted(llvm::ArrayRef<std::string> items, const char *lastSep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0)
      out += (i + 1 == items.size()) ? lastSep : ", ";
    out += "'" + items[i] + "'";
  }
  return out;
}

std::optional<int64_t> asInt64(const json &j) {
  if (j.is_number_unsigned()) {
    uint64_t u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (j.is_number_integer())
    return j.get<int64_t>();
  return std::nullopt;
}

std::optional<std::vector<int64_t>> asInt64List(const json &j) {
  if (!j.is_array())
    return std::nullopt;
  std::vector<int64_t> out;
  for (const json &e : j) {
    auto v = asInt64(e);
    if (!v)
      return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

mlir::Type parseDType(mlir::MLIRContext *ctx, const json &j,
                      const std::function<void(const std::string &)> &fail) {
  if (!j.is_string()) {
    fail("expected one of \"f32\", \"i64\", \"i32\", \"bool\", found " + describeJson(j));
    return {};
  }
  const std::string s = j.get<std::string>();
  if (s == "f32")
    return mlir::Float32Type::get(ctx);
  if (s == "i64")
    return mlir::IntegerType::get(ctx, 64);
  if (s == "i32")
    return mlir::IntegerType::get(ctx, 32);
  if (s == "bool")
    return mlir::IntegerType::get(ctx, 1);
  if (s == "f16" || s == "bf16") {
    fail("dtype \"" + s +
         "\" is not supported yet (use \"f32\"; f16/bf16 weights are converted to f32 at import)");
    return {};
  }
  fail("expected one of \"f32\", \"i64\", \"i32\", \"bool\", found \"" + s + "\"");
  return {};
}

std::optional<int64_t> checkedNumElements(llvm::ArrayRef<int64_t> shape) {
  constexpr int64_t kMax = int64_t(1) << 40;
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      return std::nullopt;
    if (d != 0 && n > kMax / d)
      return std::nullopt;
    n *= d;
  }
  return n;
}

/// The candidate closest to `name` if it is plausibly a typo of it.
std::optional<std::string> closestMatch(const std::string &name,
                                        const std::vector<std::string> &candidates) {
  std::optional<std::string> best;
  unsigned bestDist = 0;
  unsigned limit = std::max<unsigned>(1, static_cast<unsigned>(name.size()) / 3);
  for (const std::string &c : candidates) {
    unsigned d = llvm::StringRef(name).edit_distance(c, true, limit + 1);
    if (d <= limit && (!best || d < bestDist)) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

std::string didYouMean(const std::string &name, const std::vector<std::string> &candidates) {
  auto m = closestMatch(name, candidates);
  return m ? " (did you mean '" + *m + "'?)" : "";
}

std::string DiagnosticLog::joined() const {
  std::string out;
  for (const auto &d : diags) {
    if (!out.empty())
      out += "; ";
    out += d.message;
  }
  return out;
}

} // namespace attune::detail
