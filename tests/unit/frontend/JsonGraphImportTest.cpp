//===- JsonGraphImportTest.cpp - Valid graphs import and verify -----------===//
#include "FrontendTestUtil.h"

#include "attune/IR/AttuneOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"

#include <cstring>

using namespace attune;
using namespace attune::test;

namespace {

/// Counts occurrences of `needle` in `hay`.
size_t count(const std::string &hay, const std::string &needle) {
  size_t n = 0;
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1))
    ++n;
  return n;
}

mlir::func::FuncOp mainOf(mlir::ModuleOp m) {
  return m.lookupSymbol<mlir::func::FuncOp>("main");
}

// A graph that uses every op family; each node's result type is checked in
// the printed module.
const char *kEveryOpNodes = R"([
  {"name": "emb", "op": "embedding", "inputs": ["emb.word", "input_ids"]},
  {"name": "pos_add", "op": "add", "inputs": ["emb", "emb.pos"]},
  {"name": "ln", "op": "layer_norm", "inputs": ["pos_add", "ln.gamma", "ln.beta"],
   "attributes": {"eps": 1e-12}, "outputs": ["ln_out"]},
  {"name": "q", "op": "matmul", "inputs": ["ln_out", "q.w"]},
  {"name": "k", "op": "matmul", "inputs": ["ln_out", "half.w"], "attributes": {"transpose_b": true}},
  {"name": "qb", "op": "add", "inputs": ["q", "q.b"]},
  {"name": "att", "op": "attention", "inputs": ["qb", "k", "ln_out", "mask"],
   "attributes": {"num_heads": 2, "causal": false}},
  {"name": "att_causal", "op": "attention", "inputs": ["qb", "k", "ln_out"],
   "attributes": {"num_heads": 4, "scale": 0.5, "causal": true}},
  {"name": "g_tanh", "op": "gelu", "inputs": ["att"], "attributes": {"approximate": "tanh"}},
  {"name": "g", "op": "gelu", "inputs": ["att"]},
  {"name": "r", "op": "relu", "inputs": ["g"]},
  {"name": "e", "op": "exp", "inputs": ["r"]},
  {"name": "s", "op": "sqrt", "inputs": ["e"]},
  {"name": "erf", "op": "erf", "inputs": ["s"]},
  {"name": "th", "op": "tanh", "inputs": ["erf"]},
  {"name": "two", "op": "constant", "attributes": {"value": 2.0}},
  {"name": "sub", "op": "sub", "inputs": ["th", "g_tanh"]},
  {"name": "mul", "op": "mul", "inputs": ["sub", "bf.b"]},
  {"name": "div", "op": "div", "inputs": ["mul", "two"]},
  {"name": "pow", "op": "pow", "inputs": ["div", "two"]},
  {"name": "zero_i", "op": "constant", "attributes": {"value": 0, "dtype": "i64"}},
  {"name": "is_pad", "op": "equal", "inputs": ["input_ids", "zero_i"]},
  {"name": "neg", "op": "constant", "attributes": {"value": -10000.0}},
  {"name": "zero_f", "op": "constant", "attributes": {"value": 0.0, "shape": [1, 4]}},
  {"name": "bias", "op": "where", "inputs": ["is_pad", "neg", "zero_f"]},
  {"name": "rs", "op": "reduce_sum", "inputs": ["pow"], "attributes": {"axes": [-1], "keepdims": true}},
  {"name": "rm", "op": "reduce_mean", "inputs": ["pow"], "attributes": {"axes": [1]}},
  {"name": "rx", "op": "reduce_max", "inputs": ["pow"], "attributes": {"axes": [0, 1]}},
  {"name": "sm", "op": "softmax", "inputs": ["pow"]},
  {"name": "heads", "op": "reshape", "inputs": ["att"], "attributes": {"shape": [1, 4, 2, -1]}},
  {"name": "perm", "op": "transpose", "inputs": ["heads"], "attributes": {"perm": [0, 2, 1, 3]}},
  {"name": "last2", "op": "slice", "inputs": ["att"],
   "attributes": {"starts": [0, -2], "ends": [1, 100], "axes": [0, 1]}},
  {"name": "every2", "op": "slice", "inputs": ["att"],
   "attributes": {"starts": [1], "ends": [8], "axes": [-1], "steps": [2]}},
  {"name": "head0", "op": "slice", "inputs": ["att"], "attributes": {"starts": [0, 1], "ends": [1, 3]}},
  {"name": "split", "op": "split", "inputs": ["att"], "attributes": {"axis": 2, "sizes": [3, 5]}},
  {"name": "split_named", "op": "split", "inputs": ["att"], "attributes": {"axis": -1, "sizes": [4, 4]},
   "outputs": ["left", "right"]},
  {"name": "cat", "op": "concat", "inputs": ["split:0", "split:1", "left"], "attributes": {"axis": -1}},
  {"name": "ex", "op": "expand", "inputs": ["bf.b"], "attributes": {"shape": [2, 1, 8]}},
  {"name": "ids_f", "op": "cast", "inputs": ["input_ids"], "attributes": {"to": "f32"}},
  {"name": "mask_b", "op": "cast", "inputs": ["mask"], "attributes": {"to": "bool"}},
  {"name": "mat", "op": "constant", "attributes": {"value": [[1, 2], [3, 4.5]]}},
  {"name": "flat", "op": "constant", "attributes": {"value": [1, 2, 3, 4, 5, 6], "shape": [2, 3], "dtype": "i32"}},
  {"name": "flags", "op": "constant", "attributes": {"value": [true, false], "dtype": "bool"}},
  {"name": "ints", "op": "add", "inputs": ["int.table", "int.table"]},
  {"name": "sc", "op": "mul", "inputs": ["scalar", "att"]}
])";

