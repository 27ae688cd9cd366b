// Detection pictures: the ground truth's dashed edges pixel by pixel on a blank image, and the
// whole picture through a file (enlarged small scene, threshold applied, ground truth optional).
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <filesystem>

#include "../data/temp_dir.h"
#include "ghmdet/core/error.h"
#include "ghmdet/viz/detection_picture.h"

namespace ghmdet::viz {
namespace {

bool is_colour(const cv::Mat& image, int y, int x, const cv::Scalar& c) {
  const auto p = image.at<cv::Vec3b>(y, x);
  return p[0] == c[0] && p[1] == c[1] && p[2] == c[2];
}

bool is_black(const cv::Mat& image, int y, int x) { return image.at<cv::Vec3b>(y, x) == cv::Vec3b(0, 0, 0); }

TEST(DetectionPicture, GroundTruthEdgesAreDashed) {
  cv::Mat image(400, 400, CV_8UC3, cv::Scalar(0, 0, 0));
  const auto boxes = torch::tensor({{40.f, 50.f, 200.f, 150.f}});
  const auto labels = torch::tensor({int64_t{2}});
  draw_ground_truth(image, boxes, labels, {"a", "b", "shirt"}, 1.0);
  const cv::Scalar colour = class_colour(2);
  // Top edge (y = 50) and left edge (x = 40), from the corner: 4 pixels on, 3 off, repeated.
  // The last pixel of an edge belongs to the perpendicular edge's first dash, so it is left out.
  int on = 0, off = 0;
  for (int i = 0; i < 160; ++i) {
    const bool dash = i % (kGtDash + kGtGap) < kGtDash;
    ASSERT_EQ(is_colour(image, 50, 40 + i, colour), dash) << "top edge, x = " << 40 + i;
    ASSERT_EQ(is_black(image, 50, 40 + i), !dash) << "top edge, x = " << 40 + i;
    (dash ? on : off) += 1;
  }
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(is_colour(image, 50 + i, 40, colour), i % (kGtDash + kGtGap) < kGtDash) << "left edge, y = " << 50 + i;
  EXPECT_EQ(on, 92);  // 22 full periods of 4 + the first 4 of the 23rd
  EXPECT_EQ(off, 68);
  // Bottom and right edges are there too; the inside and the row above stay blank (thin: 1 px).
  EXPECT_TRUE(is_colour(image, 150, 40, colour));
  EXPECT_TRUE(is_colour(image, 50, 200, colour));
  EXPECT_TRUE(is_colour(image, 150, 200, colour));
  for (int x = 30; x < 220; ++x) EXPECT_TRUE(is_black(image, 49, x));
  EXPECT_TRUE(is_black(image, 51, 41));
  EXPECT_TRUE(is_black(image, 100, 120));
  // The class name is written below the box.
  int written = 0;
  for (int y = 151; y < 175; ++y)
    for (int x = 40; x < 100; ++x) written += !is_black(image, y, x);
  EXPECT_GT(written, 20);
}

TEST(DetectionPicture, PictureFileHasGroundTruthAndDetectionsAboveTheThreshold) {
  testing::TempDir dir;
  const std::string scene = dir.file("scene.png"), out = dir.file("picture.png"), bare = dir.file("bare.png");
  ASSERT_TRUE(cv::imwrite(scene, cv::Mat(32, 32, CV_8UC3, cv::Scalar(0, 0, 0))));
  Detections d;
  d.boxes = torch::tensor({{2.f, 2.f, 12.f, 12.f}, {16.f, 16.f, 30.f, 30.f}});
  d.scores = torch::tensor({0.9f, 0.2f});
  d.labels = torch::tensor({int64_t{0}, int64_t{1}});
  GroundTruthBoxes gt{torch::tensor({{4.f, 20.f, 14.f, 30.f}}), torch::tensor({int64_t{1}})};
  EXPECT_EQ(write_detection_picture(scene, out, d, &gt, {"bag", "shoe"}, 0.5), 1);
  EXPECT_EQ(write_detection_picture(scene, bare, d, nullptr, {"bag", "shoe"}, 0.5), 1);
  const cv::Mat picture = cv::imread(out), without = cv::imread(bare);
  ASSERT_EQ(picture.rows, 320);  // 32 px enlarged x10
  ASSERT_EQ(picture.cols, 320);
  // The gt's top edge at y = 200 from x = 40 (x10), dashed: compare colours on the png.
  const cv::Scalar shoe = class_colour(1);
  for (int i = 0; i < 90; ++i) {
    const bool dash = i % (kGtDash + kGtGap) < kGtDash;
    EXPECT_EQ(is_colour(picture, 200, 40 + i, shoe), dash) << "x = " << 40 + i;
    EXPECT_TRUE(is_black(without, 200, 40 + i));
  }
  // The detection above the threshold (bag, a 2 px solid box, left edge at x = 20) is drawn, the one below is not.
  EXPECT_TRUE(is_colour(picture, 60, 20, class_colour(0)));
  EXPECT_TRUE(is_black(picture, 240, 300));
  EXPECT_TRUE(is_black(without, 240, 300));
}

TEST(DetectionPicture, UnreadableImageNamesTheFile) {
  testing::TempDir dir;
  const std::string bad = dir.write("broken.png", "not a png");
  try {
    write_detection_picture(bad, dir.file("out.png"), Detections{}, nullptr, {}, 0.5);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.png"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ghmdet::viz
