//===- tests/unit/formats/TuningRecordsTest.cpp - attune tune's records ---===//
//
// Serialize/parse round trip, the atomic write, one case per kind of
// malformed record (the message names the file and the field), and the
// lookup rules: exact key, nearest shape of the same kind/dtype/target,
// records whose config does not fit skipped, else the heuristic.
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include "attune/formats/TuningRecords.h"

#include <gtest/gtest.h>

using namespace attune::formats;
using attune_test::TempDir;
using attune_test::writeFile;

namespace {

TuningTarget host() { return {"x86_64", "sapphirerapids", {"avx2", "avx512f", "fma"}}; }

TuningKey matmulKey(int64_t m, int64_t n, int64_t k, const char *kind = "fused_matmul") {
  return {kind, {{"batch", 1}, {"m", m}, {"n", n}, {"k", k}}, "f32", host()};
}

IntFields cfg(int64_t mr, int64_t nr, int64_t kc) {
  return {{"mr", mr}, {"nr", nr}, {"kc", kc}, {"vector_width", 16}, {"qm", 1}, {"qn", 2}};
}

TuningRecord okRecord(TuningKey key, IntFields config, double ms) {
  TuningRecord r;
  r.key = std::move(key);
  r.ok = true;
  r.complete = true;
  r.config = std::move(config);
  r.timeMs = ms;
  r.baselineMs = ms * 1.5;
  r.baselineConfig = cfg(8, 48, 768);
  r.threads = 2;
  TuningTrial base;
  base.ok = true;
  base.timeMs = r.baselineMs;
  TuningTrial crash;
  crash.config = cfg(16, 16, 768);
  crash.reason = "crashed: signal 6 (Aborted)";
  TuningTrial paired; // timed alternately with the heuristic
  paired.config = cfg(8, 64, 768);
  paired.ok = true;
  paired.timeMs = ms * 1.2;
  paired.pairedRatio = 0.97;
  r.trials = {base, crash, paired};
  if (!r.config.empty())
    r.confirmation = TuningConfirmation{r.config, {0.93, 0.95}, true};
  return r;
}

TEST(TuningRecords, RoundTrip) {
  TuningFile f;
  f.records.push_back(okRecord(matmulKey(128, 768, 768), cfg(12, 32, 384), 1.25));
  TuningRecord failed;
  failed.key = {"attention",
                {{"batch", 1}, {"heads", 12}, {"seq_q", 128}, {"seq_kv", 128}, {"head_dim", 64}},
                "f32",
                host()};
  failed.reason = "no candidate ran correctly";
  f.records.push_back(failed);
  TuningRecord heuristicWon = okRecord(matmulKey(128, 3072, 768), {}, 2.0);
  f.records.push_back(heuristicWon);
  // nc is optional: a config with it keeps it.
  IntFields withNc = cfg(8, 48, 384);
  withNc.push_back({"nc", 96});
  f.records.push_back(okRecord(matmulKey(128, 768, 3072), withNc, 3.0));

  std::string text = serializeTuningFile(f);
  TuningFile back;
  std::string error;
  ASSERT_TRUE(parseTuningFile(text, "tune.json", back, error)) << error;
  ASSERT_EQ(back.records.size(), 4u);
  EXPECT_EQ(back.records[3].config, withNc);
  const TuningRecord &r = back.records[0];
  EXPECT_EQ(r.key, f.records[0].key);
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.config, cfg(12, 32, 384));
  EXPECT_DOUBLE_EQ(r.timeMs, 1.25);
  EXPECT_DOUBLE_EQ(r.baselineMs, 1.875);
  EXPECT_EQ(r.baselineConfig, cfg(8, 48, 768));
  EXPECT_EQ(r.threads, 2);
  ASSERT_EQ(r.trials.size(), 3u);
  EXPECT_TRUE(r.trials[0].config.empty());
  EXPECT_EQ(r.trials[0].pairedRatio, 0); // timed alone: no paired_ratio written
  EXPECT_DOUBLE_EQ(r.trials[2].pairedRatio, 0.97);
  EXPECT_FALSE(r.trials[1].ok);
  EXPECT_EQ(r.trials[1].reason, "crashed: signal 6 (Aborted)");
  ASSERT_TRUE(r.confirmation.has_value());
  EXPECT_EQ(r.confirmation->config, cfg(12, 32, 384));
  EXPECT_EQ(r.confirmation->ratios, (std::vector<double>{0.93, 0.95}));
  EXPECT_TRUE(r.confirmation->confirmed);
  EXPECT_FALSE(back.records[2].confirmation.has_value()); // the heuristic won the search
  EXPECT_FALSE(back.records[1].ok);
  EXPECT_EQ(back.records[1].reason, "no candidate ran correctly");
  EXPECT_TRUE(back.records[2].ok);
  EXPECT_TRUE(back.records[2].config.empty());
  EXPECT_EQ(serializeTuningFile(back), text); // deterministic

