//===- JsonGraphErrorTest.cpp - Bad input gives one clear error -----------===//
//
// Every case checks that the message names the JSON file and the node /
// field / tensor at fault, and what was expected vs found.
//
//===----------------------------------------------------------------------===//
#include "FrontendTestUtil.h"

using namespace attune;
using namespace attune::test;

namespace {

const char *kIn = R"([{"name": "x", "shape": [1, 4, 8]}, {"name": "ids", "shape": [1, 4], "dtype": "i64"}])";

/// A graph with the standard inputs and weights and these nodes, returning `out`.
std::string nodes(const std::string &list, const std::string &out = "[\"n\"]") {
  return FrontendTest::graph(kIn, list, out);
}

//===----------------------------------------------------------------------===//
// Files and JSON syntax
//===----------------------------------------------------------------------===//

TEST_F(FrontendTest, MissingGraphFile) {
  auto result = importJsonGraph(ctx, path("nope.json"));
  ASSERT_FALSE(static_cast<bool>(result));
  expectContains(llvm::toString(result.takeError()),
                 {"nope.json", "cannot read the graph file", "No such file"});
}

TEST_F(FrontendTest, MalformedJsonGivesLineAndColumn) {
  std::string msg = importError("{\n  \"format\": \"attune-graph\",\n  \"version\": 1,,\n}\n");
  expectContains(msg, {"graph.json: invalid JSON at line 3, column 16:", "syntax error"});
}

TEST_F(FrontendTest, TruncatedJson) {
  std::string msg = importError("{\"format\": \"attune-graph\", \"nodes\": [");
  expectContains(msg, {"graph.json: invalid JSON at line 1, column 38", "unexpected end of input"});
}

TEST_F(FrontendTest, EmptyFile) {
  expectContains(importError(""), {"graph.json: invalid JSON at line 1, column 1"});
}

TEST_F(FrontendTest, DuplicateJsonKey) {
  std::string msg = importError(nodes(
      R"([{"name": "n", "op": "softmax", "inputs": ["x"], "attributes": {"axis": 1, "axis": 2}}])"));
  expectContains(msg, {"graph.json", "invalid JSON", "\"axis\" appears twice"});
}

TEST_F(FrontendTest, TopLevelNotAnObject) {
  expectContains(importError("[1, 2]"),
                 {"graph.json: expected a JSON object at the top level, found a list"});
}

TEST_F(FrontendTest, WrongFormatAndVersion) {
  expectContains(importError(R"({"format": "onnx", "version": 1, "nodes": [], "outputs": ["x"]})"),
                 {"graph.json: field 'format': expected \"attune-graph\", found \"onnx\""});
  expectContains(importError(R"({"format": "attune-graph", "version": 2, "nodes": [], "outputs": ["x"]})"),
                 {"graph.json: field 'version': expected 1, found 2"});
  expectContains(importError(R"({"format": "attune-graph", "nodes": [], "outputs": ["x"]})"),
                 {"graph.json: missing required field 'version'"});
  expectContains(importError(R"({"version": 1, "nodes": [], "outputs": ["x"]})"),
                 {"graph.json: missing required field 'format'"});
}

TEST_F(FrontendTest, UnknownTopLevelField) {
  std::string text = nodes("[]", "[\"x\"]");
  text.insert(1, "\"nodez\": [],");
  expectContains(importError(text),
                 {"graph.json: unknown top-level field 'nodez'", "did you mean 'nodes'?"});
}

TEST_F(FrontendTest, MissingWeightsFile) {
  std::string text = graph(kIn, "[]", "[\"x\"]", "\"missing.safetensors\"");
  expectContains(importError(text), {"graph.json: field 'weights'", "missing.safetensors"});
}

TEST_F(FrontendTest, CorruptWeightsFile) {
  writeFile("bad.safetensors", "this is not a safetensors file");
  std::string text = graph(kIn, "[]", "[\"x\"]", "\"bad.safetensors\"");
  expectContains(importError(text), {"graph.json: field 'weights'", "bad.safetensors"});
}

//===----------------------------------------------------------------------===//
// Graph inputs and outputs
//===----------------------------------------------------------------------===//

TEST_F(FrontendTest, InputDtypeF16Rejected) {
  std::string text = graph(R"([{"name": "x", "shape": [2], "dtype": "f16"}])", "[]", "[\"x\"]");
  expectContains(importError(text),
                 {"graph.json: graph input 'x' field 'dtype':", "\"f16\" is not supported yet"});
}

TEST_F(FrontendTest, InputBadShapeAndDtype) {
  expectContains(importError(graph(R"([{"name": "x", "shape": [2, -1]}])", "[]", "[\"x\"]")),
                 {"graph.json: graph input 'x' field 'shape': expected a list of positive integers",
                  "[2,-1]"});
  expectContains(importError(graph(R"([{"name": "x", "shape": [2], "dtype": "float"}])", "[]",
                                   "[\"x\"]")),
                 {"graph input 'x' field 'dtype'", "found \"float\""});
  expectContains(importError(graph(R"([{"name": "x", "shap": [2]}])", "[]", "[\"x\"]")),
                 {"graph.json: inputs[0]: unknown field 'shap'", "did you mean 'shape'?"});
  expectContains(importError(graph(R"([{"name": "x", "shape": [2]}, {"name": "x", "shape": [2]}])",
                                   "[]", "[\"x\"]")),
                 {"graph.json: graph input 'x'", "used by two graph inputs"});
}

TEST_F(FrontendTest, OutputRefersToUnknownName) {
  std::string msg = importError(nodes(R"([{"name": "n", "op": "relu", "inputs": ["x"]}])",
                                      R"(["n", {"name": "hidden", "from": "nn"}])"));
  expectContains(msg, {"graph.json: outputs[1] 'hidden': 'nn' is not a graph input, a node output "
                       "or a weight in tiny.safetensors",
                       "did you mean 'n'?"});
}

TEST_F(FrontendTest, DuplicateOutputName) {
  std::string msg = importError(nodes(R"([{"name": "n", "op": "relu", "inputs": ["x"]}])",
                                      R"(["n", {"name": "n", "from": "x"}])"));
  expectContains(msg, {"graph.json: outputs[1]: output name 'n' is already used by outputs[0]"});
}

TEST_F(FrontendTest, NoOutputs) {
  expectContains(importError(nodes("[]", "[]")),
                 {"graph.json: field 'outputs': expected at least one graph output"});
}

//===----------------------------------------------------------------------===//
// Node structure and names
//===----------------------------------------------------------------------===//

TEST_F(FrontendTest, UnknownInputName) {
  std::string msg = importError(nodes(R"([
    {"name": "n0", "op": "relu", "inputs": ["x"]},
    {"name": "n1", "op": "relu", "inputs": ["n0"]},
    {"name": "n2", "op": "relu", "inputs": ["n1"]},
    {"name": "n", "op": "matmul", "inputs": ["n2", "foo"]}])"));
  expectContains(msg, {"graph.json: node 'n' (matmul) input 1: 'foo' is not a graph input, an "
                       "earlier node output or a weight in tiny.safetensors"});
}

TEST_F(FrontendTest, UnknownInputNameWithoutWeights) {
  std::string text = graph(kIn, R"([{"name": "n", "op": "add", "inputs": ["x", "w"]}])", "[\"n\"]", "");
  expectContains(importError(text), {"graph.json: node 'n' (add) input 1: 'w' is not",
                                     "the graph has no \"weights\" file"});
}

TEST_F(FrontendTest, ForwardReference) {
  std::string msg = importError(nodes(R"([
    {"name": "a", "op": "relu", "inputs": ["b"]},
    {"name": "b", "op": "relu", "inputs": ["x"]},
    {"name": "n", "op": "relu", "inputs": ["a"]}])"));
  expectContains(msg, {"graph.json: node 'a' (relu) input 0: 'b' is produced by node 'b' (nodes[1])",
                       "topological order"});
}

TEST_F(FrontendTest, SelfReference) {
  expectContains(importError(nodes(R"([{"name": "n", "op": "relu", "inputs": ["n"]}])")),
                 {"graph.json: node 'n' (relu) input 0: 'n' is an output of this same node"});
}

TEST_F(FrontendTest, DuplicateNodeName) {
  std::string msg = importError(nodes(R"([
    {"name": "n", "op": "relu", "inputs": ["x"]},
    {"name": "n", "op": "exp", "inputs": ["x"], "outputs": ["other"]}])"));
  expectContains(msg, {"graph.json: nodes[1]: node name 'n' is already used by nodes[0]"});
}

TEST_F(FrontendTest, DuplicateOutputNames) {
  expectContains(importError(nodes(R"([
    {"name": "a", "op": "relu", "inputs": ["x"], "outputs": ["n"]},
    {"name": "n", "op": "exp", "inputs": ["x"]}])")),
                 {"graph.json: node 'n' (exp): output name 'n' is already an output of node 'a'"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "split", "inputs": ["x"], "outputs": ["a", "a"],
                                         "attributes": {"axis": 0, "sizes": [1]}}])")),
                 {"graph.json: node 'n' (split) field 'outputs': the name 'a' appears twice"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "exp", "inputs": ["x"], "outputs": ["ids"]}])")),
                 {"graph.json: node 'n' (exp): output name 'ids' is already the name of a graph input"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "exp", "inputs": ["x"], "outputs": ["q.w"]}])")),
                 {"graph.json: node 'n' (exp): output name 'q.w' is also the name of a weight in "
                  "tiny.safetensors"});
}

