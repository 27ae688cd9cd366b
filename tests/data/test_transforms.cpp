// Transforms against hand-computed rescale / flip / pad cases and a naive per-pixel oracle.
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "ghmdet/core/error.h"
#include "ghmdet/data/image_file.h"
#include "ghmdet/data/transforms.h"
#include "tiny_dataset.h"

namespace ghmdet {
namespace {

TEST(Transforms, KeepRatioSizeMatchesMmcvRounding) {
  // 640x480 to (1333, 800): s = min(1333/640, 800/480) = 5/3; int(1066.67 + .5) = 1067.
  auto r = keep_ratio_size(640, 480, 1333, 800);
  EXPECT_EQ(r.width, 1067);
  EXPECT_EQ(r.height, 800);
  EXPECT_DOUBLE_EQ(r.scale, 800.0 / 480.0);
  // Long side binds: 1000x200 -> s = 1333/1000, h = int(266.6 + .5) = 267.
  r = keep_ratio_size(1000, 200, 1333, 800);
  EXPECT_EQ(r.width, 1333);
  EXPECT_EQ(r.height, 267);
  // Portrait, and the (short, long) order of img_scale does not matter.
  r = keep_ratio_size(375, 500, 800, 1333);
  EXPECT_EQ(r.width, 800);
  EXPECT_EQ(r.height, 1067);
  // x.5 rounds up: 3x2 at s = 1.5 -> (4.5 + .5, 3 + .5) = (5, 3).
  r = keep_ratio_size(3, 2, 5, 3);
  EXPECT_DOUBLE_EQ(r.scale, 1.5);
  EXPECT_EQ(r.width, 5);
  EXPECT_EQ(r.height, 3);
}

TEST(Transforms, ChooseScale) {
  TransformOptions t;
  t.img_scales = {{1333, 640}, {1333, 800}};
  t.multiscale_mode = "value";
  EXPECT_EQ(choose_scale(t, 0.0, 0.9), (std::pair<int64_t, int64_t>{1333, 640}));
  EXPECT_EQ(choose_scale(t, 0.99, 0.0), (std::pair<int64_t, int64_t>{1333, 800}));
  t.multiscale_mode = "range";
  EXPECT_EQ(choose_scale(t, 0.5, 0.0), (std::pair<int64_t, int64_t>{1333, 640}));
  EXPECT_EQ(choose_scale(t, 0.5, 0.9999), (std::pair<int64_t, int64_t>{1333, 800}));
  EXPECT_EQ(choose_scale(t, 0.5, 0.5), (std::pair<int64_t, int64_t>{1333, 720}));
}

// Naive oracle: per pixel, (channel value - mean) / std in float, RGB order, flipped index.
void expect_normalised(const torch::Tensor& out, const cv::Mat& resized, bool flip,
                       const NormalizeOptions& n) {
  const int h = resized.rows, w = resized.cols;
  auto a = out.accessor<float, 3>();
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const cv::Vec3b px = resized.at<cv::Vec3b>(y, x);
      const int ox = flip ? w - 1 - x : x;
      for (int c = 0; c < 3; ++c) {
        const float v = static_cast<float>(px[2 - c]);
        ASSERT_EQ(a[c][y][ox], (v - n.mean[c]) / n.std[c]) << y << "," << x << "," << c;
      }
    }
  for (int c = 0; c < 3; ++c)
    for (int64_t y = 0; y < out.size(1); ++y)
      for (int64_t x = 0; x < out.size(2); ++x)
        if (y >= h || x >= w) ASSERT_EQ(a[c][y][x], 0.0f);
}

TEST(Transforms, ImageWithoutRescaleFlipAndPad) {
  const cv::Mat img = testing::pattern_image(3, 5);
  TransformOptions t;
  t.size_divisor = 4;
  for (bool flip : {false, true}) {
    ImageMeta meta;
    const torch::Tensor out = transform_image(img, {5, 3}, flip, t, meta);
    ASSERT_EQ(out.sizes(), (std::vector<int64_t>{3, 4, 8}));
    EXPECT_EQ(meta.ori_shape, (std::array<int64_t, 2>{3, 5}));
    EXPECT_EQ(meta.img_shape, (std::array<int64_t, 2>{3, 5}));
    EXPECT_EQ(meta.pad_shape, (std::array<int64_t, 2>{4, 8}));
    EXPECT_EQ(meta.scale_factor, 1.0);
    EXPECT_EQ(meta.flip, flip);
    expect_normalised(out, img, flip, t.normalize);
  }
  // One value by hand: pixel (0, 0) is BGR (0, 0, 0) -> R channel (0 - 123.675) / 58.395.
  ImageMeta meta;
  const torch::Tensor out = transform_image(img, {5, 3}, false, t, meta);
  EXPECT_FLOAT_EQ(out[0][0][0].item<float>(), -123.675f / 58.395f);
  // Pixel (1, 2): B = 15, G = 11, R = 33.
  EXPECT_FLOAT_EQ(out[0][1][2].item<float>(), (33.f - 123.675f) / 58.395f);
  EXPECT_FLOAT_EQ(out[2][1][2].item<float>(), (15.f - 103.53f) / 57.375f);
}

TEST(Transforms, RescaleIsBilinearOpenCv) {
  const cv::Mat img = testing::pattern_image(40, 60);
  TransformOptions t;
  ImageMeta meta;
  const torch::Tensor out = transform_image(img, {100, 70}, true, t, meta);
  // s = min(100/60, 70/40) = 5/3 -> 100 x int(66.67 + .5) = 67; padded to 96 x 128.
  EXPECT_EQ(meta.img_shape, (std::array<int64_t, 2>{67, 100}));
  EXPECT_EQ(meta.pad_shape, (std::array<int64_t, 2>{96, 128}));
  EXPECT_DOUBLE_EQ(meta.scale_factor, 100.0 / 60.0);
  cv::Mat resized;
  cv::resize(img, resized, cv::Size(100, 67), 0, 0, cv::INTER_LINEAR);
  expect_normalised(out, resized, true, t.normalize);
}

TEST(Transforms, BoxesScaleFlipClip) {
  ImageMeta meta;
  meta.img_shape = {100, 200};
  meta.scale_factor = 2.0;
  const torch::Tensor boxes = torch::tensor({10.f, 20.f, 30.f, 40.f, 90.f, 45.f, 120.f, 70.f}).reshape({2, 4});
  torch::Tensor out = transform_boxes(boxes, meta);
  EXPECT_TRUE(torch::equal(out, torch::tensor({20.f, 40.f, 60.f, 80.f, 180.f, 90.f, 199.f, 99.f}).reshape({2, 4})));
  meta.flip = true;
  out = transform_boxes(boxes, meta);
  // x1' = 200 - 60 - 1 = 139, x2' = 200 - 20 - 1 = 179; second: 200 - 240 - 1 < 0 -> 0.
  EXPECT_TRUE(torch::equal(out, torch::tensor({139.f, 40.f, 179.f, 80.f, 0.f, 90.f, 19.f, 99.f}).reshape({2, 4})));
  EXPECT_EQ(transform_boxes(torch::zeros({0, 4}), meta).sizes(), (std::vector<int64_t>{0, 4}));
}

TEST(Transforms, ReadImageErrorsNameTheFile) {
  testing::TempDir dir;
  try {
    read_image(dir.file("missing.jpg"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.jpg: image file not found"), std::string::npos);
  }
  const std::string bad = dir.write("bad.jpg", "\xff\xd8\xff garbage");
  try {
    read_image(bad);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jpg: cannot decode"), std::string::npos);
  }
}

}  // namespace
}  // namespace ghmdet
