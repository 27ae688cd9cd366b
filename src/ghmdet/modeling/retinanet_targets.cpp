#include "ghmdet/modeling/retinanet_targets.h"

#include <fmt/format.h>

#include <cmath>

#include "ghmdet/core/error.h"
#include "ghmdet/targets/anchor_targets.h"

namespace ghmdet {
namespace {

AnchorGeneratorOptions anchor_options(const DenseHeadSettings& s, const DetectorConventions& c) {
  AnchorGeneratorOptions o;
  o.strides(s.strides)
      .base_sizes(s.base_sizes)
      .ratios(s.ratios)
      .octave_base_scale(s.octave_base_scale)
      .scales_per_octave(s.scales_per_octave)
      .center(c.anchor_center)
      .pixel_offset(c.pixel_offset)
      .round(c.round_base_anchors)
      .stride_from_image_size(c.stride_from_image_size);
  if (!s.sizes.empty()) {
    o.sizes(s.sizes);
  } else if (c.explicit_anchor_sizes) {
    // torchvision's sizes for a base x = stride * octave_base_scale: (x, int(x 2^(1/3)), int(x 2^(2/3))).
    std::vector<std::vector<double>> sizes;
    for (auto stride : s.strides) {
      const double x = static_cast<double>(stride) * s.octave_base_scale;
      std::vector<double> level;
      for (int64_t i = 0; i < s.scales_per_octave; ++i)
        level.push_back(i == 0 ? x : std::floor(x * std::pow(2.0, static_cast<double>(i) / s.scales_per_octave)));
      sizes.push_back(level);
    }
    o.sizes(sizes);
  }
  return o;
}

MaxIoUAssignerOptions assigner_options(const DenseHeadSettings& s, const DetectorConventions& c) {
  auto o = MaxIoUAssignerOptions::from_conventions(c);
  o.pos_iou_thr(s.pos_iou_thr).neg_iou_thr(s.neg_iou_thr).min_pos_iou(s.min_pos_iou).ignore_iof_thr(s.ignore_iof_thr);
  return o;
}

DeltaBoxCoderOptions coder_options(const DenseHeadSettings& s, const DetectorConventions& c) {
  auto o = DeltaBoxCoderOptions::from_conventions(c);
  o.means(s.target_means).stds(s.target_stds);
  return o;
}

PostProcessOptions post_process_options(const DenseHeadSettings& s, const DetectorConventions& c) {
  auto o = PostProcessOptions::from_conventions(c);
  o.nms_pre(s.nms_pre).score_thr(s.score_thr).nms_iou_thr(s.nms_iou_thr).max_per_img(s.max_per_img);
  return o;
}

std::vector<Size2> sizes_of(const std::vector<torch::Tensor>& maps) {
  std::vector<Size2> out;
  out.reserve(maps.size());
  for (const auto& m : maps) out.push_back({m.size(2), m.size(3)});
  return out;
}

}  // namespace

DenseHeadTargets::DenseHeadTargets(DenseHeadSettings settings, int64_t num_classes)
    : settings_(std::move(settings)),
      num_classes_(num_classes),
      conventions_(DetectorConventions::preset(settings_.conventions)),
      anchor_generator_(anchor_options(settings_, conventions_)),
      assigner_(assigner_options(settings_, conventions_)),
      coder_(coder_options(settings_, conventions_)),
      post_process_(post_process_options(settings_, conventions_)) {}

std::vector<torch::Tensor> DenseHeadTargets::anchors(const std::vector<torch::Tensor>& maps,
                                                     std::array<int64_t, 2> input_hw) {
  TORCH_CHECK(static_cast<int64_t>(maps.size()) == anchor_generator_.num_levels(), "expected ",
              anchor_generator_.num_levels(), " levels, got ", maps.size());
  return anchor_generator_.grid_anchors(sizes_of(maps), input_hw, maps.at(0).device());
}

LevelTargets DenseHeadTargets::targets(const std::vector<torch::Tensor>& anchors,
                                       const std::vector<torch::Tensor>& maps, const Batch& batch) {
  const auto feature_sizes = sizes_of(maps);
  const Size2 input_hw{batch.images.size(2), batch.images.size(3)};
  const auto device = maps.at(0).device();
  std::vector<int64_t> level_sizes;
  for (const auto& a : anchors) level_sizes.push_back(a.size(0));
  const auto all_anchors = torch::cat(anchors);

  std::vector<torch::Tensor> labels, label_weights, bbox_targets, bbox_weights;
  torch::Tensor total_pos;
  for (int64_t i = 0; i < batch.size(); ++i) {
    const auto& meta = batch.metas[i];
    torch::Tensor valid;
    if (conventions_.use_valid_flags)
      valid = torch::cat(anchor_generator_.valid_flags(feature_sizes, input_hw, {meta.pad_shape[0], meta.pad_shape[1]},
                                                       device));
    torch::Tensor ignore;
    if (i < static_cast<int64_t>(batch.gt_boxes_ignore.size()) && batch.gt_boxes_ignore[i].defined() &&
        batch.gt_boxes_ignore[i].numel() > 0)
      ignore = batch.gt_boxes_ignore[i].to(device);
    auto t = anchor_targets_single(all_anchors, valid, batch.gt_boxes.at(i).to(device), batch.gt_labels.at(i).to(device),
                                   ignore, num_classes_, assigner_, coder_, settings_.pos_weight);
    labels.push_back(t.labels);
    label_weights.push_back(t.label_weights);
    bbox_targets.push_back(t.bbox_targets);
    bbox_weights.push_back(t.bbox_weights);
    auto pos = t.num_pos.clamp_min(1);
    total_pos = i == 0 ? pos : total_pos + pos;
  }
  LevelTargets out;
  out.labels = images_to_levels(labels, level_sizes);
  out.label_weights = images_to_levels(label_weights, level_sizes);
  out.bbox_targets = images_to_levels(bbox_targets, level_sizes);
  out.bbox_weights = images_to_levels(bbox_weights, level_sizes);
  // The one host sync of an iteration: FocalLoss / SmoothL1Loss take avg_factor as a number.
  out.num_total_pos = total_pos.item<double>();
  return out;
}

Detections DenseHeadTargets::detect(const HeadOutputs& outputs, int64_t i,
                                    const std::vector<torch::Tensor>& anchors, const ImageMeta& meta) {
  std::vector<torch::Tensor> cls, reg;
  for (size_t l = 0; l < outputs.cls_scores.size(); ++l) {
    cls.push_back(outputs.cls_scores[l][i]);
    reg.push_back(outputs.bbox_preds[l][i]);
  }
  return post_process_single(cls, reg, anchors, meta, coder_, post_process_);
}

}  // namespace ghmdet
