// image_file.h: declared sizes read from headers (OpenCV's decoder is the oracle), truncated
// files refused although OpenCV decodes them, a PNG declaring 30000x30000 refused before any
// decoding, and the dataset's skip_corrupt_images.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <filesystem>

#include "ghmdet/core/error.h"
#include "ghmdet/data/coco_dataset.h"
#include "ghmdet/data/image_file.h"
#include "tiny_dataset.h"

namespace ghmdet {
namespace {

using testing::TempDir;

// "" when this OpenCV build has no encoder for `ext`.
std::string encode(const std::string& ext, const cv::Mat& img, const std::vector<int>& params = {}) {
  std::vector<uchar> buf;
  try {
    if (!cv::imencode(ext, img, buf, params)) return "";
  } catch (const cv::Exception&) {
    return "";
  }
  return std::string(buf.begin(), buf.end());
}

std::string message_of(const std::string& path, int64_t max_pixels = kDefaultMaxImagePixels) {
  try {
    read_image(path, max_pixels);
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(ImageFile, HeaderSizesMatchTheDecoder) {
  const cv::Mat img = testing::pattern_image(37, 53);
  for (const auto& [ext, format] : std::vector<std::pair<std::string, std::string>>{
           {".jpg", "jpeg"}, {".png", "png"}, {".bmp", "bmp"}, {".ppm", "pnm"}, {".pgm", "pnm"}, {".webp", "webp"}}) {
    SCOPED_TRACE(ext);
    cv::Mat gray;
    cv::cvtColor(img, gray, cv::COLOR_BGR2GRAY);
    const std::string bytes = encode(ext, ext == ".pgm" ? gray : img);
    if (bytes.empty()) {
      EXPECT_EQ(ext, ".webp") << "OpenCV cannot write " << ext;  // WebP is optional in OpenCV builds
      continue;
    }
    const ImageHeader h = read_image_header(bytes);
    EXPECT_EQ(h.format, format);
    EXPECT_EQ(h.width, 53);
    EXPECT_EQ(h.height, 37);
    EXPECT_EQ(image_truncation(bytes, h), "");
  }
  // Lossless WebP (VP8L) has its own header.
  const std::string lossless = encode(".webp", img, {cv::IMWRITE_WEBP_QUALITY, 101});
  if (!lossless.empty()) {
    ASSERT_EQ(lossless.substr(12, 4), "VP8L");
    const ImageHeader h = read_image_header(lossless);
    EXPECT_EQ(h.width, 53);
    EXPECT_EQ(h.height, 37);
  }
  EXPECT_EQ(read_image_header("GIF89a....").format, "");
  EXPECT_EQ(read_image_header("").format, "");
}

// A header GHMDet and OpenCV read differently (found by fuzz/fuzz_image.cpp): a PNM whose width
// is followed by a comment without a space, "5#4\n", is 5x2 by the Netpbm rules, which GHMDet
// follows and checks against max_image_pixels; OpenCV's reader decodes another size. The size
// checked must be the size decoded, so the file is refused, naming both.
TEST(ImageFile, HeaderAndDecoderDisagreeingIsAnError) {
  TempDir dir;
  const std::string bytes("P4\n5#4\n\r 2`\f", 12);
  const std::string path = dir.write("pnm_comment.pbm", bytes);
  const ImageHeader h = read_image_header(bytes);
  EXPECT_EQ(h.format, "pnm");
  EXPECT_EQ(h.width, 5);
  EXPECT_EQ(h.height, 2);
  const cv::Mat decoded = cv::imread(path, cv::IMREAD_COLOR);
  ASSERT_FALSE(decoded.empty()) << "OpenCV no longer decodes this file";
  ASSERT_NE(decoded.cols * 1000 + decoded.rows, 5 * 1000 + 2) << "OpenCV now reads it as GHMDet does";
  const std::string message = message_of(path);
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("header declares 5x2 pixels"), std::string::npos) << message;
}

// libjpeg only warns ("Premature end of JPEG file") and OpenCV returns the image with a grey
// bottom: the reader refuses it, naming the file. A complete file with bytes after its end
// marker still reads.
TEST(ImageFile, TruncatedJpegAndPngAreErrorsNamingTheFile) {
  TempDir dir;
  const cv::Mat img = testing::pattern_image(48, 64);
  for (const char* ext : {".jpg", ".png"}) {
    SCOPED_TRACE(ext);
    const std::string bytes = encode(ext, img);
    const std::string whole = dir.write(std::string("whole") + ext, bytes);
    EXPECT_EQ(read_image(whole).size(), img.size());
    for (const size_t keep : {bytes.size() * 2 / 3, bytes.size() - 2, size_t{40}}) {
      const std::string cut = dir.write(std::string("cut") + ext, bytes.substr(0, keep));
      const std::string msg = message_of(cut);
      EXPECT_NE(msg.find(cut + ": "), std::string::npos) << msg;
      EXPECT_NE(msg.find("truncated file"), std::string::npos) << keep << " bytes: " << msg;
    }
  }
  // What the check is for: OpenCV alone decodes two thirds of a JPEG without an error.
  const std::string jpeg = encode(".jpg", img);
  const std::string cut = dir.write("opencv_cut.jpg", jpeg.substr(0, jpeg.size() * 2 / 3));
  EXPECT_FALSE(cv::imread(cut, cv::IMREAD_COLOR).empty());

  const std::string padded = dir.write("padded.jpg", jpeg + std::string(16, '\0'));
  EXPECT_EQ(read_image(padded).size(), img.size());
}

uint32_t crc32(const std::string& bytes) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string png_chunk(const std::string& type, const std::string& data) {
  return be32(static_cast<uint32_t>(data.size())) + type + data + be32(crc32(type + data));
}

// A 70-byte PNG declaring 30000x30000 RGB (2.7 GB decoded): refused from its header at once.
TEST(ImageFile, OversizedDeclarationIsRefusedBeforeDecoding) {
  TempDir dir;
  const std::string ihdr = be32(30000) + be32(30000) + std::string("\x08\x02\x00\x00\x00", 5);
  const std::string idat("\x78\x9c\x63\x00\x00\x00\x01\x00\x01", 9);  // a scrap of zlib data
  const std::string png = dir.write("huge.png", std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) +
                                                    png_chunk("IDAT", idat) + png_chunk("IEND", ""));
  const auto start = std::chrono::steady_clock::now();
  const std::string msg = message_of(png);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1.0);
  EXPECT_NE(msg.find(png + ": declares 30000x30000 pixels, more than max_image_pixels (100000000)"), std::string::npos)
      << msg;