TEST_F(FrontendTest, UnknownOpListsSupportedOps) {
  std::string msg = importError(nodes(R"([{"name": "n", "op": "matmull", "inputs": ["x", "q.w"]}])"));
  expectContains(msg, {"graph.json: node 'n' (matmull): unknown op 'matmull'",
                       "did you mean 'matmul'?", "supported ops:", "'add'", "'layer_norm'",
                       "'where'"});
}

TEST_F(FrontendTest, UnknownNodeField) {
  std::string msg =
      importError(nodes(R"([{"name": "n", "op": "relu", "inputs": ["x"], "attribute": {}}])"));
  expectContains(msg, {"graph.json: node 'n' (relu): unknown field 'attribute'",
                       "did you mean 'attributes'?"});
}

TEST_F(FrontendTest, NodeMissingOpOrName) {
  expectContains(importError(nodes(R"([{"name": "n", "inputs": ["x"]}])")),
                 {"graph.json: node 'n': missing required field 'op'"});
  expectContains(importError(nodes(R"([{"op": "relu", "inputs": ["x"]}])")),
                 {"graph.json: nodes[0]: missing required field 'name'"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "relu", "inputs": ["x", 3]}])")),
                 {"graph.json: node 'n' (relu) input 1: expected a name (string), found 3"});
}

