//===- tests/unit/formats/NpyTest.cpp - NumPy .npy reader and writer ------===//
//
// Round trips of every supported dtype (including 0-d and empty arrays);
// byte-for-byte comparison of writeNpy with what numpy.save writes (the
// expected bytes are written out by hand from numpy's format.py); reading
// headers as older numpy versions, Python 2 and other writers produce them;
// and one case per kind of malformed file, each checking that the message
// names the file and the header field.
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include "attune/formats/Npy.h"

#include <cstring>

using namespace attune::formats;
using attune_test::readFile;
using attune_test::TempDir;
using attune_test::writeFile;

namespace {

/// A .npy image: magic, version, length, `dict` padded with spaces and '\n'
/// so that the data starts at a multiple of `align`, then `data`.
std::string npyImage(const std::string &dict, const std::string &data,
                     int major = 1, size_t align = 64) {
  size_t lenBytes = major == 1 ? 2 : 4;
  size_t hlen = dict.size() + 1;
  size_t pad = (align - (8 + lenBytes + hlen) % align) % align;
  std::string header = dict + std::string(pad, ' ') + "\n";
  std::string out = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
  for (size_t i = 0; i < lenBytes; ++i)
    out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

template <typename T> std::string bytesOf(std::initializer_list<T> values) {
  std::string s;
  for (T v : values)
    s.append(reinterpret_cast<const char *>(&v), sizeof(T));
  return s;
}

class NpyTest : public ::testing::Test {
protected:
  TempDir dir;

  /// Writes `bytes` to x.npy and expects readNpy to fail; returns the
  /// message after checking it names the file and is one line.
  std::string readError(const std::string &bytes) {
    std::string path = dir.file("x.npy");
    writeFile(path, bytes);
    NpyArray a;
    std::string error;
    EXPECT_FALSE(readNpy(path, a, error)) << "read a bad file";
    EXPECT_NE(error.find(path + ": "), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    return error;
  }
  std::string dictError(const std::string &dict, const std::string &data = "") {
    return readError(npyImage(dict, data));
  }
};

TEST_F(NpyTest, DescrHelpers) {
  for (NpyDType d : {NpyDType::F32, NpyDType::F64, NpyDType::I32, NpyDType::I64,
                     NpyDType::Bool})
    EXPECT_EQ(parseNpyDescr(npyDescr(d)), d);
  EXPECT_EQ(npyDTypeSize(NpyDType::Bool), 1u);
  EXPECT_EQ(npyDTypeSize(NpyDType::I64), 8u);
  EXPECT_FALSE(parseNpyDescr(">f4").has_value());
  EXPECT_FALSE(parseNpyDescr("|u1").has_value());
}

TEST_F(NpyTest, RoundTrip) {
  struct Case {
    NpyDType dtype;
    std::vector<int64_t> shape;
    std::string data;
  };
  std::vector<Case> cases = {
      {NpyDType::F32, {2, 3}, bytesOf<float>({1, 2, 3, 4, 5, -6.5f})},
      {NpyDType::F64, {2}, bytesOf<double>({1e300, -0.0})},
      {NpyDType::I32, {4}, bytesOf<int32_t>({-1, 0, 7, INT32_MAX})},
      {NpyDType::I64, {}, bytesOf<int64_t>({INT64_MIN})},
      {NpyDType::Bool, {3}, std::string("\1\0\1", 3)},
      {NpyDType::F32, {0}, ""},
      {NpyDType::I32, {2, 0, 3}, ""},
      {NpyDType::Bool, {}, std::string("\0", 1)},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(std::string(npyDescr(c.dtype)) + " rank " +
                 std::to_string(c.shape.size()));
    NpyArray a;
    a.dtype = c.dtype;
    a.shape = c.shape;
    a.data.assign(c.data.begin(), c.data.end());
    std::string path = dir.file("rt.npy"), error;
    ASSERT_TRUE(writeNpy(path, a, error)) << error;
    EXPECT_EQ(readFile(path).size() % 64, c.data.size() % 64);
    NpyArray b;
    ASSERT_TRUE(readNpy(path, b, error)) << error;
    EXPECT_EQ(b.dtype, a.dtype);
    EXPECT_EQ(b.shape, a.shape);
    EXPECT_EQ(b.data, a.data);
    EXPECT_EQ(b.numElements(), a.numElements());
  }
}

// What numpy.save writes for np.arange(6, dtype='<f4').reshape(2, 3):
// 118 = 'v' header bytes: the dict, 20 spare "growth" spaces, padding to
// 64, '\n'.
const std::string kNumpyF32x2x3Header =
    std::string("\x93NUMPY\x01\x00v\x00", 10) +
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" +
    std::string(58, ' ') + "\n";

TEST_F(NpyTest, WriterMatchesNumpyBytes) {
  std::string data = bytesOf<float>({0, 1, 2, 3, 4, 5});
  NpyArray a;
  a.dtype = NpyDType::F32;
  a.shape = {2, 3};
  a.data.assign(data.begin(), data.end());
  std::string path = dir.file("f.npy"), error;
  ASSERT_TRUE(writeNpy(path, a, error)) << error;
  EXPECT_EQ(readFile(path), kNumpyF32x2x3Header + data);

  // np.save(f, np.int64(-2)) and np.save(f, np.array([True, False, True])).
  a.dtype = NpyDType::I64;
  a.shape = {};
  std::string i = bytesOf<int64_t>({-2});
  a.data.assign(i.begin(), i.end());
  ASSERT_TRUE(writeNpy(path, a, error)) << error;
  EXPECT_EQ(readFile(path),
            std::string("\x93NUMPY\x01\x00v\x00", 10) +
                "{'descr': '<i8', 'fortran_order': False, 'shape': (), }" +
                std::string(62, ' ') + "\n" + i);
  a.dtype = NpyDType::Bool;
  a.shape = {3};
  a.data = {1, 0, 1};
  ASSERT_TRUE(writeNpy(path, a, error)) << error;
  EXPECT_EQ(readFile(path),
            std::string("\x93NUMPY\x01\x00v\x00", 10) +
                "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }" +
                std::string(60, ' ') + "\n" + std::string("\1\0\1", 3));
}

TEST_F(NpyTest, ReadsNumpyBytes) {
  std::string path = dir.file("numpy.npy"), error;
  writeFile(path, kNumpyF32x2x3Header + bytesOf<float>({0, 1, 2, 3, 4, 5}));
  NpyArray a;
  ASSERT_TRUE(readNpy(path, a, error)) << error;
  EXPECT_EQ(a.dtype, NpyDType::F32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  ASSERT_EQ(a.data.size(), 24u);
  float v[6];
  std::memcpy(v, a.data.data(), 24);
  EXPECT_EQ(v[5], 5.0f);
}

TEST_F(NpyTest, ReadsOtherHeaderStyles) {
  struct Case {
    std::string image;
    NpyDType dtype;
    std::vector<int64_t> shape;
  } cases[] = {
      // numpy < 1.9: aligned to 16, no growth spaces.
      {npyImage("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
                bytesOf<int32_t>({1, 2}), 1, 16),
       NpyDType::I32, {2}},
      // Python 2 longs.
      {npyImage("{'descr': '<i8', 'fortran_order': False, 'shape': (1L, 2L), }",
                bytesOf<int64_t>({1, 2})),
       NpyDType::I64, {1, 2}},
      // Other writers: double quotes, other key order, no trailing comma.
      {npyImage(R"({"shape": ( 2 , ), "fortran_order": False, "descr": "<f8"})",
                bytesOf<double>({1, 2})),
       NpyDType::F64, {2}},
      // Versions 2.0 and 3.0 (4-byte header length).
      {npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
                bytesOf<float>({1}), 2),
       NpyDType::F32, {1}},
      {npyImage("{'descr': '|b1', 'fortran_order': False, 'shape': (), }",
                std::string("\1", 1), 3),
       NpyDType::Bool, {}},
      // An empty array with a zero dimension.
      {npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }",
                ""),
       NpyDType::F32, {0, 4}},
  };
  for (const Case &c : cases) {
    NpyArray a;
    std::string error;
    ASSERT_TRUE(parseNpy(reinterpret_cast<const uint8_t *>(c.image.data()),
                         c.image.size(), "mem.npy", a, error))
        << error;
    EXPECT_EQ(a.dtype, c.dtype);
    EXPECT_EQ(a.shape, c.shape);
  }
}

TEST_F(NpyTest, MissingFile) {
  NpyArray a;
  std::string path = dir.file("absent.npy"), error;
  EXPECT_FALSE(readNpy(path, a, error));
  EXPECT_HAS(error, path + ": cannot open: No such file or directory");
}

TEST_F(NpyTest, BadMagicAndShortFiles) {
  EXPECT_HAS(readError(""), "not a .npy file (only 0 bytes");
  EXPECT_HAS(readError("\x93NUM"), "not a .npy file (only 4 bytes");
  EXPECT_HAS(readError("PK\x03\x04 this is a zip file"), "bad magic bytes");
  EXPECT_HAS(readError(std::string("\x93NUMPY\x01\x00\x10", 9)),
             "too short for the header length field");
}

TEST_F(NpyTest, UnsupportedVersion) {
  std::string image = npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                               bytesOf<float>({1}));
  image[6] = 4;
  EXPECT_HAS(readError(image), "unsupported .npy version 4.0 (supported: 1.0, 2.0, 3.0)");
  image[6] = 1;
  image[7] = 1;
  EXPECT_HAS(readError(image), "unsupported .npy version 1.1");
}

