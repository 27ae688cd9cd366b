#include "ghmdet/engine/grad_clip.h"

#include <limits>

#include "ghmdet/core/error.h"

namespace ghmdet {

torch::Tensor clip_grad_norm(const std::vector<torch::Tensor>& params,
                             const GradClipOptions& options) {
  if (!(options.max_norm() > 0.0)) {
    throw Error("optimizer_config.grad_clip.max_norm: must be > 0, got " +
                std::to_string(options.max_norm()));
  }
  if (!(options.norm_type() >= 0.0)) {
    throw Error("optimizer_config.grad_clip.norm_type: must be >= 0, got " +
                std::to_string(options.norm_type()));
  }
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  grads.reserve(params.size());
  for (const auto& p : params) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  if (grads.empty()) return {};

  const double norm_type = options.norm_type();
  torch::Tensor total;
  if (norm_type == std::numeric_limits<double>::infinity()) {
    std::vector<torch::Tensor> maxima;
    maxima.reserve(grads.size());
    for (const auto& g : grads) maxima.push_back(g.abs().max());
    total = maxima.size() == 1 ? maxima[0] : torch::max(torch::stack(maxima));
  } else if (norm_type == 0.0) {
    total = torch::full({}, static_cast<double>(grads.size()),
                        grads[0].options().dtype(torch::kFloat32));
  } else {
    std::vector<torch::Tensor> norms;
    norms.reserve(grads.size());
    for (const auto& g : grads) norms.push_back(g.norm(norm_type));
    total = norms.size() == 1 ? norms[0] : torch::stack(norms).norm(norm_type);
  }
  // Same expression as PyTorch (scalar / tensor is reciprocal * scalar there too), so the
  // coefficient is bit-identical; multiplying by exactly 1.0 leaves unclipped gradients intact.
  const torch::Tensor coef = torch::clamp(options.max_norm() / (total + 1e-6),
                                          c10::nullopt, 1.0);
  for (auto& g : grads) g.mul_(coef);
  return total;
}

}  // namespace ghmdet
