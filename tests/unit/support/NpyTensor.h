//===- tests/unit/support/NpyTensor.h - .npy fixtures as reference tensors ===//
//
// Shared by the model tests (Hugging Face, ONNX, multi-entry): reads a
// fixture .npy (float32, int32 or int64) into a ref::Tensor, failing the
// current test with the reader's message when it cannot.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TESTS_SUPPORT_NPYTENSOR_H
#define ATTUNE_TESTS_SUPPORT_NPYTENSOR_H

#include "attune/Reference/Interpreter.h"
#include "attune/formats/Npy.h"

#include <gtest/gtest.h>
#include <string>

namespace attune::test_support {

inline ref::Tensor readNpyTensor(const std::string &path) {
  formats::NpyArray a;
  std::string error;
  EXPECT_TRUE(formats::readNpy(path, a, error)) << error;
  ElementType t = a.dtype == formats::NpyDType::I64   ? ElementType::I64
                  : a.dtype == formats::NpyDType::I32 ? ElementType::I32
                                                      : ElementType::F32;
  return ref::Tensor{t, a.shape, a.data};
}

} // namespace attune::test_support

#endif
