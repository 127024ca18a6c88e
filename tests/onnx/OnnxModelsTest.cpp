//===- OnnxModelsTest.cpp - ONNX exports of the HF fixtures vs PyTorch ----===//
//
// tests/fixtures/onnx/<model>.[sdpa.]<exporter>.onnx are torch.onnx.export'ed copies
// of the tiny Hugging Face fixtures (scripts/fixtures/make_onnx_fixtures.py).
// Each is compiled with `attune::compile` (the .onnx path goes through the
// CLI's model loader), run on the HF fixture's inputs, and every output is
// compared with what PyTorch computed when the fixture was made:
//   max |attune - torch| <= 1e-4 (the parity bound).
// Also: the importer's errors on broken models (built here with the ONNX
// protobuf API), the dynamic-dimension binding rule and the node-name
// locations.
//
//===----------------------------------------------------------------------===//
#include "OnnxTestUtil.h"

#include "attune/Frontend/OnnxImporter.h"
#include "attune/IR/AttuneOps.h"
#include "attune/Tools/CompileDriver.h"
#include "attune/Tools/RunDriver.h"
#include "NpyTensor.h"
#include "attune/formats/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "gtest/gtest.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

using namespace attune;

namespace {

const std::string kFixtures = ATTUNE_FIXTURES_DIR;

ref::Tensor readNpy(const std::string &path) { return attune::test_support::readNpyTensor(path); }

std::string tempDir() {
  llvm::SmallString<128> dir;
  EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("attune-onnx", dir));
  return dir.str().str();
}

struct Case {
  const char *model;
  const char *exporter;
  std::vector<std::string> outputs;
};

/// "bert_dynamo", "bert_sdpa_dynamo" (the file is bert.sdpa.dynamo.onnx).
std::string caseName(const Case &c) {
  std::string e = c.exporter;
  std::replace(e.begin(), e.end(), '.', '_');
  return std::string(c.model) + "_" + e;
}

class OnnxFixture : public ::testing::TestWithParam<Case> {};

TEST_P(OnnxFixture, MatchesPyTorch) {
  const Case &c = GetParam();
  std::string onnxPath = kFixtures + "/onnx/" + c.model + "." + c.exporter + ".onnx";
  std::string hf = kFixtures + "/hf/" + c.model;
  if (!llvm::sys::fs::exists(onnxPath))
    FAIL() << onnxPath << " is missing (scripts/fixtures/make_onnx_fixtures.py writes it)";
  ref::Tensor ids = readNpy(hf + "/inputs/input_ids.npy");

  // The function's arguments, in order (the exporter may drop unused inputs).
  auto ctx = createContext();
  OnnxImportOptions io;
  io.batch = ids.shape[0];
  io.seqLen = ids.shape[1];
  OnnxImportInfo info;
  auto imported = importOnnx(*ctx, onnxPath, io, &info);
  ASSERT_TRUE(static_cast<bool>(imported)) << llvm::toString(imported.takeError());
  EXPECT_TRUE(info.usedBatch && info.usedSeqLen) << "the fixtures have dynamic batch/sequence";
  auto fn = imported->module->lookupSymbol<mlir::func::FuncOp>("main");
  std::vector<NamedTensor> inputs;
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    auto name = fn.getArgAttrOfType<mlir::StringAttr>(i, "attune.name").str();
    inputs.push_back({name, readNpy(hf + "/inputs/" + name + ".npy")});
  }

  std::string out = tempDir();
  CompileOptions o;
  o.model = onnxPath;
  o.output = out + "/model.so";
  o.modelOptions.batch = ids.shape[0];
  o.modelOptions.seqLen = ids.shape[1];
  std::string log;
  llvm::raw_string_ostream los(log);
  llvm::Error err = compile(o, los);
  ASSERT_FALSE(err) << llvm::toString(std::move(err));
  auto outs = runLibrary(o.output, inputs);
  ASSERT_TRUE(static_cast<bool>(outs)) << llvm::toString(outs.takeError());
  for (const std::string &name : c.outputs) {
    const ref::Tensor *got = nullptr;
    for (const NamedTensor &t : *outs)
      if (t.name == name)
        got = &t.tensor;
    ASSERT_NE(got, nullptr) << caseName(c) << ": no output " << name;
    ref::Tensor expected = readNpy(hf + "/expected/" + name + ".npy");
    double maxAbs = 0;
    std::string diff = onnxtest::compare(*got, expected, 1e-4, 0, &maxAbs);
    EXPECT_EQ(diff, "") << caseName(c) << " " << name;
    printf("%s %s: max |attune - torch| = %.3g\n", caseName(c).c_str(), name.c_str(), maxAbs);
  }
  llvm::sys::fs::remove_directories(out);
}