  TempDir dir;
  ASSERT_TRUE(writeTuningFile(dir.file("t.json"), f, error)) << error;
  TuningFile fromDisk;
  ASSERT_TRUE(readTuningFile(dir.file("t.json"), fromDisk, error)) << error;
  EXPECT_EQ(serializeTuningFile(fromDisk), text);
  // The atomic write leaves no temporary file behind.
  EXPECT_EQ(std::system(("test $(ls -A '" + dir.path() + "' | wc -l) -eq 1").c_str()), 0);
}

/// A valid one-record file with `patch` applied (a textual replacement).
std::string fileWith(const std::string &from, const std::string &to) {
  TuningFile f;
  f.records.push_back(okRecord(matmulKey(128, 768, 768), cfg(12, 32, 384), 1.25));
  std::string text = serializeTuningFile(f);
  size_t p = text.find(from);
  EXPECT_NE(p, std::string::npos) << "patch anchor not found: " << from;
  if (p != std::string::npos)
    text.replace(p, from.size(), to);
  return text;
}

TEST(TuningRecords, BadRecordsNameFileAndField) {
  struct Case {
    std::string text, message;
  } cases[] = {
      {"{\"format\": ", "tune.json: not valid JSON: "},
      {"[]", "tune.json: (top level): expected an object"},
      {fileWith("\"attune-tuning\"", "\"other\""), "tune.json: format: expected \"attune-tuning\""},
      {fileWith("\"version\": 1", "\"version\": 2"), "tune.json: version: unsupported version 2"},
      {fileWith("\"kind\": \"fused_matmul\"", "\"kind\": \"conv\""),
       "tune.json: records[0].key.kind: unknown kernel kind 'conv'"},
      {fileWith("\"dtype\": \"f32\"", "\"dtype\": \"f64\""),
       "tune.json: records[0].key.dtype: unknown dtype 'f64'"},
      {fileWith("\"m\": 128", "\"m\": -128"),
       "tune.json: records[0].key.shape.m: expected an integer in [1, "},
      {fileWith("\"m\": 128,", ""), "tune.json: records[0].key.shape: missing field 'm'"},
      {fileWith("\"m\": 128", "\"q\": 128"), "tune.json: records[0].key.shape.q: unknown dimension"},
      {fileWith("\"mr\": 12", "\"mr\": \"12\""),
       "tune.json: records[0].config.mr: expected an integer in [1, 64], found \"12\""},
      {fileWith("\"mr\": 12", "\"mr\": 1000"), "tune.json: records[0].config.mr: expected an integer"},
      {fileWith("\"mr\": 12", "\"mr\": 12.5"), "tune.json: records[0].config.mr: expected an integer"},
      {fileWith("\"mr\": 12,", "\"tile\": 3,"), "tune.json: records[0].config.tile: unknown config field"},
      {fileWith("\"qn\": 2", "\"qn\": 2, \"nc\": 0"),
       "config.nc: expected an integer in [1, "},
      {fileWith("\"status\": \"ok\"", "\"status\": \"maybe\""),
       "tune.json: records[0].status: expected \"ok\" or \"failed\""},
      {fileWith("\"status\": \"ok\"", "\"status\": \"failed\""),
       "tune.json: records[0]: missing field 'reason'"},
      {fileWith("\"time_ms\": 1.25", "\"time_ms\": -1"),
       "tune.json: records[0].time_ms: expected a non-negative number"},
      {fileWith("\"avx2\",", "\"zz\","), "tune.json: records[0].key.target.features: expected sorted"},
      {fileWith("\"cpu\": \"sapphirerapids\",", ""),
       "tune.json: records[0].key.target: missing field 'cpu'"},
      {fileWith("\"complete\": true", "\"complete\": 1"),
       "tune.json: records[0].complete: expected true or false"},
      {fileWith("\"threads\": 2", "\"threads\": 2, \"extra\": 1"),
       "tune.json: records[0].extra: unknown field"},
      {fileWith("\"confirmed\": true", "\"confirmed\": \"yes\""),
       "tune.json: records[0].confirmation.confirmed: expected true or false"},
      {fileWith("\"confirmed\": true", "\"confirmed\": true, \"why\": 1"),
       "tune.json: records[0].confirmation.why: unknown field"},
      {fileWith("\"paired_ratio\": 0.97", "\"paired_ratio\": \"fast\""),
       "tune.json: records[0].trials[2].paired_ratio: expected a non-negative number"},
      {fileWith("0.93", "-0.93"),
       "tune.json: records[0].confirmation.ratios[0]: expected a non-negative number"},
      {fileWith("\"confirmed\": true", "\"confirmed\": true, \"config\": 3"),
       "tune.json: records[0].confirmation.config: expected an object"},
  };
  for (const Case &c : cases) {
    TuningFile f;
    std::string error;
    EXPECT_FALSE(parseTuningFile(c.text, "tune.json", f, error)) << c.text;
    EXPECT_HAS(error, c.message);
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    EXPECT_TRUE(f.records.empty());
  }
  // Two records with one key.
  TuningFile two;
  two.records.push_back(okRecord(matmulKey(128, 768, 768), cfg(12, 32, 384), 1.0));
  two.records.push_back(okRecord(matmulKey(128, 768, 768), cfg(8, 48, 384), 1.0));
  TuningFile f;
  std::string error;
  EXPECT_FALSE(parseTuningFile(serializeTuningFile(two), "t.json", f, error));
  EXPECT_HAS(error, "t.json: records[1].key: duplicate key");

  TempDir dir;
  EXPECT_FALSE(readTuningFile(dir.file("missing.json"), f, error));
  EXPECT_HAS(error, "missing.json: cannot open");
}