TEST_F(NpyTest, HeaderLengthPastEnd) {
  EXPECT_HAS(readError(std::string("\x93NUMPY\x01\x00\xff\xff{}", 12)),
             "header length 65535 runs past the end of the file (2 bytes");
  EXPECT_HAS(readError(std::string("\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14)),
             "header length 4294967295 runs past");
}

TEST_F(NpyTest, FortranOrder) {
  EXPECT_HAS(dictError("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
                       std::string(16, '\0')),
             "header field 'fortran_order': fortran_order arrays are not supported");
  EXPECT_HAS(dictError("{'descr': '<f4', 'fortran_order': 0, 'shape': (), }"),
             "header field 'fortran_order': expected True or False but found 0");
}

TEST_F(NpyTest, BigEndian) {
  EXPECT_HAS(dictError("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
                       std::string(4, '\0')),
             "header field 'descr': big-endian dtype '>f4' is not supported "
             "(save with arr.astype('<f4'))");
}

TEST_F(NpyTest, UnsupportedDescr) {
  for (const char *d : {"<c8", "<f2", "|u1", "<U5", "|O", ">c8"})
    EXPECT_HAS(dictError(std::string("{'descr': '") + d +
                         "', 'fortran_order': False, 'shape': (1,), }"),
               std::string("header field 'descr': unsupported dtype '") + d +
                   "' (supported: '<f4', '<f8', '<i4', '<i8', '|b1')");
  EXPECT_HAS(dictError("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }"),
             "expected a string but found list (structured dtypes are not supported)");
}

TEST_F(NpyTest, TruncatedData) {
  EXPECT_HAS(dictError("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                       std::string(20, '\0')),
             "data is truncated: shape (2, 3) of <f4 needs 24 bytes but found 20");
  EXPECT_HAS(dictError("{'descr': '<i8', 'fortran_order': False, 'shape': (), }"),
             "shape () of <i8 needs 8 bytes but found 0");
}

TEST_F(NpyTest, TrailingData) {
  EXPECT_HAS(dictError("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }",
                       std::string(13, '\0')),
             "1 trailing bytes after the array data: shape (3,) of <i4 needs "
             "12 bytes but found 13");
}

TEST_F(NpyTest, MalformedHeaderDict) {
  const char *bad[][2] = {
      {"{'descr' '<f4', 'fortran_order': False, 'shape': (), }",
       "malformed header dict: expected ':' after dict key 'descr'"},
      {"{'descr': '<f4, 'fortran_order': False, 'shape': (), }",
       "malformed header dict: expected ',' or '}'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (), ",
       "malformed header dict: expected a string dict key but found end of header"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3 }",
       "malformed header dict: expected ',' or ')'"},
      {"{'descr': '<f4', 'fortran_order': Fals, 'shape': (), }",
       "malformed header dict: unexpected 'F' (expected a value)"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (), } x",
       "unexpected 'x' after the end of the value"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (), }",
       "duplicate dict key 'descr'"},
      {"{'descr': '\\x3cf4', 'fortran_order': False, 'shape': (), }",
       "escape sequences in strings are not supported"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
       "integer does not fit in 64 bits"},
      {"{descr: '<f4'}", "expected a string dict key but found 'd'"},
      {"", "unexpected end of header (expected a value)"},
  };
  for (const auto &c : bad) {
    std::string e = dictError(c[0]);
    EXPECT_HAS(e, c[1]);
    EXPECT_HAS(e, "at header offset");
  }
}

