#include "ghmdet/modeling/retinanet.h"

#include <fmt/format.h>

#include "ghmdet/core/error.h"
#include "ghmdet/core/inference_dtype.h"
#include "ghmdet/io/state_dict.h"
#include "ghmdet/io/weight_maps.h"

namespace ghmdet {
namespace {

void to_channels_last(torch::nn::Module& m) {
  torch::NoGradGuard no_grad;
  for (auto& p : m.parameters())
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
}

}  // namespace

RetinaNetImpl::RetinaNetImpl(const RetinaNetOptions& options_,
                             std::shared_ptr<ClassificationLossImpl> loss_cls,
                             std::shared_ptr<RegressionLossImpl> loss_bbox)
    : options(options_), dense_(options_.dense(), options_.head().num_classes()) {
  backbone = register_module("backbone", ResNet(options.backbone()));
  neck = register_module("neck", FPN(options.neck()));
  bbox_head = register_module("bbox_head", RetinaHead(options.head()));
  if (loss_cls && loss_bbox) bbox_head->set_losses(std::move(loss_cls), std::move(loss_bbox));
  const auto& names = options.class_names();
  if (!names.empty() && static_cast<int64_t>(names.size()) != num_classes())
    throw Error(fmt::format("RetinaNet: {} class names for {} classes", names.size(), num_classes()));
  if (static_cast<int64_t>(options.dense().strides.size()) != options.neck().num_outs())
    throw Error(fmt::format("RetinaNet: {} anchor strides for {} FPN outputs",
                            options.dense().strides.size(), options.neck().num_outs()));
  if (options.channels_last()) to_channels_last(*this);
}

HeadOutputs RetinaNetImpl::forward(const torch::Tensor& images) {
  TORCH_CHECK(images.dim() == 4 && images.size(1) == 3, "RetinaNet expects images [N, 3, H, W], got ",
              images.sizes());
  auto x = options.channels_last() ? images.contiguous(torch::MemoryFormat::ChannelsLast) : images;
  const auto dtype = is_training() ? torch::kFloat : usable_inference_dtype(options.inference_dtype(), x.device());
  if (dtype == x.scalar_type()) return bbox_head->forward(neck->forward(backbone->forward(x)));
  auto out = bbox_head->forward(neck->forward(backbone->forward(x.to(dtype))));
  for (auto* level : {&out.cls_scores, &out.bbox_preds})
    for (auto& t : *level) t = t.to(images.scalar_type());
  return out;
}

std::map<std::string, torch::Tensor> RetinaNetImpl::loss(const Batch& batch) {
  auto outputs = forward(batch.images);
  auto anchors = dense_.anchors(outputs.cls_scores, {batch.images.size(2), batch.images.size(3)});
  auto targets = dense_.targets(anchors, outputs.cls_scores, batch);
  return bbox_head->loss(outputs, targets);
}

std::vector<Detections> RetinaNetImpl::predict(const Batch& batch) {
  torch::NoGradGuard no_grad;
  auto outputs = forward(batch.images);
  auto anchors = dense_.anchors(outputs.cls_scores, {batch.images.size(2), batch.images.size(3)});
  std::vector<Detections> out;
  out.reserve(batch.size());
  for (int64_t i = 0; i < batch.size(); ++i) out.push_back(dense_.detect(outputs, i, anchors, batch.metas[i]));
  return out;
}

std::string RetinaNetImpl::load_pretrained_backbone(const std::string& path) {
  auto sd = read_state_dict(path);
  const auto format = detect_weight_format(sd);
  // Every understood file is named as a whole detector's weights first (an ImageNet ResNet's
  // keys get "backbone."), then only the backbone's part is kept, without the prefix: a whole
  // detector's checkpoint (mmdetection's, ours, torchvision's RetinaNet) also holds a neck and a
  // head, which are not this backbone's to load.
  const std::string prefix = "backbone.";
  StateDict named;
  for (const auto& item : to_ghmdet_names(sd, format, prefix)) {
    if (item.key().compare(0, prefix.size(), prefix) == 0)
      named.insert(item.key().substr(prefix.size()), item.value());
  }
  auto report = load_state_dict(*backbone, named, /*strict=*/false);
  if (!report.missing.empty() || !report.mismatched.empty())
    throw Error(fmt::format("{}: not a backbone for this ResNet:\n{}", path, report.summary()));
  return report.summary();
}

}  // namespace ghmdet
