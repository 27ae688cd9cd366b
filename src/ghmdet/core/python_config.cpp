#include "ghmdet/core/python_config.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <set>
#include <vector>

#include "ghmdet/core/error.h"
#include "ghmdet/core/python_tokens.h"

namespace ghmdet {

namespace {

using python_config::describe;
using python_config::position;
using python_config::Tok;
using python_config::Token;

// --- values ----------------------------------------------------------------------------------

struct Value {
  enum class Kind { None, Bool, Int, Float, Str, List, Dict } kind = Kind::None;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::vector<Value> items;  // list elements, or dict values
  std::vector<std::string> keys;  // dict keys, one per item
  std::vector<std::pair<int, int>> key_positions;
  int line = 0, col = 0;  // where the value was written (or referred to by name)
  size_t nodes = 1;
  int depth = 1;
};

const char* kind_name(Value::Kind k) {
  switch (k) {
    case Value::Kind::None: return "None";
    case Value::Kind::Bool: return "a bool";
    case Value::Kind::Int: return "an int";
    case Value::Kind::Float: return "a float";
    case Value::Kind::Str: return "a string";
    case Value::Kind::List: return "a list";
    case Value::Kind::Dict: return "a dict";
  }
  return "?";
}

bool is_number(const Value& v) { return v.kind == Value::Kind::Int || v.kind == Value::Kind::Float; }
double as_double(const Value& v) { return v.kind == Value::Kind::Int ? static_cast<double>(v.i) : v.f; }

// Python's repr of a float: the shortest digits that read back to the same double, in fixed
// notation for exponents -5 < e < 16 and in scientific notation otherwise.
std::string float_repr(double v) {
  if (std::isnan(v)) return ".nan";
  if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision - 1, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string text(buf);
  const bool negative = text[0] == '-';
  if (negative) text.erase(0, 1);
  const size_t e = text.find('e');
  const int exponent = std::atoi(text.c_str() + e + 1);
  std::string digits = text.substr(0, 1) + (e > 1 ? text.substr(2, e - 2) : "");
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = negative ? "-" : "";
  if (exponent >= -5 + 1 && exponent < 16) {
    if (exponent >= 0) {
      const size_t int_len = static_cast<size_t>(exponent) + 1;
      if (digits.size() <= int_len) {
        out += digits + std::string(int_len - digits.size(), '0') + ".0";
      } else {
        out += digits.substr(0, int_len) + "." + digits.substr(int_len);
      }
    } else {
      out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    }
  } else {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp_text[16];
    std::snprintf(exp_text, sizeof exp_text, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += exp_text;
  }
  return out;
}

// --- parser and evaluator ------------------------------------------------------------------

const std::set<std::string>& python_keywords() {
  static const std::set<std::string> words = {
      "False", "None",   "True",  "and",   "as",       "assert", "async",  "await",
      "break", "class",  "continue", "def", "del",     "elif",   "else",   "except",
      "finally", "for",  "from",  "global", "if",      "import", "in",     "is",
      "lambda", "nonlocal", "not", "or",   "pass",     "raise",  "return", "try",
      "while", "with",   "yield"};
  return words;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::string& file) : t_(std::move(tokens)), file_(file) {}

  PythonConfig run() {
    while (peek().kind != Tok::End) {
      if (peek().kind == Tok::Newline || is_op(peek(), ";")) {
        ++i_;
        continue;
      }
      statement();
      const Token& t = peek();
      if (t.kind == Tok::Newline || is_op(t, ";")) {
        ++i_;
      } else if (t.kind != Tok::End) {
        fail(t, "expected the end of the line after the value, found " + describe(t));
      }
    }
    PythonConfig out;
    out.root = YAML::Node(YAML::NodeType::Map);
    for (const auto& name : order_) {
      if (name.rfind("__", 0) == 0) continue;
      const Value& v = names_.at(name);
      out.positions[name] = {v.line, v.col};
      out.root.force_insert(name, to_yaml(v, name, out.positions));
    }
    return out;
  }

 private:
  // Counts the parser's recursion; deeper than kMaxNesting is an error, not a stack overflow.
  struct Nesting {
    Nesting(Parser& p, const Token& at) : p_(p) {
      if (++p_.nesting_ > PythonConfig::kMaxNesting) {
        p_.fail(at, "nested too deeply (more than " + std::to_string(PythonConfig::kMaxNesting) +
                        " levels of brackets or operators)");
      }
    }
    ~Nesting() { --p_.nesting_; }
    Parser& p_;
  };

  [[noreturn]] void fail(const Token& at, const std::string& message) const {
    throw Error(file_ + ":" + position(at.line, at.col) + ": " + message);
  }
  [[noreturn]] void fail(const Value& at, const std::string& message) const {
    throw Error(file_ + ":" + position(at.line, at.col) + ": " + message);
  }

  const Token& peek(size_t ahead = 0) const { return t_[std::min(i_ + ahead, t_.size() - 1)]; }
  const Token& next() { return t_[std::min(i_++, t_.size() - 1)]; }
  static bool is_op(const Token& t, const char* op) { return t.kind == Tok::Op && t.text == op; }
  static bool is_name(const Token& t, const char* name) { return t.kind == Tok::Name && t.text == name; }

  void expect(const char* op, const std::string& context) {
    const Token& t = peek();
    if (!is_op(t, op)) fail(t, "expected '" + std::string(op) + "' " + context + ", found " + describe(t));
    ++i_;
  }

  void charge(size_t nodes, const Token& at) {
    nodes_ += nodes;
    if (nodes_ > PythonConfig::kMaxNodes) {
      fail(at, "the config is too large (more than " + std::to_string(PythonConfig::kMaxNodes) + " values)");
    }
  }

  Value make(Value::Kind kind, const Token& at) {
    charge(1, at);
    Value v;
    v.kind = kind;
    v.line = at.line;
    v.col = at.col;
    return v;
  }

  // A string counts one value per 64 bytes, so that copies of long strings through names are
  // bounded like copies of long lists.
  void size_string(Value& v, const Token& at) {
    const size_t nodes = 1 + v.s.size() / 64;
    if (nodes > v.nodes) charge(nodes - v.nodes, at);
    v.nodes = nodes;
  }

  // A list or dict gets its size and depth from its items; too deep is an error, whether the
  // nesting is written out or built up through names.
  void finish(Value& v, const Token& at) {
    v.nodes = 1;
    v.depth = 1;
    for (const auto& item : v.items) {
      v.nodes += item.nodes;
      v.depth = std::max(v.depth, item.depth + 1);
    }
    if (v.depth > PythonConfig::kMaxNesting) {
      fail(at, "value nested too deeply (more than " + std::to_string(PythonConfig::kMaxNesting) + " levels)");
    }
  }

  // --- statements --------------------------------------------------------------------------

  void statement() {
    const Token& t = peek();
    if (t.kind == Tok::Indent) fail(t, "unexpected indent: a config is top-level 'name = value' lines (no blocks)");
    if (t.kind == Tok::Name) {
      if (t.text == "import" || t.text == "from") {
        fail(t, "'" + t.text + "' is not allowed: a config holds values, it cannot import code");
      }
      if (python_keywords().count(t.text) && t.text != "True" && t.text != "False" && t.text != "None" &&
          t.text != "lambda" && t.text != "not" && t.text != "await" && t.text != "yield") {
        fail(t, "'" + t.text + "' statements are not allowed: a config is 'name = value' lines");
      }
      const Token& after = peek(1);
      if (is_op(after, "=")) {
        if (python_keywords().count(t.text) || t.text == "dict" || t.text == "range") {
          fail(t, "cannot assign to '" + t.text + "'");
        }
        const Token& name = next();
        ++i_;
        Value v = expression();
        v.line = name.line;
        v.col = name.col;
        if (!names_.count(name.text)) order_.push_back(name.text);
        names_[name.text] = std::move(v);
        if (is_op(peek(), "=")) fail(peek(), "chained assignment ('a = b = value') is not allowed");
        return;
      }
      if (after.kind == Tok::Op && after.text.size() >= 2 && after.text.back() == '=' &&
          after.text != "==" && after.text != "!=" && after.text != "<=" && after.text != ">=") {
        fail(after, "augmented assignment ('" + after.text + "') is not allowed; write 'name = value'");
      }
      if (is_op(after, ",")) fail(after, "only 'name = value' is allowed (no unpacking into several names)");
      if (is_op(after, ":")) fail(after, "annotated assignments are not allowed; write 'name = value'");
    }
    const Token start = t;
    const Value v = expression();
    if (is_op(peek(), "=")) fail(peek(), "only a plain name can be assigned ('name = value')");
    if (start.kind != Tok::String || v.kind != Value::Kind::Str) {
      fail(start, "expected 'name = value', found an expression on its own");
    }
    // A bare string on its own (a docstring) means nothing: skipped.
  }

  // --- expressions -------------------------------------------------------------------------

  Value expression() {
    Nesting guard(*this, peek());
    Value v = arith();
    refuse_after_expression();
    return v;
  }

  // What may legally end an expression is left to the caller; these never may.
  void refuse_after_expression() const {
    const Token& t = peek();
    if (t.kind == Tok::Name) {
      if (t.text == "for") fail(t, "comprehensions are not allowed; write the values out");
      if (t.text == "if" || t.text == "else") fail(t, "conditional expressions ('a if c else b') are not allowed");
      if (t.text == "and" || t.text == "or" || t.text == "in" || t.text == "is" || t.text == "not") {
        fail(t, "'" + t.text + "' is not allowed: boolean and comparison operators would need Python");
      }
      return;
    }
    if (t.kind != Tok::Op) return;
    static const std::set<std::string> comparisons = {"==", "!=", "<", ">", "<=", ">="};
    if (comparisons.count(t.text)) fail(t, "comparison '" + t.text + "' is not allowed");
    if (t.text == ".") fail(t, "attribute access ('.') is not allowed");
    if (t.text == "[") fail(t, "subscripts ('x[...]') are not allowed");
    if (t.text == "(") fail(t, "calls are not allowed, except dict(...) and range(...)");
    if (t.text == ":=") fail(t, "assignment expressions (':=') are not allowed");
    static const std::set<std::string> others = {"&", "|", "^", "<<", ">>", "@", "~", "->", "..."};
    if (others.count(t.text)) fail(t, "operator '" + t.text + "' is not allowed");
  }

  Value arith() {
    Value v = term();
    while (is_op(peek(), "+") || is_op(peek(), "-")) {
      const Token op = next();
      Value rhs = term();
      v = binary(op, std::move(v), std::move(rhs));
    }
    return v;
  }

  Value term() {
    Value v = unary();
    while (is_op(peek(), "*") || is_op(peek(), "/") || is_op(peek(), "//") || is_op(peek(), "%")) {
      const Token op = next();
      Value rhs = unary();
      v = binary(op, std::move(v), std::move(rhs));
    }
    return v;
  }

  // Signs are gathered in a loop, so "- - - 1" costs no recursion.
  Value unary() {
    std::vector<Token> signs;
    while (is_op(peek(), "-") || is_op(peek(), "+") || is_op(peek(), "~")) {
      if (is_op(peek(), "~")) fail(peek(), "operator '~' is not allowed");
      signs.push_back(next());
      charge(1, signs.back());
    }
    Value v = power();
    for (auto it = signs.rbegin(); it != signs.rend(); ++it) {
      if (!is_number(v)) fail(*it, std::string("unary '") + it->text + "' needs a number, found " + kind_name(v.kind));
      if (it->text == "+") continue;
      if (v.kind == Value::Kind::Float) {
        v.f = -v.f;
      } else {
        if (v.i == std::numeric_limits<int64_t>::min()) fail(*it, "integer overflow (64 bits)");
        v.i = -v.i;
      }
      v.line = it->line;
      v.col = it->col;
    }
    return v;
  }

  Value power() {
    Value base = atom();
    if (!is_op(peek(), "**")) return base;
    const Token op = next();
    Nesting guard(*this, op);
    Value exponent = unary();
    return binary(op, std::move(base), std::move(exponent));
  }

  Value atom() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::Number: {
        const Token& n = next();
        Value v = make(n.is_float ? Value::Kind::Float : Value::Kind::Int, n);
        if (n.is_float) {
          v.f = std::strtod(n.text.c_str(), nullptr);
        } else {
          v.i = std::strtoll(n.text.c_str(), nullptr, 10);
        }
        return v;
      }
      case Tok::String: {
        Value v = make(Value::Kind::Str, t);
        while (peek().kind == Tok::String) {  // 'a' 'b' is 'ab', as in Python
          v.s += next().text;
          if (v.s.size() > PythonConfig::kMaxStringBytes) fail(v, "string longer than 1 MiB");
        }
        size_string(v, t);
        return v;
      }
      case Tok::Name: return name();
      case Tok::Op: break;
      case Tok::Newline:
      case Tok::Indent:
      case Tok::End: fail(t, "expected a value, found " + describe(t));
    }
    if (is_op(t, "(")) return parenthesised();
    if (is_op(t, "[")) return list();
    if (is_op(t, "{")) return dict_literal();
    if (is_op(t, "*") || is_op(t, "**")) fail(t, "unpacking ('" + t.text + "') is not allowed");
    fail(t, "expected a value, found " + describe(t));
  }

