// SmoothL1Loss — the box regression loss of the FL+SL1 / GHM-C+SL1 baselines (ghm-spec 4.8;
// mmdetection's SmoothL1Loss).
//
//   ghmdet::SmoothL1Loss sl1(ghmdet::SmoothL1LossOptions().beta(0.11));
//   torch::Tensor l = sl1->forward(pred, target, bbox_weight, num_total_pos);
//
// l(d) = 0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta (|d| when beta = 0);
// loss = loss_weight * sum(weight * l) / D, D = avg_factor when given, else the number of
// elements (mmdetection's reduction='mean'). Computed in float32 with tensor ops (any device);
// the inputs are the few-thousand-row regression tensors, not a hot path. Stateless.
#pragma once

#include <torch/torch.h>

#include "ghmdet/losses/loss.h"

namespace ghmdet {

struct SmoothL1LossOptions {
  TORCH_ARG(double, beta) = 1.0;
  TORCH_ARG(double, loss_weight) = 1.0;
};

struct SmoothL1LossImpl : RegressionLossImpl {
  explicit SmoothL1LossImpl(const SmoothL1LossOptions& options = {});

  torch::Tensor forward(const torch::Tensor& pred, const torch::Tensor& target,
                        const torch::Tensor& weight, double avg_factor = kNoAvgFactor) override;

  SmoothL1LossOptions options;
};
TORCH_MODULE(SmoothL1Loss);

}  // namespace ghmdet
