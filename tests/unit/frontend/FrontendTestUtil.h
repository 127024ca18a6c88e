//===- FrontendTestUtil.h - Fixture for the JSON graph importer tests -----===//
//
// Each test gets a fresh temporary directory holding tiny.safetensors (the
// weights below) and writes its graph.json there.
//
//   emb.word   F32  [16, 8]     emb.pos  F32 [4, 8]
//   ln.gamma   F32  [8]         ln.beta  F32 [8]
//   q.w        F32  [8, 8]      q.b      F32 [8]
//   half.w     F16  [8, 8]      bf.b     BF16 [8]
//   int.table  I64  [3]         int32.v  I32 [2]
//   scalar     F32  []
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TESTS_FRONTEND_TESTUTIL_H
#define ATTUNE_TESTS_FRONTEND_TESTUTIL_H

#include "attune/Frontend/JsonGraphImporter.h"
#include "attune/formats/Safetensors.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <unistd.h>
#include <vector>

namespace attune::test {

class FrontendTest : public ::testing::Test {
public:
  /// A complete graph document around the given JSON fragments.
  static std::string graph(const std::string &inputs, const std::string &nodes,
                           const std::string &outputs,
                           const std::string &weights = "\"tiny.safetensors\"") {
    std::string w = weights.empty() ? "" : "  \"weights\": " + weights + ",\n";
    return "{\n  \"format\": \"attune-graph\",\n  \"version\": 1,\n  \"name\": \"t\",\n" + w +
           "  \"inputs\": " + inputs + ",\n  \"nodes\": " + nodes + ",\n  \"outputs\": " +
           outputs + "\n}\n";
  }

protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir = std::filesystem::temp_directory_path() /
          ("attune_frontend_test_" + std::to_string(::getpid()) + "_" +
           std::to_string(counter++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    writeStandardWeights();
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  std::string path(const std::string &name) const { return (dir / name).string(); }

  std::string writeFile(const std::string &name, const std::string &text) const {
    std::ofstream out(path(name), std::ios::binary);
    out << text;
    return path(name);
  }

  void writeStandardWeights() {
    using formats::DType;
    word.resize(16 * 8);
    for (size_t i = 0; i < word.size(); ++i)
      word[i] = 0.01f * static_cast<float>(i);
    pos.assign(4 * 8, 0.5f);
    ones.assign(8, 1.0f);
    zeros.assign(8, 0.0f);
    square.assign(8 * 8, 0.25f);
    // F16: 1.0, -2.0, 0.5, 0 repeated.
    const uint16_t halfPattern[4] = {0x3C00, 0xC000, 0x3800, 0x0000};
    half.resize(64);
    for (size_t i = 0; i < half.size(); ++i)
      half[i] = halfPattern[i % 4];
    // BF16: 1.0, 3.0 repeated.
    bf.resize(8);
    for (size_t i = 0; i < bf.size(); ++i)
      bf[i] = i % 2 ? 0x4040 : 0x3F80;
    std::vector<formats::TensorToWrite> tensors = {
        {"emb.word", DType::F32, {16, 8}, word.data()},
        {"emb.pos", DType::F32, {4, 8}, pos.data()},
        {"ln.gamma", DType::F32, {8}, ones.data()},
        {"ln.beta", DType::F32, {8}, zeros.data()},
        {"q.w", DType::F32, {8, 8}, square.data()},
        {"q.b", DType::F32, {8}, zeros.data()},
        {"half.w", DType::F16, {8, 8}, half.data()},
        {"bf.b", DType::BF16, {8}, bf.data()},
        {"int.table", DType::I64, {3}, ints.data()},
        {"int32.v", DType::I32, {2}, ints32.data()},
        {"scalar", DType::F32, {}, &scalarValue},
    };
    std::string error;
    ASSERT_TRUE(formats::writeSafetensors(path("tiny.safetensors"), tensors, {}, error)) << error;
  }

  llvm::Expected<ImportedModel> importText(const std::string &text,
                                           const std::string &name = "graph.json") {
    return importJsonGraph(ctx, writeFile(name, text));
  }

  /// Imports `text`, expects failure and returns the message.
  std::string importError(const std::string &text, const std::string &name = "graph.json") {
    auto result = importText(text, name);
    if (result) {
      ADD_FAILURE() << "import unexpectedly succeeded:\n" << print(*result->module);
      return "";
    }
    return llvm::toString(result.takeError());
  }

  static std::string print(mlir::ModuleOp m) {
    std::string s;
    llvm::raw_string_ostream os(s);
    m.print(os);
    return s;
  }

  mlir::MLIRContext ctx;
  std::filesystem::path dir;
  std::vector<float> word, pos, ones, zeros, square;
  std::vector<uint16_t> half, bf;
  std::vector<int64_t> ints{3, 1, 4};
  std::vector<int32_t> ints32{7, -7};
  float scalarValue = 2.5f;
};

/// EXPECT that `message` contains every one of `parts`.
inline void expectContains(const std::string &message,
                           std::initializer_list<std::string> parts) {
  for (const std::string &p : parts)
    EXPECT_NE(message.find(p), std::string::npos)
        << "expected the message to contain:\n  " << p << "\nmessage:\n  " << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "message is not one line: " << message;
}

} // namespace attune::test

#endif
