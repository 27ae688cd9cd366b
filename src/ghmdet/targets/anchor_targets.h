// Anchor targets — what the RetinaHead's losses see for each anchor (ghm-spec section 3).
//
// anchor_targets_single works on ONE image with its anchors of all levels concatenated
// (P3 first, rows as AnchorGenerator::grid_anchors), the matching valid flags, and its gts
// (labels 0..C-1). Sampling is PseudoSampler's: every positive and negative is used.
//   labels         int64   [A]     gt class for positives, C (background) for everything else
//   label_weights  float32 [A]     1 for positives (pos_weight when > 0) and negatives;
//                                  0 for ignored anchors and anchors outside the valid flags
//   bbox_targets   float32 [A, 4]  coder.encode(anchor, matched gt) on positives, 0 elsewhere
//   bbox_weights   float32 [A, 4]  1 on positives, 0 elsewhere
//   num_pos, num_neg               int64 scalars on the anchors' device (no host sync; call
//                                  .item() once per batch if a count is needed on the host)
// images_to_levels turns per-image [A, ...] tensors into per-level [num_imgs * A_l, ...] rows,
// image-major, which is the layout of the head's permute(0, 2, 3, 1) outputs.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "ghmdet/targets/delta_box_coder.h"
#include "ghmdet/targets/max_iou_assigner.h"

namespace ghmdet {

struct AnchorTargets {
  torch::Tensor labels;
  torch::Tensor label_weights;
  torch::Tensor bbox_targets;
  torch::Tensor bbox_weights;
  torch::Tensor num_pos;
  torch::Tensor num_neg;
  torch::Tensor gt_inds;  // the assigner's result (-1 ignore, 0 negative, i + 1 → gt i)
};

// anchors [A, 4]; valid bool [A] or undefined (all valid); gt_boxes [G, 4]; gt_labels int64 [G]
// in 0..num_classes-1; gt_ignore [I, 4] or undefined. pos_weight <= 0 means 1.
AnchorTargets anchor_targets_single(const torch::Tensor& anchors, const torch::Tensor& valid,
                                    const torch::Tensor& gt_boxes, const torch::Tensor& gt_labels,
                                    const torch::Tensor& gt_ignore, int64_t num_classes,
                                    const MaxIoUAssigner& assigner, const DeltaBoxCoder& coder,
                                    double pos_weight = -1.0);

// per_image: one tensor per image, each [sum(level_sizes), ...]; level_sizes: H_l * W_l * A per
// level. Returns one tensor per level, [num_imgs * level_sizes[l], ...].
std::vector<torch::Tensor> images_to_levels(const std::vector<torch::Tensor>& per_image,
                                            const std::vector<int64_t>& level_sizes);

}  // namespace ghmdet
