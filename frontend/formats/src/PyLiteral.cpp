//===- PyLiteral.cpp - A strict parser for the Python literals in .npy ----===//
//
// A recursive-descent parser over a byte range with an explicit depth
// limit; see PyLiteral.h for the accepted grammar. It never reads outside
// [text, text + len) and reports the first problem with its offset.
//===----------------------------------------------------------------------===//
#include "PyLiteral.h"

#include "Common.h"

#include <cstring>

namespace attune {
namespace formats {
namespace detail {

static constexpr int kMaxDepth = 16;

const char *PyValue::kindName() const {
  switch (kind) {
  case Kind::String: return "str";
  case Kind::Int: return "int";
  case Kind::Bool: return "bool";
  case Kind::None: return "None";
  case Kind::Tuple: return "tuple";
  case Kind::List: return "list";
  case Kind::Dict: return "dict";
  }
  return "?";
}

std::string PyValue::repr() const {
  switch (kind) {
  case Kind::String: return "'" + quoteForError(str, 60) + "'";
  case Kind::Int: return std::to_string(i);
  case Kind::Bool: return b ? "True" : "False";
  case Kind::None: return "None";
  case Kind::Tuple:
  case Kind::List:
  case Kind::Dict: {
    std::string s = kind == Kind::Tuple ? "(" : kind == Kind::List ? "[" : "{";
    for (size_t n = 0; n < items.size(); ++n) {
      if (s.size() > 80) {
        s += ", ...";
        break;
      }
      if (n)
        s += ", ";
      if (kind == Kind::Dict)
        s += "'" + quoteForError(keys[n], 60) + "': ";
      s += items[n].repr();
    }
    if (kind == Kind::Tuple && items.size() == 1)
      s += ",";
    return s + (kind == Kind::Tuple ? ")" : kind == Kind::List ? "]" : "}");
  }
  }
  return "?";
}

namespace {

class Parser {
public:
  Parser(const char *text, size_t len) : begin_(text), p_(text), end_(text + len) {}

  bool parseTop(PyValue &out, std::string &error) {
    bool ok = parseValue(out, 0);
    if (ok) {
      skipSpace();
      if (p_ != end_)
        ok = fail("unexpected " + describeHere() + " after the end of the value");
    }
    if (!ok)
      error = error_;
    return ok;
  }

private:
  const char *begin_, *p_, *end_;
  std::string error_;

  bool fail(const std::string &msg) {
    error_ = msg + " at header offset " + std::to_string(p_ - begin_);
    return false;
  }

  std::string describeHere() const {
    if (p_ == end_)
      return "end of header";
    return "'" + quoteForError(std::string(1, *p_)) + "'";
  }

  void skipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r'))
      ++p_;
  }

  bool startsWith(const char *word) const {
    size_t n = std::strlen(word);
    return static_cast<size_t>(end_ - p_) >= n && std::memcmp(p_, word, n) == 0;
  }

  static bool isIdentChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_';
  }

  bool parseKeyword(PyValue &out) {
    for (const char *word : {"True", "False", "None"}) {
      size_t n = std::strlen(word);
      if (startsWith(word) && (p_ + n == end_ || !isIdentChar(p_[n]))) {
        p_ += n;
        out.kind = word[0] == 'N' ? PyValue::Kind::None : PyValue::Kind::Bool;
        out.b = word[0] == 'T';
        return true;
      }
    }
    return fail("unexpected " + describeHere() + " (expected a value)");
  }

  bool parseString(PyValue &out) {
    char quote = *p_++;
    const char *start = p_;
    while (p_ != end_ && *p_ != quote) {
      if (*p_ == '\\')
        return fail("escape sequences in strings are not supported");
      if (*p_ == '\n')
        return fail("unterminated string");
      ++p_;
    }
    if (p_ == end_)
      return fail("unterminated string");
    out.kind = PyValue::Kind::String;
    out.str.assign(start, p_);
    ++p_;
    return true;
  }

  bool parseInt(PyValue &out) {
    bool negative = false;
    if (*p_ == '-' || *p_ == '+') {
      negative = *p_ == '-';
      ++p_;
      skipSpace();
    }
    if (p_ == end_ || *p_ < '0' || *p_ > '9')
      return fail("expected digits");
    // Accumulate as a negative number so INT64_MIN is representable.
    int64_t v = 0;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') {
      if (__builtin_mul_overflow(v, 10, &v) || __builtin_sub_overflow(v, *p_ - '0', &v))
        return fail("integer does not fit in 64 bits");
      ++p_;
    }
    if (!negative && __builtin_mul_overflow(v, -1, &v))
      return fail("integer does not fit in 64 bits");
    if (p_ != end_ && (*p_ == 'L' || *p_ == 'l')) // Python 2 long
      ++p_;
    if (p_ != end_ && isIdentChar(*p_))
      return fail("unexpected " + describeHere() + " in integer");
    out.kind = PyValue::Kind::Int;
    out.i = v;
    return true;
  }

  /// Tuple, list or dict: the opening bracket is at p_.
  bool parseContainer(PyValue &out, int depth) {
    char open = *p_++;
    char close = open == '(' ? ')' : open == '[' ? ']' : '}';
    bool isDict = open == '{';
    out.kind = open == '(' ? PyValue::Kind::Tuple
               : open == '[' ? PyValue::Kind::List
                             : PyValue::Kind::Dict;
    bool sawComma = false;
    while (true) {
      skipSpace();
      if (p_ != end_ && *p_ == close) {
        ++p_;
        break;
      }
      if (!out.items.empty() && !sawComma)
        return fail(std::string("expected ',' or '") + close + "' but found " +
                    describeHere());
      if (isDict) {
        if (p_ == end_ || (*p_ != '\'' && *p_ != '"'))
          return fail("expected a string dict key but found " + describeHere());
        PyValue key;
        if (!parseString(key))
          return false;
        for (const std::string &k : out.keys)
          if (k == key.str)
            return fail("duplicate dict key '" + quoteForError(key.str) + "'");
        skipSpace();
        if (p_ == end_ || *p_ != ':')
          return fail("expected ':' after dict key '" + quoteForError(key.str) +
                      "' but found " + describeHere());
        ++p_;
        out.keys.push_back(std::move(key.str));
      }
      out.items.emplace_back();
      if (!parseValue(out.items.back(), depth + 1))
        return false;
      skipSpace();
      sawComma = p_ != end_ && *p_ == ',';
      if (sawComma)
        ++p_;
    }
    // (x) is a parenthesised expression, not a tuple.
    if (open == '(' && out.items.size() == 1 && !sawComma) {
      PyValue inner = std::move(out.items[0]);
      out = std::move(inner);
    }
    return true;
  }

  bool parseValue(PyValue &out, int depth) {
    if (depth >= kMaxDepth)
      return fail("literal nests deeper than " + std::to_string(kMaxDepth) +
                  " levels");
    skipSpace();
    if (p_ == end_)
      return fail("unexpected end of header (expected a value)");
    char c = *p_;
    if (c == '\'' || c == '"')
      return parseString(out);
    if (c == '(' || c == '[' || c == '{')
      return parseContainer(out, depth);
    if (c == '-' || c == '+' || (c >= '0' && c <= '9'))
      return parseInt(out);
    return parseKeyword(out);
  }
};

} // namespace

bool parsePyLiteral(const char *text, size_t len, PyValue &out,
                    std::string &error) {
  Parser parser(text, len);
  PyValue value;
  if (!parser.parseTop(value, error))
    return false;
  out = std::move(value);
  return true;
}

} // namespace detail
} // namespace formats
} // namespace attune
