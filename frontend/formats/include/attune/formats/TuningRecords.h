//===- TuningRecords.h - attune tune's records: parse, write, look up -----===//
//
// A tuning file (docs/tuning.md) is JSON, version 1:
//
//   {"format": "attune-tuning", "version": 1, "records": [RECORD, ...]}
//   RECORD = {"key": {"kind": "fused_matmul", "dtype": "f32",
//                     "shape": {"batch": 1, "m": 128, "n": 768, "k": 768},
//                     "target": {"arch": "x86_64", "cpu": "sapphirerapids",
//                                "features": ["avx2", "avx512f", ...]}},
//             "status": "ok" | "failed", "complete": true, "reason": "...",
//             "config": {"mr": 8, "nr": 48, ...}, "time_ms": 1.2,
//             "baseline": {"config": {...}, "time_ms": 1.5}, "threads": 2,
//             "trials": [{"config": {...}, "status": "ok", "time_ms": 1.3,
//                         "max_abs_error": 1e-6} | {..., "status": "failed",
//                         "reason": "..."}]}
//
// The parser checks every field and reports the first problem as one line
// naming the file and the JSON path of the field
// ("tune.json: records[2].config.mr: expected an integer in [1, 64], found -3").
// writeTuningFile writes through a temporary file + rename (never a partial
// file). lookupTuning implements the lookup rules: the exact key, else the
// nearest shape of the same kind, dtype and target (log-distance over the
// shape's dims), else nothing (the caller's heuristic).
//
// No MLIR/LLVM: built into attune_formats, so the sanitizer build and the
// fuzz_tuning_records target use it too.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_FORMATS_TUNINGRECORDS_H
#define ATTUNE_FORMATS_TUNINGRECORDS_H

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace attune {
namespace formats {

constexpr int kTuningFormatVersion = 1;

/// Named integer values in a fixed order (shape dims, config fields).
using IntFields = std::vector<std::pair<std::string, int64_t>>;

/// The target a record was measured on.
struct TuningTarget {
  std::string arch;                  // "x86_64"
  std::string cpu;                   // LLVM CPU name ("sapphirerapids", "x86-64-v4")
  std::vector<std::string> features; // sorted SIMD features ("avx512f", "fma", ...)
  bool operator==(const TuningTarget &o) const {
    return arch == o.arch && cpu == o.cpu && features == o.features;
  }
};

struct TuningKey {
  std::string kind;  // "matmul", "fused_matmul", "attention"
  IntFields shape;   // matmul: batch, m, n, k; attention: batch, heads, seq_q, seq_kv, head_dim
  std::string dtype; // "f32" (later "bf16")
  TuningTarget target;
  bool operator==(const TuningKey &o) const {
    return kind == o.kind && shape == o.shape && dtype == o.dtype && target == o.target;
  }
  /// "fused_matmul f32 batch=1 m=128 n=768 k=768" (no target).
  std::string str() const;
};

struct TuningTrial {
  IntFields config;        // empty: the baseline (untuned compile)
  bool ok = false;
  double timeMs = 0;       // ok
  double maxAbsError = 0;  // ok
  std::string reason;      // failed
  /// ok, paired trials: the median over alternating pairs (one process) of
  /// this config's time / the heuristic's; 0: a trial timed alone.
  double pairedRatio = 0;
};

/// The paired confirmation of a search winner (attune tune): the baseline
/// and `config` timed alternately in one process, per round the median over
/// the pairs of the winner's time / the baseline's.
struct TuningConfirmation {
  IntFields config;
  std::vector<double> ratios; // one per round
  bool confirmed = false;     // the winner stayed
};

struct TuningRecord {
  TuningKey key;
  bool ok = false;        // a config was measured correct (the winner is `config`)
  bool complete = false;  // every candidate was tried (else resume continues it)
  std::string reason;     // !ok
  IntFields config;       // ok: the winner; empty = the compiler's heuristic won
  double timeMs = 0;      // ok
  IntFields baselineConfig; // what the heuristic chose (empty: no micro-kernel config)
  double baselineMs = 0;  // the untuned compile; 0: not measured / failed
  int64_t threads = 0;
  std::vector<TuningTrial> trials;
  std::optional<TuningConfirmation> confirmation; // when a winner was confirmed (or not)
};

struct TuningFile {
  std::vector<TuningRecord> records;
  /// The record with exactly this key, or null.
  const TuningRecord *find(const TuningKey &key) const;
  TuningRecord *find(const TuningKey &key);
};

/// Shape dims and config fields of a kernel kind; empty for unknown kinds.
const std::vector<std::string> &tuningShapeFields(const std::string &kind);
const std::vector<std::string> &tuningConfigFields(const std::string &kind);
/// Value of `name` in `fields`, or nullopt.
std::optional<int64_t> getField(const IntFields &fields, const std::string &name);
/// "mr=8 nr=48 kc=768" (in order).
std::string formatFields(const IntFields &fields);

/// Parses a tuning file image; `path` only names it in errors. On failure
/// returns false with `error` set (one line: "PATH: FIELD: problem").
bool parseTuningFile(const std::string &text, const std::string &path, TuningFile &out,
                     std::string &error);
/// Reads and parses `path`.
bool readTuningFile(const std::string &path, TuningFile &out, std::string &error);
/// The JSON text of `file` (2-space indented, deterministic).
std::string serializeTuningFile(const TuningFile &file);
/// Writes `file` to `path` atomically (temporary file + rename).
bool writeTuningFile(const std::string &path, const TuningFile &file, std::string &error);

/// Where a kernel's config came from.
enum class TuningSource { Exact, Nearest, Heuristic };
const char *tuningSourceName(TuningSource s); // "exact", "nearest", "heuristic"

struct TuningMatch {
  TuningSource source = TuningSource::Heuristic;
  const TuningRecord *record = nullptr; // exact / nearest
};

/// The lookup rules: an ok record with exactly `key`; else the ok record of
/// the same kind, dtype and target whose shape is nearest (sum over dims of
/// |log2(a/b)|; ties: the first in the file) among those `usable` accepts
/// (the caller checks that the config is valid for `key`'s shape); else the
/// heuristic (record == null).
TuningMatch lookupTuning(const TuningFile &file, const TuningKey &key,
                         const std::function<bool(const TuningRecord &)> &usable = {});

} // namespace formats
} // namespace attune

#endif // ATTUNE_FORMATS_TUNINGRECORDS_H
