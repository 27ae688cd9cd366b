// FPN — Feature Pyramid Network (Lin et al. 2017) as mmdetection v1 builds it for RetinaNet.
//
// Takes the backbone outputs (in_channels[i] channels each, strides doubling) and returns
// num_outs maps of out_channels channels, finest first (P3..P7 for RetinaNet).
//  * lateral_convs.{j}.conv: 1x1 conv (bias, no activation) on input start_level + j;
//  * top-down: lateral[j-1] += nearest-upsample(lateral[j]) to lateral[j-1]'s size (x2 when the
//    input is padded to a multiple of 32);
//  * fpn_convs.{j}.conv: 3x3 conv on each merged lateral → the first outputs;
//  * extra levels up to num_outs: extra_source = kNone → max-pool (kernel 1, stride 2) of the
//    last output; kInput → fpn_convs.{used} is a 3x3/2 conv on the last backbone input (C5),
//    kOutput → on the last output (P5); further extras are 3x3/2 convs on the previous extra,
//    with a ReLU before them when relu_before_extra_convs (torchvision's P7 = conv(relu(P6))).
// Init: Xavier-uniform weights, zero bias (as the reference); checkpoints overwrite it.
// Output tensors live on the input's device.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "ghmdet/modeling/layers/conv_module.h"

namespace ghmdet {

enum class ExtraConvSource { kNone, kInput, kOutput };

struct FPNOptions {
  FPNOptions(std::vector<int64_t> in_channels, int64_t out_channels, int64_t num_outs)
      : in_channels_(std::move(in_channels)), out_channels_(out_channels), num_outs_(num_outs) {}
  TORCH_ARG(std::vector<int64_t>, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, num_outs);
  TORCH_ARG(int64_t, start_level) = 0;
  TORCH_ARG(ExtraConvSource, extra_source) = ExtraConvSource::kNone;
  TORCH_ARG(bool, relu_before_extra_convs) = false;
};

struct FPNImpl : torch::nn::Module {
  explicit FPNImpl(const FPNOptions& options);

  // inputs: one map per backbone output (in_channels.size() of them, all of them passed,
  // including those below start_level).
  std::vector<torch::Tensor> forward(const std::vector<torch::Tensor>& inputs);

  FPNOptions options;
  std::vector<ConvModule> lateral_convs;  // registered as the ModuleList "lateral_convs"
  std::vector<ConvModule> fpn_convs;      // "fpn_convs": outputs first, then extra convs
};
TORCH_MODULE(FPN);

}  // namespace ghmdet
