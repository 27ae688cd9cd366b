// Image files (data/image_file.h): the header reader and truncation check GHMDet runs on a
// file's bytes before OpenCV decodes it, then read_image() itself. A decoded image must be 8-bit
// BGR within the pixel limit, of the size its header declares when GHMDet read one. OpenCV and its codecs are not instrumented: a bug inside them
// shows as a crash or a hang, not a sanitizer report.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <opencv2/core.hpp>

#include "fuzz_input.h"
#include "ghmdet/core/error.h"
#include "ghmdet/data/image_file.h"

namespace {
// 4 megapixels: the header check must refuse anything larger before decoding.
constexpr int64_t kMaxPixels = int64_t{1} << 22;
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Formats without a header check (TIFF, JPEG 2000, ...) are bounded by OpenCV's own limit,
  // read at its first decode: keep it at the harness's so a large declared size is not a finding
  // of the malloc limit.
  ::setenv("OPENCV_IO_MAX_IMAGE_PIXELS", "4194304", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const ghmdet::ImageHeader header = ghmdet::read_image_header(bytes);
  if (!header.format.empty()) (void)ghmdet::image_truncation(bytes, header);
  const std::string path = ghmdet::fuzz::write_input("image", data, size);
  try {
    const cv::Mat img = ghmdet::read_image(path, kMaxPixels);
    if (img.empty() || img.type() != CV_8UC3) std::abort();
    if (static_cast<int64_t>(img.rows) * img.cols > kMaxPixels) std::abort();
    if (!header.format.empty() && (img.cols != header.width || img.rows != header.height)) std::abort();
  } catch (const ghmdet::Error&) {
  }
  return 0;
}
