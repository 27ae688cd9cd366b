// The two residual blocks of ResNet, torchvision layout and parameter names.
//
// BasicBlock (expansion 1): conv1 3x3/stride → bn1 → relu → conv2 3x3 → bn2, + identity.
// Bottleneck (expansion 4): conv1 1x1 → bn1 → relu → conv2 3x3/stride → bn2 → relu → conv3 1x1
// → bn3, + identity. The identity is `downsample` (Sequential: 0 = 1x1 conv with the stride,
// 1 = BN) whenever the stride or the channel count changes. Output = relu(residual + identity).
// Input/output float [N, C, H, W], same device. Whenever BN is in eval mode (inference, or
// training with norm_eval) each conv + BN pair runs as one folded convolution (layers/conv_bn.h).
#pragma once

#include <torch/torch.h>

#include "ghmdet/modeling/layers/conv_bn.h"

namespace ghmdet {

struct BasicBlockImpl : torch::nn::Module {
  static constexpr int64_t kExpansion = 1;
  BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  torch::nn::Sequential downsample{nullptr};  // null when the identity is the input itself

 private:
  ConvBNFold fold1_, fold2_, fold_down_;
};
TORCH_MODULE(BasicBlock);

struct BottleneckImpl : torch::nn::Module {
  static constexpr int64_t kExpansion = 4;
  BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};

 private:
  ConvBNFold fold1_, fold2_, fold3_, fold_down_;
};
TORCH_MODULE(Bottleneck);

// The projection shortcut, or an empty holder when none is needed.
torch::nn::Sequential make_downsample(int64_t inplanes, int64_t outplanes, int64_t stride);

// The shortcut branch: `x` itself, or downsample's conv + BN (folded when BN is in eval mode).
torch::Tensor shortcut(const torch::nn::Sequential& downsample, ConvBNFold& fold, const torch::Tensor& x);

}  // namespace ghmdet