  Value name() {
    const Token& t = next();
    if (t.text == "True" || t.text == "False") {
      Value v = make(Value::Kind::Bool, t);
      v.b = t.text == "True";
      return v;
    }
    if (t.text == "None") return make(Value::Kind::None, t);
    if (t.text == "lambda") fail(t, "lambda is not allowed: a config holds values, not functions");
    if (t.text == "not") fail(t, "'not' is not allowed: boolean operators would need Python");
    if (python_keywords().count(t.text)) fail(t, "unexpected '" + t.text + "'");
    if (is_op(peek(), ".")) fail(peek(), "attribute access ('" + t.text + ".') is not allowed");
    if (t.text == "dict" || t.text == "range") {
      if (!is_op(peek(), "(")) fail(t, "'" + t.text + "' can only be called: " + t.text + "(...)");
      ++i_;
      return t.text == "dict" ? dict_call(t) : range_call(t);
    }
    if (is_op(peek(), "(")) {
      fail(t, "calling '" + t.text + "' is not allowed: the only calls are dict(...) and range(...)");
    }
    const auto it = names_.find(t.text);
    if (it == names_.end()) {
      refuse_after_expression();  // "[i for i in ...]" is about the comprehension, not about i
      fail(t, "name '" + t.text + "' is not defined (a config can use only names assigned above it)");
    }
    charge(it->second.nodes, t);
    Value v = it->second;
    v.line = t.line;
    v.col = t.col;
    return v;
  }

