// COCO "instances" annotation files (data/coco_json.h), with and without the id cross-checks.
#include <cstdint>
#include <string_view>

#include "ghmdet/core/error.h"
#include "ghmdet/data/coco_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const bool check : {true, false}) {
    try {
      ghmdet::parse_coco_json(text, "fuzz.json", check);
    } catch (const ghmdet::Error&) {
    }
  }
  return 0;
}
