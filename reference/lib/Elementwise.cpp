//===- Elementwise.cpp - Reference semantics of elementwise attune ops ----===//
//
//   add/sub/mul/div/pow/equal/where : NumPy broadcasting to the result shape
//   exp/sqrt/erf/tanh/relu/gelu     : float math, one std:: call per element
//   cast                            : see convertElement below
//
// Float math is single precision, written as the CPU lowering builds it
// (codegen/lib/AttuneToLinalg/Elementwise.cpp). Integer add/sub/mul wrap;
// integer div truncates toward zero and rejects x / 0 and INT_MIN / -1.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

using namespace mlir;
using namespace mlir::attune;

namespace attune::ref {
namespace {

enum class BinKind { Add, Sub, Mul, Div, Pow, Max, Min, Equal };

/// Two's complement wrap-around of a op b for a signed integer type T.
template <typename T, typename Fn>
T wrapping(T a, T b, Fn fn) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(fn(static_cast<U>(a), static_cast<U>(b)));
}

/// out[i] = fn(lhs[bcast_l(i)], rhs[bcast_r(i)]).
template <typename T, typename R, typename Fn>
void binaryLoop(const Tensor &lhs, const Tensor &rhs, Tensor &out, Fn fn) {
  std::vector<int64_t> lo = broadcastOffsets(lhs.shape, out.shape);
  std::vector<int64_t> ro = broadcastOffsets(rhs.shape, out.shape);
  const T *a = elems<T>(lhs), *b = elems<T>(rhs);
  R *r = elems<R>(out);
  for (size_t i = 0; i < lo.size(); ++i)
    r[i] = fn(a[lo[i]], b[ro[i]]);
}

llvm::Error binaryFloat(BinKind k, const Tensor &lhs, const Tensor &rhs, Tensor &out) {
  switch (k) {
  case BinKind::Add:
    binaryLoop<float, float>(lhs, rhs, out, [](float a, float b) { return a + b; });
    break;
  case BinKind::Sub:
    binaryLoop<float, float>(lhs, rhs, out, [](float a, float b) { return a - b; });
    break;
  case BinKind::Mul:
    binaryLoop<float, float>(lhs, rhs, out, [](float a, float b) { return a * b; });
    break;
  case BinKind::Div:
    binaryLoop<float, float>(lhs, rhs, out, [](float a, float b) { return a / b; });
    break;
  case BinKind::Pow:
    binaryLoop<float, float>(lhs, rhs, out, [](float a, float b) { return std::pow(a, b); });
    break;
  case BinKind::Max:
    binaryLoop<float, float>(lhs, rhs, out, [](float a, float b) { return maximumf(a, b); });
    break;
  case BinKind::Min:
    binaryLoop<float, float>(lhs, rhs, out, [](float a, float b) { return -maximumf(-a, -b); });
    break;
  case BinKind::Equal:
    binaryLoop<float, uint8_t>(lhs, rhs, out,
                               [](float a, float b) { return uint8_t(a == b ? 1 : 0); });
    break;
  }
  return llvm::Error::success();
}

template <typename T>
llvm::Error binaryInt(Operation *op, BinKind k, const Tensor &lhs, const Tensor &rhs,
                      Tensor &out) {
  switch (k) {
  case BinKind::Add:
    binaryLoop<T, T>(lhs, rhs, out,
                     [](T a, T b) { return wrapping(a, b, [](auto x, auto y) { return x + y; }); });
    break;
  case BinKind::Sub:
    binaryLoop<T, T>(lhs, rhs, out,
                     [](T a, T b) { return wrapping(a, b, [](auto x, auto y) { return x - y; }); });
    break;
  case BinKind::Mul:
    binaryLoop<T, T>(lhs, rhs, out,
                     [](T a, T b) { return wrapping(a, b, [](auto x, auto y) { return x * y; }); });
    break;
  case BinKind::Equal:
    binaryLoop<T, uint8_t>(lhs, rhs, out, [](T a, T b) { return uint8_t(a == b ? 1 : 0); });
    break;
  case BinKind::Max:
    binaryLoop<T, T>(lhs, rhs, out, [](T a, T b) { return a > b ? a : b; });
    break;
  case BinKind::Min:
    binaryLoop<T, T>(lhs, rhs, out, [](T a, T b) { return a < b ? a : b; });
    break;
  case BinKind::Pow:
    return opError(op, "integer pow is not supported (as in the CPU backend); expected a float "
                       "element type, found " + lhs.typeString());
  case BinKind::Div: {
    std::vector<int64_t> lo = broadcastOffsets(lhs.shape, out.shape);
    std::vector<int64_t> ro = broadcastOffsets(rhs.shape, out.shape);
    const T *a = elems<T>(lhs), *b = elems<T>(rhs);
    T *r = elems<T>(out);
    for (size_t i = 0; i < lo.size(); ++i) {
      T x = a[lo[i]], y = b[ro[i]];
      if (y == 0)
        return opError(op, "integer division by zero at flat index " + llvm::Twine(i) +
                               " of the result");
      if (x == std::numeric_limits<T>::min() && y == -1)
        return opError(op, "integer division overflow (" + llvm::Twine(int64_t(x)) +
                               " / -1) at flat index " + llvm::Twine(i) + " of the result");
      r[i] = x / y; // C++ truncates toward zero, like arith.divsi
    }
    break;
  }
  }
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// cast
//===----------------------------------------------------------------------===//

/// Float -> signed integer: truncation toward zero; out-of-range values clamp
/// to [min, max] of T and NaN gives 0 (arith.fptosi leaves these undefined).
template <typename T>
T floatToInt(float x) {
  if (std::isnan(x))
    return 0;
  // -2^(bits-1) and 2^(bits-1) are exact in float.
  const float lo = static_cast<float>(std::numeric_limits<T>::min());
  const float hiExclusive = -lo;
  if (x < lo)
    return std::numeric_limits<T>::min();
  if (x >= hiExclusive)
    return std::numeric_limits<T>::max();
  return static_cast<T>(x);
}

/// One element of `from` (at byte `src`) converted into `to` (at byte `dst`).
void convertElement(ElementType from, const uint8_t *src, ElementType to, uint8_t *dst) {
  // Read the source as either a float or a signed 64-bit integer.
  bool isFloat = from == ElementType::F32;
  float f = 0;
  int64_t i = 0;
  switch (from) {
  case ElementType::F32: std::memcpy(&f, src, 4); break;
  case ElementType::I64: std::memcpy(&i, src, 8); break;
  case ElementType::I32: { int32_t v; std::memcpy(&v, src, 4); i = v; break; }
  case ElementType::Bool: i = *src ? 1 : 0; break; // i1 -> 0/1 (zero-extended)
  default: break;
  }
  switch (to) {
  case ElementType::F32: {
    float r = isFloat ? f : static_cast<float>(i); // int -> float rounds once
    std::memcpy(dst, &r, 4);
    break;
  }
  case ElementType::I64: {
    int64_t r = isFloat ? floatToInt<int64_t>(f) : i;
    std::memcpy(dst, &r, 8);
    break;
  }
  case ElementType::I32: {
    int32_t r = isFloat ? floatToInt<int32_t>(f)
                        : static_cast<int32_t>(static_cast<uint32_t>(i)); // truncate
    std::memcpy(dst, &r, 4);
    break;
  }
  case ElementType::Bool:
    *dst = (isFloat ? f != 0.0f : i != 0) ? 1 : 0; // NaN != 0 -> true
    break;
  default: break;
  }
}

} // namespace

llvm::Expected<Tensor> evalBinary(Operation *op, const Tensor &lhs, const Tensor &rhs) {
  BinKind k = llvm::TypeSwitch<Operation *, BinKind>(op)
                  .Case<AddOp>([](auto) { return BinKind::Add; })
                  .Case<SubOp>([](auto) { return BinKind::Sub; })
                  .Case<MulOp>([](auto) { return BinKind::Mul; })
                  .Case<DivOp>([](auto) { return BinKind::Div; })
                  .Case<PowOp>([](auto) { return BinKind::Pow; })
                  .Case<MaximumOp>([](auto) { return BinKind::Max; })
                  .Case<MinimumOp>([](auto) { return BinKind::Min; })
                  .Default([](auto) { return BinKind::Equal; });
  Tensor out = resultTensor(op);
  llvm::Error err = llvm::Error::success();
  switch (lhs.type) {
  case ElementType::F32: err = binaryFloat(k, lhs, rhs, out); break;
  case ElementType::I64: err = binaryInt<int64_t>(op, k, lhs, rhs, out); break;
  case ElementType::I32: err = binaryInt<int32_t>(op, k, lhs, rhs, out); break;
  case ElementType::Bool:
    if (k == BinKind::Equal)
      binaryLoop<uint8_t, uint8_t>(lhs, rhs, out,
                                   [](uint8_t a, uint8_t b) { return uint8_t(a == b ? 1 : 0); });
    else
      err = opError(op, "arithmetic on i1 is not supported; expected f32, i64 or i32, found " +
                            lhs.typeString());
    break;
  default:
    err = opError(op, "unsupported element type " + lhs.typeString());
  }
  if (err)
    return std::move(err);
  return out;
}

llvm::Expected<Tensor> evalWhere(WhereOp op, Operands in) {
  const Tensor &cond = *in[0], &lhs = *in[1], &rhs = *in[2];
  Tensor out = resultTensor(op);
  std::vector<int64_t> co = broadcastOffsets(cond.shape, out.shape);
  std::vector<int64_t> lo = broadcastOffsets(lhs.shape, out.shape);
  std::vector<int64_t> ro = broadcastOffsets(rhs.shape, out.shape);
  size_t es = elementSize(out.type);
  for (size_t i = 0; i < co.size(); ++i) {
    bool c = cond.i1()[co[i]] != 0;
    const uint8_t *src = c ? lhs.data.data() + lo[i] * es : rhs.data.data() + ro[i] * es;
    std::memcpy(out.data.data() + i * es, src, es);
  }
  return out;
}

float geluScalar(float v, bool tanhApprox) {
  if (tanhApprox) {
    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    const float c = static_cast<float>(std::sqrt(2.0 / M_PI));
    float x3 = (v * v) * v;
    float arg = c * (v + static_cast<float>(0.044715) * x3);
    return (0.5f * v) * (1.0f + std::tanh(arg));
  }
  // 0.5 x (1 + erf(x / sqrt(2)))
  return (0.5f * v) * (1.0f + std::erf(v * static_cast<float>(M_SQRT1_2)));
}

llvm::Expected<Tensor> evalUnary(Operation *op, const Tensor &x) {
  if (x.type != ElementType::F32)
    return opError(op, "expected an f32 input, found " + x.typeString());
  float (*fn)(float) = nullptr;
  if (isa<ExpOp>(op))
    fn = [](float v) { return std::exp(v); };
  else if (isa<SqrtOp>(op))
    fn = [](float v) { return std::sqrt(v); };
  else if (isa<ErfOp>(op))
    fn = [](float v) { return std::erf(v); };
  else if (isa<TanhOp>(op))
    fn = [](float v) { return std::tanh(v); };
  else if (isa<ReluOp>(op))
    fn = [](float v) { return maximumf(v, 0.0f); };
  else if (auto gelu = dyn_cast<GeluOp>(op)) {
    if (gelu.getApproximate() == "tanh")
      fn = [](float v) { return geluScalar(v, true); };
    else if (gelu.getApproximate() == "none")
      fn = [](float v) { return geluScalar(v, false); };
    else
      return opError(op, "approximate: expected \"none\" or \"tanh\", found \"" +
                             gelu.getApproximate() + "\"");
  }
  if (!fn)
    return opError(op, "not an elementwise unary op");
  Tensor out = resultTensor(op);
  const float *a = x.f32();
  float *r = out.f32();
  for (int64_t i = 0, n = x.numElements(); i < n; ++i)
    r[i] = fn(a[i]);
  return out;
}

llvm::Expected<Tensor> evalIsNan(IsNanOp op, const Tensor &x) {
  if (x.type != ElementType::F32)
    return opError(op, "expected an f32 input, found " + x.typeString());
  Tensor out = resultTensor(op);
  for (int64_t i = 0, n = x.numElements(); i < n; ++i)
    out.data[i] = std::isnan(x.f32()[i]) ? 1 : 0;
  return out;
}

llvm::Expected<Tensor> evalCast(CastOp op, const Tensor &x) {
  Tensor out = resultTensor(op);
  size_t is = elementSize(x.type), os = elementSize(out.type);
  for (int64_t i = 0, n = x.numElements(); i < n; ++i)
    convertElement(x.type, x.data.data() + i * is, out.type, out.data.data() + i * os);
  return out;
}

} // namespace attune::ref
