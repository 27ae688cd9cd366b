#include "ghmdet/modeling/layers/conv_module.h"

#include "ghmdet/modeling/layers/conv2d.h"

namespace ghmdet {

ConvModuleImpl::ConvModuleImpl(const ConvModuleOptions& options_) : options(options_) {
  const bool norm = options.norm_groups() > 0;
  TORCH_CHECK(!norm || options.out_channels() % options.norm_groups() == 0, "GroupNorm: ",
              options.out_channels(), " channels are not divisible into ", options.norm_groups(), " groups");
  conv = register_module(
      "conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(options.in_channels(), options.out_channels(),
                                                         options.kernel_size())
                                    .stride(options.stride())
                                    .padding(options.padding())
                                    .bias(!norm)));
  if (norm)
    gn = register_module("gn", torch::nn::GroupNorm(torch::nn::GroupNormOptions(options.norm_groups(),
                                                                                options.out_channels())));
}

torch::Tensor ConvModuleImpl::forward(const torch::Tensor& x) {
  auto y = conv2d(conv, x);
  // GroupNorm's statistics are taken in the dtype of its parameters (float32) when the conv gives
  // bfloat16/float16 (bf16 inference, or autocast in fp16 training: libtorch 1.13's CPU
  // group_norm refuses mixed dtypes, and CUDA autocast runs group_norm in float32 anyway); the
  // result goes back to the conv's dtype for the next convolution.
  if (gn) y = gn->forward(y.to(gn->weight.scalar_type())).to(y.scalar_type());
  return options.relu() ? y.relu_() : y;
}

}  // namespace ghmdet
