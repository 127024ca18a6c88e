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
//   - explicit scale; many heads; odd sizes from {1, 3, 17, 127, 129}.
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

enum class Mask { None, PadI64, PadI32, PadBool, AddB11S, Add11QK, AddBHQK };

struct AttentionCase {
  std::string name;
  int64_t B, Sq, Skv, H, D;
  Mask mask = Mask::None;
  bool causal = false;
  float scale = 0; // 0: default 1/sqrt(D)
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

class Attention : public E2ETest, public ::testing::WithParamInterface<AttentionCase> {};

TEST_P(Attention, MatchesReference) {
  const AttentionCase &c = GetParam();
  FuncBuilder f;
  const std::string Q = tensorType({c.B, c.Sq, c.H * c.D}), K = tensorType({c.B, c.Skv, c.H * c.D});
  std::string q = f.arg("q", Q), k = f.arg("k", K), v = f.arg("v", K);
  std::string maskType;
  switch (c.mask) {
  case Mask::None: break;
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
  attrs << "}";
  std::string rhs = "attune.attention " + q + ", " + k + ", " + v +
                    (mask.empty() ? "" : " mask " + mask) + " " + attrs.str() + " : (" + Q + ", " +
                    K + ", " + K + (mask.empty() ? "" : ", " + maskType) + ") -> " + Q;
  f.result("out", f.def("out", rhs), Q);
  std::map<std::string, Gen> gens = {
      {"q", uniform(-2, 2)}, {"k", uniform(-2, 2)}, {"v", uniform(-1, 1)}};
  if (c.mask == Mask::PadI64 || c.mask == Mask::PadI32 || c.mask == Mask::PadBool)
    gens["mask"] = paddingMask(0.35);
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
        AttentionCase{"many_heads_B1_S17_H12_D3", 1, 17, 17, 12, 3}),
    [](const auto &info) { return info.param.name; });

} // namespace
