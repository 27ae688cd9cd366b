#include "ghmdet/modeling/layers/conv2d.h"

#include <ATen/Context.h>

#include "ghmdet/modeling/layers/conv_options_compat.h"

namespace ghmdet {

torch::Tensor conv2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                     torch::IntArrayRef stride, torch::IntArrayRef padding, torch::IntArrayRef dilation,
                     int64_t groups) {
  const auto dtype = x.scalar_type();
  if (dtype != weight.scalar_type() && weight.scalar_type() == torch::kFloat && dtype == torch::kBFloat16) {
    return conv2d(x, weight.to(dtype), bias.defined() ? bias.to(dtype) : bias, stride, padding, dilation, groups);
  }
  const bool onednn = x.device().is_cpu() && (dtype == torch::kFloat || dtype == torch::kBFloat16) &&
                      weight.scalar_type() == dtype && x.dim() == 4 && x.numel() > 0 && !x.is_mkldnn() &&
                      at::hasMKLDNN() && at::globalContext().userEnabledMkldnn();
  if (!onednn) return torch::conv2d(x, weight, bias, stride, padding, dilation, groups);
  return torch::mkldnn_convolution(x, weight, bias, padding, stride, dilation, groups);
}

torch::Tensor conv2d(const torch::nn::Conv2d& conv, const torch::Tensor& x) {
  const auto& o = conv->options;
  const auto* pad = option_if<torch::ExpandingArray<2>>(o.padding());
  if (!pad || !option_if<torch::enumtype::kZeros>(o.padding_mode())) return conv.ptr()->forward(x);
  return conv2d(x, conv->weight, conv->bias, o.stride(), *pad, o.dilation(), o.groups());
}

}  // namespace ghmdet
