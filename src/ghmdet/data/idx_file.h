// IDX files (the MNIST / Fashion-MNIST format), optionally gzipped: big-endian magic
// 0x00 0x00 <type 0x08 = uint8> <ndim>, then ndim big-endian uint32 sizes, then the data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ghmdet {

struct IdxArray {
  std::vector<int64_t> shape;  // e.g. {60000, 28, 28} for images, {60000} for labels
  std::vector<uint8_t> data;   // row-major
};

// Throws ghmdet::Error naming the file for a bad magic number, a non-uint8 type, or sizes
// whose product (computed without overflow) does not match the data.
IdxArray read_idx_file(const std::string& path);

}  // namespace ghmdet
