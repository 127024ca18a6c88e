//===- OnnxNodeCtx.cpp - One ONNX node being imported --------------------===//
//
// NodeCtx: access to a node's inputs (constants or IR values), attributes
// and the messages that name the node ("FILE: node 'NAME' (OpType) ..."),
// plus the small IR helpers the operator builders share (reshape, cast,
// transpose, slice, constants). Type inference failures of the attune ops
// are turned into errors naming the node.
//
//===----------------------------------------------------------------------===//
#include "OnnxInternal.h"

#include "attune/IR/AttuneOps.h"

using namespace mlir;

namespace attune::onnx_import {

//===----------------------------------------------------------------------===//
// NodeCtx (non-template parts)
//===----------------------------------------------------------------------===//

NodeCtx::NodeCtx(Importer &imp, const onnx::NodeProto &node, std::string name, Location loc,
                 std::vector<OValue *> inputs)
    : imp(imp), node(node), name(std::move(name)), loc(loc), inputs(std::move(inputs)),
      opset(imp.opset) {}

OpBuilder &NodeCtx::b() { return imp.builder; }
MLIRContext *NodeCtx::ctx() { return &imp.ctx; }

std::string NodeCtx::prefix() const {
  return imp.path + ": node '" + name + "' (" + node.op_type() + ")";
}
void NodeCtx::fail(const std::string &msg) const { raise(prefix() + ": " + msg); }
void NodeCtx::failInput(size_t i, const std::string &msg) const {
  std::string n = i < static_cast<size_t>(node.input_size()) ? node.input(i) : "";
  raise(prefix() + " input " + std::to_string(i) + (n.empty() ? "" : " '" + n + "'") + ": " + msg);
}
void NodeCtx::failAttr(const std::string &a, const std::string &msg) const {
  raise(prefix() + " attribute '" + a + "': " + msg);
}
void NodeCtx::unsupported(const std::string &msg) const {
  raise(prefix() + ": not supported: " + msg);
}

OValue &NodeCtx::in(size_t i) const {
  if (!hasInput(i))
    fail("expected input " + std::to_string(i) + ", found " +
         (i < inputs.size() ? "an empty name" : "only " + std::to_string(inputs.size()) +
                                                    " inputs"));
  return *inputs[i];
}

int32_t NodeCtx::dtype(size_t i) const { return dtypeOf(type(i).getElementType()); }

const HostTensor *NodeCtx::constant(size_t i) const {
  if (!hasInput(i) || !inputs[i]->constant)
    return nullptr;
  return &*inputs[i]->constant;
}

const HostTensor &NodeCtx::requireConstant(size_t i, const char *what) const {
  const HostTensor *c = constant(i);
  if (!c)
    failInput(i, std::string("the ") + what +
                     " must be a compile-time constant (an initializer, a Constant or shape "
                     "arithmetic of static shapes), found a value computed at run time");
  return *c;
}

Value NodeCtx::value(size_t i) {
  OValue &v = in(i);
  if (!v.value)
    imp.materialize(v, loc);
  return v.value;
}

bool NodeCtx::allConstant() const {
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i] && !inputs[i]->constant)
      return false;
  return true;
}

const onnx::AttributeProto *NodeCtx::attr(const char *n) const {
  for (const auto &a : node.attribute())
    if (a.name() == n)
      return &a;
  return nullptr;
}

int64_t NodeCtx::attrInt(const char *n, int64_t dflt) const {
  const onnx::AttributeProto *a = attr(n);
  if (!a)
    return dflt;
  if (a->type() != onnx::AttributeProto_AttributeType_INT && !a->has_i())
    failAttr(n, "expected an integer (INT), found " +
                    onnx::AttributeProto_AttributeType_Name(a->type()));
  return a->i();
}

float NodeCtx::attrFloat(const char *n, float dflt) const {
  const onnx::AttributeProto *a = attr(n);
  if (!a)
    return dflt;
  if (a->type() != onnx::AttributeProto_AttributeType_FLOAT && !a->has_f())
    failAttr(n, "expected a float (FLOAT), found " +
                    onnx::AttributeProto_AttributeType_Name(a->type()));
  return a->f();
}