std::vector<Case> fixtureCases() {
  std::vector<Case> cases;
  for (const char *exporter : {"dynamo", "torchscript"}) {
    cases.push_back({"bert", exporter, {"last_hidden_state", "logits"}});
    cases.push_back({"bert_pooler", exporter, {"last_hidden_state", "pooler_output"}});
    cases.push_back({"roberta", exporter, {"last_hidden_state", "logits"}});
    cases.push_back({"distilbert", exporter, {"last_hidden_state", "logits"}});
    cases.push_back({"gpt2", exporter, {"last_hidden_state", "logits"}});
  }
  // transformers' default attention (SDPA; IsNaN-guarded softmax).
  cases.push_back({"bert", "sdpa.dynamo", {"last_hidden_state", "logits"}});
  cases.push_back({"gpt2", "sdpa.dynamo", {"last_hidden_state", "logits"}});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Models, OnnxFixture, ::testing::ValuesIn(fixtureCases()),
                         [](const auto &info) { return caseName(info.param); });

//===----------------------------------------------------------------------===//
// Import details
//===----------------------------------------------------------------------===//

TEST(OnnxImport, BindsDynamicDimsAndNamesOpsAfterNodes) {
  auto ctx = createContext();
  OnnxImportOptions o;
  o.batch = 3;
  o.seqLen = 7;
  OnnxImportInfo info;
  std::string path = kFixtures + "/onnx/bert.torchscript.onnx";
  auto m = importOnnx(*ctx, path, o, &info);
  ASSERT_TRUE(static_cast<bool>(m)) << llvm::toString(m.takeError());
  auto fn = m->module->lookupSymbol<mlir::func::FuncOp>("main");
  ASSERT_TRUE(fn);
  for (mlir::Type t : fn.getArgumentTypes())
    EXPECT_EQ(llvm::cast<mlir::RankedTensorType>(t).getShape(), llvm::ArrayRef<int64_t>({3, 7}));
  EXPECT_EQ(info.opset, 17);
  EXPECT_FALSE(info.bindings.empty());
  // Every op is static-shaped and carries its ONNX node's name.
  bool sawEncoderScope = false, allStatic = true;
  fn.walk([&](mlir::Operation *op) {
    for (mlir::Type t : op->getResultTypes())
      if (auto rt = llvm::dyn_cast<mlir::RankedTensorType>(t))
        allStatic &= rt.hasStaticShape();
    if (auto nl = llvm::dyn_cast<mlir::NameLoc>(op->getLoc()))
      if (llvm::isa<mlir::attune::MatmulOp>(op) &&
          nl.getName().strref().starts_with("/model/bert/encoder/layer.0/attention/"))
        sawEncoderScope = true;
  });
  EXPECT_TRUE(allStatic);
  EXPECT_TRUE(sawEncoderScope) << "matmuls should be located at /model/bert/encoder/layer.0/...";
  // Weights keep their initializer names.
  bool found = false;
  for (const auto &kv : m->weights.entries())
    found |= kv.first.find("word_embeddings") != std::string::npos;
  EXPECT_TRUE(found);
}

//===----------------------------------------------------------------------===//
// Errors: broken models built with the protobuf API
//===----------------------------------------------------------------------===//