  Value parenthesised() {
    const Token& open = next();
    if (is_op(peek(), ")")) {
      ++i_;
      Value v = make(Value::Kind::List, open);
      finish(v, open);
      return v;
    }
    Value first = expression();
    if (is_op(peek(), ")")) {
      ++i_;
      return first;  // (x) is x
    }
    if (!is_op(peek(), ",")) fail(peek(), "expected ',' or ')' in a tuple, found " + describe(peek()));
    Value v = make(Value::Kind::List, open);
    v.items.push_back(std::move(first));
    sequence_rest(v, ")", "a tuple");
    finish(v, open);
    return v;
  }

  Value list() {
    const Token& open = next();
    Value v = make(Value::Kind::List, open);
    if (is_op(peek(), "]")) {
      ++i_;
    } else {
      v.items.push_back(expression());
      if (!is_op(peek(), ",") && !is_op(peek(), "]")) {
        fail(peek(), "expected ',' or ']' in a list, found " + describe(peek()));
      }
      sequence_rest(v, "]", "a list");
    }
    finish(v, open);
    return v;
  }

  // After a sequence's first element, at ',' or the closing bracket: the rest of it.
  void sequence_rest(Value& v, const char* close, const char* what) {
    while (true) {
      if (is_op(peek(), close)) {
        ++i_;
        return;
      }
      expect(",", std::string("between the elements of ") + what);
      if (is_op(peek(), close)) {
        ++i_;
        return;
      }
      v.items.push_back(expression());
    }
  }