//===----------------------------------------------------------------------===//
// Arity and attributes
//===----------------------------------------------------------------------===//

TEST_F(FrontendTest, WrongArity) {
  expectContains(importError(nodes(R"([{"name": "n", "op": "layer_norm", "inputs": ["x", "ln.gamma"]}])")),
                 {"graph.json: node 'n' (layer_norm): expected 3 inputs (x, gamma, beta), found 2"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "attention", "inputs": ["x", "x"],
                                         "attributes": {"num_heads": 2}}])")),
                 {"graph.json: node 'n' (attention): expected 3 or 4 inputs (q, k, v[, mask]), found 2"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "concat", "attributes": {"axis": 0}}])")),
                 {"graph.json: node 'n' (concat): expected at least 1 input", "found 0"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "constant", "inputs": ["x"],
                                         "attributes": {"value": 1}}])")),
                 {"graph.json: node 'n' (constant): expected no inputs, found 1"});
}

TEST_F(FrontendTest, UnknownAttribute) {
  std::string msg = importError(nodes(
      R"([{"name": "n", "op": "matmul", "inputs": ["x", "q.w"], "attributes": {"transposeb": true}}])"));
  expectContains(msg, {"graph.json: node 'n' (matmul): unknown attribute 'transposeb'",
                       "did you mean 'transpose_b'?", "matmul accepts 'transpose_b'"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "relu", "inputs": ["x"],
                                         "attributes": {"alpha": 0.1}}])")),
                 {"node 'n' (relu): unknown attribute 'alpha' (relu takes no attributes)"});
}

