//===- RefTestUtil.h - Fixture of the reference interpreter tests -*- C++ -*-===//
//
// RefTest parses a module from MLIR text (attune + func dialects), runs its
// first func.func through attune::ref::interpret and offers value checks.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TESTS_REFTESTUTIL_H
#define ATTUNE_TESTS_REFTESTUTIL_H

#include "attune/IR/AttuneDialect.h"
#include "attune/Reference/Interpreter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace attune::ref::test {

class RefTest : public ::testing::Test {
protected:
  RefTest() {
    ctx.loadDialect<mlir::attune::AttuneDialect, mlir::func::FuncDialect>();
    ctx.allowUnregisteredDialects();
  }

  /// Parses `src` (a module body) and returns its first function (null on
  /// parse failure, with a test failure recorded).
  mlir::func::FuncOp parse(const std::string &src) {
    module = mlir::parseSourceString<mlir::ModuleOp>(src, &ctx);
    if (!module) {
      ADD_FAILURE() << "cannot parse:\n" << src;
      return nullptr;
    }
    auto fns = module->getOps<mlir::func::FuncOp>();
    if (fns.empty()) {
      ADD_FAILURE() << "no func.func in:\n" << src;
      return nullptr;
    }
    return *fns.begin();
  }

  /// Runs `src`'s function; records a failure (and returns {}) on error.
  std::vector<Tensor> run(const std::string &src, std::vector<Tensor> inputs,
                          const WeightTable *weights = nullptr) {
    mlir::func::FuncOp fn = parse(src);
    if (!fn)
      return {};
    auto r = interpret(fn, inputs, weights);
    if (!r) {
      ADD_FAILURE() << "interpret failed: " << llvm::toString(r.takeError());
      return {};
    }
    return std::move(*r);
  }

  /// Runs `src`'s function expecting an error; returns its message.
  std::string runError(const std::string &src, std::vector<Tensor> inputs,
                       const WeightTable *weights = nullptr) {
    mlir::func::FuncOp fn = parse(src);
    if (!fn)
      return "<parse failure>";
    auto r = interpret(fn, inputs, weights);
    if (r) {
      ADD_FAILURE() << "expected an error, got " << r->size() << " result(s)";
      return "";
    }
    return llvm::toString(r.takeError());
  }

  mlir::MLIRContext ctx;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

/// Float values of an f32 tensor.
inline std::vector<float> f32s(const Tensor &t) {
  EXPECT_EQ(t.type, ElementType::F32);
  return std::vector<float>(t.f32(), t.f32() + t.numElements());
}
inline std::vector<int64_t> i64s(const Tensor &t) {
  EXPECT_EQ(t.type, ElementType::I64);
  return std::vector<int64_t>(t.i64(), t.i64() + t.numElements());
}
inline std::vector<int32_t> i32s(const Tensor &t) {
  EXPECT_EQ(t.type, ElementType::I32);
  return std::vector<int32_t>(t.i32(), t.i32() + t.numElements());
}
inline std::vector<int> bools(const Tensor &t) {
  EXPECT_EQ(t.type, ElementType::Bool);
  return std::vector<int>(t.i1(), t.i1() + t.numElements());
}

/// Shape and every value within `tol` (absolute + relative).
inline void expectClose(const Tensor &t, std::vector<int64_t> shape,
                        const std::vector<double> &expected, double tol = 1e-6) {
  EXPECT_EQ(t.shape, shape);
  ASSERT_EQ(t.type, ElementType::F32);
  ASSERT_EQ(t.numElements(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(t.f32()[i], expected[i], tol * (1.0 + std::abs(expected[i])))
        << "at flat index " << i;
}

/// Bitwise equality of two float values (distinguishes -0/+0, NaN payloads aside).
inline bool sameFloat(float a, float b) {
  if (std::isnan(a) || std::isnan(b))
    return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof(float)) == 0;
}

} // namespace attune::ref::test

#endif
