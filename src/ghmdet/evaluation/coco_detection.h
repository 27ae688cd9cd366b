// CocoDetection — one entry of a COCO results file, as pycocotools reads it.
//
// bbox is [x, y, w, h] in original-image pixels (double, as JSON numbers are); the evaluator
// takes the detection's area as w * h, exactly like pycocotools' loadRes. Entries keep the
// order of the file: the evaluator's score sort is stable, so that order breaks score ties.
#pragma once

#include <array>
#include <cstdint>

namespace ghmdet {

struct CocoDetection {
  int64_t image_id = 0;
  int64_t category_id = 0;
  std::array<double, 4> bbox{0, 0, 0, 0};
  double score = 0;
};

}  // namespace ghmdet
