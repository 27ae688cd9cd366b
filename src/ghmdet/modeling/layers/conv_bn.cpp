#include "ghmdet/modeling/layers/conv_bn.h"

namespace ghmdet {
namespace {

std::vector<std::pair<const void*, uint32_t>> fold_key(const torch::nn::Conv2d& conv,
                                                       const torch::nn::BatchNorm2d& bn) {
  std::vector<std::pair<const void*, uint32_t>> key;
  for (const auto* t : {&conv->weight, &bn->weight, &bn->bias, &bn->running_mean, &bn->running_var})
    key.emplace_back(t->data_ptr(), t->_version());
  return key;
}

}  // namespace

torch::Tensor conv_bn(torch::nn::Conv2d conv, torch::nn::BatchNorm2d bn,
                      ConvBNFold& fold, const torch::Tensor& x) {
  if (bn->is_training() || torch::GradMode::is_enabled() || !bn->options.affine() ||
      !bn->options.track_running_stats() || conv->options.bias())
    return bn->forward(conv->forward(x));
  auto key = fold_key(conv, bn);
  if (key != fold.key || !fold.weight.defined()) {
    const auto scale = bn->weight * torch::rsqrt(bn->running_var + bn->options.eps());
    const auto& w = conv->weight;
    fold.weight = (w * scale.view({-1, 1, 1, 1})).contiguous(w.suggest_memory_format());
    fold.bias = bn->bias - bn->running_mean * scale;
    fold.key = std::move(key);
  }
  const auto& o = conv->options;
  return torch::conv2d(x, fold.weight, fold.bias, o.stride(), c10::get<torch::ExpandingArray<2>>(o.padding()),
                       o.dilation(), o.groups());
}

}  // namespace ghmdet
