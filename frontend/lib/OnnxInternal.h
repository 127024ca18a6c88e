//===- OnnxInternal.h - Shared pieces of the ONNX importer -----*- C++ -*-===//
//
// Internal to AttuneFrontend. The importer walks the ONNX graph in
// topological order keeping, for every ONNX value name, an OValue: its static
// tensor type, and either a host constant (HostTensor: initializers, Constant
// nodes, folded shape arithmetic) or an MLIR value (or both, once a constant
// has been materialized as attune.constant / attune.weight). Op builders
// (OnnxOps.cpp, OnnxShapeOps.cpp) fold when every input they need is a
// constant and emit attune ops otherwise.
//
// Errors are thrown as OnnxError (the complete one-line message) and turned
// into llvm::Error at the API boundary (OnnxImporter.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_FRONTEND_LIB_ONNXINTERNAL_H
#define ATTUNE_FRONTEND_LIB_ONNXINTERNAL_H

#include "attune/Frontend/OnnxImporter.h"
#include "attune/Frontend/WeightTable.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <string>
#include <vector>

namespace attune::onnx_import {

struct OnnxError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
[[noreturn]] inline void raise(const std::string &msg) { throw OnnxError(msg); }

//===----------------------------------------------------------------------===//
// Element types and host tensors (OnnxTensor.cpp)
//===----------------------------------------------------------------------===//

using DT = onnx::TensorProto_DataType;

/// "FLOAT", "INT64", ... (ONNX's names).
std::string dtypeName(int32_t dt);
/// Bytes per element of a fixed-size type, 0 for others (STRING, ...).
size_t dtypeSize(int32_t dt);
bool isFloatDT(int32_t dt);
bool isIntDT(int32_t dt);
/// The IR element type of an ONNX type, or null when Attune has none
/// (DOUBLE, INT8, UINT8, ..., STRING).
mlir::Type irElementType(mlir::MLIRContext *ctx, int32_t dt);
/// Inverse of irElementType.
int32_t dtypeOf(mlir::Type elem);
/// "[1,8,64]".
std::string shapeStr(llvm::ArrayRef<int64_t> shape);
/// d truncated toward zero, saturated to the int64 range (NaN -> 0).
int64_t toInt64(double d);
/// Product of dims; std::nullopt on overflow or more than 2^40 elements.
std::optional<int64_t> numElementsChecked(llvm::ArrayRef<int64_t> shape);

/// A dense row-major tensor held on the host (little-endian elements of
/// `dtype`). Cheap to copy: the bytes are shared.
struct HostTensor {
  int32_t dtype = DT::TensorProto_DataType_FLOAT;
  std::vector<int64_t> shape;
  std::shared_ptr<const std::vector<uint8_t>> bytes;

  int64_t numel() const;
  const uint8_t *data() const { return bytes->data(); }
  /// Element i as double (any numeric/bool type).
  double getF(int64_t i) const;
  /// Element i as int64 (floats truncated toward zero).
  int64_t getI(int64_t i) const;
  /// Every element as int64.
  std::vector<int64_t> ints() const;
};

/// New tensor of `dtype`/`shape`, elements from `f(i)` (stored as dtype).
HostTensor makeHost(int32_t dtype, std::vector<int64_t> shape,
                    const std::function<double(int64_t)> &f);
HostTensor makeHostInts(int32_t dtype, std::vector<int64_t> shape,
                        const std::function<int64_t(int64_t)> &f);
HostTensor makeI64(const std::vector<int64_t> &values, std::vector<int64_t> shape);
/// Same elements, other shape.
HostTensor reshaped(const HostTensor &t, std::vector<int64_t> shape);
/// Elements gathered: out[i] = t[index(i)].
HostTensor gatherHost(const HostTensor &t, std::vector<int64_t> shape,
                      const std::function<int64_t(int64_t)> &index);

/// Decodes a TensorProto (raw_data, typed fields or external data under
/// `baseDir`). `what` names it in messages ("initializer 'w'", "node 'n'
/// (Constant) attribute 'value'").
HostTensor decodeTensor(const onnx::TensorProto &t, const std::string &baseDir,
                        const std::string &what);

/// The DenseElementsAttr of a host tensor (type from irElementType).
mlir::DenseElementsAttr toAttr(mlir::MLIRContext *ctx, const HostTensor &t);

/// Row-major strides.
std::vector<int64_t> stridesOf(llvm::ArrayRef<int64_t> shape);
/// NumPy broadcast, std::nullopt when incompatible.
std::optional<std::vector<int64_t>> broadcast(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);
/// Flat index into `in` (broadcast to `out`) of the flat output index `o`.
int64_t broadcastIndex(int64_t o, llvm::ArrayRef<int64_t> out, llvm::ArrayRef<int64_t> in);

//===----------------------------------------------------------------------===//
// Values and nodes
//===----------------------------------------------------------------------===//

struct OValue {
  mlir::RankedTensorType type;
  /// Known at compile time (initializer, Constant, folded).
  std::optional<HostTensor> constant;
  /// The IR value (null until a constant is needed at run time).
  mlir::Value value;
  /// Initializer name (the weight's name when materialized as attune.weight).
  std::string initializer;
  /// Index of the function argument when this is a graph input.
  int argIndex = -1;
};

class Importer;

/// One ONNX node being imported.
class NodeCtx {
public:
  NodeCtx(Importer &imp, const onnx::NodeProto &node, std::string name, mlir::Location loc,
          std::vector<OValue *> inputs);

