// Test-time post-processing of RetinaNet outputs for ONE image → ghmdet::Detections.
//
// Inputs per level l (P3 first): cls_logits [A * C, H, W] and bbox_deltas [A * 4, H, W]
// (channels anchor-major: a * C + c and a * 4 + k, i.e. one image of the head's output), and the
// level's anchors [H * W * A, 4] (AnchorGenerator::grid_anchors). C is inferred.
// Styles (PostProcessOptions::style, from DetectorConventions):
//  * kMmdet (legacy, mmdet): per level, sigmoid scores [H*W*A, C]; when more than nms_pre rows,
//    keep the top nms_pre by max-over-classes score (topk order); decode, clip to img_shape;
//    concatenate levels; divide by meta.scale_factor; per class, rows with score > score_thr
//    (strict) go through NMS. Legacy order: grouped by class (0..C-1), score-descending in each,
//    and only when more than max_per_img survive sorted by score and cut. sort_detections
//    (mmdet v2+) always sorts by score before cutting.
//  * kTorchvision: per level, scores on flattened (anchor, class) pairs, > score_thr, top
//    nms_pre of those; decode, clip to img_shape; concatenate; torchvision's batched NMS;
//    first max_per_img (score order); boxes scaled by (ori / img) per axis in float32.
// Output boxes are in ORIGINAL image pixels, float32, on the inputs' device; labels 0..C-1.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "ghmdet/structures/conventions.h"
#include "ghmdet/structures/detections.h"
#include "ghmdet/structures/image_meta.h"
#include "ghmdet/targets/delta_box_coder.h"

namespace ghmdet {

struct PostProcessOptions {
  static PostProcessOptions from_conventions(const DetectorConventions& c);

  TORCH_ARG(PostProcessStyle, style) = PostProcessStyle::kMmdet;
  TORCH_ARG(int64_t, nms_pre) = 1000;
  TORCH_ARG(double, score_thr) = 0.05;
  TORCH_ARG(double, nms_iou_thr) = 0.5;
  TORCH_ARG(bool, nms_suppress_equal) = true;
  TORCH_ARG(double, pixel_offset) = 1.0;
  TORCH_ARG(int64_t, max_per_img) = 100;
  TORCH_ARG(bool, sort_detections) = false;
};

Detections post_process_single(const std::vector<torch::Tensor>& cls_logits,
                               const std::vector<torch::Tensor>& bbox_deltas,
                               const std::vector<torch::Tensor>& anchors, const ImageMeta& meta,
                               const DeltaBoxCoder& coder, const PostProcessOptions& options);

}  // namespace ghmdet