std::string NodeCtx::attrString(const char *n, const std::string &dflt) const {
  const onnx::AttributeProto *a = attr(n);
  if (!a)
    return dflt;
  if (a->type() != onnx::AttributeProto_AttributeType_STRING && !a->has_s())
    failAttr(n, "expected a string (STRING), found " +
                    onnx::AttributeProto_AttributeType_Name(a->type()));
  return a->s();
}

std::optional<std::vector<int64_t>> NodeCtx::attrInts(const char *n) const {
  const onnx::AttributeProto *a = attr(n);
  if (!a)
    return std::nullopt;
  if (a->type() != onnx::AttributeProto_AttributeType_INTS &&
      !(a->type() == onnx::AttributeProto_AttributeType_UNDEFINED && a->ints_size()))
    failAttr(n, "expected a list of integers (INTS), found " +
                    onnx::AttributeProto_AttributeType_Name(a->type()));
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

int64_t NodeCtx::axis(int64_t a, int64_t r, const char *what) const {
  int64_t n = a < 0 ? a + r : a;
  if (n < 0 || n >= r)
    fail(std::string(what) + " " + std::to_string(a) + " is out of range for rank " +
         std::to_string(r));
  return n;
}

SmallVector<Type>
NodeCtx::infer(llvm::function_ref<LogicalResult(SmallVectorImpl<Type> &)> run) {
  imp.diags.clear();
  SmallVector<Type> types;
  if (failed(run(types))) {
    std::string msg = imp.diags.empty() ? "type inference failed" : imp.diags.back();
    if (!msg.empty() && msg[0] == '\'') { // "'attune.matmul' op rhs: ..." -> "attune.matmul: rhs: ..."
      size_t p = msg.find("' op ");
      if (p != std::string::npos)
        msg = msg.substr(1, p - 1) + ": " + msg.substr(p + 5);
    }
    fail(msg);
  }
  return types;
}

NamedAttribute NodeCtx::named(const char *n, Attribute a) { return b().getNamedAttr(n, a); }

Value NodeCtx::constantOf(const HostTensor &t) {
  OValue v;
  v.constant = t;
  Type e = irElementType(ctx(), t.dtype);
  if (!e)
    unsupported("constant of element type " + dtypeName(t.dtype));
  v.type = RankedTensorType::get(t.shape, e);
  return imp.materialize(v, loc);
}

Value NodeCtx::scalar(Type elem, double x) {
  return constantOf(makeHost(dtypeOf(elem), {}, [&](int64_t) { return x; }));
}

Value NodeCtx::reshape(Value v, llvm::ArrayRef<int64_t> shape) {
  auto t = llvm::cast<RankedTensorType>(v.getType());
  if (t.getShape() == shape)
    return v;
  return createTyped<mlir::attune::ReshapeOp>(RankedTensorType::get(shape, t.getElementType()),
                                              {v});
}

Value NodeCtx::cast(Value v, Type elem) {
  auto t = llvm::cast<RankedTensorType>(v.getType());
  if (t.getElementType() == elem)
    return v;
  return createTyped<mlir::attune::CastOp>(RankedTensorType::get(t.getShape(), elem), {v});
}

Value NodeCtx::transpose(Value v, llvm::ArrayRef<int64_t> perm) {
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i)
    identity &= perm[i] == static_cast<int64_t>(i);
  if (identity)
    return v;
  return create<mlir::attune::TransposeOp>({v}, {named("perm", b().getDenseI64ArrayAttr(perm))});
}

Value NodeCtx::slice(Value v, llvm::ArrayRef<int64_t> starts, llvm::ArrayRef<int64_t> ends,
                     llvm::ArrayRef<int64_t> steps) {
  return create<mlir::attune::SliceOp>({v}, {named("starts", b().getDenseI64ArrayAttr(starts)),
                                             named("ends", b().getDenseI64ArrayAttr(ends)),
                                             named("steps", b().getDenseI64ArrayAttr(steps))});
}

OValue NodeCtx::result(Value v) const {
  OValue o;
  o.value = v;
  o.type = llvm::cast<RankedTensorType>(v.getType());
  return o;
}

OValue NodeCtx::result(HostTensor t) const {
  OValue o;
  Type e = irElementType(&imp.ctx, t.dtype);
  if (!e)
    unsupported("a result of element type " + dtypeName(t.dtype));
  o.type = RankedTensorType::get(t.shape, e);
  o.constant = std::move(t);
  return o;
}

} // namespace attune::onnx_import