onnx::ModelProto baseModel(int64_t opset = 17) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto *op = m.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  auto *g = m.mutable_graph();
  g->set_name("t");
  return m;
}

void addInput(onnx::GraphProto *g, const std::string &name, std::vector<int64_t> dims,
              std::vector<std::string> params = {}, int type = onnx::TensorProto_DataType_FLOAT) {
  auto *in = g->add_input();
  in->set_name(name);
  auto *tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(type);
  auto *shape = tt->mutable_shape();
  for (size_t i = 0; i < dims.size(); ++i) {
    auto *d = shape->add_dim();
    if (i < params.size() && !params[i].empty())
      d->set_dim_param(params[i]);
    else
      d->set_dim_value(dims[i]);
  }
}

onnx::NodeProto *addNode(onnx::GraphProto *g, const std::string &name, const std::string &op,
                         std::vector<std::string> ins, std::vector<std::string> outs) {
  auto *n = g->add_node();
  n->set_name(name);
  n->set_op_type(op);
  for (auto &i : ins)
    n->add_input(i);
  for (auto &o : outs)
    n->add_output(o);
  return n;
}

void addOutput(onnx::GraphProto *g, const std::string &name) { g->add_output()->set_name(name); }

class OnnxErrors : public ::testing::Test {
protected:
  void SetUp() override { dir_ = tempDir(); }
  void TearDown() override { llvm::sys::fs::remove_directories(dir_); }

  /// Writes `m` to dir_/model.onnx, imports it, returns the error ("" if none).
  std::string importError(const onnx::ModelProto &m, const OnnxImportOptions &o = {}) {
    std::string bytes;
    m.SerializeToString(&bytes);
    return importBytes(bytes, o);
  }
  std::string importBytes(const std::string &bytes, const OnnxImportOptions &o = {}) {
    std::string path = dir_ + "/model.onnx";
    std::ofstream(path, std::ios::binary) << bytes;
    auto ctx = createContext();
    auto r = importOnnx(*ctx, path, o);
    return r ? std::string() : llvm::toString(r.takeError());
  }
  std::string dir_;
};

#define EXPECT_CONTAINS(haystack, needle)                                                         \
  EXPECT_NE((haystack).find(needle), std::string::npos) << "message: " << (haystack)

TEST_F(OnnxErrors, CorruptProtobuf) {
  std::string e = importBytes(std::string("\x0a\xff\xff\xff\xff\x0f garbage", 16));
  EXPECT_CONTAINS(e, "model.onnx: not a valid ONNX model");
}

TEST_F(OnnxErrors, UnsupportedOperatorNamesNodeOpAndOpset) {
  auto m = baseModel();
  auto *g = m.mutable_graph();
  addInput(g, "x", {2, 3});
  addNode(g, "/enc/frobnicate", "Frobnicate", {"x"}, {"y"});
  addOutput(g, "y");
  std::string e = importError(m);
  EXPECT_CONTAINS(e, "model.onnx: node '/enc/frobnicate' (Frobnicate): operator 'Frobnicate' "
                     "(opset 17) is not supported");
}

TEST_F(OnnxErrors, UnboundDynamicDim) {
  auto m = baseModel();
  auto *g = m.mutable_graph();
  addInput(g, "pixels", {0, 3}, {"height", ""});
  addNode(g, "r", "Relu", {"pixels"}, {"y"});
  addOutput(g, "y");
  std::string e = importError(m);
  EXPECT_CONTAINS(e, "graph input 'pixels' dim 0 ('height'): dynamic dimension is not bound");
  // The same model binds with an explicit size.
  OnnxImportOptions o;
  o.dims["height"] = 5;
  EXPECT_EQ(importError(m, o), "");
}

TEST_F(OnnxErrors, Cycle) {
  auto m = baseModel();
  auto *g = m.mutable_graph();
  addInput(g, "x", {2});
  addNode(g, "a", "Add", {"x", "b_out"}, {"a_out"});
  addNode(g, "b", "Relu", {"a_out"}, {"b_out"});
  addOutput(g, "b_out");
  EXPECT_CONTAINS(importError(m), "(Add): is part of a cycle");
}

