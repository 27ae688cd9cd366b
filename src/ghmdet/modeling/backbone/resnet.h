// ResNet backbone (He et al. 2016), `style: pytorch` as mmdetection names it: in a Bottleneck the
// stride sits on the 3x3 conv (conv2), as in torchvision.
//
// Parameter names are torchvision's exactly (conv1, bn1, layer{1..4}.{i}.conv{1,2,3},
// .bn{1,2,3}, .downsample.0 (1x1 conv) / .downsample.1 (BN)), so an ImageNet checkpoint loads
// without renaming. BN eps 1e-5, convs without bias.
//
// forward(x): x float [N, 3, H, W] → the outputs of the stages listed in out_indices
// (0 → C2 stride 4, 1 → C3 stride 8, 2 → C4 stride 16, 3 → C5 stride 32), in stage order.
// Channels: base_channels * 2^i * expansion (expansion 1 for depth 18/34, 4 for 50/101).
//
// Training state: frozen_stages = k freezes the stem (k >= 0) and layer1..layer k: their
// parameters get requires_grad = false at construction and they stay in eval mode whatever
// train() is called with. norm_eval = true keeps EVERY BatchNorm in eval mode (running statistics
// used, never updated) while the model trains; the BN affine parameters of unfrozen stages still
// train, as in the reference.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "ghmdet/modeling/layers/conv_bn.h"

namespace ghmdet {

struct ResNetOptions {
  TORCH_ARG(int64_t, depth) = 50;                 // 18, 34, 50 or 101
  TORCH_ARG(int64_t, num_stages) = 4;             // 1..4 residual stages built
  TORCH_ARG(std::vector<int64_t>, out_indices) = std::vector<int64_t>{0, 1, 2, 3};
  TORCH_ARG(int64_t, frozen_stages) = -1;         // -1: nothing frozen
  TORCH_ARG(bool, norm_eval) = true;
  TORCH_ARG(int64_t, base_channels) = 64;         // stem width; stage i has base * 2^i planes
  // Blocks per stage; empty = the table for `depth`. Lets tests build tiny networks.
  TORCH_ARG(std::vector<int64_t>, stage_blocks) = std::vector<int64_t>{};
};

struct ResNetImpl : torch::nn::Module {
  explicit ResNetImpl(const ResNetOptions& options = {});

  std::vector<torch::Tensor> forward(const torch::Tensor& x);

  // Re-applies frozen_stages / norm_eval after the usual recursive mode switch.
  void train(bool on = true) override;

  // Output channels of each stage in out_indices (what the FPN takes as in_channels).
  std::vector<int64_t> out_channels() const;
  // 1 for BasicBlock (depth 18/34), 4 for Bottleneck (50/101).
  int64_t expansion() const { return expansion_; }

  ResNetOptions options;
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  std::vector<torch::nn::Sequential> layers;  // registered as layer1..layerN

 private:
  int64_t expansion_ = 4;
  ConvBNFold stem_fold_;
};
TORCH_MODULE(ResNet);

}  // namespace ghmdet
