// Pascal VOC annotation XML files (data/voc_xml.h).
#include <cstdint>

#include "fuzz_input.h"
#include "ghmdet/core/error.h"
#include "ghmdet/data/voc_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ghmdet::fuzz::write_input("annotation.xml", data, size);
  try {
    ghmdet::read_voc_xml(path);
  } catch (const ghmdet::Error&) {
  }
  return 0;
}
