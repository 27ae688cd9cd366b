// COCO results files (evaluation/results_io.h).
#include <cstdint>

#include "fuzz_input.h"
#include "ghmdet/core/error.h"
#include "ghmdet/evaluation/results_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ghmdet::fuzz::write_input("results.json", data, size);
  try {
    ghmdet::read_coco_results(path);
  } catch (const ghmdet::Error&) {
  }
  return 0;
}
