//===- tests/unit/formats/SafetensorsBadInputTest.cpp - Malformed files ---===//
//
// One case per way a downloaded .safetensors file can be broken. Each file
// is written to disk and opened with SafetensorsFile::open, which must fail
// with a one-line message naming the file, the tensor (where there is one)
// and the problem. Crashes, hangs and out-of-bounds reads are caught by
// running this suite under ASan/UBSan.
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include "attune/formats/Safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace attune::formats;
using attune_test::safetensorsImage;

namespace {

class SafetensorsBadInputTest : public ::testing::Test {
protected:
  attune_test::TempDir dir;

  /// Writes `bytes` as model.safetensors, expects open() to fail and
  /// returns the message (checked to name the file and be one line).
  std::string openError(const std::string &bytes) {
    std::string path = dir.file("model.safetensors");
    attune_test::writeFile(path, bytes);
    std::string error;
    auto file = SafetensorsFile::open(path, error);
    EXPECT_FALSE(file) << "opened a bad file";
    EXPECT_NE(error.find(path + ": "), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    return error;
  }

  /// A file with one tensor "t" whose JSON entry is `entry`.
  std::string entryError(const std::string &entry, size_t dataBytes = 16) {
    return openError(safetensorsImage("{\"t\":" + entry + "}",
                                      std::string(dataBytes, '\0')));
  }
};

TEST_F(SafetensorsBadInputTest, MissingFile) {
  std::string path = dir.file("absent.safetensors");
  std::string error;
  EXPECT_FALSE(SafetensorsFile::open(path, error));
  EXPECT_HAS(error, path);
  EXPECT_HAS(error, "No such file or directory");
}

TEST_F(SafetensorsBadInputTest, DirectoryAndFifoAreRefused) {
  std::string error;
  EXPECT_FALSE(SafetensorsFile::open(dir.path(), error));
  EXPECT_HAS(error, "not a regular file");
  std::string fifo = dir.file("pipe.safetensors");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_FALSE(SafetensorsFile::open(fifo, error)); // must not block
  EXPECT_HAS(error, "pipe.safetensors");
  EXPECT_HAS(error, "not a regular file");
}

TEST_F(SafetensorsBadInputTest, EmptyAndShorterThan8Bytes) {
  EXPECT_HAS(openError(""), "file is 0 bytes, too short");
  EXPECT_HAS(openError(std::string("\x02\0\0\0\0", 5)), "file is 5 bytes, too short");
}

TEST_F(SafetensorsBadInputTest, HeaderLengthPastEndOfFile) {
  std::string e = openError(safetensorsImage("{}", "", 1000));
  EXPECT_HAS(e, "header length 1000 runs past the end of the file");
  e = openError(safetensorsImage("{}", "", UINT64_MAX - 1));
  EXPECT_HAS(e, "header length 18446744073709551614 runs past");
}

TEST_F(SafetensorsBadInputTest, HeaderLengthOverLimit) {
  // A sparse file big enough to hold a 100 MB + 8 header.
  std::string path = dir.file("big.safetensors");
  uint64_t n = 100ull * 1000 * 1000 + 8;
  std::string prefix = safetensorsImage("{", "", n);
  attune_test::writeFile(path, prefix);
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(8 + n)), 0);
  std::string error;
  EXPECT_FALSE(SafetensorsFile::open(path, error));
  EXPECT_HAS(error, "big.safetensors: header length 100000008 exceeds");
}

TEST_F(SafetensorsBadInputTest, InvalidJson) {
  std::string e = openError(safetensorsImage("{\"t\": {\"dtype\": }"));
  EXPECT_HAS(e, "header is not valid JSON: parse error");
  EXPECT_HAS(openError(safetensorsImage("")), "not valid JSON");
  EXPECT_HAS(openError(safetensorsImage(std::string("{}\0\0\0\0\0\0", 8))), "NUL byte");
  EXPECT_HAS(openError(safetensorsImage(std::string("{}\0garbage", 10))),
             "NUL byte at header offset 2");
  EXPECT_HAS(openError(safetensorsImage("{\"a\xff\": 1}")), "not valid JSON");
}

