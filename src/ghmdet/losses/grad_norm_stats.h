// What each loss records in an armed GradNormCapture (grad_norm_capture.h): the gradient norm g
// of its elements and, for the GHM losses, the bins, weights and EMA of the coming call.
//
// The GHM functions must run BEFORE the loss call they describe: they compute beta from the
// counts and a copy of acc_sum with ghm_state.h's arithmetic, so the recorded weights are the
// applied ones and the copy's update is the state after the call; the loss's own acc_sum is
// never touched here. They issue no collective: in multi-process training the record holds this
// process's counts and the weights they alone would give. Binning is one CPU pass
// (grad_norm_binning.h); tensors on another device are copied to the host first.
#pragma once

#include <torch/torch.h>

#include "ghmdet/losses/grad_norm_capture.h"
#include "ghmdet/losses/loss_inputs.h"

namespace ghmdet {

GradNormCallStats ghmc_call_stats(const ClassificationInputs& in, const torch::Tensor& edges,
                                  const torch::Tensor& acc_sum, double momentum);
GradNormCallStats ghmr_call_stats(const RegressionInputs& in, const torch::Tensor& edges,
                                  const torch::Tensor& acc_sum, double mu, double momentum);
GradNormCallStats focal_call_stats(const ClassificationInputs& in);
GradNormCallStats smooth_l1_call_stats(const RegressionInputs& in, double beta);

}  // namespace ghmdet
