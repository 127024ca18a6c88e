//===- tests/unit/formats/SafetensorsTest.cpp - Safetensors round trips ---===//
//
// writeSafetensors + SafetensorsFile::open on all five dtypes (including a
// rank-0 and a zero-size tensor) and metadata; the exact byte layout of a
// written file (length prefix, space padding to 8); opening from memory;
// the dtype helpers; and the writer's refusals (duplicate or reserved
// names, negative dimensions, null data, unwritable path).
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include "attune/formats/Safetensors.h"

#include <cstring>

using namespace attune::formats;
using attune_test::readFile;
using attune_test::TempDir;

namespace {

template <typename T> std::vector<T> iota(size_t n, T start) {
  std::vector<T> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<T>(start + static_cast<T>(i));
  return v;
}

TEST(SafetensorsTest, DTypeHelpers) {
  for (DType d : {DType::F32, DType::F16, DType::BF16, DType::I64, DType::I32}) {
    auto back = parseDType(dtypeName(d));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, d);
  }
  EXPECT_STREQ(dtypeName(DType::BF16), "BF16");
  EXPECT_EQ(dtypeSize(DType::F32), 4u);
  EXPECT_EQ(dtypeSize(DType::F16), 2u);
  EXPECT_EQ(dtypeSize(DType::BF16), 2u);
  EXPECT_EQ(dtypeSize(DType::I64), 8u);
  EXPECT_EQ(dtypeSize(DType::I32), 4u);
  EXPECT_FALSE(parseDType("F64").has_value());
  EXPECT_FALSE(parseDType("f32").has_value());
  EXPECT_FALSE(parseDType("").has_value());
}

TEST(SafetensorsTest, RoundTripAllDTypes) {
  TempDir dir;
  std::string path = dir.file("model.safetensors");
  auto f32 = iota<float>(6, 0.5f);
  auto f16 = iota<uint16_t>(4, 0x3c00);
  auto bf16 = iota<uint16_t>(4, 0x3f80);
  auto i64 = iota<int64_t>(3, -1);
  int32_t scalar = 42;
  std::vector<TensorToWrite> tensors = {
      {"encoder.weight", DType::F32, {2, 3}, f32.data()},
      {"half", DType::F16, {4}, f16.data()},
      {"brain", DType::BF16, {2, 1, 2}, bf16.data()},
      {"ids", DType::I64, {3}, i64.data()},
      {"count", DType::I32, {}, &scalar},
      {"empty", DType::F32, {0, 5}, nullptr},
  };
  std::map<std::string, std::string> meta = {{"format", "pt"}, {"note", "x"}};
  std::string error;
  ASSERT_TRUE(writeSafetensors(path, tensors, meta, error)) << error;

  auto file = SafetensorsFile::open(path, error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->path(), path);
  EXPECT_EQ(file->metadata(), meta);
  // File order is data order; the zero-size tensor sits at the end.
  std::vector<std::string> expectedNames = {"encoder.weight", "half", "brain",
                                            "ids", "count", "empty"};
  EXPECT_EQ(file->names(), expectedNames);
  ASSERT_EQ(file->tensors().size(), 6u);

  auto check = [&](const std::string &name, DType dtype,
                   std::vector<int64_t> shape, const void *data, size_t n) {
    SCOPED_TRACE(name);
    const TensorInfo *t = file->find(name);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->name, name);
    EXPECT_EQ(t->dtype, dtype);
    EXPECT_EQ(t->shape, shape);
    EXPECT_EQ(t->nbytes, n);
    if (n)
      EXPECT_EQ(std::memcmp(t->data, data, n), 0);
  };
  check("encoder.weight", DType::F32, {2, 3}, f32.data(), 24);
  check("half", DType::F16, {4}, f16.data(), 8);
  check("brain", DType::BF16, {2, 1, 2}, bf16.data(), 8);
  check("ids", DType::I64, {3}, i64.data(), 24);
  check("count", DType::I32, {}, &scalar, 4);
  check("empty", DType::F32, {0, 5}, nullptr, 0);
  EXPECT_EQ(file->find("count")->numElements(), 1);
  EXPECT_EQ(file->find("empty")->numElements(), 0);
  EXPECT_EQ(file->find("encoder.weight")->numElements(), 6);
  EXPECT_EQ(file->find("missing"), nullptr);
  EXPECT_EQ(file->find(""), nullptr);
}

TEST(SafetensorsTest, WrittenLayoutIsPaddedWithSpaces) {
  TempDir dir;
  std::string path = dir.file("a.safetensors");
  float v[3] = {1, 2, 3};
  std::string error;
  ASSERT_TRUE(writeSafetensors(path, {{"a", DType::F32, {3}, v}}, {}, error))
      << error;
  std::string bytes = readFile(path);
  ASSERT_GE(bytes.size(), 8u);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | static_cast<uint8_t>(bytes[i]);
  EXPECT_EQ(n % 8, 0u);
  ASSERT_EQ(bytes.size(), 8 + n + 12);
  std::string header = bytes.substr(8, n);
  EXPECT_EQ(header.rfind(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})", 0), 0u)
      << header;
  EXPECT_EQ(header.find_first_not_of(' ', header.find('}') + 2),
            std::string::npos);
  EXPECT_EQ(std::memcmp(bytes.data() + 8 + n, v, 12), 0);
}

