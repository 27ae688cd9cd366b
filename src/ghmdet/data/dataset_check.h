// check_dataset — every problem of a dataset's files at once, and its statistics.
//
// Unlike the datasets themselves (which stop at the first bad input), the check reads the raw
// annotation files leniently and keeps going: unreadable / malformed annotation files, duplicate
// or unknown image and category ids, unknown VOC class names, boxes that are inverted (w or
// h < 1, or x2 < x1) or leave the image, images that are missing, undecodable or whose decoded
// size differs from the annotation, and an empty split. Each problem names the file and field.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ghmdet/data/detection_dataset.h"

namespace ghmdet {

struct DatasetCheckOptions {
  bool decode_images = true;  // false: only check that the image files exist
  int64_t max_problems = 1000;  // stop listing after this many (still counted)
};

struct DatasetCheckReport {
  std::vector<std::string> problems;
  int64_t problem_count = 0;
  int64_t images = 0;
  int64_t images_without_boxes = 0;
  int64_t boxes = 0;
  int64_t ignored_boxes = 0;  // crowd / difficult
  std::vector<std::string> class_names;
  std::vector<int64_t> boxes_per_class;
  // sqrt(box area) in [0,8) [8,16) [16,32) [32,64) [64,128) [128,256) [256,512) [512,inf)
  std::array<int64_t, 8> size_histogram{};
  bool ok() const { return problem_count == 0; }
  std::string summary() const;  // human-readable statistics and problems
};

// `type` is "CocoDataset" or "VOCDataset"; options as for the dataset (transforms unused).
DatasetCheckReport check_dataset(const std::string& type, const DatasetOptions& dataset,
                                 const DatasetCheckOptions& options = {});

}  // namespace ghmdet