const char *kEveryOpOutputs = R"([
  "ln_out", {"name": "hidden", "from": "att"}, "att_causal", "bias", "rs", "rm", "rx", "sm",
  "perm", "last2", "every2", "head0", "right", "cat", "ex", "ids_f", "mask_b", "mat", "flat",
  "flags", "ints", "sc", "int32.v", "input_ids"
])";

const char *kEveryOpInputs = R"([
  {"name": "input_ids", "shape": [1, 4], "dtype": "i64"},
  {"name": "mask", "shape": [1, 4], "dtype": "i64"}
])";

TEST_F(FrontendTest, EveryOpFamilyImportsAndVerifies) {
  auto model = importText(graph(kEveryOpInputs, kEveryOpNodes, kEveryOpOutputs));
  ASSERT_TRUE(static_cast<bool>(model)) << llvm::toString(model.takeError());
  std::string ir = print(*model->module);
  EXPECT_EQ(model->name, "t");
  ASSERT_TRUE(mlir::succeeded(mlir::verify(*model->module)));

  struct Expect {
    const char *op;
    const char *type;
  } expects[] = {
      {"attune.embedding", "-> tensor<1x4x8xf32>"},
      {"attune.layer_norm", "-> tensor<1x4x8xf32>"},
      {"attune.matmul", "transpose_b"},
      {"attune.attention", "mask"},
      {"attune.attention", "causal"},
      {"attune.gelu", "approximate = \"tanh\""},
      {"attune.relu", "tensor<1x4x8xf32>"},
      {"attune.exp", "tensor<1x4x8xf32>"},
      {"attune.sqrt", "tensor<1x4x8xf32>"},
      {"attune.erf", "tensor<1x4x8xf32>"},
      {"attune.tanh", "tensor<1x4x8xf32>"},
      {"attune.sub", "-> tensor<1x4x8xf32>"},
      {"attune.mul", "-> tensor<1x4x8xf32>"},
      {"attune.div", "tensor<f32>) -> tensor<1x4x8xf32>"},
      {"attune.pow", "-> tensor<1x4x8xf32>"},
      {"attune.equal", "-> tensor<1x4xi1>"},
      {"attune.where", "-> tensor<1x4xf32>"},
      {"attune.reduce_sum", "-> tensor<1x4x1xf32>"},
      {"attune.reduce_mean", "-> tensor<1x8xf32>"},
      {"attune.reduce_max", "-> tensor<8xf32>"},
      {"attune.softmax", "-> tensor<1x4x8xf32>"},
      {"attune.reshape", "-> tensor<1x4x2x4xf32>"},
      {"attune.transpose", "-> tensor<1x2x4x4xf32>"},
      {"attune.slice", "starts = array<i64: 0, 2, 0>, steps = array<i64: 1, 1, 1>} : (tensor<1x4x8xf32>) -> tensor<1x2x8xf32>"},
      {"attune.slice", "-> tensor<1x4x4xf32>"},
      {"attune.slice", "ends = array<i64: 1, 3, 8>"},
      {"attune.split", "-> (tensor<1x4x3xf32>, tensor<1x4x5xf32>)"},
      {"attune.concat", "-> tensor<1x4x12xf32>"},
      {"attune.expand", "(tensor<8xf32>) -> tensor<2x1x8xf32>"},
      {"attune.cast", "(tensor<1x4xi64>) -> tensor<1x4xf32>"},
      {"attune.cast", "(tensor<1x4xi64>) -> tensor<1x4xi1>"},
      {"attune.constant", "dense<[[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.500000e+00]]> : tensor<2x2xf32>"},
      {"attune.constant", "dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi32>"},
      {"attune.constant", "dense<[true, false]> : tensor<2xi1>"},
      {"attune.constant", "dense<0.000000e+00> : tensor<1x4xf32>"},
      {"attune.constant", "dense<0> : tensor<i64>"},
      {"attune.weight", "@half.w : tensor<8x8xf32>"},
      {"attune.weight", "@int.table : tensor<3xi64>"},
      {"attune.weight", "@int32.v : tensor<2xi32>"},
      {"attune.weight", "@scalar : tensor<f32>"},
  };
  for (const Expect &e : expects) {
    bool found = false;
    size_t p = 0;
    while (!found && (p = ir.find(std::string(e.op) + " ", p)) != std::string::npos) {
      size_t end = ir.find('\n', p);
      found = ir.substr(p, end - p).find(e.type) != std::string::npos;
      p = end;
    }
    EXPECT_TRUE(found) << "no " << e.op << " line containing: " << e.type << "\n" << ir;
  }
  // One attune.weight per distinct weight, even when used twice.
  EXPECT_EQ(count(ir, "attune.weight @int.table"), 1u) << ir;
  EXPECT_EQ(count(ir, "attune.weight"), 11u) << ir;

  // Function signature and names.
  mlir::func::FuncOp main = mainOf(*model->module);
  ASSERT_TRUE(main);
  EXPECT_EQ(main.getNumArguments(), 2u);
  EXPECT_EQ(main.getNumResults(), 24u);
  auto modelName = main->getAttrOfType<mlir::StringAttr>("attune.model_name");
  ASSERT_TRUE(modelName);
  EXPECT_EQ(modelName.getValue(), "t");
  EXPECT_EQ(main.getArgAttrOfType<mlir::StringAttr>(0, "attune.name").getValue(), "input_ids");
  EXPECT_EQ(main.getArgAttrOfType<mlir::StringAttr>(1, "attune.name").getValue(), "mask");
  auto maxValue = main.getArgAttrOfType<mlir::IntegerAttr>(0, "attune.max_value");
  ASSERT_TRUE(maxValue);
  EXPECT_EQ(maxValue.getInt(), 16);
  EXPECT_FALSE(main.getArgAttr(1, "attune.max_value"));
  EXPECT_EQ(main.getResultAttrOfType<mlir::StringAttr>(0, "attune.name").getValue(), "ln_out");
  EXPECT_EQ(main.getResultAttrOfType<mlir::StringAttr>(1, "attune.name").getValue(), "hidden");
  EXPECT_EQ(main.getResultAttrOfType<mlir::StringAttr>(23, "attune.name").getValue(), "input_ids");

  // Locations name the nodes.
  bool sawNodeLoc = false;
  main.walk([&](mlir::attune::LayerNormOp op) {
    auto loc = mlir::dyn_cast<mlir::NameLoc>(op.getLoc());
    ASSERT_TRUE(loc);
    EXPECT_EQ(loc.getName().str(), "ln");
    auto file = mlir::dyn_cast<mlir::FileLineColLoc>(loc.getChildLoc());
    ASSERT_TRUE(file);
    EXPECT_NE(file.getFilename().str().find("graph.json"), std::string::npos);
    sawNodeLoc = true;
  });
  EXPECT_TRUE(sawNodeLoc);

  // Weight table: the referenced weights, F16/BF16 converted to F32.
  const WeightTable &w = model->weights;
  EXPECT_NE(w.source.find("tiny.safetensors"), std::string::npos);
  EXPECT_EQ(w.entries().size(), 11u);
  const WeightTable::Entry *h = w.find("half.w");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->type, ElementType::F32);
  EXPECT_EQ(h->nbytes, 64u * 4u);
  float hv[4];
  std::memcpy(hv, h->data, sizeof hv);
  EXPECT_EQ(hv[0], 1.0f);
  EXPECT_EQ(hv[1], -2.0f);
  EXPECT_EQ(hv[2], 0.5f);
  EXPECT_EQ(hv[3], 0.0f);
  const WeightTable::Entry *b = w.find("bf.b");
  ASSERT_NE(b, nullptr);
  float bv[2];
  std::memcpy(bv, b->data, sizeof bv);
  EXPECT_EQ(bv[0], 1.0f);
  EXPECT_EQ(bv[1], 3.0f);
  const WeightTable::Entry *it = w.find("int.table");
  ASSERT_NE(it, nullptr);
  EXPECT_EQ(it->type, ElementType::I64);
  int64_t iv[3];
  std::memcpy(iv, it->data, sizeof iv);
  EXPECT_EQ(iv[2], 4);
  const WeightTable::Entry *word = w.find("emb.word");
  ASSERT_NE(word, nullptr);
  EXPECT_EQ(word->shape, (std::vector<int64_t>{16, 8}));
  float wv;
  std::memcpy(&wv, word->data + 5 * sizeof(float), sizeof wv);
  EXPECT_FLOAT_EQ(wv, 0.05f);
  EXPECT_NE(w.find("q.b"), nullptr);
}

