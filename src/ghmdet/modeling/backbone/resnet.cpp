#include "ghmdet/modeling/backbone/resnet.h"

#include <fmt/format.h>

#include "ghmdet/core/error.h"
#include "ghmdet/modeling/backbone/residual_blocks.h"
#include "ghmdet/modeling/layers/conv_bn.h"

namespace ghmdet {
namespace {

std::vector<int64_t> blocks_for_depth(int64_t depth) {
  switch (depth) {
    case 18: return {2, 2, 2, 2};
    case 34: return {3, 4, 6, 3};
    case 50: return {3, 4, 6, 3};
    case 101: return {3, 4, 23, 3};
    default:
      throw Error(fmt::format("ResNet: unsupported depth {} (valid: 18, 34, 50, 101)", depth));
  }
}

void set_eval(torch::nn::Module& m) { m.eval(); }

}  // namespace

ResNetImpl::ResNetImpl(const ResNetOptions& options_) : options(options_) {
  const bool bottleneck = options.depth() >= 50;
  expansion_ = bottleneck ? BottleneckImpl::kExpansion : BasicBlockImpl::kExpansion;
  auto blocks = options.stage_blocks().empty() ? blocks_for_depth(options.depth())
                                               : options.stage_blocks();
  if (options.num_stages() < 1 || options.num_stages() > static_cast<int64_t>(blocks.size()))
    throw Error(fmt::format("ResNet: num_stages must be in 1..{}, got {}", blocks.size(),
                            options.num_stages()));
  for (auto i : options.out_indices())
    if (i < 0 || i >= options.num_stages())
      throw Error(fmt::format("ResNet: out_indices entry {} is not a built stage (num_stages {})",
                              i, options.num_stages()));
  if (options.frozen_stages() > options.num_stages())
    throw Error(fmt::format("ResNet: frozen_stages {} exceeds num_stages {}",
                            options.frozen_stages(), options.num_stages()));

  const int64_t base = options.base_channels();
  conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, base, 7)
                                                         .stride(2)
                                                         .padding(3)
                                                         .bias(false)));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(base).eps(1e-5)));

  int64_t inplanes = base;
  for (int64_t s = 0; s < options.num_stages(); ++s) {
    const int64_t planes = base << s;
    torch::nn::Sequential layer;
    for (int64_t b = 0; b < blocks[s]; ++b) {
      const int64_t stride = (b == 0 && s > 0) ? 2 : 1;
      if (bottleneck)
        layer->push_back(Bottleneck(inplanes, planes, stride));
      else
        layer->push_back(BasicBlock(inplanes, planes, stride));
      inplanes = planes * expansion_;
    }
    layers.push_back(register_module(fmt::format("layer{}", s + 1), layer));
  }

  // Kaiming-normal (fan_out) convs and unit BN as torchvision, for training without a
  // pretrained file; a checkpoint normally overwrites all of it.
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* c = m->as<torch::nn::Conv2d>()) {
      torch::nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
    } else if (auto* b = m->as<torch::nn::BatchNorm2d>()) {
      torch::nn::init::ones_(b->weight);
      torch::nn::init::zeros_(b->bias);
    }
  }

  if (options.frozen_stages() >= 0) {
    for (auto& p : conv1->parameters()) p.set_requires_grad(false);
    for (auto& p : bn1->parameters()) p.set_requires_grad(false);
    for (int64_t s = 0; s < options.frozen_stages(); ++s)
      for (auto& p : layers[s]->parameters()) p.set_requires_grad(false);
  }
  train(true);
}

std::vector<torch::Tensor> ResNetImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == 3, "ResNet expects [N, 3, H, W], got ", x.sizes());
  auto y = conv_bn(conv1, bn1, stem_fold_, x).relu_();
  y = torch::max_pool2d(y, 3, 2, 1);
  std::vector<torch::Tensor> outs;
  const auto& wanted = options.out_indices();
  for (int64_t s = 0; s < static_cast<int64_t>(layers.size()); ++s) {
    y = layers[s]->forward(y);
    if (std::find(wanted.begin(), wanted.end(), s) != wanted.end()) outs.push_back(y);
  }
  return outs;
}

void ResNetImpl::train(bool on) {
  torch::nn::Module::train(on);
  if (options.frozen_stages() >= 0) {
    set_eval(*conv1);
    set_eval(*bn1);
    for (int64_t s = 0; s < options.frozen_stages(); ++s) set_eval(*layers[s]);
  }
  if (on && options.norm_eval()) {
    for (auto& m : modules(/*include_self=*/false))
      if (auto* b = m->as<torch::nn::BatchNorm2d>()) b->eval();
  }
}

std::vector<int64_t> ResNetImpl::out_channels() const {
  std::vector<int64_t> out;
  for (auto i : options.out_indices()) out.push_back((options.base_channels() << i) * expansion_);
  return out;
}

}  // namespace ghmdet
