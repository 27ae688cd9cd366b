#include "ghmdet/data/idx_file.h"

#include "ghmdet/core/error.h"
#include "ghmdet/data/gzip_file.h"

namespace ghmdet {

IdxArray read_idx_file(const std::string& path) {
  std::vector<uint8_t> bytes = read_gzip_file(path);
  if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0)
    throw Error(path + ": not an IDX file (bad magic number)");
  if (bytes[2] != 0x08) throw Error(path + ": IDX element type " + std::to_string(bytes[2]) + " is not uint8");
  const int ndim = bytes[3];
  if (ndim < 1 || bytes.size() < 4 + 4 * static_cast<size_t>(ndim)) throw Error(path + ": truncated IDX header");
  IdxArray out;
  size_t count = 1;
  for (int d = 0; d < ndim; ++d) {
    const uint8_t* p = bytes.data() + 4 + 4 * d;
    const int64_t n = (int64_t{p[0]} << 24) | (int64_t{p[1]} << 16) | (int64_t{p[2]} << 8) | p[3];
    out.shape.push_back(n);
    // A product that wraps around could equal the data size while the shape claims far more.
    if (__builtin_mul_overflow(count, static_cast<size_t>(n), &count)) {
      throw Error(path + ": IDX header sizes overflow (dimension " + std::to_string(d) + " is " +
                  std::to_string(n) + ")");
    }
  }
  const size_t header = 4 + 4 * static_cast<size_t>(ndim);
  if (bytes.size() - header != count)
    throw Error(path + ": IDX data has " + std::to_string(bytes.size() - header) + " bytes, header says " +
                std::to_string(count));
  out.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return out;
}

}  // namespace ghmdet
