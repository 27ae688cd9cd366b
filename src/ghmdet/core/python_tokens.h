// The tokens of a Python-format config (core/python_config.h): names, numbers, strings,
// operators, and the ends of top-level lines. Inside brackets and after a backslash, lines
// continue; comments and blank lines vanish; an indented top-level line starts with an Indent
// token (refused by the parser, which can then blame a `def` before its body). A string's
// escapes are decoded here, a number's text is checked here.
//
// Errors (unterminated string, unclosed or mismatched bracket, unknown character, invalid
// number) are ghmdet::Error "<file>:<line>:<col>: <what>". Brackets nest at most
// 4 x PythonConfig::kMaxNesting deep and strings hold at most PythonConfig::kMaxStringBytes.
#pragma once

#include <string>
#include <vector>

namespace ghmdet::python_config {

enum class Tok { Name, Number, String, Op, Newline, Indent, End };

struct Token {
  Tok kind;
  std::string text;  // a name, an operator, a number's digits, a string's decoded value
  int line = 0;
  int col = 0;
  bool is_float = false;  // numbers
};

std::string position(int line, int col);  // "line:col"
std::string describe(const Token& t);     // for messages: "'dict'", "the number 2", ...

// The tokens of `text` (the contents of `file`), ending with Tok::End.
std::vector<Token> tokenize(const std::string& text, const std::string& file);

}  // namespace ghmdet::python_config
