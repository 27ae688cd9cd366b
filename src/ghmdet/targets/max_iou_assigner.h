// MaxIoUAssigner — assigns every anchor of one image to a gt box, to background, or to "ignore".
//
// AssignResult::gt_inds is int64 [A] on the anchors' device: -1 ignored, 0 negative, i + 1
// positive matched to gt i (mmdetection's encoding). Steps, in mmdetection's order
// (ghm-spec 4.5): all -1; max IoU over gts in [0, neg_iou_thr) → 0; max IoU >= pos_iou_thr →
// its argmax gt; then for each gt i in order whose best IoU >= min_pos_iou, EVERY anchor whose
// IoU with gt i equals that best (ties included; later gts overwrite earlier ones) → i + 1
// (only its argmax anchor when gt_max_assign_all is false). That step loops over gts with one
// masked_fill per gt on the device; every other step is vectorised over anchors.
// Anchors whose IoF with an ignore box exceeds ignore_iof_thr (> 0 enables it) and anchors
// outside the valid flags get IoU -1 with every gt: never negative, never positive.
// torchvision's Matcher (style kTorchvision): below neg → 0, between → -1 (its BETWEEN_THRESHOLDS),
// >= pos → argmax gt, and anchors that are some gt's best match get back their OWN argmax gt.
// An image without gts: every valid anchor is negative. No host synchronisation.
#pragma once

#include <torch/torch.h>

#include "ghmdet/structures/conventions.h"

namespace ghmdet {

struct MaxIoUAssignerOptions {
  static MaxIoUAssignerOptions from_conventions(const DetectorConventions& c);

  TORCH_ARG(double, pos_iou_thr) = 0.5;
  TORCH_ARG(double, neg_iou_thr) = 0.4;
  TORCH_ARG(double, min_pos_iou) = 0.0;
  TORCH_ARG(bool, gt_max_assign_all) = true;
  TORCH_ARG(double, ignore_iof_thr) = -1.0;
  // The low-quality step (mmdet v2 match_low_quality, torchvision allow_low_quality_matches).
  TORCH_ARG(bool, match_low_quality) = true;
  // Guard: a gt whose best IoU is 0 claims nothing in the low-quality step.
  TORCH_ARG(bool, skip_gt_with_zero_iou) = true;
  TORCH_ARG(double, pixel_offset) = 1.0;
  TORCH_ARG(MatcherStyle, style) = MatcherStyle::kMaxIoU;
  // One-pass loops for the reductions on CPU tensors; false forces the device-generic tensor
  // ops (what CUDA runs), which tests compare against.
  TORCH_ARG(bool, cpu_kernels) = true;
};

struct AssignResult {
  int64_t num_gts = 0;
  torch::Tensor gt_inds;       // int64 [A]: -1 ignore, 0 negative, i + 1 → gt i
  torch::Tensor max_overlaps;  // float [A]: max IoU over gts (-1 for ignored/invalid anchors)
  torch::Tensor labels;        // int64 [A]: label of the matched gt, -1 when not positive
};

class MaxIoUAssigner {
 public:
  explicit MaxIoUAssigner(MaxIoUAssignerOptions options = {}) : options_(std::move(options)) {}
  const MaxIoUAssignerOptions& options() const { return options_; }

  // anchors [A, 4]; gt_boxes [G, 4] (G may be 0); gt_labels int64 [G] or undefined;
  // gt_ignore [I, 4] or undefined; valid bool [A] or undefined (all valid).
  AssignResult assign(const torch::Tensor& anchors, const torch::Tensor& gt_boxes,
                      const torch::Tensor& gt_labels = {}, const torch::Tensor& gt_ignore = {},
                      const torch::Tensor& valid = {}) const;

 private:
  MaxIoUAssignerOptions options_;
};

}  // namespace ghmdet