TEST_F(FrontendTest, DefaultsAndMinimalGraph) {
  // No "name" (model name = file stem), no weights file, a graph input
  // returned directly, dtype defaulting to f32.
  std::string text = R"({
    "format": "attune-graph", "version": 1,
    "inputs": [{"name": "x", "shape": [2, 3]}],
    "nodes": [{"name": "y", "op": "softmax", "inputs": ["x"], "attributes": {"axis": 0}}],
    "outputs": ["y", "x"]
  })";
  auto model = importText(text, "my_model.json");
  ASSERT_TRUE(static_cast<bool>(model)) << llvm::toString(model.takeError());
  EXPECT_EQ(model->name, "my_model");
  std::string ir = print(*model->module);
  EXPECT_NE(ir.find("attune.model_name = \"my_model\""), std::string::npos) << ir;
  EXPECT_NE(ir.find("attune.softmax %arg0 {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>"),
            std::string::npos)
      << ir;
  EXPECT_TRUE(model->weights.entries().empty());
}

TEST_F(FrontendTest, EmbeddingMaxValueTakesSmallestTable) {
  std::vector<float> small(5 * 8, 1.0f);
  std::string error;
  ASSERT_TRUE(formats::writeSafetensors(
      path("two.safetensors"),
      {{"big", formats::DType::F32, {16, 8}, word.data()},
       {"small", formats::DType::F32, {5, 8}, small.data()}},
      {}, error))
      << error;
  std::string text = graph(R"([{"name": "ids", "shape": [3], "dtype": "i32"}])", R"([
    {"name": "a", "op": "embedding", "inputs": ["big", "ids"]},
    {"name": "b", "op": "embedding", "inputs": ["small", "ids"]},
    {"name": "c", "op": "add", "inputs": ["a", "b"]}])",
                           R"(["c"])", "\"two.safetensors\"");
  auto model = importText(text);
  ASSERT_TRUE(static_cast<bool>(model)) << llvm::toString(model.takeError());
  auto main = mainOf(*model->module);
  EXPECT_EQ(main.getArgAttrOfType<mlir::IntegerAttr>(0, "attune.max_value").getInt(), 5);
}