TEST_F(SafetensorsBadInputTest, HeaderNotAnObject) {
  EXPECT_HAS(openError(safetensorsImage("[1, 2]")),
             "header is a JSON array, expected an object");
}

TEST_F(SafetensorsBadInputTest, DeepNestingIsRefused) {
  std::string deep = "{\"t\":" + std::string(100000, '[') +
                     std::string(100000, ']') + "}";
  EXPECT_HAS(openError(safetensorsImage(deep)), "nests deeper than");
}

TEST_F(SafetensorsBadInputTest, DuplicateKeys) {
  std::string e = entryError(R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]},"t":{})");
  EXPECT_HAS(e, "duplicate key 't'");
  e = entryError(R"({"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]})");
  EXPECT_HAS(e, "duplicate key 'dtype'");
}

TEST_F(SafetensorsBadInputTest, NonObjectEntry) {
  std::string e = entryError("[1, 2]");
  EXPECT_HAS(e, "tensor 't': entry is a array, expected an object");
  EXPECT_HAS(entryError("\"F32\""), "tensor 't': entry is a string");
}

TEST_F(SafetensorsBadInputTest, MissingFields) {
  EXPECT_HAS(entryError(R"({"shape":[1],"data_offsets":[0,4]})"),
             "tensor 't': missing field 'dtype'");
  EXPECT_HAS(entryError(R"({"dtype":"F32","data_offsets":[0,4]})"),
             "tensor 't': missing field 'shape'");
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[1]})"),
             "tensor 't': missing field 'data_offsets'");
}

TEST_F(SafetensorsBadInputTest, UnknownField) {
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1})"),
             "tensor 't': unknown field 'x'");
}

TEST_F(SafetensorsBadInputTest, WrongFieldTypes) {
  EXPECT_HAS(entryError(R"({"dtype":32,"shape":[1],"data_offsets":[0,4]})"),
             "tensor 't': field 'dtype' is a number, expected a string");
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":{},"data_offsets":[0,4]})"),
             "tensor 't': field 'shape' is a object");
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[1],"data_offsets":4})"),
             "tensor 't': field 'data_offsets' must be an array [begin, end]");
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[1],"data_offsets":[0,4,8]})"),
             "(found 3 elements)");
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":["1"],"data_offsets":[0,4]})"),
             "tensor 't': shape dimension 0 is a string");
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[1.5],"data_offsets":[0,4]})"),
             "tensor 't': shape dimension 0 is not an integer");
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[1],"data_offsets":[0,"4"]})"),
             "tensor 't': data_offsets end is a string");
}

TEST_F(SafetensorsBadInputTest, UnsupportedDType) {
  for (const char *dt : {"F64", "BOOL", "U8", "F8_E4M3", ""}) {
    std::string e = entryError(std::string("{\"dtype\":\"") + dt +
                               "\",\"shape\":[1],\"data_offsets\":[0,8]}");
    EXPECT_HAS(e, std::string("tensor 't': unsupported dtype '") + dt +
                      "' (supported: F32, F16, BF16, I64, I32)");
  }
}

TEST_F(SafetensorsBadInputTest, NegativeDimension) {
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[2,-3],"data_offsets":[0,4]})"),
             "tensor 't': shape dimension 1 is negative (-3)");
}

TEST_F(SafetensorsBadInputTest, RankAbove8) {
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]})"),
             "tensor 't': shape has rank 9, more than the supported 8");
}

