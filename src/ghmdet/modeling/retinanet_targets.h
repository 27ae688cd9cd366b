// DenseHeadTargets — what turns a dense head's per-level outputs into training targets and
// detections: anchors per level (cached per feature size), per-image valid flags, assignment,
// box encoding, images_to_levels, and the test-time post-processing. A thin layer over
// targets/ and ops/, configured once from DenseHeadSettings and the conventions preset
// (structures/conventions.h), so the detector itself stays free of box conventions.
//
// Levels are finest first; anchors of level l are float32 [H_l*W_l*A, 4] (x1, y1, x2, y2) in
// network-input pixels of the batch-padded tensor, index ((y*W_l + x)*A + a), on the device of
// the head outputs.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "ghmdet/modeling/head/retina_head.h"
#include "ghmdet/structures/batch.h"
#include "ghmdet/structures/conventions.h"
#include "ghmdet/ops/post_processing.h"
#include "ghmdet/targets/anchor_generator.h"
#include "ghmdet/targets/delta_box_coder.h"
#include "ghmdet/targets/max_iou_assigner.h"
#include "ghmdet/structures/detections.h"

namespace ghmdet {

struct DenseHeadSettings {
  std::string conventions = "legacy";  // legacy | mmdet | torchvision
  // Anchors: octave scales (octave_base_scale * 2^(i/scales_per_octave) * base size) unless
  // `sizes` (explicit per-level sizes, torchvision) is given. Ratios are h/w. A level's base
  // size is its stride unless `base_sizes` (mmdetection's anchor_base_sizes) says otherwise.
  double octave_base_scale = 4.0;
  int64_t scales_per_octave = 3;
  std::vector<double> ratios{0.5, 1.0, 2.0};
  std::vector<int64_t> strides{8, 16, 32, 64, 128};
  std::vector<int64_t> base_sizes;  // empty = strides
  std::vector<std::vector<double>> sizes;
  std::vector<double> target_means{0, 0, 0, 0}, target_stds{1, 1, 1, 1};
  // train_cfg
  double pos_iou_thr = 0.5, neg_iou_thr = 0.4, min_pos_iou = 0.0, ignore_iof_thr = -1.0;
  int64_t allowed_border = -1;
  double pos_weight = -1.0;
  // test_cfg
  int64_t nms_pre = 1000;
  double min_bbox_size = 0.0, score_thr = 0.05, nms_iou_thr = 0.5;
  int64_t max_per_img = 100;
};

class DenseHeadTargets {
 public:
  DenseHeadTargets(DenseHeadSettings settings, int64_t num_classes);

  // Anchors of every level for feature maps `maps` (only their sizes and device are used) of an
  // input batch padded to `input_hw`.
  std::vector<torch::Tensor> anchors(const std::vector<torch::Tensor>& maps, std::array<int64_t, 2> input_hw);

  LevelTargets targets(const std::vector<torch::Tensor>& anchors, const std::vector<torch::Tensor>& maps,
                       const Batch& batch);

  // Detections of image `i` of the batch in original-image pixels.
  Detections detect(const HeadOutputs& outputs, int64_t i, const std::vector<torch::Tensor>& anchors,
                    const ImageMeta& meta);

  const DenseHeadSettings& settings() const { return settings_; }
  const DetectorConventions& conventions() const { return conventions_; }

 private:
  DenseHeadSettings settings_;
  int64_t num_classes_;
  DetectorConventions conventions_;
  AnchorGenerator anchor_generator_;
  MaxIoUAssigner assigner_;
  DeltaBoxCoder coder_;
  PostProcessOptions post_process_;
};

}  // namespace ghmdet