  Importer &imp;
  const onnx::NodeProto &node;
  std::string name; ///< node name (or a generated one)
  mlir::Location loc;
  std::vector<OValue *> inputs; ///< nullptr for omitted optional inputs ("")
  int64_t opset;

  mlir::OpBuilder &b();
  mlir::MLIRContext *ctx();
  const std::string &op() const { return node.op_type(); }

  /// "FILE: node 'NAME' (OpType)".
  std::string prefix() const;
  [[noreturn]] void fail(const std::string &msg) const;
  [[noreturn]] void failInput(size_t i, const std::string &msg) const;
  [[noreturn]] void failAttr(const std::string &attr, const std::string &msg) const;
  /// Reported as "not supported" (unsupported operator / feature / type).
  [[noreturn]] void unsupported(const std::string &msg) const;

  size_t numInputs() const { return inputs.size(); }
  bool hasInput(size_t i) const { return i < inputs.size() && inputs[i]; }
  OValue &in(size_t i) const; ///< required input (error if missing)
  mlir::RankedTensorType type(size_t i) const { return in(i).type; }
  llvm::ArrayRef<int64_t> shape(size_t i) const { return in(i).type.getShape(); }
  int64_t rank(size_t i) const { return in(i).type.getRank(); }
  int32_t dtype(size_t i) const;
  /// The input's constant, or nullptr.
  const HostTensor *constant(size_t i) const;
  /// The input's constant; fails ("must be a compile-time constant") if not.
  const HostTensor &requireConstant(size_t i, const char *what) const;
  /// The IR value of input i (materializing a constant).
  mlir::Value value(size_t i);
  bool allConstant() const;

  // Attributes.
  const onnx::AttributeProto *attr(const char *name) const;
  int64_t attrInt(const char *name, int64_t dflt) const;
  float attrFloat(const char *name, float dflt) const;
  std::string attrString(const char *name, const std::string &dflt) const;
  std::optional<std::vector<int64_t>> attrInts(const char *name) const;

  /// Normalized axis in [0, rank) or error naming `what`.
  int64_t axis(int64_t a, int64_t rank, const char *what) const;

  // Building ops: result type from the op's own inference, checked before
  // creation (a failure becomes an error naming this node).
  template <typename OpT>
  mlir::Value create(mlir::ValueRange operands, llvm::ArrayRef<mlir::NamedAttribute> attrs = {});
  template <typename OpT>
  llvm::SmallVector<mlir::Value> createMulti(mlir::ValueRange operands,
                                             llvm::ArrayRef<mlir::NamedAttribute> attrs = {});
  template <typename OpT>
  mlir::Value createTyped(mlir::Type type, mlir::ValueRange operands,
                          llvm::ArrayRef<mlir::NamedAttribute> attrs = {});

  // Small IR helpers.
  mlir::Value constantOf(const HostTensor &t);
  /// A rank-0 constant of `elem` holding `v`.
  mlir::Value scalar(mlir::Type elem, double v);
  mlir::Value reshape(mlir::Value v, llvm::ArrayRef<int64_t> shape);
  mlir::Value cast(mlir::Value v, mlir::Type elem);
  mlir::Value transpose(mlir::Value v, llvm::ArrayRef<int64_t> perm);
  mlir::Value slice(mlir::Value v, llvm::ArrayRef<int64_t> starts, llvm::ArrayRef<int64_t> ends,
                    llvm::ArrayRef<int64_t> steps);
  mlir::NamedAttribute named(const char *n, mlir::Attribute a);

