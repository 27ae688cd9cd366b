#include "ghmdet/data/text_location.h"

#include <algorithm>

namespace ghmdet {

TextLocation locate_offset(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  TextLocation loc;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++loc.line;
      line_start = i + 1;
    }
  }
  loc.column = offset - line_start + 1;
  return loc;
}

}  // namespace ghmdet