TEST_F(SafetensorsBadInputTest, ShapeBytesMismatch) {
  std::string name = "encoder.layer.0.attention.self.query.weight";
  std::string error = openError(safetensorsImage(
      "{\"" + name +
          "\":{\"dtype\":\"F32\",\"shape\":[64,64],\"data_offsets\":[0,16380]}}",
      std::string(16384, '\0')));
  EXPECT_EQ(error, dir.file("model.safetensors") + ": tensor '" + name +
                       "': shape [64,64] needs 16384 bytes (F32) but "
                       "data_offsets span 16380");
  // Rank 0 needs exactly one element.
  EXPECT_HAS(entryError(R"({"dtype":"I64","shape":[],"data_offsets":[0,4]})"),
             "tensor 't': shape [] needs 8 bytes (I64) but data_offsets span 4");
}

TEST_F(SafetensorsBadInputTest, OffsetsPastEnd) {
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[8],"data_offsets":[0,32]})", 16),
             "tensor 't': data_offsets [0,32] run past the end of the data "
             "section (16 bytes)");
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[0],"data_offsets":[17,17]})", 16),
             "tensor 't': data_offsets [17,17] run past the end");
}

TEST_F(SafetensorsBadInputTest, BeginAfterEnd) {
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[1],"data_offsets":[8,4]})"),
             "tensor 't': data_offsets [8,4] have begin > end");
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[1],"data_offsets":[-4,0]})"),
             "tensor 't': data_offsets begin is negative (-4)");
}

TEST_F(SafetensorsBadInputTest, OverlappingTensors) {
  std::string e = openError(safetensorsImage(
      R"({"first":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
      R"("second":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
      std::string(16, '\0')));
  EXPECT_HAS(e, "tensors 'first' (bytes [0,16)) and 'second' (bytes [8,16)) overlap");
  // A small tensor nested inside a big one that is followed by another.
  e = openError(safetensorsImage(
      R"({"big":{"dtype":"F32","shape":[8],"data_offsets":[0,32]},)"
      R"("in":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},)"
      R"("tail":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})",
      std::string(32, '\0')));
  EXPECT_HAS(e, "'big'");
  EXPECT_HAS(e, "overlap");
}

TEST_F(SafetensorsBadInputTest, HugeDimsOverflow) {
  // 2^32 * 2^32 elements overflows 64 bits; so does 2^62 * 4 bytes.
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]})"),
             "tensor 't': shape [4294967296,4294967296] has too many elements");
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]})"),
             "has too many elements");
  // A zero dimension does not excuse the others from fitting in int64.
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]})"),
             "has too many elements");
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,0]})"),
             "tensor 't': shape dimension 0 (18446744073709551615) does not fit in int64");
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[1e30],"data_offsets":[0,0]})"),
             "tensor 't': shape dimension 0 is not an integer");
  EXPECT_HAS(entryError(R"({"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551616]})"),
             "data_offsets end is not an integer");
}

TEST_F(SafetensorsBadInputTest, BadMetadata) {
  EXPECT_HAS(openError(safetensorsImage(R"({"__metadata__":[1]})")),
             "__metadata__ is a array, expected an object");
  EXPECT_HAS(openError(safetensorsImage(R"({"__metadata__":{"k":1}})")),
             "__metadata__ entry 'k' is a number, expected a string");
}

TEST_F(SafetensorsBadInputTest, UnprintableNamesAreEscaped) {
  std::string e = openError(safetensorsImage(
      "{\"a\\nb\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}",
      std::string(8, '\0')));
  EXPECT_HAS(e, "tensor 'a\\x0ab'");
}

TEST_F(SafetensorsBadInputTest, FromMemoryNeverReadsOutOfBounds) {
  // Every prefix of a valid image must be refused or accepted cleanly.
  std::string image = safetensorsImage(
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
      std::string(8, '\x01'));
  for (size_t n = 0; n < image.size(); ++n) {
    std::vector<uint8_t> copy(image.begin(), image.begin() + n);
    std::string error;
    auto f = SafetensorsFile::openFromMemory(copy.data(), copy.size(),
                                             "prefix", error);
    EXPECT_FALSE(f) << n;
    EXPECT_HAS(error, "prefix: ");
  }
}

} // namespace