TEST_F(NpyTest, WrongHeaderKeysOrTypes) {
  EXPECT_HAS(dictError("['descr', '<f4']"), "header is a list, expected a dict");
  EXPECT_HAS(dictError("{'descr': '<f4', 'shape': (), }"),
             "header has no 'fortran_order' key");
  EXPECT_HAS(dictError("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}"),
             "header has unexpected key 'x'");
  EXPECT_HAS(dictError("{'descr': '<f4', 'fortran_order': False, 'shape': (3), }",
                       std::string(12, '\0')),
             "header field 'shape': expected a tuple of integers but found int 3");
  EXPECT_HAS(dictError("{'descr': '<f4', 'fortran_order': False, 'shape': [3], }",
                       std::string(12, '\0')),
             "header field 'shape': expected a tuple of integers but found list");
  EXPECT_HAS(dictError("{'descr': '<f4', 'fortran_order': False, 'shape': (2, '3'), }"),
             "header field 'shape': dimension 1 is a str");
}

TEST_F(NpyTest, NegativeShape) {
  EXPECT_HAS(dictError("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }"),
             "header field 'shape': dimension 1 is negative (-3) in (2, -3)");
}

TEST_F(NpyTest, ShapeOverflow) {
  EXPECT_HAS(dictError("{'descr': '<f8', 'fortran_order': False, "
                       "'shape': (4294967296, 4294967296), }"),
             "header field 'shape': shape (4294967296, 4294967296) of <f8 is "
             "too large");
  EXPECT_HAS(dictError("{'descr': '<f8', 'fortran_order': False, "
                       "'shape': (2305843009213693952,), }"),
             "is too large");
}

