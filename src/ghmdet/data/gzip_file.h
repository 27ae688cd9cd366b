// read_gzip_file — the decompressed content of a .gz file (the Fashion-MNIST IDX files).
//
// zlib is loaded at run time (dlopen "libz.so.1", present wherever OpenCV is) because the build's
// dependency set does not link it; the functions used are zlib's stable gz* API. Files that are
// not gzip-compressed are returned as they are (zlib's transparent mode). Errors (missing file,
// corrupt or truncated stream, zlib unavailable) are ghmdet::Error naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ghmdet {

std::vector<uint8_t> read_gzip_file(const std::string& path);

}  // namespace ghmdet