  void add_entry(Value& dict, const Token& key_token, std::string key, Value value, const char* duplicate) {
    if (std::find(dict.keys.begin(), dict.keys.end(), key) != dict.keys.end()) {
      fail(key_token, std::string(duplicate) + " '" + key + "' repeated");
    }
    dict.keys.push_back(std::move(key));
    dict.key_positions.emplace_back(key_token.line, key_token.col);
    dict.items.push_back(std::move(value));
  }

  Value dict_literal() {
    const Token& open = next();
    Value v = make(Value::Kind::Dict, open);
    while (!is_op(peek(), "}")) {
      const Token key_token = peek();
      const Value key = expression();
      if (is_op(peek(), ",") || is_op(peek(), "}")) fail(key_token, "sets are not allowed ({a, b}); a dict needs 'key': value");
      if (key.kind != Value::Kind::Str) {
        fail(key_token, std::string("dict keys must be strings, found ") + kind_name(key.kind));
      }
      expect(":", "after a dict key");
      Value value = expression();
      add_entry(v, key_token, key.s, std::move(value), "key");
      if (is_op(peek(), "}")) break;
      expect(",", "between the entries of a dict");
    }
    ++i_;
    finish(v, open);
    return v;
  }

  Value dict_call(const Token& callee) {
    Value v = make(Value::Kind::Dict, callee);
    while (!is_op(peek(), ")")) {
      const Token& t = peek();
      if (is_op(t, "*") || is_op(t, "**")) fail(t, "unpacking ('" + t.text + "') is not allowed in dict(...)");
      if (t.kind != Tok::Name || !is_op(peek(1), "=")) {
        fail(t, "dict(...) takes only keyword arguments (key=value), found " + describe(t));
      }
      const Token key = next();
      ++i_;
      Value value = expression();
      add_entry(v, key, key.text, std::move(value), "keyword argument");
      if (is_op(peek(), ")")) break;
      expect(",", "between the arguments of dict(...)");
    }
    ++i_;
    finish(v, callee);
    return v;
  }

