// TextLocation — 1-based line and column of a byte offset in a text buffer, for error messages
// about annotation files (JSON, XML) whose parsers report only byte offsets.
//
// Columns count bytes, not characters (as most editors' "byte column"); a CR-LF pair is one line
// break. Only used on error paths, so a linear scan is fine.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ghmdet {

struct TextLocation {
  size_t line = 1;
  size_t column = 1;
  std::string str() const { return std::to_string(line) + ":" + std::to_string(column); }
};

TextLocation locate_offset(std::string_view text, size_t offset);

}  // namespace ghmdet