TEST(SafetensorsTest, EmptyFileWithNoTensors) {
  TempDir dir;
  std::string path = dir.file("none.safetensors");
  std::string error;
  ASSERT_TRUE(writeSafetensors(path, {}, {}, error)) << error;
  auto file = SafetensorsFile::open(path, error);
  ASSERT_TRUE(file) << error;
  EXPECT_TRUE(file->names().empty());
  EXPECT_TRUE(file->metadata().empty());
}

TEST(SafetensorsTest, OpenFromMemory) {
  std::string data(16, '\0');
  float one = 1.0f;
  std::memcpy(&data[4], &one, 4);
  std::string image = attune_test::safetensorsImage(
      R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},)"
      R"("a":{"dtype":"I32","shape":[2],"data_offsets":[8,16]},)"
      R"("z":{"dtype":"I32","shape":[0],"data_offsets":[0,0]}})",
      data);
  std::string error;
  auto file = SafetensorsFile::openFromMemory(
      reinterpret_cast<const uint8_t *>(image.data()), image.size(), "mem",
      error);
  ASSERT_TRUE(file) << error;
  // Sorted by offset, not by name; the gap [0,4) is allowed.
  EXPECT_EQ(file->names(), (std::vector<std::string>{"z", "b", "a"}));
  float got;
  std::memcpy(&got, file->find("b")->data, 4);
  EXPECT_EQ(got, 1.0f);
  EXPECT_EQ(file->find("a")->offset, 8u);
}

TEST(SafetensorsTest, ZeroSizeTensorsMayShareOffsets) {
  std::string image = attune_test::safetensorsImage(
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("e1":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},)"
      R"("e2":{"dtype":"BF16","shape":[3,0],"data_offsets":[8,8]}})",
      std::string(8, '\0'));
  std::string error;
  auto file = SafetensorsFile::openFromMemory(
      reinterpret_cast<const uint8_t *>(image.data()), image.size(), "m",
      error);
  EXPECT_TRUE(file) << error;
}

TEST(SafetensorsTest, WriterRefusesBadTensors) {
  TempDir dir;
  std::string path = dir.file("bad.safetensors");
  float v[4] = {};
  std::string error;
  EXPECT_FALSE(writeSafetensors(
      path, {{"x", DType::F32, {1}, v}, {"x", DType::F32, {1}, v}}, {}, error));
  EXPECT_NE(error.find("bad.safetensors"), std::string::npos) << error;
  EXPECT_NE(error.find("tensor 'x'"), std::string::npos) << error;
  EXPECT_NE(error.find("duplicate"), std::string::npos) << error;

  EXPECT_FALSE(writeSafetensors(path, {{"__metadata__", DType::F32, {1}, v}},
                                {}, error));
  EXPECT_NE(error.find("reserved"), std::string::npos) << error;

  EXPECT_FALSE(writeSafetensors(path, {{"neg", DType::F32, {2, -1}, v}}, {},
                                error));
  EXPECT_NE(error.find("tensor 'neg'"), std::string::npos) << error;
  EXPECT_NE(error.find("negative"), std::string::npos) << error;

  EXPECT_FALSE(writeSafetensors(path, {{"null", DType::F32, {2}, nullptr}}, {},
                                error));
  EXPECT_NE(error.find("null"), std::string::npos) << error;

  EXPECT_FALSE(writeSafetensors(
      path, {{"huge", DType::F32, {INT64_MAX, INT64_MAX}, v}}, {}, error));
  EXPECT_NE(error.find("tensor 'huge'"), std::string::npos) << error;

  EXPECT_FALSE(writeSafetensors(
      path, {{"deep", DType::F32, {1, 1, 1, 1, 1, 1, 1, 1, 1}, v}}, {}, error));
  EXPECT_NE(error.find("rank 9"), std::string::npos) << error;

  EXPECT_FALSE(writeSafetensors(path, {{"bad\xff", DType::F32, {1}, v}}, {},
                                error));
  EXPECT_NE(error.find("UTF-8"), std::string::npos) << error;

  // Nothing was left behind by any failed write.
  EXPECT_TRUE(readFile(path).empty());
  EXPECT_EQ(std::system(("test -z \"$(ls -A '" + dir.path() + "')\"").c_str()),
            0);
}

TEST(SafetensorsTest, WriterReportsUnwritablePath) {
  TempDir dir;
  std::string path = dir.file("no/such/dir/out.safetensors");
  float v = 1;
  std::string error;
  EXPECT_FALSE(writeSafetensors(path, {{"x", DType::F32, {}, &v}}, {}, error));
  EXPECT_NE(error.find("out.safetensors"), std::string::npos) << error;
  EXPECT_NE(error.find("No such file or directory"), std::string::npos)
      << error;
}

} // namespace
