//===- TuningRecords.cpp - attune tune's records: parse, write, look up ---===//
//
// See TuningRecords.h and docs/tuning.md. The parser walks the nlohmann
// DOM with a "where" path (records[3].key.shape.m) and stops at the first
// problem; nlohmann's exceptions stay inside this file.
//===----------------------------------------------------------------------===//
#include "attune/formats/TuningRecords.h"

#include "FileUtil.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace attune {
namespace formats {

using nlohmann::json;

namespace {

struct FieldRange {
  const char *name;
  int64_t lo, hi;
  bool optional = false; // absent: the compiler's heuristic for that field
};

const std::vector<FieldRange> &configRanges(const std::string &kind) {
  static const std::vector<FieldRange> matmul = {
      {"mr", 1, 64}, {"nr", 1, 1024}, {"kc", 1, int64_t(1) << 30},
      {"vector_width", 1, 64}, {"qm", 1, 1 << 20}, {"qn", 1, 1 << 20},
      {"nc", 1, int64_t(1) << 30, /*optional=*/true}};
  static const std::vector<FieldRange> attention = {{"query_tile", 1, 1 << 20},
                                                    {"key_tile", 1, 1 << 20}};
  static const std::vector<FieldRange> none;
  if (kind == "matmul" || kind == "fused_matmul")
    return matmul;
  if (kind == "attention")
    return attention;
  return none;
}

/// A parse failure: the JSON path of the field and what is wrong.
struct Bad {
  std::string where, what;
};

std::string show(const json &v) {
  std::string s = v.dump();
  if (s.size() > 40)
    s = s.substr(0, 37) + "...";
  return s;
}

const char *typeName(const json &v) {
  switch (v.type()) {
  case json::value_t::null: return "null";
  case json::value_t::boolean: return "a boolean";
  case json::value_t::string: return "a string";
  case json::value_t::array: return "an array";
  case json::value_t::object: return "an object";
  case json::value_t::number_float: return "a number";
  default: return "an integer";
  }
}

class Parser {
public:
  const json &member(const json &obj, const std::string &where, const char *name) {
    auto it = obj.find(name);
    if (it == obj.end())
      throw Bad{where, std::string("missing field '") + name + "'"};
    return *it;
  }
  const json &object(const json &v, const std::string &where) {
    if (!v.is_object())
      throw Bad{where, std::string("expected an object, found ") + typeName(v)};
    return v;
  }
  std::string string(const json &v, const std::string &where) {
    if (!v.is_string())
      throw Bad{where, std::string("expected a string, found ") + typeName(v) + " " + show(v)};
    std::string s = v.get<std::string>();
    if (s.empty())
      throw Bad{where, "expected a non-empty string"};
    return s;
  }
  int64_t integer(const json &v, const std::string &where, int64_t lo, int64_t hi) {
    bool isInt = v.is_number_integer() || v.is_number_unsigned();
    if (!isInt || (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(hi)) ||
        v.get<int64_t>() < lo || v.get<int64_t>() > hi)
      throw Bad{where, "expected an integer in [" + std::to_string(lo) + ", " +
                           std::to_string(hi) + "], found " + show(v)};
    return v.get<int64_t>();
  }
  double number(const json &v, const std::string &where) {
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0)
      throw Bad{where, "expected a non-negative number, found " + show(v)};
    return v.get<double>();
  }
  bool boolean(const json &v, const std::string &where) {
    if (!v.is_boolean())
      throw Bad{where, std::string("expected true or false, found ") + show(v)};
    return v.get<bool>();
  }
  void onlyFields(const json &obj, const std::string &where,
                  std::initializer_list<const char *> allowed) {
    for (auto it = obj.begin(); it != obj.end(); ++it)
      if (std::none_of(allowed.begin(), allowed.end(),
                       [&](const char *a) { return it.key() == a; }))
        throw Bad{where + "." + it.key(), "unknown field"};
  }

  TuningTarget target(const json &v, const std::string &where) {
    object(v, where);
    onlyFields(v, where, {"arch", "cpu", "features"});
    TuningTarget t;
    t.arch = string(member(v, where, "arch"), where + ".arch");
    t.cpu = string(member(v, where, "cpu"), where + ".cpu");
    const json &f = member(v, where, "features");
    if (!f.is_array())
      throw Bad{where + ".features", std::string("expected an array of strings, found ") +
                                         typeName(f)};
    for (size_t i = 0; i < f.size(); ++i)
      t.features.push_back(string(f[i], where + ".features[" + std::to_string(i) + "]"));
    if (!std::is_sorted(t.features.begin(), t.features.end()) ||
        std::adjacent_find(t.features.begin(), t.features.end()) != t.features.end())
      throw Bad{where + ".features", "expected sorted, distinct feature names"};
    return t;
  }

