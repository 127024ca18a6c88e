//===- DocExampleTest.cpp - The example of docs/json-graph.md imports -----===//
//
// Extracts the JSON block marked `<!-- example-graph` from the format's
// documentation, writes the weights the document lists, and imports it, so
// the documented example cannot rot.
//
//===----------------------------------------------------------------------===//
#include "FrontendTestUtil.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <sstream>

using namespace attune;
using namespace attune::test;

namespace {

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(FrontendTest, DocumentedExampleImports) {
  std::string doc = readFile(ATTUNE_JSON_GRAPH_DOC);
  ASSERT_FALSE(doc.empty()) << "cannot read " << ATTUNE_JSON_GRAPH_DOC;
  size_t marker = doc.find("<!-- example-graph");
  ASSERT_NE(marker, std::string::npos);
  size_t begin = doc.find("```json\n", marker);
  ASSERT_NE(begin, std::string::npos);
  begin += 8;
  size_t end = doc.find("\n```", begin);
  ASSERT_NE(end, std::string::npos);
  std::string json = doc.substr(begin, end - begin);

  // The weights listed in the document.
  std::vector<std::pair<std::string, std::vector<int64_t>>> shapes = {
      {"embeddings.word_embeddings.weight", {100, 16}},
      {"embeddings.position_embeddings.weight", {8, 16}},
      {"embeddings.LayerNorm.weight", {16}},
      {"embeddings.LayerNorm.bias", {16}},
      {"layer.0.attention.LayerNorm.weight", {16}},
      {"layer.0.attention.LayerNorm.bias", {16}},
      {"layer.0.intermediate.weight", {32, 16}},
      {"layer.0.intermediate.bias", {32}},
      {"layer.0.output.weight", {16, 32}},
      {"layer.0.output.bias", {16}},
      {"layer.0.output.LayerNorm.weight", {16}},
      {"layer.0.output.LayerNorm.bias", {16}},
      {"pooler.dense.weight", {16, 16}},
      {"pooler.dense.bias", {16}},
  };
  for (const char *p : {"query", "key", "value", "output"}) {
    shapes.push_back({std::string("layer.0.attention.") + p + ".weight", {16, 16}});
    shapes.push_back({std::string("layer.0.attention.") + p + ".bias", {16}});
  }
  std::vector<float> data(100 * 16, 0.125f);
  std::vector<formats::TensorToWrite> tensors;
  for (auto &[name, shape] : shapes)
    tensors.push_back({name, formats::DType::F32, shape, data.data()});
  std::string error;
  ASSERT_TRUE(formats::writeSafetensors(path("tiny_encoder.safetensors"), tensors, {}, error))
      << error;

  auto model = importText(json, "tiny_encoder.json");
  ASSERT_TRUE(static_cast<bool>(model)) << llvm::toString(model.takeError());
  EXPECT_EQ(model->name, "tiny_encoder");
  EXPECT_EQ(model->weights.entries().size(), shapes.size());
  std::string ir = print(*model->module);
  auto main = model->module->lookupSymbol<mlir::func::FuncOp>("main");
  ASSERT_TRUE(main);
  ASSERT_EQ(main.getNumResults(), 2u);
  EXPECT_EQ(main.getResultTypes()[0], mlir::RankedTensorType::get({1, 8, 16},
                                                                  mlir::Float32Type::get(&ctx)));
  EXPECT_EQ(main.getResultTypes()[1], mlir::RankedTensorType::get({1, 16},
                                                                  mlir::Float32Type::get(&ctx)));
  EXPECT_EQ(main.getResultAttrOfType<mlir::StringAttr>(0, "attune.name").getValue(),
            "last_hidden_state");
  EXPECT_EQ(main.getArgAttrOfType<mlir::IntegerAttr>(0, "attune.max_value").getInt(), 100);
  EXPECT_NE(ir.find("mask %arg1 {num_heads = 2 : i64}"), std::string::npos) << ir;
  if (::testing::Test::HasFailure() || getenv("ATTUNE_PRINT_DOC_IR"))
    llvm::errs() << ir;
}

} // namespace
