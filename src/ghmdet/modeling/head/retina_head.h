// RetinaHead — the dense classification / box-regression head of RetinaNet, shared by all FPN
// levels, and the place where the training losses are wired (ghm-spec section 3).
//
// Modules (mmdetection names): cls_convs.{i}.conv and reg_convs.{i}.conv — stacked_convs 3x3
// convs with ReLU each (with norm_groups > 0, a GroupNorm cls_convs.{i}.gn before the ReLU and no
// conv bias, mmdetection's norm_cfg; off in the reference); retina_cls (3x3 → A*C channels), retina_reg (3x3 → A*4 channels);
// loss_cls / loss_bbox — the ONE classification and ONE regression loss object, called once per
// level P3→P7 so that GHM's momentum state is shared across levels (checkpoint keys
// bbox_head.loss_cls.acc_sum etc.).
//
// Channel order is anchor-major: channel a*C + c is anchor a, class c; a*4 + k is anchor a,
// coordinate k (dx, dy, dw, dh). Init: N(0, 0.01) weights, zero bias, retina_cls bias
// -log((1-p)/p) with p = prior_prob, so that every anchor starts at score p.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ghmdet/losses/loss.h"
#include "ghmdet/modeling/layers/conv_module.h"

namespace ghmdet {

struct RetinaHeadOptions {
  RetinaHeadOptions(int64_t num_classes, int64_t in_channels)
      : num_classes_(num_classes), in_channels_(in_channels) {}
  TORCH_ARG(int64_t, num_classes);       // C: sigmoid outputs (object classes, no background)
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, feat_channels) = 256;
  TORCH_ARG(int64_t, stacked_convs) = 4;
  TORCH_ARG(int64_t, num_anchors) = 9;   // A per position
  TORCH_ARG(double, prior_prob) = 0.01;
  TORCH_ARG(int64_t, norm_groups) = 0;   // GroupNorm groups in the stacked convs; 0: none
};

// Raw head outputs per level, finest first: cls [N, A*C, H_l, W_l], box [N, A*4, H_l, W_l].
struct HeadOutputs {
  std::vector<torch::Tensor> cls_scores;
  std::vector<torch::Tensor> bbox_preds;
};

// Training targets sliced per level (targets/images_to_levels): row r of level l belongs to
// image r / (H_l*W_l*A), position and anchor in (y, x, a) order — the order of
// flatten_anchor_major. labels int64 [R_l] (C = background), label_weights float [R_l],
// bbox_targets / bbox_weights float [R_l, 4]. num_total_pos = Σ_images max(#pos, 1), the
// avg_factor of FocalLoss / SmoothL1Loss (GHM ignores it).
struct LevelTargets {
  std::vector<torch::Tensor> labels, label_weights, bbox_targets, bbox_weights;
  double num_total_pos = 1.0;
};

struct RetinaHeadImpl : torch::nn::Module {
  explicit RetinaHeadImpl(const RetinaHeadOptions& options);

  HeadOutputs forward(const std::vector<torch::Tensor>& features);

  // Registers the shared loss objects as the children `loss_cls` / `loss_bbox`.
  void set_losses(std::shared_ptr<ClassificationLossImpl> cls, std::shared_ptr<RegressionLossImpl> reg);

  // {"loss_cls", "loss_bbox"}: the sums over levels of one loss call per level, P3 first.
  std::map<std::string, torch::Tensor> loss(const HeadOutputs& outputs, const LevelTargets& targets);

  RetinaHeadOptions options;
  std::vector<ConvModule> cls_convs, reg_convs;
  torch::nn::Conv2d retina_cls{nullptr}, retina_reg{nullptr};
  std::shared_ptr<ClassificationLossImpl> loss_cls;
  std::shared_ptr<RegressionLossImpl> loss_bbox;
};
TORCH_MODULE(RetinaHead);

// [N, A*K, H, W] (anchor-major channels) → [N*H*W*A, K] rows ordered image, y, x, anchor — the
// row order of the anchors and of images_to_levels. A view when the layout allows it (channels
// last input), one copy otherwise.
torch::Tensor flatten_anchor_major(const torch::Tensor& level, int64_t k);

}  // namespace ghmdet
