// The two implementations behind GHMR::forward (ghm_r.h), exposed so that tests can run both.
//
//   ghmr_loss_cpu        — CPU tensors: one fused pass over the elements (rows with zero bbox
//                          weight, i.e. all negatives, cost one load) builds per-bin counts and
//                          ASL1 sums; a custom autograd Function writes
//                          lambda * beta_bin / tot * d / sqrt(d^2 + mu^2) in the backward.
//   ghmr_loss_cuda       — CUDA tensors (when built with GHMDet's CUDA kernels): the same pass
//                          as kernels, the weight sum reduced in a fixed order; the backward
//                          recomputes lambda * beta_bin / tot * d / sqrt(d^2 + mu^2).
//   ghmr_loss_tensor_ops — any device: tensor ops, autograd backward.
// Only `pred` receives a gradient. None synchronises with the host.
#pragma once

#include <torch/torch.h>

#include "ghmdet/losses/loss_inputs.h"

namespace ghmdet {

struct GHMRParams {
  double mu = 0.02;
  double momentum = 0.0;
  double loss_weight = 1.0;
};

torch::Tensor ghmr_loss_cpu(const RegressionInputs& in, const torch::Tensor& edges,
                            const torch::Tensor& acc_sum, const GHMRParams& p);

// Defined only in builds with GHMDet's CUDA kernels (GHMDET_HAVE_CUDA_KERNELS where it is used).
torch::Tensor ghmr_loss_cuda(const RegressionInputs& in, const torch::Tensor& edges,
                             const torch::Tensor& acc_sum, const GHMRParams& p);

torch::Tensor ghmr_loss_tensor_ops(const RegressionInputs& in, const torch::Tensor& edges,
                                   const torch::Tensor& acc_sum, const GHMRParams& p);

}  // namespace ghmdet