TEST_F(FrontendTest, MissingRequiredAttribute) {
  expectContains(importError(nodes(R"([{"name": "n", "op": "reduce_sum", "inputs": ["x"]}])")),
                 {"graph.json: node 'n' (reduce_sum): missing required attribute 'axes'"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "attention", "inputs": ["x", "x", "x"]}])")),
                 {"graph.json: node 'n' (attention): missing required attribute 'num_heads'"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "cast", "inputs": ["x"]}])")),
                 {"graph.json: node 'n' (cast): missing required attribute 'to'"});
}

TEST_F(FrontendTest, WrongAttributeType) {
  expectContains(importError(nodes(R"([{"name": "n", "op": "matmul", "inputs": ["x", "q.w"],
                                         "attributes": {"transpose_b": 1}}])")),
                 {"graph.json: node 'n' (matmul) attribute 'transpose_b': expected true or false, found 1"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "softmax", "inputs": ["x"],
                                         "attributes": {"axis": "last"}}])")),
                 {"graph.json: node 'n' (softmax) attribute 'axis': expected an integer, found \"last\""});
  expectContains(importError(nodes(R"([{"name": "n", "op": "reduce_max", "inputs": ["x"],
                                         "attributes": {"axes": [1, 2.5]}}])")),
                 {"node 'n' (reduce_max) attribute 'axes': expected a list of integers, found 2.5 at index 1"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "layer_norm", "inputs": ["x", "ln.gamma", "ln.beta"],
                                         "attributes": {"eps": "small"}}])")),
                 {"node 'n' (layer_norm) attribute 'eps': expected a number, found \"small\""});
  expectContains(importError(nodes(R"([{"name": "n", "op": "gelu", "inputs": ["x"],
                                         "attributes": {"approximate": "fast"}}])")),
                 {"node 'n' (gelu) attribute 'approximate': expected \"none\" or \"tanh\", found \"fast\""});
  expectContains(importError(nodes(R"([{"name": "n", "op": "cast", "inputs": ["x"],
                                         "attributes": {"to": "bf16"}}])")),
                 {"node 'n' (cast) attribute 'to':", "\"bf16\" is not supported yet"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "relu", "inputs": ["x"], "attributes": [1]}])")),
                 {"node 'n' (relu) field 'attributes': expected an object, found a list"});
}

//===----------------------------------------------------------------------===//
// Shapes and dtypes
//===----------------------------------------------------------------------===//

TEST_F(FrontendTest, MatmulShapeMismatch) {
  std::string msg = importError(nodes(R"([{"name": "n", "op": "matmul", "inputs": ["x", "emb.pos"]}])"));
  expectContains(msg, {"graph.json: node 'n' (matmul) input 1 'emb.pos' (rhs): expected K = 8 in dim 0",
                       "found [4,8]"});
}

TEST_F(FrontendTest, BroadcastMismatch) {
  std::string msg = importError(nodes(R"([{"name": "n", "op": "add", "inputs": ["x", "emb.word"]}])"));
  expectContains(msg, {"graph.json: node 'n' (add) input 1 'emb.word' (rhs): shape [16,8] does not "
                       "broadcast with lhs shape [1,4,8]"});
}