  // The limit is inclusive: 64x48 = 3072 pixels.
  const std::string small = dir.write("small.png", encode(".png", testing::pattern_image(48, 64)));
  EXPECT_EQ(read_image(small, 3072).cols, 64);
  EXPECT_NE(message_of(small, 3071).find("more than max_image_pixels (3071)"), std::string::npos);
  // Formats without a header parser are checked after decoding.
  const std::string tiff_bytes = encode(".tiff", testing::pattern_image(48, 64));
  if (!tiff_bytes.empty()) {
    const std::string tiff = dir.write("small.tiff", tiff_bytes);
    EXPECT_EQ(read_image(tiff, 3072).rows, 48);
    EXPECT_NE(message_of(tiff, 3071).find("more than max_image_pixels (3071)"), std::string::npos);
  }
}

DatasetOptions training_options(const TempDir& dir, const std::string& ann) {
  DatasetOptions o;
  o.ann_files = {ann};
  o.img_prefixes = {dir.file("img")};
  o.transform.img_scales = {{128, 64}};
  return o;
}

// Training images of write_tiny_coco: 0 a.png, 1 b.png (no boxes), 2 e.png.
TEST(ImageFile, TrainingSkipsUnreadableImagesOnlyWhenAsked) {
  TempDir dir;
  const std::string ann = testing::write_tiny_coco(dir);
  const std::string e = dir.file("img/e.png");
  const std::string bytes = encode(".png", testing::pattern_image(40, 64));
  dir.write("img/e.png", bytes.substr(0, bytes.size() / 2));

  const CocoDataset strict(training_options(dir, ann));
  try {
    strict.get(2);
    FAIL();
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find(e + ": cannot decode the image: the PNG data stops before its IEND chunk"), std::string::npos)
        << err.what();
  }
  EXPECT_TRUE(strict.skipped_images().empty());

  DatasetOptions o = training_options(dir, ann);
  o.skip_corrupt_images = true;
  const CocoDataset skipping(o);
  for (int epoch = 0; epoch < 2; ++epoch) {
    const Sample s = skipping.get(2, epoch);
    EXPECT_EQ(s.meta.file, dir.file("img/a.png"));  // the next image with boxes
    EXPECT_EQ(s.gt_labels.numel(), 2);               // ...with its own boxes
  }
  EXPECT_EQ(skipping.skipped_images(), (std::vector<std::string>{e}));  // counted once

  o.test_mode = true;
  EXPECT_THROW(CocoDataset{o}, Error);  // an evaluation must read every image
}

}  // namespace
}  // namespace ghmdet
