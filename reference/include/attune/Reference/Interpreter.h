//===- Interpreter.h - Reference interpreter of the attune dialect -*- C++ -*-===//
//
// A plain, op-by-op evaluator of a func.func made of attune ops. It is the
// ground truth the tests compare every compiled kernel with, so it favours
// obviously correct loops over speed. Semantics (matching the CPU lowering
// in codegen/lib/AttuneToLinalg):
//   - float math is done in float, except that reductions (reduce_*, the
//     sums of softmax and layer_norm) and the sums of matmul and attention
//     accumulate in double and are rounded to float once at the end;
//   - max (reduce_max, softmax, relu) is IEEE maximum: NaN propagates,
//     +0 > -0;
//   - integer add/sub/mul wrap (two's complement); integer div truncates
//     toward zero, division by zero or INT_MIN / -1 is an error;
//   - cast float -> int truncates toward zero and clamps out-of-range values
//     to the integer range (NaN -> 0); anything -> i1 is `x != 0`;
//   - attention sets masked scores to the lowest finite float (-FLT_MAX).
// Supported element types: f32, i64, i32, i1. f16/bf16 are rejected.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_REFERENCE_INTERPRETER_H
#define ATTUNE_REFERENCE_INTERPRETER_H

#include "attune/Frontend/WeightTable.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attune::ref {

/// A dense row-major tensor. `data` holds numElements() elements of
/// elementSize(type) bytes each (i1: one byte, 0 or 1).
struct Tensor {
  ElementType type = ElementType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;

  /// Product of the dims (1 for a rank-0 tensor).
  int64_t numElements() const;
  /// numElements() * elementSize(type).
  size_t byteSize() const { return static_cast<size_t>(numElements()) * elementSize(type); }
  /// "f32[1,8,64]" (rank 0: "f32[]").
  std::string typeString() const;

  /// Typed views of `data`; the caller must use the one matching `type`.
  float *f32() { return reinterpret_cast<float *>(data.data()); }
  const float *f32() const { return reinterpret_cast<const float *>(data.data()); }
  int64_t *i64() { return reinterpret_cast<int64_t *>(data.data()); }
  const int64_t *i64() const { return reinterpret_cast<const int64_t *>(data.data()); }
  int32_t *i32() { return reinterpret_cast<int32_t *>(data.data()); }
  const int32_t *i32() const { return reinterpret_cast<const int32_t *>(data.data()); }
  uint8_t *i1() { return data.data(); }
  const uint8_t *i1() const { return data.data(); }

  /// A zero-filled tensor of `type` and `shape`.
  static Tensor zeros(ElementType type, std::vector<int64_t> shape);
  /// Tensors with the given values (values.size() must equal the element count).
  static Tensor fromF32(std::vector<int64_t> shape, llvm::ArrayRef<float> values);
  static Tensor fromI64(std::vector<int64_t> shape, llvm::ArrayRef<int64_t> values);
  static Tensor fromI32(std::vector<int64_t> shape, llvm::ArrayRef<int32_t> values);
  static Tensor fromBool(std::vector<int64_t> shape, llvm::ArrayRef<bool> values);
};

/// Runs `fn` (attune dialect, static shapes, may contain attune.weight ops)
/// on `inputs` (one per function argument, in order, with exactly the
/// argument's element type and shape). attune.weight ops read `weights` by
/// name (dtype and shape must match the op's type; `weights` may be null when
/// the function has no weight ops). Returns the operands of func.return in
/// order. Every error names the op (with its location) or the argument / weight
/// at fault, and what was expected vs found.
llvm::Expected<std::vector<Tensor>> interpret(mlir::func::FuncOp fn,
                                              llvm::ArrayRef<Tensor> inputs,
                                              const attune::WeightTable *weights);

} // namespace attune::ref

#endif // ATTUNE_REFERENCE_INTERPRETER_H
