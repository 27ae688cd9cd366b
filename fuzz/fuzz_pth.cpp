// The .pth reader: zip container, legacy container, the pickle machine and the checkpoint
// conversions (state dict, optimizer, meta as JSON). Bad input must be a ghmdet::Error; any
// other exception, crash, sanitizer report, or allocation beyond -malloc_limit_mb is a finding.
#include <cstdint>

#include "fuzz_input.h"
#include "ghmdet/core/error.h"
#include "ghmdet/io/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ghmdet::fuzz::write_input("input.pth", data, size);
  try {
    ghmdet::load_checkpoint(path);
  } catch (const ghmdet::Error&) {
  }
  return 0;
}
