//===- Linalg.cpp - Reference semantics of matmul, embedding, attention ---===//
//
//   matmul    : out[..., m, n] = sum_k lhs[..., m, k] * rhs[..., k, n]
//               (rhs[..., n, k] with transpose_b); batch dims broadcast
//               NumPy-style, a rank-2 rhs is shared by every batch
//   embedding : out[i..., :] = table[ids[i...], :], ids checked in [0, V)
//   attention : per batch b and head h,
//                 s[i,j] = scale * sum_d q[b,i,hD+d] k[b,j,hD+d]  (+ additive mask)
//                 masked (padding mask == 0, causal j > i + Skv - Sq) -> -FLT_MAX
//                 p = softmax_j(s);  out[b,i,hD+d] = sum_j p[i,j] v[b,j,hD+d]
//
// Every sum over k, d or j accumulates in double and is rounded to float once
// (codegen/lib/AttuneToLinalg/Contraction.cpp and Attention.cpp compute the
// same products).
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include <cfloat>

using namespace mlir;
using namespace mlir::attune;

namespace attune::ref {

llvm::Expected<Tensor> evalMatmul(MatmulOp op, const Tensor &lhs, const Tensor &rhs) {
  Tensor out = resultTensor(op);
  if (llvm::Error err = matmulInto(op, lhs, rhs, op.getTransposeB(), out))
    return std::move(err);
  return out;
}

llvm::Error matmulInto(Operation *op, const Tensor &lhs, const Tensor &rhs, bool tb, Tensor &out) {
  size_t lr = lhs.shape.size(), rr = rhs.shape.size(), orank = out.shape.size();
  int64_t M = lhs.shape[lr - 2], K = lhs.shape[lr - 1];
  int64_t N = out.shape[orank - 1];
  int64_t rk = tb ? rhs.shape[rr - 1] : rhs.shape[rr - 2];
  int64_t rn = tb ? rhs.shape[rr - 2] : rhs.shape[rr - 1];
  if (rk != K || rn != N || out.shape[orank - 2] != M)
    return opError(op, "expected lhs [..., M, K] and rhs with K = " + llvm::Twine(K) +
                           ", found " + lhs.typeString() + " and " + rhs.typeString());
  llvm::ArrayRef<int64_t> outBatch = llvm::ArrayRef<int64_t>(out.shape).drop_back(2);
  // Matrix index in lhs / rhs for every batch of the result.
  std::vector<int64_t> lb =
      broadcastOffsets(llvm::ArrayRef<int64_t>(lhs.shape).drop_back(2), outBatch);
  std::vector<int64_t> rb =
      broadcastOffsets(llvm::ArrayRef<int64_t>(rhs.shape).drop_back(2), outBatch);
  for (size_t t = 0; t < lb.size(); ++t) {
    const float *a = lhs.f32() + lb[t] * M * K;
    const float *b = rhs.f32() + rb[t] * K * N;
    float *c = out.f32() + static_cast<int64_t>(t) * M * N;
    for (int64_t m = 0; m < M; ++m) {
      // acc[n] = sum over k = 0, 1, ... of a[m,k] * b[k,n], in that order.
      std::vector<double> acc(N, 0.0);
      for (int64_t k = 0; k < K; ++k) {
        double av = static_cast<double>(a[m * K + k]);
        for (int64_t n = 0; n < N; ++n)
          acc[n] += av * static_cast<double>(tb ? b[n * K + k] : b[k * N + n]);
      }
      for (int64_t n = 0; n < N; ++n)
        c[m * N + n] = static_cast<float>(acc[n]);
    }
  }
  return llvm::Error::success();
}

llvm::Expected<Tensor> evalEmbedding(EmbeddingOp op, const Tensor &table, const Tensor &ids) {
  Tensor out = resultTensor(op);
  int64_t V = table.shape[0], D = table.shape[1];
  for (int64_t i = 0, n = ids.numElements(); i < n; ++i) {
    int64_t id = ids.type == ElementType::I64 ? ids.i64()[i] : ids.i32()[i];
    if (id < 0 || id >= V)
      return opError(op, "id " + llvm::Twine(id) + " at flat index " + llvm::Twine(i) +
                             " is outside [0, " + llvm::Twine(V) + ")");
    const float *row = table.f32() + id * D;
    std::copy(row, row + D, out.f32() + i * D);
  }
  return out;
}

namespace {
/// Whether key-padding mask element `i` is nonzero (i64, i32 or i1).
bool maskKeeps(const Tensor &mask, int64_t i) {
  switch (mask.type) {
  case ElementType::I64: return mask.i64()[i] != 0;
  case ElementType::I32: return mask.i32()[i] != 0;
  default: return mask.i1()[i] != 0;
  }
}
} // namespace

llvm::Expected<Tensor> evalAttention(AttentionOp op, Operands in) {
  const Tensor &q = *in[0], &k = *in[1], &v = *in[2];
  const Tensor *mask = in.size() > 3 ? in[3] : nullptr;
  int64_t H = op.getNumHeads();
  int64_t B = q.shape[0], Sq = q.shape[1], HD = q.shape[2], Skv = k.shape[1];
  if (H <= 0 || HD % H != 0)
    return opError(op, "num_heads: expected a positive divisor of " + llvm::Twine(HD) +
                           ", found " + llvm::Twine(H));
  int64_t D = HD / H;
  const float scale = op.getScaleOrDefault();
  const bool causal = op.getCausal();
  const bool additive = mask && mask->type == ElementType::F32;
  std::vector<int64_t> maskOff; // additive mask offset per [b,h,i,j]
  if (additive)
    maskOff = broadcastOffsets(mask->shape, {B, H, Sq, Skv});
  Tensor out = resultTensor(op);
  std::vector<float> s(Sq * Skv);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      const float *qb = q.f32() + b * Sq * HD + h * D;
      const float *kb = k.f32() + b * Skv * HD + h * D;
      const float *vb = v.f32() + b * Skv * HD + h * D;
      for (int64_t i = 0; i < Sq; ++i)
        for (int64_t j = 0; j < Skv; ++j) {
          double dot = 0.0;
          for (int64_t d = 0; d < D; ++d)
            dot += static_cast<double>(qb[i * HD + d]) * static_cast<double>(kb[j * HD + d]);
          float score = static_cast<float>(dot) * scale;
          bool keep = true;
          if (additive)
            score = score + mask->f32()[maskOff[((b * H + h) * Sq + i) * Skv + j]];
          else if (mask)
            keep = maskKeeps(*mask, b * Skv + j);
          if (causal && j > i + (Skv - Sq))
            keep = false;
          s[i * Skv + j] = keep ? score : -FLT_MAX;
        }
      for (int64_t i = 0; i < Sq; ++i)
        softmaxRow(s.data() + i * Skv, Skv, 1);
      float *ob = out.f32() + b * Sq * HD + h * D;
      for (int64_t i = 0; i < Sq; ++i)
        for (int64_t d = 0; d < D; ++d) {
          double acc = 0.0;
          for (int64_t j = 0; j < Skv; ++j)
            acc += static_cast<double>(s[i * Skv + j]) * static_cast<double>(vb[j * HD + d]);
          ob[i * HD + d] = static_cast<float>(acc);
        }
    }
  return out;
}

} // namespace attune::ref
