#include "ghmdet/core/python_tokens.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <set>

#include "ghmdet/core/error.h"
#include "ghmdet/core/python_config.h"

namespace ghmdet::python_config {

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

namespace {

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

}  // namespace

std::vector<Token> tokenize(const std::string& text, const std::string& file) { return Lexer(text, file).run(); }

}  // namespace ghmdet::python_config