  Value range_call(const Token& callee) {
    std::vector<int64_t> args;
    while (!is_op(peek(), ")")) {
      const Token& at = peek();
      if (at.kind == Tok::Name && is_op(peek(1), "=")) fail(at, "range(...) takes no keyword arguments");
      const Value a = expression();
      if (a.kind != Value::Kind::Int) fail(at, std::string("range(...) needs ints, found ") + kind_name(a.kind));
      args.push_back(a.i);
      if (is_op(peek(), ")")) break;
      expect(",", "between the arguments of range(...)");
    }
    ++i_;
    if (args.empty() || args.size() > 3) {
      fail(callee, "range(...) takes 1 to 3 arguments, found " + std::to_string(args.size()));
    }
    const int64_t start = args.size() == 1 ? 0 : args[0];
    const int64_t stop = args.size() == 1 ? args[0] : args[1];
    const int64_t step = args.size() == 3 ? args[2] : 1;
    if (step == 0) fail(callee, "range(...) step must not be zero");
    const double count = std::max(0.0, std::ceil((static_cast<double>(stop) - static_cast<double>(start)) /
                                                 static_cast<double>(step)));
    if (count > static_cast<double>(PythonConfig::kMaxNodes)) {
      fail(callee, "range(...) of " + float_repr(count) + " values is too large");
    }
    Value v = make(Value::Kind::List, callee);
    charge(static_cast<size_t>(count), callee);
    for (int64_t k = 0; k < static_cast<int64_t>(count); ++k) {
      Value item;
      item.kind = Value::Kind::Int;
      item.i = start + k * step;
      item.line = callee.line;
      item.col = callee.col;
      v.items.push_back(std::move(item));
    }
    finish(v, callee);
    return v;
  }

  // --- operators ---------------------------------------------------------------------------

