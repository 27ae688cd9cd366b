#include "ghmdet/data/gzip_file.h"

#include <zlib.h>

#include <filesystem>

#include "ghmdet/core/error.h"

namespace ghmdet {

std::vector<uint8_t> read_gzip_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(path + ": file not found");
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw Error(path + ": cannot open");
  std::vector<uint8_t> out;
  std::vector<uint8_t> chunk(1 << 20);
  while (true) {
    const int n = gzread(f, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (n < 0) {
      int code = 0;
      const std::string msg = gzerror(f, &code);
      gzclose(f);
      throw Error(path + ": corrupt gzip data (" + msg + ")");
    }
    if (n == 0) break;
    out.insert(out.end(), chunk.begin(), chunk.begin() + n);
  }
  // gzclose reports a truncated stream (Z_BUF_ERROR) that gzread let through as end of file.
  const int rc = gzclose(f);
  if (rc != Z_OK) throw Error(path + ": truncated or corrupt gzip data (zlib error " + std::to_string(rc) + ")");
  return out;
}

}  // namespace ghmdet
