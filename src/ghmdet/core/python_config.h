// Python-format configs (`cfg_retinanet_ghm_r50_fpn_1x.py`, as the GHM authors and mmdetection
// write them), read without a Python interpreter into the tree a YAML config gives.
//
// Accepted, and nothing else:
//  * top-level `name = value` lines (`;` separates several on a line); each becomes a key of the
//    tree in order of first assignment (names starting with "__" are kept out, as mmcv does);
//    a bare string statement (a docstring) is skipped;
//  * values: dict(key=value, ...) and {'key': value, ...} (maps), [..] and (..) (lists),
//    strings ('..', "..", triple-quoted, r/u prefixes, adjacent literals joined), ints, floats,
//    True / False / None, names assigned on an earlier line, range(stop) / range(start, stop
//    [, step]);
//  * operators: + - * / // % ** and unary - +, on numbers; + joins two strings or two lists;
//  * comments, blank lines, line continuation inside brackets or after a backslash.
// Everything else (import, attribute access, subscripts, calls other than dict and range,
// lambdas, comprehensions, conditionals, comparisons, f-strings, indented lines, ...) is refused
// with ghmdet::Error "<file>:<line>:<col>: <what>", as are unknown names, unclosed brackets and
// unterminated strings.
//
// Types map as YAML's: a string becomes a quoted scalar (a string for every reader), an int its
// decimal text, a float Python's repr ("0.3333333333333333", "1e-05", "2.0"), a bool true/false,
// None null, a tuple a list. Hostile input is bounded: nesting deeper than kMaxNesting (in the
// text, or built up through names), more than kMaxNodes values or strings longer than
// kMaxStringBytes are errors, never a stack overflow or an exhausted memory.
//
// The tokens come from core/python_tokens.h; this file evaluates them.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <map>
#include <string>
#include <utility>

namespace ghmdet {

struct PythonConfig {
  static constexpr int kMaxNesting = 100;
  static constexpr size_t kMaxNodes = 1000000;
  static constexpr size_t kMaxStringBytes = 1 << 20;

  YAML::Node root;  // a map; its nodes carry no YAML marks
  // Where each node was written, 1-based (line, column), by Config key path ("model.neck",
  // "data.train.img_scale[0]"): a map entry's position is its key's, a list element's its own.
  std::map<std::string, std::pair<int, int>> positions;
};

// `text` is the contents of `file`, which names it in errors.
PythonConfig parse_python_config(const std::string& text, const std::string& file);

}  // namespace ghmdet
