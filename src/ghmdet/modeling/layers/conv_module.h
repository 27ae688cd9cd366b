// ConvModule — a Conv2d, optionally GroupNorm, optionally an in-place ReLU, registered under the
// child names `conv` and `gn` so that parameter names read `<list>.<i>.conv.weight` and
// `<list>.<i>.gn.weight` as in mmdetection checkpoints (neck.lateral_convs.0.conv.weight,
// bbox_head.cls_convs.3.conv.bias, ...).
//
// Input [N, in_channels, H, W] float; output [N, out_channels, H', W'] on the input's device
// (under autocast: in autocast's dtype without GroupNorm, float32 with it).
// The reference's FPN and RetinaHead use no normalisation (norm_groups 0, conv with bias); with
// GroupNorm (mmdetection's norm_cfg {type: GN, num_groups}) the conv has no bias, as there.
#pragma once

#include <torch/torch.h>

namespace ghmdet {

struct ConvModuleOptions {
  ConvModuleOptions(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, kernel_size);
  TORCH_ARG(int64_t, stride) = 1;
  TORCH_ARG(int64_t, padding) = 0;
  TORCH_ARG(bool, relu) = false;
  TORCH_ARG(int64_t, norm_groups) = 0;  // 0: no normalisation; else GroupNorm with that many groups
};

struct ConvModuleImpl : torch::nn::Module {
  explicit ConvModuleImpl(const ConvModuleOptions& options);
  torch::Tensor forward(const torch::Tensor& x);

  ConvModuleOptions options;
  torch::nn::Conv2d conv{nullptr};
  torch::nn::GroupNorm gn{nullptr};
};
TORCH_MODULE(ConvModule);

}  // namespace ghmdet
