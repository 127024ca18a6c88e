//===- tests/e2e/AttentionTest.cpp - attune.attention, compiled vs reference -===//
//
// q [B,Sq,H*D], k/v [B,Skv,H*D] from random inputs; masks:
//   - key-padding masks [B,Skv] (i64, i32, i1) with zeros, key 0 always
//     kept so no query row is ever fully masked;
//   - additive f32 masks [B,1,1,Skv], [1,1,Sq,Skv] and [B,H,Sq,Skv] with
//     values in [-3, 1) and some lowest-float entries (Hugging Face style),
//     never in key column 0;
//   - causal (Sq == Skv and Sq < Skv: bottom-right aligned, no fully masked
//     rows), causal together with a padding mask;
//   - explicit scale; many heads; odd sizes from {1, 3, 17, 127, 129};
//   - flash tiling (docs/tiling.md) with tile sizes from the op's
//     attune.tile_sizes [query_tile, key_tile]: query tiles that do not
//     divide Sq, key tiles that do not divide Skv (peeled tails), key
//     tile 1, padded sequences whose last batch is padded everywhere (fully
//     masked rows: a uniform softmax, as the reference), keys masked only in
//     the first key tiles (the running max starts at the lowest float and is
//     wiped when real scores appear), causal with Sq < Skv, additive masks;
//     BERT-like D = 64 shapes where both products are micro-kernels.
// |compiled - reference| <= 1e-5 + 1e-4 |reference|; 1 and 4 threads
// bit-identical.
//
//===----------------------------------------------------------------------===//
#include "E2E.h"

#include <cfloat>
#include <sstream>

using namespace attune;
using namespace attune::e2e;

