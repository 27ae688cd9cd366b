// The two implementations behind GHMC::forward (ghm_c.h), exposed so that tests can run both.
//
//   ghmc_loss_cpu        — CPU tensors: one fused pass (at::parallel_for over fixed row blocks)
//                          builds the per-bin counts and per-bin BCE sums, so the forward never
//                          writes an [N, C] tensor; the backward is a custom autograd Function
//                          that recomputes each element's bin and writes
//                          lambda * beta_bin / tot * (sigmoid(x) - y) in one more pass.
//   ghmc_loss_cuda       — CUDA tensors (when built with GHMDet's CUDA kernels,
//                          losses/cuda/): the CPU path's two passes as kernels (histogram in
//                          shared memory, loss sum), the bin weights as tiny tensor ops on the
//                          device; the backward recomputes coef_bin * (p - y) in one kernel.
//   ghmc_loss_tensor_ops — any device: the same semantics with tensor ops
//                          (bucketize + scatter_add histogram), autograd for the backward.
// None synchronises with the host. All update acc_sum in place (when momentum > 0).
#pragma once

#include <torch/torch.h>

#include "ghmdet/losses/kernels/cls_kernels.h"
#include "ghmdet/losses/loss_inputs.h"

namespace ghmdet {

torch::Tensor ghmc_loss_cpu(const ClassificationInputs& in, const torch::Tensor& edges,
                            const torch::Tensor& acc_sum, double momentum, double loss_weight,
                            const loss_kernels::ClsKernels& kernels = loss_kernels::cls_kernels());

// Defined only in builds with GHMDet's CUDA kernels (GHMDET_HAVE_CUDA_KERNELS where it is used).
torch::Tensor ghmc_loss_cuda(const ClassificationInputs& in, const torch::Tensor& edges,
                             const torch::Tensor& acc_sum, double momentum, double loss_weight);

torch::Tensor ghmc_loss_tensor_ops(const ClassificationInputs& in, const torch::Tensor& edges,
                                   const torch::Tensor& acc_sum, double momentum,
                                   double loss_weight);

}  // namespace ghmdet
