// ConvModule — a Conv2d optionally followed by an in-place ReLU, registered under the child name
// `conv` so that parameter names read `<list>.<i>.conv.weight` as in mmdetection checkpoints
// (neck.lateral_convs.0.conv.weight, bbox_head.cls_convs.3.conv.bias, ...).
//
// Input [N, in_channels, H, W] float; output [N, out_channels, H', W'] on the input's device.
// No normalisation layer: neither the FPN nor the RetinaHead of the reference uses one.
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
};

struct ConvModuleImpl : torch::nn::Module {
  explicit ConvModuleImpl(const ConvModuleOptions& options);
  torch::Tensor forward(const torch::Tensor& x);

  ConvModuleOptions options;
  torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(ConvModule);

}  // namespace ghmdet