  // Results.
  OValue result(mlir::Value v) const;
  OValue result(HostTensor t) const;

private:
  llvm::SmallVector<mlir::Type> infer(llvm::function_ref<mlir::LogicalResult(
                                          llvm::SmallVectorImpl<mlir::Type> &)>
                                          run);
};

/// Builds one node: returns its outputs in order (fewer than the node lists
/// is allowed only where ONNX outputs are optional). Throws OnnxError.
using OpBuilderFn = std::vector<OValue> (*)(NodeCtx &);

struct OpInfo {
  const char *name;
  OpBuilderFn build;
};
/// The operator table (OnnxOps.cpp + OnnxShapeOps.cpp).
const std::vector<OpInfo> &computeOps();
const std::vector<OpInfo> &shapeOps();

/// Elementwise host evaluation with broadcasting (folding).
HostTensor foldBinary(const HostTensor &a, const HostTensor &b, int32_t outType,
                      const std::function<double(double, double)> &f);

/// Largest constant (elements) folded on the host.
constexpr int64_t kMaxFoldElements = int64_t(1) << 20;

//===----------------------------------------------------------------------===//
// The importer (OnnxImporter.cpp)
//===----------------------------------------------------------------------===//

class Importer {
public:
  Importer(mlir::MLIRContext &ctx, std::string path, const OnnxImportOptions &options,
           OnnxImportInfo &info);
  ImportedModel run(const void *data, size_t size);

  /// Materializes a constant as attune.constant, or attune.weight for big
  /// floats and initializers.
  mlir::Value materialize(OValue &v, mlir::Location loc);
  /// Registers a graph input used directly as embedding ids (max_value hint).
  void hintMaxValue(const OValue &ids, int64_t rows);

  mlir::MLIRContext &ctx;
  mlir::OpBuilder builder;
  std::string path;    ///< for messages
  std::string baseDir; ///< external data
  int64_t opset = 0;
  /// Diagnostics captured while inferring types (last message wins).
  std::vector<std::string> diags;

private:
  const OnnxImportOptions &options_;
  OnnxImportInfo &info_;
  WeightTable weights_;
  std::map<int, int64_t> maxValue_;
  int weightCounter_ = 0;

  friend class GraphWalker;
};

//===----------------------------------------------------------------------===//
// NodeCtx templates
//===----------------------------------------------------------------------===//

template <typename OpT>
llvm::SmallVector<mlir::Value> NodeCtx::createMulti(mlir::ValueRange operands,
                                                    llvm::ArrayRef<mlir::NamedAttribute> attrs) {
  mlir::MLIRContext *c = ctx();
  mlir::DictionaryAttr dict = mlir::DictionaryAttr::get(c, attrs);
  using Props = typename OpT::template InferredProperties<OpT>;
  Props props{};
  llvm::SmallVector<mlir::Type> types =
      infer([&](llvm::SmallVectorImpl<mlir::Type> &out) -> mlir::LogicalResult {
        if constexpr (!std::is_same_v<Props, mlir::EmptyProperties>) {
          if (mlir::failed(OpT::setPropertiesFromAttr(
                  props, dict, [&] { return mlir::emitError(loc); })))
            return mlir::failure();
        }
        return OpT::inferReturnTypes(c, loc, operands, dict, mlir::OpaqueProperties(&props),
                                     mlir::RegionRange(), out);
      });
  mlir::Operation *op =
      b().create<OpT>(loc, mlir::TypeRange(types), operands, attrs).getOperation();
  return llvm::SmallVector<mlir::Value>(op->result_begin(), op->result_end());
}

template <typename OpT>
mlir::Value NodeCtx::create(mlir::ValueRange operands, llvm::ArrayRef<mlir::NamedAttribute> attrs) {
  return createMulti<OpT>(operands, attrs)[0];
}

template <typename OpT>
mlir::Value NodeCtx::createTyped(mlir::Type type, mlir::ValueRange operands,
                                 llvm::ArrayRef<mlir::NamedAttribute> attrs) {
  return b().create<OpT>(loc, mlir::TypeRange{type}, operands, attrs)->getResult(0);
}

} // namespace attune::onnx_import

#endif // ATTUNE_FRONTEND_LIB_ONNXINTERNAL_H
