// Tiny on-disk datasets for the data tests: a few small PNG images with a COCO file or VOC XML,
// written into a TempDir. Pixel values are a deterministic function of position so transforms
// can be checked exactly.
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <string>

#include "temp_dir.h"

namespace ghmdet::testing {

// BGR image whose pixel (y, x) is (x * 7 + y, y * 5 + 3 * x, (x + y) * 11) mod 256.
inline cv::Mat pattern_image(int height, int width) {
  cv::Mat img(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      img.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uchar>((x * 7 + y) % 256),
                                          static_cast<uchar>((y * 5 + 3 * x) % 256),
                                          static_cast<uchar>(((x + y) * 11) % 256));
  return img;
}

inline std::string write_image(const TempDir& dir, const std::string& name, int height, int width) {
  const std::string path = dir.file(name);
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  cv::imwrite(path, pattern_image(height, width));
  return path;
}

// Images (in file order):
//  1 a.png 60x40 (w x h): two boxes (cat 5, cat 2) + one degenerate (w 0.5) + one crowd
//  2 b.png 40x60: crowd only -> no boxes
//  3 c.png 50x20: one box, but min side 20 < 32
//  4 d.png 48x64: no annotation at all
//  5 e.png 64x40: one box (cat 2)
// Categories are listed out of id order: 5 "dog", 2 "cat".
inline std::string write_tiny_coco(const TempDir& dir) {
  write_image(dir, "img/a.png", 40, 60);
  write_image(dir, "img/b.png", 60, 40);
  write_image(dir, "img/c.png", 20, 50);
  write_image(dir, "img/d.png", 64, 48);
  write_image(dir, "img/e.png", 40, 64);
  return dir.write("ann.json", R"({
 "images": [
  {"id": 1, "file_name": "a.png", "width": 60, "height": 40},
  {"id": 2, "file_name": "b.png", "width": 40, "height": 60},
  {"id": 3, "file_name": "c.png", "width": 50, "height": 20},
  {"id": 4, "file_name": "d.png", "width": 48, "height": 64},
  {"id": 5, "file_name": "e.png", "width": 64, "height": 40}],
 "annotations": [
  {"id": 1, "image_id": 1, "category_id": 5, "bbox": [10, 5, 20, 10], "area": 200, "iscrowd": 0},
  {"id": 2, "image_id": 1, "category_id": 2, "bbox": [0, 0, 60, 40], "area": 2400, "iscrowd": 0},
  {"id": 3, "image_id": 1, "category_id": 2, "bbox": [3, 3, 0.5, 10], "area": 5, "iscrowd": 0},
  {"id": 4, "image_id": 1, "category_id": 5, "bbox": [30, 20, 10, 10], "area": 100, "iscrowd": 1},
  {"id": 5, "image_id": 2, "category_id": 5, "bbox": [1, 1, 10, 10], "area": 100, "iscrowd": 1},
  {"id": 6, "image_id": 3, "category_id": 2, "bbox": [1, 1, 10, 10], "area": 100, "iscrowd": 0},
  {"id": 7, "image_id": 5, "category_id": 2, "bbox": [4, 6, 8, 9], "area": 72, "iscrowd": 0},
  {"id": 8, "image_id": 5, "category_id": 5, "bbox": [4, 6, 8, 9], "area": 0, "iscrowd": 0}],
 "categories": [{"id": 5, "name": "dog"}, {"id": 2, "name": "cat"}]
})");
}

}  // namespace ghmdet::testing