TEST_F(OnnxErrors, DanglingEdge) {
  auto m = baseModel();
  auto *g = m.mutable_graph();
  addInput(g, "x", {2});
  addNode(g, "a", "Add", {"x", "nowhere"}, {"y"});
  addOutput(g, "y");
  EXPECT_CONTAINS(importError(m), "node 'a' (Add): input 'nowhere' is not produced by any node, "
                                  "initializer or graph input (dangling edge)");
}

TEST_F(OnnxErrors, WrongInitializerSize) {
  auto m = baseModel();
  auto *g = m.mutable_graph();
  addInput(g, "x", {2});
  auto *w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto_DataType_FLOAT);
  w->add_dims(2);
  w->set_raw_data(std::string(3, '\0'));
  addNode(g, "a", "Add", {"x", "w"}, {"y"});
  addOutput(g, "y");
  EXPECT_CONTAINS(importError(m), "initializer 'w': expected 8 bytes of raw_data for FLOAT [2], "
                                  "found 3");
}

TEST_F(OnnxErrors, MissingExternalData) {
  auto m = baseModel();
  auto *g = m.mutable_graph();
  addInput(g, "x", {2});
  auto *w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto_DataType_FLOAT);
  w->add_dims(2);
  w->set_data_location(onnx::TensorProto_DataLocation_EXTERNAL);
  auto *kv = w->add_external_data();
  kv->set_key("location");
  kv->set_value("weights.bin");
  addNode(g, "a", "Add", {"x", "w"}, {"y"});
  addOutput(g, "y");
  EXPECT_CONTAINS(importError(m), "initializer 'w': cannot read external data file");
  // Present but short.
  std::ofstream(dir_ + "/weights.bin", std::ios::binary) << "abc";
  EXPECT_CONTAINS(importError(m), "has 3 bytes; expected 8 bytes at offset 0");
  // Complete: imports.
  std::ofstream(dir_ + "/weights.bin", std::ios::binary) << std::string(8, '\0');
  EXPECT_EQ(importError(m), "");
}

TEST_F(OnnxErrors, RunTimeShapeInput) {
  auto m = baseModel();
  auto *g = m.mutable_graph();
  addInput(g, "x", {2, 3});
  addInput(g, "shape", {2}, {}, onnx::TensorProto_DataType_INT64);
  addNode(g, "view", "Reshape", {"x", "shape"}, {"y"});
  addOutput(g, "y");
  EXPECT_CONTAINS(importError(m), "node 'view' (Reshape) input 1 'shape': the shape must be a "
                                  "compile-time constant");
}

TEST_F(OnnxErrors, ShapeMismatch) {
  auto m = baseModel();
  auto *g = m.mutable_graph();
  addInput(g, "a", {2, 3});
  addInput(g, "b", {4, 5});
  addNode(g, "mm", "MatMul", {"a", "b"}, {"y"});
  addOutput(g, "y");
  EXPECT_CONTAINS(importError(m), "node 'mm' (MatMul): ");
}

TEST_F(OnnxErrors, UnsupportedOpset) {
  auto m = baseModel(99);
  auto *g = m.mutable_graph();
  addInput(g, "x", {2});
  addNode(g, "r", "Relu", {"x"}, {"y"});
  addOutput(g, "y");
  EXPECT_CONTAINS(importError(m), "not supported: opset 99 of ai.onnx");
}

TEST_F(OnnxErrors, OtherDomain) {
  auto m = baseModel();
  auto *g = m.mutable_graph();
  addInput(g, "x", {2});
  addNode(g, "fg", "FastGelu", {"x"}, {"y"})->set_domain("com.microsoft");
  addOutput(g, "y");
  EXPECT_CONTAINS(importError(m), "node 'fg' (FastGelu): operator 'com.microsoft.FastGelu'");
}

} // namespace
