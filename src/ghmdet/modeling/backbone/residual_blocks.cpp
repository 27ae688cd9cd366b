#include "ghmdet/modeling/backbone/residual_blocks.h"

namespace ghmdet {
namespace {

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, k).stride(stride).padding(k / 2).bias(false));
}

torch::nn::BatchNorm2d bn(int64_t c) {
  return torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(c).eps(1e-5).momentum(0.1));
}

}  // namespace

torch::nn::Sequential make_downsample(int64_t inplanes, int64_t outplanes, int64_t stride) {
  if (stride == 1 && inplanes == outplanes) return torch::nn::Sequential(nullptr);
  return torch::nn::Sequential(conv(inplanes, outplanes, 1, stride), bn(outplanes));
}

torch::Tensor shortcut(const torch::nn::Sequential& downsample, ConvBNFold& fold, const torch::Tensor& x) {
  if (!downsample) return x;
  torch::nn::Conv2d conv(std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(downsample->ptr(0)));
  torch::nn::BatchNorm2d bn(std::dynamic_pointer_cast<torch::nn::BatchNorm2dImpl>(downsample->ptr(1)));
  return conv_bn(conv, bn, fold, x);
}

BasicBlockImpl::BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride) {
  conv1 = register_module("conv1", conv(inplanes, planes, 3, stride));
  bn1 = register_module("bn1", bn(planes));
  conv2 = register_module("conv2", conv(planes, planes, 3, 1));
  bn2 = register_module("bn2", bn(planes));
  downsample = make_downsample(inplanes, planes * kExpansion, stride);
  if (downsample) register_module("downsample", downsample);
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
  auto out = conv_bn(conv1, bn1, fold1_, x).relu_();
  out = conv_bn(conv2, bn2, fold2_, out);
  out += shortcut(downsample, fold_down_, x);
  return out.relu_();
}

BottleneckImpl::BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride) {
  conv1 = register_module("conv1", conv(inplanes, planes, 1, 1));
  bn1 = register_module("bn1", bn(planes));
  conv2 = register_module("conv2", conv(planes, planes, 3, stride));
  bn2 = register_module("bn2", bn(planes));
  conv3 = register_module("conv3", conv(planes, planes * kExpansion, 1, 1));
  bn3 = register_module("bn3", bn(planes * kExpansion));
  downsample = make_downsample(inplanes, planes * kExpansion, stride);
  if (downsample) register_module("downsample", downsample);
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x) {
  auto out = conv_bn(conv1, bn1, fold1_, x).relu_();
  out = conv_bn(conv2, bn2, fold2_, out).relu_();
  out = conv_bn(conv3, bn3, fold3_, out);
  out += shortcut(downsample, fold_down_, x);
  return out.relu_();
}

}  // namespace ghmdet