namespace {

enum class Mask { None, PadI64, PadI32, PadBool, AddB11S, Add11QK, AddBHQK, PadLengths, PadPrefix };

struct AttentionCase {
  std::string name;
  int64_t B, Sq, Skv, H, D;
  Mask mask = Mask::None;
  bool causal = false;
  float scale = 0; // 0: default 1/sqrt(D)
  std::vector<int64_t> tiles = {}; // attune.tile_sizes; empty: the heuristic
};
void PrintTo(const AttentionCase &c, std::ostream *os) {
  *os << "B" << c.B << " Sq" << c.Sq << " Skv" << c.Skv << " H" << c.H << " D" << c.D;
}

/// Additive mask values: key column 0 in [-3, 1), the others the lowest
/// float with probability 1/4, else in [-3, 1).
Gen additiveMask() {
  return [](Tensor &t, std::mt19937_64 &rng) {
    std::uniform_real_distribution<float> d(-3, 1);
    std::bernoulli_distribution masked(0.25);
    int64_t cols = t.shape.back();
    for (int64_t i = 0; i < t.numElements(); ++i)
      t.f32()[i] = (i % cols) != 0 && masked(rng) ? -FLT_MAX : d(rng);
  };
}

/// Hugging Face padding [B, Skv] (i64): batch b keeps its first L_b keys,
/// L_b random in [1, Skv], and the last batch keeps none (B > 1), so its
/// query rows are fully masked.
Gen paddedLengths() {
  return [](Tensor &t, std::mt19937_64 &rng) {
    int64_t B = t.shape[0], S = t.shape[1];
    std::uniform_int_distribution<int64_t> len(1, S);
    for (int64_t b = 0; b < B; ++b) {
      int64_t L = B > 1 && b == B - 1 ? 0 : len(rng);
      for (int64_t j = 0; j < S; ++j)
        t.i64()[b * S + j] = j < L ? 1 : 0;
    }
  };
}

/// [B, Skv] (i64): the first 2/3 of the keys masked, the rest kept.
Gen maskedPrefix() {
  return [](Tensor &t, std::mt19937_64 &) {
    int64_t S = t.shape[1];
    for (int64_t i = 0; i < t.numElements(); ++i)
      t.i64()[i] = (i % S) >= 2 * S / 3 ? 1 : 0;
  };
}

class Attention : public E2ETest, public ::testing::WithParamInterface<AttentionCase> {};

TEST_P(Attention, MatchesReference) {
  const AttentionCase &c = GetParam();
  FuncBuilder f;
  const std::string Q = tensorType({c.B, c.Sq, c.H * c.D}), K = tensorType({c.B, c.Skv, c.H * c.D});
  std::string q = f.arg("q", Q), k = f.arg("k", K), v = f.arg("v", K);
  std::string maskType;
  switch (c.mask) {
  case Mask::None: break;
  case Mask::PadLengths:
  case Mask::PadPrefix:
  case Mask::PadI64: maskType = tensorType({c.B, c.Skv}, "i64"); break;
  case Mask::PadI32: maskType = tensorType({c.B, c.Skv}, "i32"); break;
  case Mask::PadBool: maskType = tensorType({c.B, c.Skv}, "i1"); break;
  case Mask::AddB11S: maskType = tensorType({c.B, 1, 1, c.Skv}); break;
  case Mask::Add11QK: maskType = tensorType({1, 1, c.Sq, c.Skv}); break;
  case Mask::AddBHQK: maskType = tensorType({c.B, c.H, c.Sq, c.Skv}); break;
  }
  std::string mask = maskType.empty() ? "" : f.arg("mask", maskType);
  std::ostringstream attrs;
  attrs << "{num_heads = " << c.H << " : i64";
  if (c.causal)
    attrs << ", causal";
  if (c.scale != 0) {
    attrs.precision(9);
    attrs << ", scale = " << std::scientific << c.scale << " : f32";
  }
  if (!c.tiles.empty()) {
    attrs << ", attune.tile_sizes = array<i64: " << c.tiles[0];
    for (size_t i = 1; i < c.tiles.size(); ++i)
      attrs << ", " << c.tiles[i];
    attrs << ">";
  }
  attrs << "}";
  std::string rhs = "attune.attention " + q + ", " + k + ", " + v +
                    (mask.empty() ? "" : " mask " + mask) + " " + attrs.str() + " : (" + Q + ", " +
                    K + ", " + K + (mask.empty() ? "" : ", " + maskType) + ") -> " + Q;
  f.result("out", f.def("out", rhs), Q);
  std::map<std::string, Gen> gens = {
      {"q", uniform(-2, 2)}, {"k", uniform(-2, 2)}, {"v", uniform(-1, 1)}};
  if (c.mask == Mask::PadI64 || c.mask == Mask::PadI32 || c.mask == Mask::PadBool)
    gens["mask"] = paddingMask(0.35);
  else if (c.mask == Mask::PadLengths)
    gens["mask"] = paddedLengths();
  else if (c.mask == Mask::PadPrefix)
    gens["mask"] = maskedPrefix();
  else if (c.mask != Mask::None)
    gens["mask"] = additiveMask();
  checkModule("attention", f.str(), {}, gens, 81);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Attention,
    ::testing::Values(
        AttentionCase{"no_mask_B1_S17_H1_D129", 1, 17, 17, 1, 129},
        AttentionCase{"padding_i64_B3_S17_H2_D8", 3, 17, 17, 2, 8, Mask::PadI64},
        AttentionCase{"padding_bool_B3_S127_H1_D3", 3, 127, 127, 1, 3, Mask::PadBool},
        AttentionCase{"padding_i32_B1_Sq3_Skv129_H3_D1", 1, 3, 129, 3, 1, Mask::PadI32},
        AttentionCase{"additive_Bx1x1xS_B3_S17_H4_D4", 3, 17, 17, 4, 4, Mask::AddB11S},
        AttentionCase{"additive_1x1xSqxSkv_B3_Sq17_Skv129_H3_D5", 3, 17, 129, 3, 5, Mask::Add11QK},
        AttentionCase{"additive_BxHxSqxSkv_B1_Sq3_Skv17_H2_D17", 1, 3, 17, 2, 17, Mask::AddBHQK},
        AttentionCase{"causal_B1_S129_H4_D8", 1, 129, 129, 4, 8, Mask::None, true},
        AttentionCase{"causal_Sq3_lt_Skv17_B3_H2_D3", 3, 3, 17, 2, 3, Mask::None, true},
        AttentionCase{"causal_with_padding_i64_B3_S17_H1_D17", 3, 17, 17, 1, 17, Mask::PadI64, true},
        AttentionCase{"explicit_scale_B1_Sq17_Skv3_H1_D17", 1, 17, 3, 1, 17, Mask::None, false, 0.37f},
        AttentionCase{"many_heads_B1_S17_H12_D3", 1, 17, 17, 12, 3},
        // flash tiling: {query_tile, key_tile}
        AttentionCase{"tiled_q32_k48_B2_S129_H2_D16", 2, 129, 129, 2, 16, Mask::None, false, 0, {32, 48}},
        AttentionCase{"tiled_padded_rows_B3_S100_H2_D32", 3, 100, 100, 2, 32, Mask::PadLengths, false, 0, {16, 32}},
        AttentionCase{"tiled_masked_prefix_B2_Sq9_Skv96_H1_D16", 2, 9, 96, 1, 16, Mask::PadPrefix, false, 0, {4, 16}},
        AttentionCase{"tiled_causal_q16_k32_B1_S100_H2_D16", 1, 100, 100, 2, 16, Mask::None, true, 0, {16, 32}},
        AttentionCase{"tiled_causal_Sq37_lt_Skv80_B2_H3_D8", 2, 37, 80, 3, 8, Mask::None, true, 0, {16, 16}},
        AttentionCase{"tiled_causal_padded_rows_B2_S70_H1_D16", 2, 70, 70, 1, 16, Mask::PadLengths, true, 0, {32, 16}},
        AttentionCase{"tiled_additive_1x1xSqxSkv_B2_Sq50_Skv70_H2_D16", 2, 50, 70, 2, 16, Mask::Add11QK, false, 0, {16, 32}},
        AttentionCase{"tiled_additive_BxHxSqxSkv_B2_Sq33_Skv40_H2_D8", 2, 33, 40, 2, 8, Mask::AddBHQK, false, 0, {8, 16}},
        AttentionCase{"tiled_additive_Bx1x1xS_B2_S45_H2_D8", 2, 45, 45, 2, 8, Mask::AddB11S, false, 0, {20, 7}},
        AttentionCase{"tiled_key_tile_1_B1_S17_H2_D4", 1, 17, 17, 2, 4, Mask::PadI64, true, 0, {5, 1}},
        AttentionCase{"tiled_whole_B1_Sq20_Skv30_H1_D16", 1, 20, 30, 1, 16, Mask::PadI64, false, 0, {20, 30}},
        AttentionCase{"bert_like_padded_B1_S256_H2_D64", 1, 256, 256, 2, 64, Mask::PadLengths},
        AttentionCase{"bert_like_k64_B2_S192_H2_D64", 2, 192, 192, 2, 64, Mask::PadI64, false, 0, {64, 64}},
        AttentionCase{"gpt_like_causal_padded_B1_S160_H2_D64", 1, 160, 160, 2, 64, Mask::PadI64, true, 0, {32, 64}}),
    [](const auto &info) { return info.param.name; });

} // namespace
