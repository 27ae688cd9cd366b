// read_gzip_file — the decompressed content of a .gz file (the Fashion-MNIST IDX files).
//
// Read with zlib's gz* API. Files that are not gzip-compressed are returned as they are (zlib's
// transparent mode). Errors (missing file, corrupt or truncated stream) are ghmdet::Error naming
// the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ghmdet {

std::vector<uint8_t> read_gzip_file(const std::string& path);

}  // namespace ghmdet