  TuningKey key(const json &v, const std::string &where) {
    object(v, where);
    onlyFields(v, where, {"kind", "shape", "dtype", "target"});
    TuningKey k;
    k.kind = string(member(v, where, "kind"), where + ".kind");
    const std::vector<std::string> &dims = tuningShapeFields(k.kind);
    if (dims.empty())
      throw Bad{where + ".kind", "unknown kernel kind '" + k.kind +
                                     "' (expected matmul, fused_matmul or attention)"};
    k.dtype = string(member(v, where, "dtype"), where + ".dtype");
    if (k.dtype != "f32" && k.dtype != "bf16")
      throw Bad{where + ".dtype", "unknown dtype '" + k.dtype + "' (expected f32 or bf16)"};
    std::string sw = where + ".shape";
    const json &s = object(member(v, where, "shape"), sw);
    for (auto it = s.begin(); it != s.end(); ++it)
      if (std::find(dims.begin(), dims.end(), it.key()) == dims.end())
        throw Bad{sw + "." + it.key(), "unknown dimension for kind '" + k.kind + "'"};
    for (const std::string &d : dims)
      k.shape.push_back({d, integer(member(s, sw, d.c_str()), sw + "." + d, 1,
                                    int64_t(1) << 40)});
    k.target = target(member(v, where, "target"), where + ".target");
    return k;
  }

  IntFields config(const json &v, const std::string &where, const std::string &kind) {
    object(v, where);
    const std::vector<FieldRange> &ranges = configRanges(kind);
    for (auto it = v.begin(); it != v.end(); ++it)
      if (std::none_of(ranges.begin(), ranges.end(),
                       [&](const FieldRange &r) { return it.key() == r.name; }))
        throw Bad{where + "." + it.key(), "unknown config field for kind '" + kind + "'"};
    IntFields out;
    if (v.empty())
      return out; // {}: the compiler's heuristic
    for (const FieldRange &r : ranges)
      if (!r.optional || v.contains(r.name))
        out.push_back({r.name, integer(member(v, where, r.name), where + "." + r.name, r.lo,
                                       r.hi)});
    return out;
  }

  bool status(const json &v, const std::string &where) {
    std::string s = string(v, where);
    if (s != "ok" && s != "failed")
      throw Bad{where, "expected \"ok\" or \"failed\", found " + show(v)};
    return s == "ok";
  }

  TuningRecord record(const json &v, const std::string &where) {
    object(v, where);
    onlyFields(v, where, {"key", "status", "complete", "reason", "config", "time_ms",
                          "baseline", "threads", "trials", "confirmation"});
    TuningRecord r;
    r.key = key(member(v, where, "key"), where + ".key");
    r.ok = status(member(v, where, "status"), where + ".status");
    r.complete = boolean(member(v, where, "complete"), where + ".complete");
    if (r.ok) {
      if (v.contains("config"))
        r.config = config(v["config"], where + ".config", r.key.kind);
      r.timeMs = number(member(v, where, "time_ms"), where + ".time_ms");
    } else {
      r.reason = string(member(v, where, "reason"), where + ".reason");
    }
    if (v.contains("threads"))
      r.threads = integer(v["threads"], where + ".threads", 0, 1 << 16);
    if (v.contains("baseline")) {
      std::string bw = where + ".baseline";
      const json &b = object(v["baseline"], bw);
      onlyFields(b, bw, {"config", "time_ms"});
      if (b.contains("config"))
        r.baselineConfig = config(b["config"], bw + ".config", r.key.kind);
      r.baselineMs = number(member(b, bw, "time_ms"), bw + ".time_ms");
    }
    if (v.contains("confirmation")) {
      std::string cw = where + ".confirmation";
      const json &c = object(v["confirmation"], cw);
      onlyFields(c, cw, {"config", "ratios", "confirmed"});
      TuningConfirmation conf;
      conf.config = config(member(c, cw, "config"), cw + ".config", r.key.kind);
      conf.confirmed = boolean(member(c, cw, "confirmed"), cw + ".confirmed");
      const json &ratios = member(c, cw, "ratios");
      if (!ratios.is_array())
        throw Bad{cw + ".ratios", std::string("expected an array, found ") + typeName(ratios)};
      for (size_t i = 0; i < ratios.size(); ++i)
        conf.ratios.push_back(number(ratios[i], cw + ".ratios[" + std::to_string(i) + "]"));
      r.confirmation = std::move(conf);
    }
    if (v.contains("trials")) {
      const json &t = v["trials"];
      if (!t.is_array())
        throw Bad{where + ".trials", std::string("expected an array, found ") + typeName(t)};
      for (size_t i = 0; i < t.size(); ++i) {
        std::string tw = where + ".trials[" + std::to_string(i) + "]";
        object(t[i], tw);
        onlyFields(t[i], tw,
                   {"config", "status", "time_ms", "max_abs_error", "reason", "paired_ratio"});
        TuningTrial trial;
        trial.config = config(member(t[i], tw, "config"), tw + ".config", r.key.kind);
        trial.ok = status(member(t[i], tw, "status"), tw + ".status");
        if (trial.ok) {
          trial.timeMs = number(member(t[i], tw, "time_ms"), tw + ".time_ms");
          if (t[i].contains("max_abs_error"))
            trial.maxAbsError = number(t[i]["max_abs_error"], tw + ".max_abs_error");
          if (t[i].contains("paired_ratio"))
            trial.pairedRatio = number(t[i]["paired_ratio"], tw + ".paired_ratio");
        } else {
          trial.reason = string(member(t[i], tw, "reason"), tw + ".reason");
        }
        r.trials.push_back(std::move(trial));
      }
    }
    return r;
  }