TEST_F(NpyTest, BoolValuesMustBe0Or1) {
  EXPECT_HAS(dictError("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
                       std::string("\1\0\2", 3)),
             "bool element 2 has value 2 (expected 0 or 1)");
}

TEST_F(NpyTest, WriterRefusals) {
  std::string path = dir.file("w.npy"), error;
  NpyArray a;
  a.dtype = NpyDType::F32;
  a.shape = {2, 2};
  a.data.resize(12);
  EXPECT_FALSE(writeNpy(path, a, error));
  EXPECT_HAS(error, "w.npy: shape (2, 2) of <f4 needs 16 bytes but data has 12");
  a.shape = {-1};
  EXPECT_FALSE(writeNpy(path, a, error));
  EXPECT_HAS(error, "negative dimension");
  a.dtype = NpyDType::Bool;
  a.shape = {1};
  a.data = {7};
  EXPECT_FALSE(writeNpy(path, a, error));
  EXPECT_HAS(error, "bool element 0 has value 7");
  EXPECT_TRUE(readFile(path).empty());
}

TEST_F(NpyTest, EveryPrefixIsRefused) {
  std::string image = kNumpyF32x2x3Header + bytesOf<float>({0, 1, 2, 3, 4, 5});
  for (size_t n = 0; n < image.size(); ++n) {
    std::vector<uint8_t> copy(image.begin(), image.begin() + n);
    NpyArray a;
    std::string error;
    EXPECT_FALSE(parseNpy(copy.data(), copy.size(), "p.npy", a, error)) << n;
    EXPECT_HAS(error, "p.npy: ");
  }
}

} // namespace
