#include "ghmdet/core/python_config.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <set>
#include <vector>

#include "ghmdet/core/error.h"

namespace ghmdet {

namespace {

// --- tokens ----------------------------------------------------------------------------------

enum class Tok { Name, Number, String, Op, Newline, Indent, End };

struct Token {
  Tok kind;
  std::string text;  // a name, an operator, a number's digits, a string's decoded value
  int line = 0;
  int col = 0;
  bool is_float = false;  // numbers
};

std::string position(int line, int col) { return std::to_string(line) + ":" + std::to_string(col); }

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::Name: return "'" + t.text + "'";
    case Tok::Number: return "the number " + t.text;
    case Tok::String: return "a string";
    case Tok::Op: return "'" + t.text + "'";
    case Tok::Newline: return "the end of the line";
    case Tok::Indent: return "an indented line";
    case Tok::End: return "the end of the file";
  }
  return "?";
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Lexer {
 public:
  Lexer(const std::string& text, const std::string& file) : s_(text), file_(file) {}

  std::vector<Token> run() {
    if (s_.compare(0, 3, "\xEF\xBB\xBF") == 0) i_ = 3;  // a UTF-8 byte order mark, as Python skips it
    bool line_start = true;
    while (true) {
      if (line_start && brackets_.empty()) {
        if (skip_blank_line()) continue;
        line_start = false;
      }
      if (at_end()) break;
      const char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\f' || c == '\r') {
        advance(1);
      } else if (c == '#') {
        while (!at_end() && s_[i_] != '\n') advance(1);
      } else if (c == '\\') {
        size_t j = i_ + 1;
        if (j < s_.size() && s_[j] == '\r') ++j;
        if (j >= s_.size() || s_[j] != '\n') fail(line_, col_, "unexpected '\\' (a line continuation ends the line)");
        advance(j + 1 - i_);
      } else if (c == '\n') {
        if (brackets_.empty()) {
          newline();
          line_start = true;
        }
        advance(1);
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 (c == '.' && i_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_ + 1])))) {
        number();
      } else if (is_name_start(c)) {
        name_or_string();
      } else if (c == '\'' || c == '"') {
        string_literal(line_, col_, false);
      } else {
        op();
      }
    }
    if (!brackets_.empty()) {
      const Token& open = brackets_.back();
      fail(open.line, open.col, "'" + open.text + "' was never closed");
    }
    newline();
    out_.push_back(Token{Tok::End, "", line_, col_});
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(int line, int col, const std::string& message) const {
    throw Error(file_ + ":" + position(line, col) + ": " + message);
  }

  bool at_end() const { return i_ >= s_.size(); }

  void advance(size_t n) {
    for (size_t k = 0; k < n && i_ < s_.size(); ++k, ++i_) {
      if (s_[i_] == '\n') {
        ++line_;
        col_ = 1;
      } else {
        ++col_;
      }
    }
  }

  void newline() {
    if (!out_.empty() && out_.back().kind != Tok::Newline) out_.push_back(Token{Tok::Newline, "", line_, col_});
  }

  // At the start of a top-level line: skips it when blank or a comment (returns true), else
  // leaves the position at the statement (returns false), after an Indent token when the line
  // is indented (the parser refuses it there, so that "def f():" is blamed before its body).
  bool skip_blank_line() {
    const int line = line_;
    while (!at_end() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\f')) advance(1);
    if (at_end()) return false;
    if (s_[i_] == '#' || s_[i_] == '\n' || s_[i_] == '\r') {
      while (!at_end() && s_[i_] != '\n') advance(1);
      advance(1);
      return true;
    }
    if (col_ != 1) out_.push_back(Token{Tok::Indent, "", line, col_});
    return false;
  }

  void number() {
    const int line = line_, col = col_;
    const size_t start = i_;
    std::string digits;
    bool is_float = false;
    auto take_digits = [&](auto&& pred) {
      while (!at_end() && (pred(s_[i_]) || s_[i_] == '_')) {
        if (s_[i_] != '_') digits += s_[i_];
        advance(1);
      }
    };
    auto is_dec = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
    int base = 10;
    if (s_[i_] == '0' && i_ + 1 < s_.size() && std::string("xXoObB").find(s_[i_ + 1]) != std::string::npos) {
      const char kind = static_cast<char>(std::tolower(static_cast<unsigned char>(s_[i_ + 1])));
      base = kind == 'x' ? 16 : kind == 'o' ? 8 : 2;
      advance(2);
      take_digits([](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
    } else {
      take_digits(is_dec);
      if (!at_end() && s_[i_] == '.') {
        is_float = true;
        digits += '.';
        advance(1);
        take_digits(is_dec);
      }
      if (!at_end() && (s_[i_] == 'e' || s_[i_] == 'E')) {
        is_float = true;
        digits += 'e';
        advance(1);
        if (!at_end() && (s_[i_] == '+' || s_[i_] == '-')) {
          digits += s_[i_];
          advance(1);
        }
        const size_t before = digits.size();
        take_digits(is_dec);
        if (digits.size() == before) fail(line, col, "invalid number '" + s_.substr(start, i_ - start) + "'");
      }
    }
    if (!at_end() && is_name_char(s_[i_])) {
      size_t end = i_;
      while (end < s_.size() && is_name_char(s_[end])) ++end;
      fail(line, col, "invalid number '" + s_.substr(start, end - start) + "'");
    }
    Token t{Tok::Number, digits, line, col, is_float};
    if (!is_float) {
      errno = 0;
      char* end = nullptr;
      const long long value = std::strtoll(digits.c_str(), &end, base);
      if (digits.empty() || *end != '\0') fail(line, col, "invalid number '" + s_.substr(start, i_ - start) + "'");
      if (errno == ERANGE) fail(line, col, "integer " + s_.substr(start, i_ - start) + " is too large (64 bits)");
      t.text = std::to_string(value);
    }
    out_.push_back(std::move(t));
  }

  void name_or_string() {
    const int line = line_, col = col_;
    const size_t start = i_;
    while (!at_end() && is_name_char(s_[i_])) advance(1);
    std::string name = s_.substr(start, i_ - start);
    if (!at_end() && (s_[i_] == '\'' || s_[i_] == '"') && name.size() <= 2) {
      std::string prefix = name;
      std::transform(prefix.begin(), prefix.end(), prefix.begin(), ::tolower);
      if (prefix == "r" || prefix == "u") {
        string_literal(line, col, prefix == "r");
        return;
      }
      if (std::set<std::string>{"b", "f", "rb", "br", "fr", "rf"}.count(prefix)) {
        fail(line, col, "'" + name + "' strings are not allowed (f-strings and bytes would need Python)");
      }
    }
    out_.push_back(Token{Tok::Name, std::move(name), line, col});
  }

  void string_literal(int line, int col, bool raw) {
    const char quote = s_[i_];
    const bool triple = i_ + 2 < s_.size() && s_[i_ + 1] == quote && s_[i_ + 2] == quote;
    advance(triple ? 3 : 1);
    std::string value;
    while (true) {
      if (at_end() || (!triple && s_[i_] == '\n')) fail(line, col, "unterminated string");
      const char c = s_[i_];
      if (c == quote && (!triple || (i_ + 2 < s_.size() && s_[i_ + 1] == quote && s_[i_ + 2] == quote))) {
        advance(triple ? 3 : 1);
        break;
      }
      if (c != '\\') {
        value += c;
        advance(1);
      } else if (raw) {
        value += c;
        advance(1);
        if (!at_end()) {
          value += s_[i_];
          advance(1);
        }
      } else {
        escape(value);
      }
      if (value.size() > PythonConfig::kMaxStringBytes) fail(line, col, "string longer than 1 MiB");
    }
    out_.push_back(Token{Tok::String, std::move(value), line, col});
  }

  // Decodes the escape sequence at i_ (a backslash) into `out`, as Python does.
  void escape(std::string& out) {
    const int line = line_, col = col_;
    advance(1);
    if (at_end()) fail(line, col, "unterminated string");
    const char e = s_[i_];
    advance(1);
    auto hex_digits = [&](int n) {
      uint32_t cp = 0;
      for (int k = 0; k < n; ++k) {
        if (at_end() || !std::isxdigit(static_cast<unsigned char>(s_[i_]))) {
          fail(line, col, std::string("truncated \\") + e + " escape");
        }
        cp = cp * 16 + static_cast<uint32_t>(std::stoi(std::string(1, s_[i_]), nullptr, 16));
        advance(1);
      }
      return cp;
    };
    switch (e) {
      case '\n': return;  // a continued line
      case '\r':
        if (!at_end() && s_[i_] == '\n') advance(1);
        return;
      case '\\': out += '\\'; return;
      case '\'': out += '\''; return;
      case '"': out += '"'; return;
      case 'n': out += '\n'; return;
      case 't': out += '\t'; return;
      case 'r': out += '\r'; return;
      case 'a': out += '\a'; return;
      case 'b': out += '\b'; return;
      case 'f': out += '\f'; return;
      case 'v': out += '\v'; return;
      case 'x': append_utf8(out, hex_digits(2)); return;
      case 'u': append_utf8(out, hex_digits(4)); return;
      case 'U': {
        const uint32_t cp = hex_digits(8);
        if (cp > 0x10FFFF) fail(line, col, "\\U escape beyond U+10FFFF");
        append_utf8(out, cp);
        return;
      }
      case 'N': fail(line, col, "\\N{...} escapes are not supported");
      default: break;
    }
    if (e >= '0' && e <= '7') {
      uint32_t cp = static_cast<uint32_t>(e - '0');
      for (int k = 0; k < 2 && !at_end() && s_[i_] >= '0' && s_[i_] <= '7'; ++k) {
        cp = cp * 8 + static_cast<uint32_t>(s_[i_] - '0');
        advance(1);
      }
      append_utf8(out, cp);
      return;
    }
    out += '\\';  // an unknown escape keeps its backslash, as in Python
    out += e;
  }

  void op() {
    const int line = line_, col = col_;
    static const std::vector<std::string> ops = {
        "**=", "//=", ">>=", "<<=", "...", "**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=",
        "%=",  "&=",  "|=",  "^=",  "->",  ":=", "<<", ">>", "@=", "(",  ")",  "[",  "]",  "{",  "}",
        ",",   ":",   ";",   ".",   "=",   "+",  "-",  "*",  "/",  "%",  "<",  ">",  "&",  "|",  "^",
        "~",   "@"};
    for (const auto& o : ops) {
      if (s_.compare(i_, o.size(), o) != 0) continue;
      advance(o.size());
      Token t{Tok::Op, o, line, col};
      if (o == "(" || o == "[" || o == "{") {
        if (static_cast<int>(brackets_.size()) >= 4 * PythonConfig::kMaxNesting) {
          fail(line, col, "brackets nested too deeply (more than " +
                              std::to_string(PythonConfig::kMaxNesting) + " levels)");
        }
        brackets_.push_back(t);
      } else if (o == ")" || o == "]" || o == "}") {
        if (brackets_.empty()) fail(line, col, "unmatched '" + o + "'");
        const Token& open = brackets_.back();
        const std::string want = open.text == "(" ? ")" : open.text == "[" ? "]" : "}";
        if (o != want) {
          fail(line, col, "closing '" + o + "' does not match '" + open.text + "' opened at " +
                              position(open.line, open.col));
        }
        brackets_.pop_back();
      }
      out_.push_back(std::move(t));
      return;
    }
    const unsigned char c = static_cast<unsigned char>(s_[i_]);
    std::string shown(1, static_cast<char>(c));
    if (c < 0x20 || c >= 0x7F) {
      static const char* hex = "0123456789abcdef";
      shown = std::string("\\x") + hex[c >> 4] + hex[c & 15];
    }
    fail(line, col, "unexpected character '" + shown + "'");
  }

  const std::string& s_;
  const std::string& file_;
  size_t i_ = 0;
  int line_ = 1;
  int col_ = 1;
  std::vector<Token> out_;
  std::vector<Token> brackets_;
};

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
  return Parser(Lexer(text, file).run(), file).run();
}

}  // namespace ghmdet