TEST_F(FrontendTest, ElementTypeMismatch) {
  std::string msg = importError(nodes(R"([{"name": "n", "op": "add", "inputs": ["x", "ids"]}])"));
  expectContains(msg, {"graph.json: node 'n' (add) input 1 'ids' (rhs): expected element type f32 "
                       "(as lhs), found i64"});
}

TEST_F(FrontendTest, FloatOperandRequired) {
  expectContains(importError(nodes(R"([{"name": "n", "op": "exp", "inputs": ["ids"]}])")),
                 {"graph.json: node 'n' (exp) input 0 'ids' (input): expected a float tensor (f32), "
                  "found tensor<1x4xi64>"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "embedding", "inputs": ["emb.word", "x"]}])")),
                 {"node 'n' (embedding) input 1 'x' (ids): expected an integer tensor (i64 or i32), "
                  "found tensor<1x4x8xf32>"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "where", "inputs": ["ids", "x", "x"]}])")),
                 {"node 'n' (where) input 0 'ids' (cond): expected a bool tensor (i1)"});
}

TEST_F(FrontendTest, LayerNormGammaShape) {
  std::string msg = importError(nodes(R"([{"name": "n", "op": "layer_norm",
    "inputs": ["x", "emb.pos", "ln.beta"]}])"));
  expectContains(msg, {"graph.json: node 'n' (layer_norm) input 1 'emb.pos' (gamma): expected shape [8]",
                       "found [4,8]"});
}

TEST_F(FrontendTest, AttentionHeadsAndAxes) {
  expectContains(importError(nodes(R"([{"name": "n", "op": "attention", "inputs": ["x", "x", "x"],
                                         "attributes": {"num_heads": 3}}])")),
                 {"graph.json: node 'n' (attention) attribute 'num_heads': expected a positive divisor "
                  "of q dim 2 (8), found 3"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "softmax", "inputs": ["x"],
                                         "attributes": {"axis": 3}}])")),
                 {"node 'n' (softmax) attribute 'axis': 3 is out of range for input of rank 3"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "reduce_mean", "inputs": ["x"],
                                         "attributes": {"axes": [1, -2]}}])")),
                 {"node 'n' (reduce_mean) attribute 'axes': axis -2 appears twice"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "transpose", "inputs": ["x"],
                                         "attributes": {"perm": [0, 1]}}])")),
                 {"node 'n' (transpose) attribute 'perm': expected 3 entries (input rank), found 2"});
}

TEST_F(FrontendTest, ReshapeErrors) {
  expectContains(importError(nodes(R"([{"name": "n", "op": "reshape", "inputs": ["x"],
                                         "attributes": {"shape": [3, -1]}}])")),
                 {"graph.json: node 'n' (reshape) attribute 'shape': cannot infer the -1 in [3,-1]",
                  "32 elements"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "reshape", "inputs": ["x"],
                                         "attributes": {"shape": [4, 4]}}])")),
                 {"node 'n' (reshape) attribute 'shape': expected 32 elements (input [1,4,8]), found 16"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "reshape", "inputs": ["x"],
                                         "attributes": {"shape": [-1, -1]}}])")),
                 {"attribute 'shape': expected at most one -1"});
}

TEST_F(FrontendTest, SliceErrors) {
  expectContains(importError(nodes(R"([{"name": "n", "op": "slice", "inputs": ["x"],
                                         "attributes": {"starts": [3], "ends": [0], "axes": [2], "steps": [-1]}}])")),
                 {"graph.json: node 'n' (slice) attribute 'steps': negative steps are not supported"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "slice", "inputs": ["x"],
                                         "attributes": {"starts": [0, 0], "ends": [1]}}])")),
                 {"node 'n' (slice) attribute 'ends': expected 2 entries (as 'starts'), found 1"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "slice", "inputs": ["x"],
                                         "attributes": {"starts": [5], "ends": [2], "axes": [1]}}])")),
                 {"node 'n' (slice) attribute 'ends': the slice of axis 1 (size 4) is empty"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "slice", "inputs": ["x"],
                                         "attributes": {"starts": [0], "ends": [1], "axes": [3]}}])")),
                 {"node 'n' (slice) attribute 'axes': axis 3 is out of range for input of rank 3"});
}