  TuningFile file(const json &root) {
    object(root, "(top level)");
    onlyFields(root, "(top level)", {"format", "version", "generator", "records"});
    const json &fmt = member(root, "(top level)", "format");
    if (!fmt.is_string() || fmt.get<std::string>() != "attune-tuning")
      throw Bad{"format", "expected \"attune-tuning\", found " + show(fmt)};
    const json &ver = member(root, "(top level)", "version");
    if (!ver.is_number_integer() || ver.get<int64_t>() != kTuningFormatVersion)
      throw Bad{"version", "unsupported version " + show(ver) + " (this attune reads version " +
                               std::to_string(kTuningFormatVersion) + ")"};
    const json &recs = member(root, "(top level)", "records");
    if (!recs.is_array())
      throw Bad{"records", std::string("expected an array, found ") + typeName(recs)};
    TuningFile out;
    for (size_t i = 0; i < recs.size(); ++i) {
      std::string w = "records[" + std::to_string(i) + "]";
      TuningRecord r = record(recs[i], w);
      if (out.find(r.key))
        throw Bad{w + ".key", "duplicate key (" + r.key.str() + ")"};
      out.records.push_back(std::move(r));
    }
    return out;
  }
};

json fieldsJson(const IntFields &f) {
  json o = json::object();
  for (auto &[k, v] : f)
    o[k] = v;
  return o;
}

} // namespace

std::string TuningKey::str() const {
  std::string s = kind + " " + dtype;
  for (auto &[k, v] : shape)
    s += " " + k + "=" + std::to_string(v);
  return s;
}

const TuningRecord *TuningFile::find(const TuningKey &key) const {
  for (const TuningRecord &r : records)
    if (r.key == key)
      return &r;
  return nullptr;
}

TuningRecord *TuningFile::find(const TuningKey &key) {
  for (TuningRecord &r : records)
    if (r.key == key)
      return &r;
  return nullptr;
}

const std::vector<std::string> &tuningShapeFields(const std::string &kind) {
  static const std::vector<std::string> matmul = {"batch", "m", "n", "k"};
  static const std::vector<std::string> attention = {"batch", "heads", "seq_q", "seq_kv",
                                                     "head_dim"};
  static const std::vector<std::string> none;
  if (kind == "matmul" || kind == "fused_matmul")
    return matmul;
  if (kind == "attention")
    return attention;
  return none;
}

const std::vector<std::string> &tuningConfigFields(const std::string &kind) {
  static std::map<std::string, std::vector<std::string>> cache;
  static const std::vector<std::string> none;
  if (kind != "matmul" && kind != "fused_matmul" && kind != "attention")
    return none;
  auto &v = cache[kind];
  if (v.empty())
    for (const FieldRange &r : configRanges(kind))
      v.push_back(r.name);
  return v;
}

std::optional<int64_t> getField(const IntFields &fields, const std::string &name) {
  for (auto &[k, v] : fields)
    if (k == name)
      return v;
  return std::nullopt;
}

std::string formatFields(const IntFields &fields) {
  std::string s;
  for (auto &[k, v] : fields)
    s += (s.empty() ? "" : " ") + k + "=" + std::to_string(v);
  return s;
}

