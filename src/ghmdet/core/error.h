// ghmdet::Error — the one exception type GHMDet throws for bad input.
//
// Every message names what is at fault: the file, the key or field, and (when known) the line
// and column, so a user can fix the input without reading the source. Programming errors
// inside the library still use TORCH_CHECK / c10::Error.
#pragma once

#include <stdexcept>
#include <string>

namespace ghmdet {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace ghmdet
