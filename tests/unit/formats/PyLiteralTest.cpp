//===- tests/unit/formats/PyLiteralTest.cpp - The .npy header parser ------===//
//
// Direct tests of the internal Python-literal parser used for .npy headers:
// the accepted grammar (tuples vs parenthesised values, trailing commas,
// quotes, signs, Python 2 longs, keywords), its limits (int64 range, depth)
// and that trailing garbage is refused.
//===----------------------------------------------------------------------===//
#include "PyLiteral.h"

#include <gtest/gtest.h>

using attune::formats::detail::parsePyLiteral;
using attune::formats::detail::PyValue;

namespace {

PyValue parseOk(const std::string &text) {
  PyValue v;
  std::string error;
  EXPECT_TRUE(parsePyLiteral(text.data(), text.size(), v, error))
      << text << ": " << error;
  return v;
}

std::string parseError(const std::string &text) {
  PyValue v;
  std::string error;
  EXPECT_FALSE(parsePyLiteral(text.data(), text.size(), v, error)) << text;
  return error;
}

TEST(PyLiteralTest, Tuples) {
  EXPECT_EQ(parseOk("()").kind, PyValue::Kind::Tuple);
  EXPECT_EQ(parseOk("()").items.size(), 0u);
  PyValue one = parseOk("(3,)");
  ASSERT_EQ(one.kind, PyValue::Kind::Tuple);
  ASSERT_EQ(one.items.size(), 1u);
  EXPECT_EQ(one.items[0].i, 3);
  EXPECT_EQ(parseOk("(3)").kind, PyValue::Kind::Int);
  EXPECT_EQ(parseOk(" ( 1 , 2 , ) ").items.size(), 2u);
  EXPECT_EQ(parseOk("((1, 2))").items.size(), 2u);
  EXPECT_EQ(parseOk("(1, 2)").repr(), "(1, 2)");
  EXPECT_EQ(parseOk("(7,)").repr(), "(7,)");
}

TEST(PyLiteralTest, Scalars) {
  EXPECT_EQ(parseOk("-9223372036854775808").i, INT64_MIN);
  EXPECT_EQ(parseOk("9223372036854775807").i, INT64_MAX);
  EXPECT_EQ(parseOk("+5").i, 5);
  EXPECT_EQ(parseOk("12L").i, 12);
  EXPECT_EQ(parseOk("'a b'").str, "a b");
  EXPECT_EQ(parseOk("\"it's\"").str, "it's");
  EXPECT_TRUE(parseOk("True").b);
  EXPECT_EQ(parseOk("None").kind, PyValue::Kind::None);
  EXPECT_EQ(parseOk("{}").kind, PyValue::Kind::Dict);
  EXPECT_EQ(parseOk("[1, [2]]").kind, PyValue::Kind::List);
}

TEST(PyLiteralTest, Errors) {
  EXPECT_NE(parseError("9223372036854775808").find("does not fit"), std::string::npos);
  EXPECT_NE(parseError("Truex").find("unexpected 'T'"), std::string::npos);
  EXPECT_NE(parseError("12abc").find("in integer"), std::string::npos);
  EXPECT_NE(parseError("'abc").find("unterminated string"), std::string::npos);
  EXPECT_NE(parseError("(1 2)").find("expected ',' or ')'"), std::string::npos);
  EXPECT_NE(parseError("(,)").find("unexpected ','"), std::string::npos);
  EXPECT_NE(parseError("{1: 2}").find("expected a string dict key"), std::string::npos);
  EXPECT_NE(parseError("()()").find("after the end of the value"), std::string::npos);
  EXPECT_NE(parseError("-").find("expected digits"), std::string::npos);
  EXPECT_NE(parseError(std::string(100000, '(')).find("nests deeper than 16"),
            std::string::npos);
  EXPECT_NE(parseError(std::string("'a\0", 3)).find("unterminated"), std::string::npos);
}

} // namespace
