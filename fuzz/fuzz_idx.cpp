// IDX files (the Fashion-MNIST format), plain or gzip-compressed (data/idx_file.h,
// data/gzip_file.h: zlib reads both). A returned array must hold exactly the bytes its shape
// claims.
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.h"
#include "ghmdet/core/error.h"
#include "ghmdet/data/idx_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ghmdet::fuzz::write_input("images-idx3-ubyte.gz", data, size);
  try {
    const ghmdet::IdxArray a = ghmdet::read_idx_file(path);
    unsigned __int128 count = 1;
    for (const int64_t n : a.shape) {
      if (n < 0) std::abort();
      count *= static_cast<uint64_t>(n);
      if (count > a.data.size()) count = a.data.size() + 1;  // stays above once above
    }
    if (count != a.data.size()) std::abort();
  } catch (const ghmdet::Error&) {
  }
  return 0;
}
