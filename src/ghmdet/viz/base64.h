// Base64 (RFC 4648, with padding) — to inline pictures in the report as data: URIs.
#pragma once

#include <string>

namespace ghmdet::viz {

std::string base64_encode(const std::string& bytes);

}  // namespace ghmdet::viz