TEST_F(FrontendTest, SplitErrors) {
  expectContains(importError(nodes(R"([{"name": "n", "op": "split", "inputs": ["x"],
                                         "attributes": {"axis": 2, "sizes": [3, 3]}}])", "[\"n:0\"]")),
                 {"graph.json: node 'n' (split) attribute 'sizes': expected sizes adding up to 8"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "split", "inputs": ["x"],
                                         "attributes": {"axis": 2, "sizes": [4, 4]},
                                         "outputs": ["a", "b", "c"]}])", "[\"a\"]")),
                 {"node 'n' (split) field 'outputs': expected 2 names (one per entry of 'sizes'), found 3"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "relu", "inputs": ["x"],
                                         "outputs": ["a", "b"]}])", "[\"a\"]")),
                 {"node 'n' (relu) field 'outputs': expected 1 name, found 2"});
}

TEST_F(FrontendTest, ConcatExpandCastConstantErrors) {
  expectContains(importError(nodes(R"([{"name": "n", "op": "concat", "inputs": ["x", "emb.pos"],
                                         "attributes": {"axis": 0}}])")),
                 {"graph.json: node 'n' (concat) input 1 'emb.pos': expected f32 shape like [1,4,8] except dim 0"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "expand", "inputs": ["x"],
                                         "attributes": {"shape": [1, 3, 1]}}])")),
                 {"node 'n' (expand) input 0 'x' (input): shape [1,4,8] does not broadcast with "
                  "attribute 'shape' [1,3,1]"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "constant",
                                         "attributes": {"value": [[1, 2], [3]]}}])")),
                 {"node 'n' (constant) attribute 'value': ragged nested list: expected a list of 2 at "
                  "value[1], found a list of 1"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "constant",
                                         "attributes": {"value": [1, 2.5], "dtype": "i64"}}])")),
                 {"node 'n' (constant) attribute 'value': expected an integer (dtype i64) at value[1], "
                  "found 2.5"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "constant",
                                         "attributes": {"value": [1, 2, 3], "shape": [2, 2]}}])")),
                 {"node 'n' (constant) attribute 'shape': expected 3 elements"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "constant",
                                         "attributes": {"value": 3000000000, "dtype": "i32"}}])")),
                 {"node 'n' (constant) attribute 'value': expected an integer in the i32 range"});
  expectContains(importError(nodes(R"([{"name": "n", "op": "constant", "attributes": {"value": []}}])")),
                 {"node 'n' (constant) attribute 'value':", "found an empty list"});
}

TEST_F(FrontendTest, ErrorsUseThePathAsGiven) {
  std::filesystem::create_directories(dir / "models");
  std::filesystem::copy_file(dir / "tiny.safetensors", dir / "models" / "tiny.safetensors");
  std::string msg = importError(nodes(R"([{"name": "n", "op": "relu", "inputs": ["q"]}])"),
                                "models/bert.json");
  expectContains(msg, {"models/bert.json: node 'n' (relu) input 0: 'q' is not"});
}

} // namespace

namespace {

TEST_F(FrontendTest, DeeplyNestedJsonDoesNotCrash) {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  expectContains(importError(nodes(R"([{"name": "n", "op": "constant", "attributes": {"value": )" +
                                   deep + "}}]")),
                 {"graph.json: node 'n' (constant) attribute 'value': lists nested deeper than 16"});
  expectContains(importError(graph("[{\"name\": \"x\", \"shape\": " + deep + "}]", "[]", "[\"x\"]")),
                 {"graph.json: graph input 'x' field 'shape': expected a list of positive integers",
                  "found a list containing a list"});
}

} // namespace
