#include "ghmdet/modeling/layers/conv2d.h"

#include <ATen/Context.h>
#include <torch/version.h>

#include "ghmdet/core/autocast_compat.h"
#include "ghmdet/modeling/layers/conv_options_compat.h"

namespace ghmdet {

torch::Tensor conv2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                     torch::IntArrayRef stride, torch::IntArrayRef padding, torch::IntArrayRef dilation,
                     int64_t groups) {
  const bool cpu_autocast = x.device().is_cpu() && autocast_compat::is_enabled(at::kCPU);
  if (cpu_autocast && x.dim() == 4 && stride.size() == 2 && x.size(3) < stride[1]) {
    // libtorch's bfloat16 weight gradient is garbage (uninitialised values, inf, nan) when the
    // input is narrower than the horizontal stride, e.g. RetinaNet's P7 conv on P6 of width 1
    // at small image sizes. Such convolutions are tiny: they run in float32, outside autocast.
    c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::DispatchKey::AutocastCPU);
    const auto to_float = [](const torch::Tensor& t) { return t.defined() ? t.to(torch::kFloat) : t; };
    return conv2d(to_float(x), to_float(weight), to_float(bias), stride, padding, dilation, groups);
  }
  const auto dtype = x.scalar_type();
  if (dtype != weight.scalar_type() && weight.scalar_type() == torch::kFloat && dtype == torch::kBFloat16) {
    return conv2d(x, weight.to(dtype), bias.defined() ? bias.to(dtype) : bias, stride, padding, dilation, groups);
  }
  const bool onednn = x.device().is_cpu() && (dtype == torch::kFloat || dtype == torch::kBFloat16) &&
                      weight.scalar_type() == dtype && x.dim() == 4 && x.numel() > 0 && !x.is_mkldnn() &&
                      at::hasMKLDNN() && at::globalContext().userEnabledMkldnn() && !cpu_autocast;
  if (!onednn) return torch::conv2d(x, weight, bias, stride, padding, dilation, groups);
#if TORCH_VERSION_MAJOR < 2
  // libtorch 1.x runs the backward of a single-threaded 1x1 convolution (batch under 16, not
  // strided, not dilated) on its im2col + BLAS path, not oneDNN (ConvUtils' use_mkldnn); with
  // Debian's OpenBLAS that is 8.6x slower (256->64 at 128x128, batch 2: 301 vs 35 ms forward and
  // backward) and an R50 training step 3.3x. A 1x1 kernel has one tap, so its dilation changes
  // nothing: asking for dilation 2 keeps the backward on oneDNN, with the same results.
  if (weight.dim() == 4 && weight.size(2) == 1 && weight.size(3) == 1 && dilation.size() == 2 &&
      dilation[0] == 1 && dilation[1] == 1 && at::get_num_threads() == 1 && torch::GradMode::is_enabled() &&
      (x.requires_grad() || weight.requires_grad())) {
    return torch::mkldnn_convolution(x, weight, bias, padding, stride, {2, 2}, groups);
  }
#endif
  return torch::mkldnn_convolution(x, weight, bias, padding, stride, dilation, groups);
}

torch::Tensor conv2d(const torch::nn::Conv2d& conv, const torch::Tensor& x) {
  const auto& o = conv->options;
  const auto* pad = option_if<torch::ExpandingArray<2>>(o.padding());
  if (!pad || !option_if<torch::enumtype::kZeros>(o.padding_mode())) return conv.ptr()->forward(x);
  return conv2d(x, conv->weight, conv->bias, o.stride(), *pad, o.dilation(), o.groups());
}

}  // namespace ghmdet
