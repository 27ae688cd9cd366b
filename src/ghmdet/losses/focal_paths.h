// The two implementations behind FocalLoss::forward (focal_loss.h), exposed for the tests.
//
//   focal_loss_cpu        — CPU: the fused kernels of cls_kernels.h (one pass forward, one pass
//                           backward through a custom autograd Function, no one-hot target).
//   focal_loss_cuda       — CUDA (when built with GHMDet's CUDA kernels): the CPU kernels' terms
//                           in one kernel forward and one backward, no one-hot target.
//   focal_loss_tensor_ops — any device: torchvision's sigmoid_focal_loss formula in tensor ops.
// Both return loss_weight * sum(weight * FL) / denominator, float32.
#pragma once

#include <torch/torch.h>

#include "ghmdet/losses/kernels/cls_kernels.h"
#include "ghmdet/losses/loss_inputs.h"

namespace ghmdet {

struct FocalLossParams {
  double gamma = 2.0;
  double alpha = 0.25;  // < 0: no alpha weighting
  double loss_weight = 1.0;
  double denominator = 1.0;
};

// The kernels' float32 parameters for a focal loss's gamma and alpha.
inline loss_kernels::FocalParams focal_kernel_params(double gamma, double alpha) {
  return {static_cast<float>(gamma), static_cast<float>(alpha)};
}

torch::Tensor focal_loss_cpu(const ClassificationInputs& in, const FocalLossParams& p,
                             const loss_kernels::ClsKernels& kernels = loss_kernels::cls_kernels());

// Defined only in builds with GHMDet's CUDA kernels (GHMDET_HAVE_CUDA_KERNELS where it is used).
torch::Tensor focal_loss_cuda(const ClassificationInputs& in, const FocalLossParams& p);

torch::Tensor focal_loss_tensor_ops(const ClassificationInputs& in, const FocalLossParams& p);

}  // namespace ghmdet