  Value binary(const Token& op, Value a, Value b) {
    const std::string& o = op.text;
    const bool same_kind = a.kind == b.kind;
    if (o == "+" && same_kind && a.kind == Value::Kind::Str) {
      if (a.s.size() + b.s.size() > PythonConfig::kMaxStringBytes) fail(op, "string longer than 1 MiB");
      a.s += b.s;
      size_string(a, op);
      return a;
    }
    if (o == "+" && same_kind && a.kind == Value::Kind::List) {
      for (auto& item : b.items) a.items.push_back(std::move(item));
      finish(a, op);
      return a;
    }
    if (o == "%" && a.kind == Value::Kind::Str) fail(op, "string formatting ('%') is not allowed");
    if (!is_number(a) || !is_number(b)) {
      fail(op, "operator '" + o + "' cannot combine " + kind_name(a.kind) + " and " + kind_name(b.kind) +
                   (o == "+" ? " (+ adds numbers, or joins two strings or two lists)" : ""));
    }
    Value r = a;
    const bool ints = a.kind == Value::Kind::Int && b.kind == Value::Kind::Int;
    auto overflow = [&]() { fail(op, "integer overflow (64 bits)"); };
    if (ints && (o == "+" || o == "-" || o == "*")) {
      bool bad = o == "+" ? __builtin_add_overflow(a.i, b.i, &r.i)
                 : o == "-" ? __builtin_sub_overflow(a.i, b.i, &r.i)
                            : __builtin_mul_overflow(a.i, b.i, &r.i);
      if (bad) overflow();
      return r;
    }
    if ((o == "/" || o == "//" || o == "%") && as_double(b) == 0) fail(op, "division by zero");
    if (ints && (o == "//" || o == "%")) {
      if (a.i == std::numeric_limits<int64_t>::min() && b.i == -1) overflow();
      int64_t q = a.i / b.i, m = a.i % b.i;
      if (m != 0 && ((m < 0) != (b.i < 0))) {  // Python rounds toward minus infinity
        q -= 1;
        m += b.i;
      }
      r.i = o == "//" ? q : m;
      return r;
    }
    if (ints && o == "**" && b.i >= 0) {
      int64_t result = 1, base = a.i;
      for (int64_t e = b.i; e > 0; e >>= 1) {
        if ((e & 1) && __builtin_mul_overflow(result, base, &result)) overflow();
        if (e > 1 && __builtin_mul_overflow(base, base, &base)) overflow();
      }
      r.i = result;
      return r;
    }
    const double x = as_double(a), y = as_double(b);
    r.kind = Value::Kind::Float;
    if (o == "+") r.f = x + y;
    if (o == "-") r.f = x - y;
    if (o == "*") r.f = x * y;
    if (o == "/") r.f = x / y;
    if (o == "//") r.f = std::floor(x / y);
    if (o == "%") {
      r.f = std::fmod(x, y);
      if (r.f != 0 && ((r.f < 0) != (y < 0))) r.f += y;
    }
    if (o == "**") {
      if (x == 0 && y < 0) fail(op, "0 cannot be raised to a negative power");
      r.f = std::pow(x, y);
      if (std::isnan(r.f)) fail(op, "a negative number to a fractional power is not a real number");
      if (std::isinf(r.f)) fail(op, "'**' overflows a float");
    }
    return r;
  }

  // --- the tree ------------------------------------------------------------------------------

  static YAML::Node to_yaml(const Value& v, const std::string& path,
                            std::map<std::string, std::pair<int, int>>& positions) {
    switch (v.kind) {
      case Value::Kind::None: return YAML::Node(YAML::NodeType::Null);
      case Value::Kind::Bool: return YAML::Node(std::string(v.b ? "true" : "false"));
      case Value::Kind::Int: return YAML::Node(std::to_string(v.i));
      case Value::Kind::Float: return YAML::Node(float_repr(v.f));
      case Value::Kind::Str: {
        YAML::Node node(v.s);
        node.SetTag("!");  // quoted: a string whatever it looks like
        return node;
      }
      case Value::Kind::List: {
        YAML::Node node(YAML::NodeType::Sequence);
        for (size_t k = 0; k < v.items.size(); ++k) {
          const std::string child = path + "[" + std::to_string(k) + "]";
          positions[child] = {v.items[k].line, v.items[k].col};
          node.push_back(to_yaml(v.items[k], child, positions));
        }
        return node;
      }
      case Value::Kind::Dict: {
        YAML::Node node(YAML::NodeType::Map);
        for (size_t k = 0; k < v.items.size(); ++k) {
          const std::string child = path.empty() ? v.keys[k] : path + "." + v.keys[k];
          positions[child] = v.key_positions[k];
          node.force_insert(v.keys[k], to_yaml(v.items[k], child, positions));
        }
        return node;
      }
    }
    return YAML::Node();
  }

  std::vector<Token> t_;
  const std::string& file_;
  size_t i_ = 0;
  int nesting_ = 0;
  size_t nodes_ = 0;
  std::map<std::string, Value> names_;
  std::vector<std::string> order_;
};

}  // namespace

PythonConfig parse_python_config(const std::string& text, const std::string& file) {
  return Parser(python_config::tokenize(text, file), file).run();
}

}  // namespace ghmdet
