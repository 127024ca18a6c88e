//===- Interpreter.cpp - Driver and op dispatch of the reference interpreter ===//
//
// interpret(): verifies the function, checks the inputs against the
// argument types, then walks the single block op by op. Before an op runs,
// every operand and result type is checked to be a static tensor of a
// supported element type; after it runs, every result is checked against
// its declared type. A value is dropped after its last use.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::attune;

namespace attune::ref {
namespace {

llvm::Error plainError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// Problem with a value of type `t` ("" if the interpreter can hold it).
std::string unsupportedType(Type t) {
  auto rt = dyn_cast<RankedTensorType>(t);
  if (!rt)
    return "expected a ranked tensor, found " + typeString(t);
  if (!rt.hasStaticShape())
    return "expected a static shape, found " + typeString(t);
  std::optional<ElementType> et = toElementType(rt.getElementType());
  if (!et)
    return "unsupported element type in " + typeString(t);
  if (*et == ElementType::F16 || *et == ElementType::BF16)
    return std::string(elementTypeName(*et)) + " is not supported by the reference interpreter";
  return "";
}

/// "input 1 ("attention_mask")" or "input 1".
std::string argName(func::FuncOp fn, unsigned i) {
  std::string s = "input " + std::to_string(i);
  if (auto name = fn.getArgAttrOfType<StringAttr>(i, "attune.name"))
    s += " (\"" + name.getValue().str() + "\")";
  return s;
}

/// Runs one attune op on its operand tensors.
llvm::Expected<std::vector<Tensor>> evalOp(Operation *op, Operands in,
                                           const WeightTable *weights) {
  using Result = llvm::Expected<std::vector<Tensor>>;
  auto one = [](llvm::Expected<Tensor> t) -> Result {
    if (!t)
      return t.takeError();
    std::vector<Tensor> v;
    v.push_back(std::move(*t));
    return v;
  };
  return llvm::TypeSwitch<Operation *, Result>(op)
      .Case<AddOp, SubOp, MulOp, DivOp, PowOp, MaximumOp, MinimumOp, EqualOp>(
          [&](Operation *o) { return one(evalBinary(o, *in[0], *in[1])); })
      .Case<WhereOp>([&](WhereOp o) { return one(evalWhere(o, in)); })
      .Case<ExpOp, SqrtOp, ErfOp, TanhOp, ReluOp, GeluOp>(
          [&](Operation *o) { return one(evalUnary(o, *in[0])); })
      .Case<CastOp>([&](CastOp o) { return one(evalCast(o, *in[0])); })
      .Case<IsNanOp>([&](IsNanOp o) { return one(evalIsNan(o, *in[0])); })
      .Case<ReduceSumOp, ReduceMeanOp, ReduceMaxOp>([&](auto o) {
        return one(evalReduce(o, *in[0], o.getAxes()));
      })
      .Case<SoftmaxOp>([&](SoftmaxOp o) { return one(evalSoftmax(o, *in[0])); })
      .Case<LayerNormOp>([&](LayerNormOp o) { return one(evalLayerNorm(o, in)); })
      .Case<MatmulOp>([&](MatmulOp o) { return one(evalMatmul(o, *in[0], *in[1])); })
      .Case<FusedMatmulOp>([&](FusedMatmulOp o) { return one(evalFusedMatmul(o, in)); })
      .Case<SkipLayerNormOp>([&](SkipLayerNormOp o) { return evalSkipLayerNorm(o, in); })
      .Case<EmbeddingOp>([&](EmbeddingOp o) { return one(evalEmbedding(o, *in[0], *in[1])); })
      .Case<AttentionOp>([&](AttentionOp o) { return one(evalAttention(o, in)); })
      .Case<ReshapeOp>([&](ReshapeOp o) { return one(evalReshape(o, *in[0])); })
      .Case<TransposeOp>([&](TransposeOp o) { return one(evalTranspose(o, *in[0])); })
      .Case<SliceOp>([&](SliceOp o) { return one(evalSlice(o, *in[0])); })
      .Case<SplitOp>([&](SplitOp o) { return evalSplit(o, *in[0]); })
      .Case<ConcatOp>([&](ConcatOp o) { return one(evalConcat(o, in)); })
      .Case<ExpandOp>([&](ExpandOp o) { return one(evalExpand(o, *in[0])); })
      .Case<ConstantOp>([&](ConstantOp o) { return one(evalConstant(o)); })
      .Case<WeightOp>([&](WeightOp o) { return one(evalWeight(o, weights)); })
      .Default([&](Operation *o) -> Result {
        return opError(o, "op '" + o->getName().getStringRef() +
                              "' is not supported by the reference interpreter");
      });
}

} // namespace

llvm::Expected<std::vector<Tensor>> interpret(func::FuncOp fn, llvm::ArrayRef<Tensor> inputs,
                                              const WeightTable *weights) {
  std::string fnName = "@" + fn.getSymName().str();
  if (fn.isExternal())
    return plainError("function " + fnName + " has no body");
  {
    // Kernels rely on the verified shape rules: verify first, collecting the
    // diagnostics into the error instead of printing them.
    std::string diags;
    ScopedDiagnosticHandler handler(fn.getContext(), [&](Diagnostic &d) {
      diags += "\n  " + locString(d.getLocation()) + ": " + d.str();
      return success();
    });
    if (failed(mlir::verify(fn)))
      return plainError("function " + fnName + " failed verification:" + diags);
  }
  if (!fn.getBody().hasOneBlock())
    return plainError("function " + fnName + ": expected a single block, found " +
                      llvm::Twine(fn.getBody().getBlocks().size()));
  Block &block = fn.getBody().front();

  // Inputs.
  if (inputs.size() != block.getNumArguments())
    return plainError("function " + fnName + ": expected " +
                      llvm::Twine(block.getNumArguments()) + " inputs, found " +
                      llvm::Twine(inputs.size()));
  llvm::DenseMap<Value, Tensor> env;
  for (unsigned i = 0; i < block.getNumArguments(); ++i) {
    Type t = block.getArgument(i).getType();
    if (std::string why = unsupportedType(t); !why.empty())
      return plainError(argName(fn, i) + ": " + why);
    const Tensor &in = inputs[i];
    std::string expected = typeString(t);
    if (in.typeString() != expected)
      return plainError(argName(fn, i) + ": expected " + expected + ", found " +
                        in.typeString());
    if (in.data.size() != in.byteSize())
      return plainError(argName(fn, i) + ": expected " + llvm::Twine(in.byteSize()) +
                        " bytes of data for " + expected + ", found " +
                        llvm::Twine(in.data.size()));
    Tensor copy = in;
    if (copy.type == ElementType::Bool)
      for (uint8_t &b : copy.data)
        b = b ? 1 : 0;
    env[block.getArgument(i)] = std::move(copy);
  }

  // Last use of every value, to free it afterwards.
  llvm::DenseMap<Value, Operation *> lastUse;
  for (Operation &op : block)
    for (Value v : op.getOperands())
      lastUse[v] = &op;

  for (Operation &opRef : block) {
    Operation *op = &opRef;
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      std::vector<Tensor> results;
      for (Value v : ret.getOperands())
        results.push_back(env.lookup(v));
      return results;
    }
    Dialect *dialect = op->getDialect(); // null for unregistered ops
    if (!dialect || !isa<AttuneDialect>(dialect) || isa<ParallelForOp, ParallelYieldOp>(op) ||
        op->getNumRegions() != 0)
      return opError(op, "op '" + op->getName().getStringRef() +
                             "' is not supported by the reference interpreter");
    for (auto [kind, types] : {std::pair<const char *, TypeRange>{"operand", op->getOperandTypes()},
                               std::pair<const char *, TypeRange>{"result", op->getResultTypes()}})
      for (auto [i, t] : llvm::enumerate(types))
        if (std::string why = unsupportedType(t); !why.empty())
          return opError(op, std::string(kind) + " " + std::to_string(i) + ": " + why);

    std::vector<const Tensor *> in;
    for (Value v : op->getOperands()) {
      auto it = env.find(v);
      if (it == env.end())
        return opError(op, "operand has no value (defined outside the function body?)");
      in.push_back(&it->second);
    }
    llvm::Expected<std::vector<Tensor>> out = evalOp(op, in, weights);
    if (!out)
      return out.takeError();
    if (out->size() != op->getNumResults())
      return opError(op, "internal error: produced " + llvm::Twine(out->size()) +
                             " results, expected " + llvm::Twine(op->getNumResults()));
    for (unsigned i = 0; i < op->getNumResults(); ++i) {
      const Tensor &t = (*out)[i];
      std::string expected = typeString(op->getResult(i).getType());
      if (t.typeString() != expected || t.data.size() != t.byteSize())
        return opError(op, "internal error: result " + llvm::Twine(i) + " is " + t.typeString() +
                               ", expected " + expected);
    }
    for (Value v : op->getOperands())
      if (lastUse.lookup(v) == op)
        env.erase(v);
    for (unsigned i = 0; i < op->getNumResults(); ++i)
      env[op->getResult(i)] = std::move((*out)[i]);
  }
  return plainError("function " + fnName + ": the body does not end with func.return");
}

} // namespace attune::ref