bool parseTuningFile(const std::string &text, const std::string &path, TuningFile &out,
                     std::string &error) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception &e) {
    std::string m = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
    size_t p = m.find("] ");
    error = path + ": not valid JSON: " + (p == std::string::npos ? m : m.substr(p + 2));
    std::replace(error.begin(), error.end(), '\n', ' ');
    return false;
  }
  try {
    out = Parser().file(root);
  } catch (const Bad &b) {
    error = path + ": " + b.where + ": " + b.what;
    std::replace(error.begin(), error.end(), '\n', ' ');
    out = TuningFile();
    return false;
  } catch (const json::exception &e) {
    error = path + ": " + e.what();
    out = TuningFile();
    return false;
  }
  return true;
}

bool readTuningFile(const std::string &path, TuningFile &out, std::string &error) {
  detail::MappedFile f;
  if (!f.map(path, error))
    return false;
  std::string text(reinterpret_cast<const char *>(f.data()), f.size());
  return parseTuningFile(text, path, out, error);
}

std::string serializeTuningFile(const TuningFile &file) {
  json root = json::object();
  root["format"] = "attune-tuning";
  root["version"] = kTuningFormatVersion;
  json recs = json::array();
  for (const TuningRecord &r : file.records) {
    json k = json::object();
    k["kind"] = r.key.kind;
    k["dtype"] = r.key.dtype;
    k["shape"] = fieldsJson(r.key.shape);
    k["target"] = {{"arch", r.key.target.arch},
                   {"cpu", r.key.target.cpu},
                   {"features", r.key.target.features}};
    json o = json::object();
    o["key"] = k;
    o["status"] = r.ok ? "ok" : "failed";
    o["complete"] = r.complete;
    if (r.ok) {
      o["config"] = fieldsJson(r.config);
      o["time_ms"] = r.timeMs;
    } else {
      o["reason"] = r.reason.empty() ? "unknown" : r.reason;
    }
    if (r.baselineMs > 0)
      o["baseline"] = {{"config", fieldsJson(r.baselineConfig)}, {"time_ms", r.baselineMs}};
    if (r.threads > 0)
      o["threads"] = r.threads;
    if (r.confirmation)
      o["confirmation"] = {{"config", fieldsJson(r.confirmation->config)},
                           {"ratios", r.confirmation->ratios},
                           {"confirmed", r.confirmation->confirmed}};
    json trials = json::array();
    for (const TuningTrial &t : r.trials) {
      json tj = json::object();
      tj["config"] = fieldsJson(t.config);
      tj["status"] = t.ok ? "ok" : "failed";
      if (t.ok) {
        tj["time_ms"] = t.timeMs;
        tj["max_abs_error"] = t.maxAbsError;
        if (t.pairedRatio > 0)
          tj["paired_ratio"] = t.pairedRatio;
      } else {
        tj["reason"] = t.reason.empty() ? "unknown" : t.reason;
      }
      trials.push_back(tj);
    }
    o["trials"] = trials;
    recs.push_back(o);
  }
  root["records"] = recs;
  // Invalid UTF-8 in a reason (a crashing child's output) must not throw.
  return root.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

bool writeTuningFile(const std::string &path, const TuningFile &file, std::string &error) {
  std::string text = serializeTuningFile(file);
  return detail::writeChunks(path, {{text.data(), text.size()}}, error);
}

const char *tuningSourceName(TuningSource s) {
  switch (s) {
  case TuningSource::Exact: return "exact";
  case TuningSource::Nearest: return "nearest";
  case TuningSource::Heuristic: return "heuristic";
  }
  return "heuristic";
}

TuningMatch lookupTuning(const TuningFile &file, const TuningKey &key,
                         const std::function<bool(const TuningRecord &)> &usable) {
  TuningMatch m;
  if (const TuningRecord *r = file.find(key))
    if (r->ok && (!usable || usable(*r))) {
      m.source = TuningSource::Exact;
      m.record = r;
      return m;
    }
  double best = 0;
  for (const TuningRecord &r : file.records) {
    if (!r.ok || r.key.kind != key.kind || r.key.dtype != key.dtype ||
        !(r.key.target == key.target) || r.key.shape.size() != key.shape.size())
      continue;
    double d = 0;
    bool sameDims = true;
    for (size_t i = 0; i < key.shape.size(); ++i) {
      sameDims &= r.key.shape[i].first == key.shape[i].first;
      d += std::fabs(std::log2(double(r.key.shape[i].second) / double(key.shape[i].second)));
    }
    if (!sameDims || (m.record && d >= best) || (usable && !usable(r)))
      continue;
    best = d;
    m.record = &r;
    m.source = TuningSource::Nearest;
  }
  return m;
}

} // namespace formats
} // namespace attune
