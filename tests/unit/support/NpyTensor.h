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
#include <algorithm>
#include <cmath>
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

/// The smallest cosine similarity between matching rows of two f32 [rows, dim]
/// tensors (sentence embeddings).
inline double minRowCosine(const ref::Tensor &got, const ref::Tensor &expected) {
  int64_t rows = expected.shape[0], dim = expected.shape[1];
  double minCos = 1;
  for (int64_t i = 0; i < rows; ++i) {
    double dot = 0, na = 0, nb = 0;
    for (int64_t j = 0; j < dim; ++j) {
      double a = got.f32()[i * dim + j], b = expected.f32()[i * dim + j];
      dot += a * b;
      na += a * a;
      nb += b * b;
    }
    minCos = std::min(minCos, dot / std::sqrt(na * nb));
  }
  return minCos;
}

} // namespace attune::test_support

#endif