TEST_F(FrontendTest, WeightsPathIsRelativeToTheJsonFile) {
  std::filesystem::create_directories(dir / "sub");
  std::filesystem::copy_file(dir / "tiny.safetensors", dir / "sub" / "w.safetensors");
  std::string text = graph(R"([{"name": "x", "shape": [8]}])",
                           R"([{"name": "y", "op": "add", "inputs": ["x", "ln.gamma"]}])",
                           R"(["y"])", "\"w.safetensors\"");
  auto model = importText(text, "sub/graph.json");
  ASSERT_TRUE(static_cast<bool>(model)) << llvm::toString(model.takeError());
  EXPECT_NE(model->weights.find("ln.gamma"), nullptr);
}

TEST_F(FrontendTest, GraphInputShadowsWeightOfTheSameName) {
  std::string text = graph(R"([{"name": "q.b", "shape": [8]}])",
                           R"([{"name": "y", "op": "add", "inputs": ["q.b", "ln.beta"]}])",
                           R"(["y"])");
  auto model = importText(text);
  ASSERT_TRUE(static_cast<bool>(model)) << llvm::toString(model.takeError());
  std::string ir = print(*model->module);
  EXPECT_EQ(ir.find("@q.b"), std::string::npos) << ir;
  EXPECT_EQ(model->weights.find("q.b"), nullptr);
}

} // namespace
