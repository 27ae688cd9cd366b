#include "ghmdet/modeling/neck/fpn.h"

#include <fmt/format.h>

#include "ghmdet/core/error.h"

namespace ghmdet {

FPNImpl::FPNImpl(const FPNOptions& options_) : options(options_) {
  const auto& in = options.in_channels();
  const int64_t n_in = static_cast<int64_t>(in.size());
  const int64_t used = n_in - options.start_level();
  if (options.start_level() < 0 || used < 1)
    throw Error(fmt::format("FPN: start_level {} leaves no input among {} in_channels",
                            options.start_level(), n_in));
  if (options.num_outs() < used)
    throw Error(fmt::format("FPN: num_outs {} is smaller than the {} levels used",
                            options.num_outs(), used));

  torch::nn::ModuleList laterals, outputs;
  for (int64_t i = options.start_level(); i < n_in; ++i) {
    ConvModule l(ConvModuleOptions(in[i], options.out_channels(), 1));
    ConvModule f(ConvModuleOptions(options.out_channels(), options.out_channels(), 3).padding(1));
    laterals->push_back(l);
    outputs->push_back(f);
    lateral_convs.push_back(l);
    fpn_convs.push_back(f);
  }
  if (options.extra_source() != ExtraConvSource::kNone) {
    for (int64_t k = 0; k < options.num_outs() - used; ++k) {
      const int64_t c_in = (k == 0 && options.extra_source() == ExtraConvSource::kInput)
                               ? in.back()
                               : options.out_channels();
      ConvModule e(ConvModuleOptions(c_in, options.out_channels(), 3).stride(2).padding(1));
      outputs->push_back(e);
      fpn_convs.push_back(e);
    }
  }
  register_module("lateral_convs", laterals);
  register_module("fpn_convs", outputs);

  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* c = m->as<torch::nn::Conv2d>()) {
      torch::nn::init::xavier_uniform_(c->weight, 1.0);
      torch::nn::init::zeros_(c->bias);
    }
  }
}

std::vector<torch::Tensor> FPNImpl::forward(const std::vector<torch::Tensor>& inputs) {
  const auto& in = options.in_channels();
  TORCH_CHECK(inputs.size() == in.size(), "FPN expects ", in.size(), " inputs, got ",
              inputs.size());
  const int64_t used = static_cast<int64_t>(lateral_convs.size());
  std::vector<torch::Tensor> laterals(used);
  for (int64_t j = 0; j < used; ++j)
    laterals[j] = lateral_convs[j]->forward(inputs[options.start_level() + j]);
  // Merged in place: each lateral is a fresh conv output (no activation) that nothing else
  // reads, and neither the conv's nor the upsampling's backward needs the values it overwrites;
  // this saves one allocation and one write of every merged level.
  for (int64_t j = used - 1; j > 0; --j) {
    auto& below = laterals[j - 1];
    below.add_(torch::nn::functional::interpolate(
        laterals[j], torch::nn::functional::InterpolateFuncOptions()
                         .size(std::vector<int64_t>{below.size(2), below.size(3)})
                         .mode(torch::kNearest)));
  }
  std::vector<torch::Tensor> outs;
  outs.reserve(options.num_outs());
  for (int64_t j = 0; j < used; ++j) outs.push_back(fpn_convs[j]->forward(laterals[j]));

  for (int64_t k = used; k < options.num_outs(); ++k) {
    if (options.extra_source() == ExtraConvSource::kNone) {
      outs.push_back(torch::max_pool2d(outs.back(), 1, 2));
      continue;
    }
    torch::Tensor src;
    if (k == used)
      src = options.extra_source() == ExtraConvSource::kInput ? inputs.back() : outs.back();
    else
      src = options.relu_before_extra_convs() ? torch::relu(outs.back()) : outs.back();
    outs.push_back(fpn_convs[k]->forward(src));
  }
  return outs;
}

}  // namespace ghmdet
