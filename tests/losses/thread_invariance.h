// Test support: a loss must give the same value and the same input gradient, bit for bit,
// whatever torch's intra-op thread count (the fused kernels split work into fixed blocks and
// reduce them in block order).
#pragma once

#include <torch/torch.h>

#include <functional>

namespace ghmdet::testing {

// Runs `loss_of(input copy with requires_grad)` (a fresh loss object each call) and its backward
// with 1, 2 and 3 threads, and expects equal losses and equal gradients; the thread count is
// restored afterwards.
void expect_same_result_for_1_2_3_threads(const std::function<torch::Tensor(const torch::Tensor&)>& loss_of,
                                          const torch::Tensor& input);

}  // namespace ghmdet::testing
