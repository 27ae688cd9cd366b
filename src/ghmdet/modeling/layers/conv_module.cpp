#include "ghmdet/modeling/layers/conv_module.h"

namespace ghmdet {

ConvModuleImpl::ConvModuleImpl(const ConvModuleOptions& options_) : options(options_) {
  conv = register_module(
      "conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(options.in_channels(), options.out_channels(),
                                                         options.kernel_size())
                                    .stride(options.stride())
                                    .padding(options.padding())
                                    .bias(true)));
}

torch::Tensor ConvModuleImpl::forward(const torch::Tensor& x) {
  auto y = conv->forward(x);
  return options.relu() ? y.relu_() : y;
}

}  // namespace ghmdet
