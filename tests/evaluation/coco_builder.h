// Small in-memory COCO ground truth / results sets for the evaluator tests.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ghmdet/data/coco_json.h"
#include "ghmdet/evaluation/coco_detection.h"

namespace ghmdet::testing {

struct CocoBuilder {
  CocoJson gt;
  std::vector<CocoDetection> dets;
  int64_t next_ann_id = 1;

  CocoBuilder& image(int64_t id) {
    gt.images.push_back(CocoImage{id, std::to_string(id) + ".jpg", 640, 480});
    return *this;
  }
  CocoBuilder& category(int64_t id) {
    gt.categories.push_back(CocoCategory{id, "c" + std::to_string(id), "thing"});
    return *this;
  }
  // area < 0: the box's w * h.
  CocoBuilder& box(int64_t image_id, int64_t category_id, std::array<double, 4> xywh,
                   double area = -1, bool crowd = false, bool ignore = false) {
    gt.annotations.push_back(CocoAnnotation{next_ann_id++, image_id, category_id, xywh,
                                            area < 0 ? xywh[2] * xywh[3] : area, crowd, ignore});
    return *this;
  }
  CocoBuilder& det(int64_t image_id, int64_t category_id, std::array<double, 4> xywh,
                   double score) {
    dets.push_back(CocoDetection{image_id, category_id, xywh, score});
    return *this;
  }
};

}  // namespace ghmdet::testing
