// conv_bn — a bias-free Conv2d followed by a BatchNorm2d, evaluated as ONE convolution with BN
// folded into its weights whenever BN uses its running statistics (eval mode, which norm_eval
// keeps during training too). BN in eval mode is the per-channel affine map
// y = x·s + (β − μ·s), s = γ/√(σ²+ε), so conv → BN equals a conv with weight w·s and bias
// β − μ·s. Folding removes BN's separate read + write of every activation, forward and (when
// training) backward; oneDNN adds the bias inside the convolution.
//
// Three paths:
//  * nothing needs a gradient (autograd off, or conv and BN parameters all frozen, as in the
//    stem and frozen stages): the folded weight/bias are constants, cached in a ConvBNFold owned
//    by the calling block and keyed on the storage and version counter of every source tensor,
//    so loading a checkpoint, an optimiser step or moving the module refreshes them. The input
//    may still require a gradient: it flows through the constant convolution.
//  * BN in eval mode but parameters that train (norm_eval, unfrozen stages): the fold is
//    computed every call as differentiable tensor ops on the weights (w·s, β − μ·s), so
//    autograd gives conv.weight, bn.weight and bn.bias exactly the gradients of conv → BN,
//    at the cost of a few weight-sized operations instead of two activation-sized passes.
//  * BN in training mode (batch statistics): the two modules as usual.
// The folded weight keeps the conv weight's memory format (channels-last stays channels-last).
// A bf16 input (inference, core/inference_dtype.h): the fold is computed in float32, then
// rounded to bf16 once and cached as such.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace ghmdet {

struct ConvBNFold {
  torch::Tensor weight, bias;  // in the dtype of the input they were folded for
  std::vector<std::pair<const void*, uint32_t>> key;  // (data pointer, version) of the sources
  torch::ScalarType dtype = torch::kFloat;
};

torch::Tensor conv_bn(torch::nn::Conv2d conv, torch::nn::BatchNorm2d bn,
                      ConvBNFold& fold, const torch::Tensor& x);

}  // namespace ghmdet
