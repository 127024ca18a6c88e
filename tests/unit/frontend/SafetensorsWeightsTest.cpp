//===- SafetensorsWeightsTest.cpp - loadSafetensorsWeights ----------------===//
#include "FrontendTestUtil.h"

#include <cstring>

using namespace attune;
using namespace attune::test;

namespace {

TEST_F(FrontendTest, LoadSafetensorsWeightsLoadsEveryTensor) {
  auto table = loadSafetensorsWeights(path("tiny.safetensors"));
  ASSERT_TRUE(static_cast<bool>(table)) << llvm::toString(table.takeError());
  EXPECT_EQ(table->entries().size(), 11u);
  EXPECT_EQ(table->source, path("tiny.safetensors"));

  const WeightTable::Entry *word = table->find("emb.word");
  ASSERT_NE(word, nullptr);
  EXPECT_EQ(word->type, ElementType::F32);
  EXPECT_EQ(word->shape, (std::vector<int64_t>{16, 8}));
  EXPECT_EQ(word->nbytes, 16u * 8u * 4u);
  float v;
  std::memcpy(&v, word->data + 127 * sizeof(float), sizeof v);
  EXPECT_FLOAT_EQ(v, 1.27f);

  const WeightTable::Entry *half = table->find("half.w");
  ASSERT_NE(half, nullptr);
  EXPECT_EQ(half->type, ElementType::F32);
  EXPECT_EQ(half->nbytes, 64u * 4u);
  std::memcpy(&v, half->data + sizeof(float), sizeof v);
  EXPECT_EQ(v, -2.0f);

  const WeightTable::Entry *i32 = table->find("int32.v");
  ASSERT_NE(i32, nullptr);
  EXPECT_EQ(i32->type, ElementType::I32);
  int32_t iv[2];
  std::memcpy(iv, i32->data, sizeof iv);
  EXPECT_EQ(iv[1], -7);

  const WeightTable::Entry *scalar = table->find("scalar");
  ASSERT_NE(scalar, nullptr);
  EXPECT_TRUE(scalar->shape.empty());
  std::memcpy(&v, scalar->data, sizeof v);
  EXPECT_EQ(v, 2.5f);
}

TEST_F(FrontendTest, LoadSafetensorsWeightsOutlivesTheCaller) {
  WeightTable copy;
  {
    auto table = loadSafetensorsWeights(path("tiny.safetensors"));
    ASSERT_TRUE(static_cast<bool>(table)) << llvm::toString(table.takeError());
    copy = std::move(*table);
  }
  const WeightTable::Entry *pos = copy.find("emb.pos");
  ASSERT_NE(pos, nullptr);
  float v;
  std::memcpy(&v, pos->data, sizeof v);
  EXPECT_EQ(v, 0.5f);
}

TEST_F(FrontendTest, LoadSafetensorsWeightsMissingFile) {
  auto table = loadSafetensorsWeights(path("absent.safetensors"));
  ASSERT_FALSE(static_cast<bool>(table));
  expectContains(llvm::toString(table.takeError()), {"absent.safetensors"});
}

TEST_F(FrontendTest, LoadSafetensorsWeightsCorruptFile) {
  writeFile("corrupt.safetensors", std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}");
  auto table = loadSafetensorsWeights(path("corrupt.safetensors"));
  ASSERT_FALSE(static_cast<bool>(table));
  expectContains(llvm::toString(table.takeError()), {"corrupt.safetensors"});
}

} // namespace
