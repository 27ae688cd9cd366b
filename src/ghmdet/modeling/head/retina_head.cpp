#include "ghmdet/modeling/head/retina_head.h"

#include <cmath>

#include "ghmdet/modeling/layers/conv2d.h"

namespace ghmdet {

RetinaHeadImpl::RetinaHeadImpl(const RetinaHeadOptions& options_) : options(options_) {
  torch::nn::ModuleList cls_list, reg_list;
  for (int64_t i = 0; i < options.stacked_convs(); ++i) {
    const int64_t c_in = i == 0 ? options.in_channels() : options.feat_channels();
    for (auto* tower : {&cls_convs, &reg_convs}) {
      ConvModule m(ConvModuleOptions(c_in, options.feat_channels(), 3).padding(1).relu(true).norm_groups(options.norm_groups()));
      tower->push_back(m);
      (tower == &cls_convs ? cls_list : reg_list)->push_back(m);
    }
  }
  register_module("cls_convs", cls_list);
  register_module("reg_convs", reg_list);
  const int64_t c_last = options.stacked_convs() > 0 ? options.feat_channels() : options.in_channels();
  const int64_t A = options.num_anchors();
  retina_cls = register_module(
      "retina_cls", torch::nn::Conv2d(torch::nn::Conv2dOptions(c_last, A * options.num_classes(), 3).padding(1)));
  retina_reg = register_module(
      "retina_reg", torch::nn::Conv2d(torch::nn::Conv2dOptions(c_last, A * 4, 3).padding(1)));

  torch::NoGradGuard no_grad;
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* c = m->as<torch::nn::Conv2d>()) {
      c->weight.normal_(0.0, 0.01);
      if (c->bias.defined()) c->bias.zero_();
    }
  }
  const double p = options.prior_prob();
  retina_cls->bias.fill_(-std::log((1.0 - p) / p));
}

HeadOutputs RetinaHeadImpl::forward(const std::vector<torch::Tensor>& features) {
  HeadOutputs out;
  out.cls_scores.reserve(features.size());
  out.bbox_preds.reserve(features.size());
  for (const auto& f : features) {
    auto c = f, r = f;
    for (auto& m : cls_convs) c = m->forward(c);
    for (auto& m : reg_convs) r = m->forward(r);
    out.cls_scores.push_back(conv2d(retina_cls, c));
    out.bbox_preds.push_back(conv2d(retina_reg, r));
  }
  return out;
}

void RetinaHeadImpl::set_losses(std::shared_ptr<ClassificationLossImpl> cls,
                                std::shared_ptr<RegressionLossImpl> reg) {
  loss_cls = register_module("loss_cls", std::move(cls));
  loss_bbox = register_module("loss_bbox", std::move(reg));
}

std::map<std::string, torch::Tensor> RetinaHeadImpl::loss(const HeadOutputs& outputs,
                                                          const LevelTargets& targets) {
  TORCH_CHECK(loss_cls && loss_bbox, "RetinaHead::loss: no losses set (set_losses)");
  const size_t levels = outputs.cls_scores.size();
  TORCH_CHECK(targets.labels.size() == levels && targets.bbox_targets.size() == levels,
              "RetinaHead::loss: ", levels, " levels of outputs but ", targets.labels.size(),
              " of targets");
  torch::Tensor cls_sum, reg_sum;
  for (size_t l = 0; l < levels; ++l) {
    auto cls = flatten_anchor_major(outputs.cls_scores[l], options.num_classes());
    auto reg = flatten_anchor_major(outputs.bbox_preds[l], 4);
    auto lc = loss_cls->forward(cls, targets.labels[l], targets.label_weights[l], targets.num_total_pos);
    auto lb = loss_bbox->forward(reg, targets.bbox_targets[l], targets.bbox_weights[l],
                                 targets.num_total_pos);
    cls_sum = l == 0 ? lc : cls_sum + lc;
    reg_sum = l == 0 ? lb : reg_sum + lb;
  }
  return {{"loss_cls", cls_sum}, {"loss_bbox", reg_sum}};
}

torch::Tensor flatten_anchor_major(const torch::Tensor& level, int64_t k) {
  TORCH_CHECK(level.dim() == 4 && level.size(1) % k == 0, "expected [N, A*", k,
              ", H, W], got ", level.sizes());
  // permute to NHWC is free for a channels-last tensor; reshape then only copies when needed.
  return level.permute({0, 2, 3, 1}).reshape({-1, k});
}

}  // namespace ghmdet
