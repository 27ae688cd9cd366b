// conv_bn — a bias-free Conv2d followed by a BatchNorm2d, evaluated as ONE convolution with
// BN folded into its weights whenever that is exact: BN in eval mode (running statistics) and
// autograd off (inference). Training, or eval with autograd on, runs the two modules as usual so
// gradients reach the BN affine parameters.
//
// The folded weight/bias (w * γ/√(σ²+ε), β − μ·γ/√(σ²+ε)) are cached in a ConvBNFold owned by
// the calling block, keyed on the storage and version counter of every source tensor, so
// loading a checkpoint, an optimiser step or moving the module refreshes them automatically.
// The folded weight keeps the conv weight's memory format (channels-last stays channels-last).
#pragma once

#include <torch/torch.h>

#include <vector>

namespace ghmdet {

struct ConvBNFold {
  torch::Tensor weight, bias;
  std::vector<std::pair<const void*, uint32_t>> key;  // (data pointer, version) of the sources
};

torch::Tensor conv_bn(torch::nn::Conv2d conv, torch::nn::BatchNorm2d bn,
                      ConvBNFold& fold, const torch::Tensor& x);

}  // namespace ghmdet
