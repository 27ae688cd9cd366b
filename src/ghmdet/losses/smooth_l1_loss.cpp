#include "ghmdet/losses/smooth_l1_loss.h"

#include "ghmdet/core/error.h"
#include "ghmdet/losses/focal_loss.h"
#include "ghmdet/losses/grad_norm_stats.h"
#include "ghmdet/losses/loss_inputs.h"

namespace ghmdet {

SmoothL1LossImpl::SmoothL1LossImpl(const SmoothL1LossOptions& options_) : options(options_) {
  if (!(options.beta() >= 0.0)) {
    throw Error("SmoothL1Loss: beta must be >= 0, got " + std::to_string(options.beta()));
  }
}

torch::Tensor SmoothL1LossImpl::forward(const torch::Tensor& pred, const torch::Tensor& target,
                                        const torch::Tensor& weight, double avg_factor) {
  const auto in = prepare_regression_inputs("SmoothL1Loss", pred, target, weight);
  const double denom = loss_denominator("SmoothL1Loss", avg_factor, in.pred.numel());
  const double beta = options.beta();
  if (grad_norm_capture && grad_norm_capture->armed()) {
    grad_norm_capture->add(smooth_l1_call_stats(in, beta));
  }
  const auto diff = (in.pred - in.target).abs();
  const auto elem = beta > 0 ? torch::where(diff < beta, 0.5 * diff * diff / beta, diff - 0.5 * beta)
                             : diff;
  const auto weighted = torch::where(in.weight > 0, elem * in.weight, torch::zeros_like(elem));
  return (weighted.sum().to(torch::kDouble) * (options.loss_weight() / denom)).to(torch::kFloat);
}

}  // namespace ghmdet
