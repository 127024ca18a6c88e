//===- fuzz_tuning_records.cpp - Fuzz attune tune's records parser --------===//
//
// Input: the bytes of a tuning file (docs/tuning.md).
//  1. parseTuningFile. A false return is fine when the message is one line
//     that starts with the file name and `out` is left empty.
//  2. For an accepted file: every record's key has the kind's dims in
//     order, ok records' configs are empty or complete; serialize + parse
//     gives the same text again (round trip, deterministic); writeTuningFile
//     + readTuningFile too.
//  3. lookupTuning for every record's key finds that record (exact) and for
//     a scaled shape finds an ok record or none, never one of another kind.
//===----------------------------------------------------------------------===//
#include "FuzzUtil.h"

#include "attune/formats/TuningRecords.h"

#include <string>

using namespace attune::formats;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  TuningFile f;
  std::string error;
  if (!parseTuningFile(text, "fuzz.json", f, error)) {
    FUZZ_CHECK(!error.empty(), "parseTuningFile failed without a message");
    FUZZ_CHECK(error.rfind("fuzz.json: ", 0) == 0, "error does not name the file: " + error);
    FUZZ_CHECK(error.find('\n') == std::string::npos, "error message is not one line");
    FUZZ_CHECK(f.records.empty(), "parseTuningFile wrote `out` on failure");
    if (attune_fuzz::verbose())
      std::fprintf(stderr, "refused: %s\n", error.c_str());
    return 0;
  }
  for (const TuningRecord &r : f.records) {
    const auto &dims = tuningShapeFields(r.key.kind);
    FUZZ_CHECK(r.key.shape.size() == dims.size(), "shape dims differ from the kind's");
    for (size_t i = 0; i < dims.size(); ++i)
      FUZZ_CHECK(r.key.shape[i].first == dims[i] && r.key.shape[i].second >= 1,
                 "shape dim out of order or < 1");
    // (a matmul config may leave out its one optional field, nc)
    size_t all = tuningConfigFields(r.key.kind).size();
    size_t optional = r.key.kind == "attention" ? 0 : 1;
    FUZZ_CHECK(r.config.empty() || (r.config.size() <= all && r.config.size() + optional >= all),
               "partial config accepted");
  }
  std::string once = serializeTuningFile(f);
  TuningFile back;
  std::string error2;
  FUZZ_CHECK(parseTuningFile(once, "again.json", back, error2),
             "the parser refuses what the writer wrote: " + error2);
  FUZZ_CHECK(serializeTuningFile(back) == once, "serialize(parse(serialize(x))) differs");

  static const std::string path = attune_fuzz::fuzzScratchDir() + "/tune.json";
  std::string error3;
  if (writeTuningFile(path, f, error3)) {
    TuningFile disk;
    FUZZ_CHECK(readTuningFile(path, disk, error3), "cannot read back: " + error3);
    FUZZ_CHECK(serializeTuningFile(disk) == once, "file round trip differs");
  }

  for (const TuningRecord &r : f.records) {
    TuningMatch m = lookupTuning(f, r.key);
    if (r.ok)
      FUZZ_CHECK(m.source == TuningSource::Exact && m.record == &f.records[&r - &f.records[0]],
                 "exact lookup misses its own record");
    TuningKey scaled = r.key;
    for (auto &d : scaled.shape)
      d.second = d.second * 2 + 1;
    TuningMatch n = lookupTuning(f, scaled, [](const TuningRecord &) { return true; });
    if (n.record)
      FUZZ_CHECK(n.record->ok && n.record->key.kind == r.key.kind &&
                     n.record->key.target == r.key.target,
                 "nearest lookup returned a record of another kind/target or a failed one");
  }
  return 0;
}
