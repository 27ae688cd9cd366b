// GHM-R — the gradient harmonized regression loss on "authentic smooth L1"
// (ghm-spec section 2; mmdetection v2's GHMR), with the reference's exact semantics.
//
//   ghmdet::GHMR ghmr(ghmdet::GHMROptions().mu(0.02).bins(10).momentum(0.7).loss_weight(10.0));
//   torch::Tensor r = ghmr->forward(pred_deltas, target_deltas, bbox_weight);  // float32 scalar
//
// pred, target, weight: same shape ([N, 4] box deltas in the head), weight 0 = not a positive.
// d = pred - target, ASL1(d) = sqrt(d^2 + mu^2) - mu, g = |d| / sqrt(mu^2 + d^2) (detached),
// float32 edges k/bins with the last edge 1000, valid = weight > 0,
// tot = max(sum of weights, 1) (a weight sum, not a count), bin weights and EMA as ghm_state.h;
// loss = loss_weight * sum_j beta_j ASL1(d_j) / tot. avg_factor is accepted and ignored.
// No positive: loss exactly 0, zero gradient, state untouched.
//
// State: buffers `edges` and (momentum > 0) `acc_sum`, as GHMC (ghm_c.h).
#pragma once

#include <torch/torch.h>

#include "ghmdet/losses/loss.h"

namespace ghmdet {

struct GHMROptions {
  TORCH_ARG(double, mu) = 0.02;
  TORCH_ARG(int64_t, bins) = 10;
  TORCH_ARG(double, momentum) = 0.0;
  TORCH_ARG(double, loss_weight) = 1.0;
};

struct GHMRImpl : RegressionLossImpl {
  explicit GHMRImpl(const GHMROptions& options = {});

  torch::Tensor forward(const torch::Tensor& pred, const torch::Tensor& target,
                        const torch::Tensor& weight, double avg_factor = kNoAvgFactor) override;

  GHMROptions options;
  torch::Tensor edges;
  torch::Tensor acc_sum;  // undefined when momentum == 0
};
TORCH_MODULE(GHMR);

}  // namespace ghmdet
