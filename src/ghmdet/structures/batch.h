// Batch — what the data loader hands to the detector for one iteration.
//
// Invariants:
//  * images: float32 [B, 3, H, W], normalised RGB, each image at the top-left, zero-padded
//    bottom/right to the batch's largest H and W (both multiples of the size divisor).
//  * metas[i] describes images[i] (see image_meta.h).
//  * gt_boxes[i]: float32 [K_i, 4] as (x1, y1, x2, y2) in the coordinates of the rescaled (and
//    flipped) image, i.e. the network input, in the dataset's pixel convention (legacy/mmdet v1:
//    inclusive corners, width = x2 - x1 + 1). K_i may be 0 at test time.
//  * gt_labels[i]: int64 [K_i], contiguous class indices 0..C-1 (C = background is never stored).
//  * gt_boxes_ignore[i]: float32 [G_i, 4] crowd / ignored regions, same coordinates (may be empty).
#pragma once

#include <torch/torch.h>

#include <vector>

#include "ghmdet/structures/image_meta.h"

namespace ghmdet {

struct Batch {
  torch::Tensor images;
  std::vector<ImageMeta> metas;
  std::vector<torch::Tensor> gt_boxes;
  std::vector<torch::Tensor> gt_labels;
  std::vector<torch::Tensor> gt_boxes_ignore;

  int64_t size() const { return static_cast<int64_t>(metas.size()); }
  // Moves every tensor to `device` (non_blocking when the source is pinned).
  Batch to(const torch::Device& device, bool non_blocking = false) const;
};

}  // namespace ghmdet
