#include "ghmdet/data/image_file.h"

#include <fmt/format.h>

#include <opencv2/imgcodecs.hpp>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "ghmdet/core/error.h"

namespace ghmdet {
namespace {

// Byte `k` of `b` as unsigned; 0 past the end (every caller checks the length first).
uint32_t at(const std::string& b, size_t k) { return k < b.size() ? static_cast<uint8_t>(b[k]) : 0u; }
uint32_t be16(const std::string& b, size_t k) { return at(b, k) << 8 | at(b, k + 1); }
uint32_t be32(const std::string& b, size_t k) { return be16(b, k) << 16 | be16(b, k + 2); }
uint32_t le16(const std::string& b, size_t k) { return at(b, k) | at(b, k + 1) << 8; }
uint32_t le24(const std::string& b, size_t k) { return le16(b, k) | at(b, k + 2) << 16; }
uint32_t le32(const std::string& b, size_t k) { return le24(b, k) | at(b, k + 3) << 24; }

bool starts_with(const std::string& b, const char* magic, size_t n, size_t offset = 0) {
  return b.size() >= offset + n && std::memcmp(b.data() + offset, magic, n) == 0;
}

const char kPngSignature[] = "\x89PNG\r\n\x1a\n";

// JPEG segments from SOI: the frame size (SOFn) and where the first scan's data starts (just
// past the SOS header); 0 when no scan was found.
struct JpegLayout {
  int64_t width = 0, height = 0;
  size_t scan_start = 0;
};

JpegLayout jpeg_layout(const std::string& b) {
  JpegLayout out;
  size_t pos = 2;
  while (pos + 1 < b.size()) {
    if (at(b, pos) != 0xFF) return out;  // not at a marker: corrupt
    while (pos < b.size() && at(b, pos) == 0xFF) ++pos;  // fill bytes
    if (pos >= b.size()) return out;
    const uint32_t m = at(b, pos++);
    if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue;  // no length
    if (m == 0xD9 || pos + 2 > b.size()) return out;
    const size_t length = be16(b, pos);
    if (length < 2) return out;
    const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (sof && out.width == 0 && pos + 7 <= b.size()) {
      out.height = be16(b, pos + 3);
      out.width = be16(b, pos + 5);
    }
    if (m == 0xDA) {
      out.scan_start = pos + length;
      return out;
    }
    pos += length;
  }
  return out;
}

// PNM header tokens after the magic: whitespace and # comments between them.
bool pnm_size(const std::string& b, int64_t& width, int64_t& height) {
  size_t pos = 2;
  int64_t values[2] = {0, 0};
  for (int64_t& v : values) {
    while (pos < b.size() && (std::isspace(static_cast<unsigned char>(b[pos])) || b[pos] == '#')) {
      if (b[pos] == '#') {
        while (pos < b.size() && b[pos] != '\n') ++pos;
      } else {
        ++pos;
      }
    }
    size_t digits = 0;
    while (pos < b.size() && std::isdigit(static_cast<unsigned char>(b[pos])) && digits < 12) {
      v = v * 10 + (b[pos++] - '0');
      ++digits;
    }
    if (digits == 0) return false;
  }
  width = values[0];
  height = values[1];
  return true;
}

}  // namespace

ImageHeader read_image_header(const std::string& b) {
  ImageHeader h;
  if (starts_with(b, "\xFF\xD8\xFF", 3)) {
    h.format = "jpeg";
    const JpegLayout j = jpeg_layout(b);
    h.width = j.width;
    h.height = j.height;
  } else if (starts_with(b, kPngSignature, 8)) {
    h.format = "png";
    if (starts_with(b, "IHDR", 4, 12) && b.size() >= 24) {
      h.width = be32(b, 16);
      h.height = be32(b, 20);
    }
  } else if (starts_with(b, "BM", 2) && b.size() >= 26) {
    h.format = "bmp";
    if (le32(b, 14) == 12) {  // BITMAPCOREHEADER: 16-bit sizes
      h.width = le16(b, 18);
      h.height = le16(b, 20);
    } else {
      h.width = static_cast<int32_t>(le32(b, 18));
      h.height = static_cast<int32_t>(le32(b, 22));
      if (h.height < 0) h.height = -h.height;  // top-down rows
    }
  } else if (b.size() >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6' &&
             std::isspace(static_cast<unsigned char>(b[2]))) {
    h.format = "pnm";
    if (!pnm_size(b, h.width, h.height)) h.width = h.height = 0;
  } else if (starts_with(b, "RIFF", 4) && starts_with(b, "WEBP", 4, 8) && b.size() >= 30) {
    h.format = "webp";
    if (starts_with(b, "VP8 ", 4, 12)) {
      h.width = le16(b, 26) & 0x3fff;
      h.height = le16(b, 28) & 0x3fff;
    } else if (starts_with(b, "VP8L", 4, 12)) {
      const uint32_t bits = le32(b, 21);
      h.width = (bits & 0x3fff) + 1;
      h.height = ((bits >> 14) & 0x3fff) + 1;
    } else if (starts_with(b, "VP8X", 4, 12)) {
      h.width = le24(b, 24) + 1;
      h.height = le24(b, 27) + 1;
    }
  }
  return h;
}

std::string image_truncation(const std::string& b, const ImageHeader& header) {
  if (header.format == "jpeg") {
    // Entropy-coded data escapes every 0xFF byte, so an end-of-image marker after the first
    // scan's header can only be the real one (an EXIF thumbnail's comes before the scan).
    const size_t scan = jpeg_layout(b).scan_start;
    if (scan == 0 || scan > b.size()) return "the JPEG data stops before its first scan (truncated file)";
    if (b.find("\xFF\xD9", scan) == std::string::npos)
      return "the JPEG data stops before its end-of-image marker (truncated file)";
  } else if (header.format == "png") {
    for (uint64_t pos = 8; pos + 8 <= b.size();) {
      const uint64_t next = pos + 12 + be32(b, pos);
      if (next > b.size()) break;
      if (starts_with(b, "IEND", 4, pos + 4)) return "";
      pos = next;
    }
    return "the PNG data stops before its IEND chunk (truncated file)";
  }
  return "";
}

cv::Mat read_image(const std::string& path, int64_t max_pixels) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(path + ": image file not found");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(path + ": cannot open the image file");
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) throw Error(path + ": cannot read the image file");
  if (bytes.empty()) throw Error(path + ": empty image file");
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) throw Error(path + ": image file over 2 GB");

  const auto refuse_size = [&](int64_t width, int64_t height) {
    if (width <= 0 || height <= 0)
      throw Error(fmt::format("{}: cannot decode the image: it declares a size of {}x{} (corrupt header)", path,
                              width, height));
    if (width > max_pixels / height)
      throw Error(fmt::format("{}: declares {}x{} pixels, more than max_image_pixels ({}); raise the dataset's "
                              "max_image_pixels to read it",
                              path, width, height, max_pixels));
  };
  const ImageHeader header = read_image_header(bytes);
  if (!header.format.empty()) {
    const std::string truncated = image_truncation(bytes, header);
    if (!truncated.empty()) throw Error(path + ": cannot decode the image: " + truncated);
    refuse_size(header.width, header.height);
  }
  cv::Mat img;
  try {
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
    img = cv::imdecode(buffer, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    throw Error(fmt::format("{}: cannot decode the image: {}", path, e.what()));
  }
  if (img.empty()) throw Error(path + ": cannot decode the image (corrupt or unsupported format)");
  if (header.format.empty()) {
    refuse_size(img.cols, img.rows);  // formats read only by decoding
  } else if (img.cols != header.width || img.rows != header.height) {
    // The size checked above must be the size decoded (a PNM comment OpenCV reads differently).
    throw Error(fmt::format("{}: cannot decode the image: its header declares {}x{} pixels, its data decodes "
                            "to {}x{} (corrupt header)",
                            path, header.width, header.height, img.cols, img.rows));
  }
  return img;
}

}  // namespace ghmdet
