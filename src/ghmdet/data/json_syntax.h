// find_json_syntax_error — locates the first syntax error in a JSON text.
//
// simdjson rejects malformed or truncated documents quickly but (in its structural pass) without
// saying where. This slow, exact scanner runs only after simdjson has failed, to turn "TAPE_ERROR"
// into "line 12, column 7: expected ',' or '}'". Iterative (no recursion), so deeply nested input
// cannot overflow the stack.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ghmdet {

struct JsonSyntaxError {
  size_t offset;        // byte offset of the offending character (== size for truncation)
  std::string message;  // what was expected or found
};

// std::nullopt when `text` is one well-formed JSON value (surrounded by optional whitespace).
std::optional<JsonSyntaxError> find_json_syntax_error(std::string_view text);

}  // namespace ghmdet
