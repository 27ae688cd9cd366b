// Gradient clipping by total norm, as torch.nn.utils.clip_grad_norm_ (PyTorch >= 1.13 maths),
// without the host synchronisation of libtorch's C++ version.
//
// Over the parameters whose .grad() is defined: total = ||(||g_1||_p, ..., ||g_n||_p)||_p
// (max |g| for p = inf, the count of gradients for p = 0); every gradient is multiplied in place
// by min(1, max_norm / (total + 1e-6)). Returns `total` as a 0-dim tensor on the gradients'
// device (undefined when no parameter has a gradient) so callers decide when to read it.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace ghmdet {

struct GradClipOptions {
  TORCH_ARG(double, max_norm) = 35.0;
  TORCH_ARG(double, norm_type) = 2.0;
};

torch::Tensor clip_grad_norm(const std::vector<torch::Tensor>& params,
                             const GradClipOptions& options);

}  // namespace ghmdet