TEST(TuningRecords, Lookup) {
  TuningFile f;
  f.records.push_back(okRecord(matmulKey(128, 768, 768), cfg(12, 32, 384), 1.0));
  f.records.push_back(okRecord(matmulKey(128, 3072, 768), cfg(8, 48, 384), 2.0));
  f.records.push_back(okRecord(matmulKey(32, 768, 768, "matmul"), cfg(4, 48, 768), 0.5));
  TuningRecord failed;
  failed.key = matmulKey(64, 768, 768);
  failed.reason = "crashed";
  f.records.push_back(failed);

  // Exact.
  TuningMatch m = lookupTuning(f, matmulKey(128, 768, 768));
  EXPECT_EQ(m.source, TuningSource::Exact);
  EXPECT_EQ(m.record, &f.records[0]);
  // Nearest shape of the same kind (the failed 64x768x768 does not count;
  // the matmul record is another kind).
  m = lookupTuning(f, matmulKey(64, 768, 768));
  EXPECT_EQ(m.source, TuningSource::Nearest);
  EXPECT_EQ(m.record, &f.records[0]);
  m = lookupTuning(f, matmulKey(128, 2048, 768));
  EXPECT_EQ(m.record, &f.records[1]);
  m = lookupTuning(f, matmulKey(16, 768, 768, "matmul"));
  EXPECT_EQ(m.record, &f.records[2]);
  // A config that does not fit is skipped for the next nearest.
  m = lookupTuning(f, matmulKey(128, 2048, 768),
                   [](const TuningRecord &r) { return getField(r.config, "nr") != 48; });
  EXPECT_EQ(m.source, TuningSource::Nearest);
  EXPECT_EQ(m.record, &f.records[0]);
  // Another target or dtype: the heuristic.
  TuningKey other = matmulKey(128, 768, 768);
  other.target.cpu = "znver4";
  m = lookupTuning(f, other);
  EXPECT_EQ(m.source, TuningSource::Heuristic);
  EXPECT_EQ(m.record, nullptr);
  TuningKey bf16 = matmulKey(128, 768, 768);
  bf16.dtype = "bf16";
  EXPECT_EQ(lookupTuning(f, bf16).source, TuningSource::Heuristic);
  EXPECT_EQ(lookupTuning(f, matmulKey(1, 1, 1, "attention")).source, TuningSource::Heuristic);
}

} // namespace
