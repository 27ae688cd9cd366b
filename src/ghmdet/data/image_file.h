// Reading image files from strangers: the size an image declares is checked before it is
// decoded, and an image whose data stops early is an error, not a grey patch.
//
// read_image_header() finds the declared width and height in the first bytes of JPEG (SOFn),
// PNG (IHDR), BMP, PNM (P1-P6) and WebP (VP8, VP8L, VP8X) files; other formats OpenCV reads
// (TIFF, JPEG 2000, ...) report format "" and are checked after decoding instead.
// read_image() reads a file as 8-bit BGR and throws ghmdet::Error naming the file when it is
// missing, declares more than `max_pixels` pixels (before any pixel memory is allocated: a
// 2.6 MB PNG may declare 30000x30000), is truncated (a JPEG without its end-of-image marker
// after the first scan, a PNG whose chunks stop before IEND — libjpeg would only warn and fill
// the rest with grey) or cannot be decoded.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>

namespace ghmdet {

// Datasets' max_image_pixels default: 100 megapixels (10000x10000), 300 MB decoded.
constexpr int64_t kDefaultMaxImagePixels = 100'000'000;

struct ImageHeader {
  std::string format;  // "jpeg", "png", "bmp", "pnm", "webp"; "" when not recognised
  int64_t width = 0;   // as declared: zero or negative in a corrupt header
  int64_t height = 0;  // (a BMP's top-down rows already made positive)
};

// From a file's bytes (a prefix suffices); never reads outside them.
ImageHeader read_image_header(const std::string& bytes);

// "" when the encoded data is complete, else why not ("the JPEG data stops before its
// end-of-image marker"); formats without a check pass.
std::string image_truncation(const std::string& bytes, const ImageHeader& header);

cv::Mat read_image(const std::string& path, int64_t max_pixels = kDefaultMaxImagePixels);

}  // namespace ghmdet
