#include "ghmdet/modeling/layers/conv_bn.h"

#include "ghmdet/modeling/layers/conv2d.h"
#include "ghmdet/modeling/layers/conv_options_compat.h"

namespace ghmdet {
namespace {

std::vector<std::pair<const void*, uint32_t>> fold_key(const torch::nn::Conv2d& conv,
                                                       const torch::nn::BatchNorm2d& bn) {
  std::vector<std::pair<const void*, uint32_t>> key;
  for (const auto* t : {&conv->weight, &bn->weight, &bn->bias, &bn->running_mean, &bn->running_var})
    key.emplace_back(t->data_ptr(), t->_version());
  return key;
}

// (w·s, β − μ·s) with s = γ/√(σ²+ε); differentiable in w, γ and β when autograd is on.
std::pair<torch::Tensor, torch::Tensor> fold_weights(const torch::nn::Conv2d& conv,
                                                     const torch::nn::BatchNorm2d& bn) {
  const auto scale = bn->weight * torch::rsqrt(bn->running_var + bn->options.eps());
  const auto& w = conv->weight;
  return {(w * scale.view({-1, 1, 1, 1})).contiguous(w.suggest_memory_format()),
          bn->bias - bn->running_mean * scale};
}

bool needs_grad(const torch::nn::Conv2d& conv, const torch::nn::BatchNorm2d& bn) {
  return torch::GradMode::is_enabled() &&
         (conv->weight.requires_grad() || bn->weight.requires_grad() || bn->bias.requires_grad());
}

}  // namespace

torch::Tensor conv_bn(torch::nn::Conv2d conv, torch::nn::BatchNorm2d bn,
                      ConvBNFold& fold, const torch::Tensor& x) {
  if (bn->is_training() || !bn->options.affine() || !bn->options.track_running_stats() ||
      conv->options.bias())
    return bn->forward(conv2d(conv, x));
  const auto& o = conv->options;
  const auto* padding_if = option_if<torch::ExpandingArray<2>>(o.padding());
  if (!padding_if) return bn->forward(conv2d(conv, x));  // a padding mode (kSame, kValid)
  const auto padding = *padding_if;
  if (needs_grad(conv, bn)) {
    auto [w, b] = fold_weights(conv, bn);
    return conv2d(x, w, b, o.stride(), padding, o.dilation(), o.groups());
  }
  auto key = fold_key(conv, bn);
  if (key != fold.key || !fold.weight.defined() || fold.dtype != x.scalar_type()) {
    torch::NoGradGuard no_grad;
    std::tie(fold.weight, fold.bias) = fold_weights(conv, bn);
    if (x.scalar_type() == torch::kBFloat16) {
      fold.weight = fold.weight.to(torch::kBFloat16);
      fold.bias = fold.bias.to(torch::kBFloat16);
    }
    fold.dtype = x.scalar_type();
    fold.key = std::move(key);
  }
  return conv2d(x, fold.weight, fold.bias, o.stride(), padding, o.dilation(), o.groups());
}

}  // namespace ghmdet
