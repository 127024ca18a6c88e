//===- ImporterInternal.h - Shared pieces of the JSON graph importer -*- C++ -*-===//
//
// Internal to AttuneFrontend. Errors are thrown as ImportError (a complete
// one-line message) and turned into llvm::Error at the API boundary; no
// exception ever crosses MLIR code.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_FRONTEND_LIB_IMPORTERINTERNAL_H
#define ATTUNE_FRONTEND_LIB_IMPORTERINTERNAL_H

#include "attune/Frontend/WeightTable.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace attune {
namespace formats {
struct TensorInfo;
class SafetensorsFile;
} // namespace formats

namespace detail {

using json = nlohmann::json;

/// The importer's only exception: what() is the full message for the user.
struct ImportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void raise(const std::string &msg) { throw ImportError(msg); }

//===----------------------------------------------------------------------===//
// Small formatting helpers (JsonUtil.cpp)
//===----------------------------------------------------------------------===//

/// Short description of a JSON value for "found ..." parts of messages:
/// `"abc"`, `1.5`, `true`, `null`, `a list`, `an object`.
std::string describeJson(const json &j);
/// "tensor<1x8xf32>".
std::string typeToString(mlir::Type t);
/// "[1,8,64]".
std::string shapeToString(llvm::ArrayRef<int64_t> shape);
/// "'a', 'b' or 'c'".
std::string joinQuoted(llvm::ArrayRef<std::string> items, const char *lastSep = " or ");

/// The candidate closest to `name` if it is plausibly a typo of it.
std::optional<std::string> closestMatch(const std::string &name,
                                        const std::vector<std::string> &candidates);
/// " (did you mean 'x'?)" or "".
std::string didYouMean(const std::string &name, const std::vector<std::string> &candidates);

/// An integer that fits int64 (JSON integer, or unsigned <= INT64_MAX).
std::optional<int64_t> asInt64(const json &j);
/// A list of such integers.
std::optional<std::vector<int64_t>> asInt64List(const json &j);

/// Element type names accepted in "dtype" / "to" fields: f32, i64, i32, bool.
/// Throws via `fail` for f16/bf16 ("not supported yet") and unknown names.
mlir::Type parseDType(mlir::MLIRContext *ctx, const json &j,
                      const std::function<void(const std::string &)> &fail);

/// Product of the dims, or std::nullopt if it overflows or exceeds 2^40.
std::optional<int64_t> checkedNumElements(llvm::ArrayRef<int64_t> shape);

//===----------------------------------------------------------------------===//
// Weights (SafetensorsWeights.cpp)
//===----------------------------------------------------------------------===//

/// Element type a safetensors tensor gets in the IR (F16/BF16 -> f32).
mlir::Type weightElementType(mlir::MLIRContext *ctx, const formats::TensorInfo &t);

/// Adds `t` to `table`: a view for F32/I64/I32, an owned F32 copy for F16/BF16.
void addWeightToTable(WeightTable &table, const formats::TensorInfo &t,
                      const std::shared_ptr<formats::SafetensorsFile> &file);

//===----------------------------------------------------------------------===//
// Diagnostics captured while importing
//===----------------------------------------------------------------------===//

struct CapturedDiagnostic {
  mlir::Location loc;
  std::string message;
};

struct DiagnosticLog {
  std::vector<CapturedDiagnostic> diags;
  void clear() { diags.clear(); }
  /// The messages joined with "; " (empty if none).
  std::string joined() const;
};

//===----------------------------------------------------------------------===//
// One node being built (JsonOps.cpp)
//===----------------------------------------------------------------------===//

/// Where a node operand came from.
struct OperandOrigin {
  enum Kind { GraphInput, NodeOutput, Weight } kind = NodeOutput;
  unsigned graphInputIndex = 0; ///< For GraphInput.
};

class NodeContext {
public:
  mlir::OpBuilder &builder;
  mlir::Location loc;
  std::string file;       ///< JSON path, for messages.
  std::string nodeName;   ///< "name" of the node.
  std::string opName;     ///< "op" of the node.
  const json &attributes; ///< The "attributes" object (an empty object if absent).
  std::vector<mlir::Value> inputs;
  std::vector<std::string> inputNames;
  std::vector<OperandOrigin> origins;
  DiagnosticLog &log;
  /// Dialect operand names for messages, e.g. {"lhs", "rhs"} (set by the op table).
  std::vector<std::string> operandNames;
  /// Set by embedding when `ids` is a graph input: (graph input index, table rows).
  std::vector<std::pair<unsigned, int64_t>> maxValueHints;

  NodeContext(mlir::OpBuilder &b, mlir::Location l, std::string f, std::string node, std::string op,
              const json &attrs, DiagnosticLog &lg)
      : builder(b), loc(l), file(std::move(f)), nodeName(std::move(node)), opName(std::move(op)),
        attributes(attrs), log(lg) {}

  mlir::MLIRContext *ctx() const { return builder.getContext(); }

  /// "graph.json: node 'n3' (matmul)".
  std::string prefix() const;
  [[noreturn]] void fail(const std::string &msg) const;
  [[noreturn]] void failInput(size_t i, const std::string &msg) const;
  [[noreturn]] void failAttr(const std::string &key, const std::string &msg) const;

  mlir::RankedTensorType inputType(size_t i) const;

  // Attribute readers (missing required -> error; wrong JSON type -> error).
  bool has(const char *key) const;
  bool getBool(const char *key, bool dflt) const;
  int64_t getInt(const char *key) const;
  int64_t getInt(const char *key, int64_t dflt) const;
  std::optional<float> getOptionalF32(const char *key) const;
  float getF32(const char *key, float dflt) const;
  std::vector<int64_t> getInts(const char *key) const;
  std::optional<std::vector<int64_t>> getOptionalInts(const char *key) const;
  std::string getString(const char *key, const std::string &dflt) const;
  const json &getRequired(const char *key, const char *what) const;

  /// Turns a message captured from an op's type inference ("'attune.matmul'
  /// op rhs: expected ...") into an error naming this node and the JSON input
  /// or attribute, and throws it.
  [[noreturn]] void failFromDiagnostic(const std::string &diag) const;
};

/// Names of the supported ops, sorted.
const std::vector<std::string> &supportedOps();
bool isSupportedOp(const std::string &op);
/// Accepted attribute keys of `op` (empty for unknown ops).
std::vector<std::string> opAttributes(const std::string &op);
/// How many results `op` makes with these attributes (split: sizes.size(),
/// 0 if that cannot be read yet; 1 otherwise).
size_t expectedNumResults(const std::string &op, const json &attributes);

/// Checks arity, attribute keys and operand types, builds the ops of the node
/// and returns its results. Throws ImportError.
std::vector<mlir::Value> buildNode(NodeContext &node);

} // namespace detail
} // namespace attune

#endif // ATTUNE_FRONTEND_LIB_IMPORTERINTERNAL_H
