// Detections — the detector's output for one image.
//
// boxes: float32 [K, 4] (x1, y1, x2, y2) in ORIGINAL image pixels (after undoing the rescale);
// scores: float32 [K]; labels: int64 [K], the model's class index 0..C-1. Rows are in the order
// the post-processing produced them (see ops/ for the presets' ordering rules).
#pragma once

#include <torch/torch.h>

namespace ghmdet {

struct Detections {
  torch::Tensor boxes;
  torch::Tensor scores;
  torch::Tensor labels;

  int64_t size() const { return boxes.defined() ? boxes.size(0) : 0; }
};

}  // namespace ghmdet
