// GHM-C — the gradient harmonized classification loss (Li, Liu, Wang, AAAI 2019), with the
// reference's exact semantics (ghm-spec section 1; mmdetection v2's GHMC).
//
//   ghmdet::GHMC ghmc(ghmdet::GHMCOptions().bins(30).momentum(0.75).loss_weight(1.0));
//   torch::Tensor l = ghmc->forward(logits, target, label_weight);  // float32 scalar
//
// Inputs as ClassificationLossImpl (loss.h). g = |sigmoid(x) - y| (detached, float32) is binned
// with float32 edges k/bins (last edge 1 + 1e-6), valid = label_weight > 0, tot = exact count
// of valid elements (at least 1); per-bin weights and the EMA state as ghm_state.h;
// loss = loss_weight * sum_j beta_j * BCE(x_j, y_j) / tot. avg_factor is accepted and ignored.
//
// State: buffers `edges` (float32 [bins+1]) and, when momentum > 0, `acc_sum` (float32 [bins],
// zero-initialised, no bias correction) — mmdetection v2's names, so checkpoints of either
// carry and restore it. One object is meant to be shared by the successive calls of one
// training step (FPN levels P3..P7, in that order). Calling forward updates the state, also
// under NoGradGuard; use a separate object to evaluate without touching it.
#pragma once

#include <torch/torch.h>

#include "ghmdet/losses/loss.h"

namespace ghmdet {

struct GHMCOptions {
  TORCH_ARG(int64_t, bins) = 10;
  TORCH_ARG(double, momentum) = 0.0;
  TORCH_ARG(bool, use_sigmoid) = true;  // only sigmoid is supported, as in the reference
  TORCH_ARG(double, loss_weight) = 1.0;
};

struct GHMCImpl : ClassificationLossImpl {
  explicit GHMCImpl(const GHMCOptions& options = {});

  torch::Tensor forward(const torch::Tensor& logits, const torch::Tensor& target,
                        const torch::Tensor& label_weight,
                        double avg_factor = kNoAvgFactor) override;

  GHMCOptions options;
  torch::Tensor edges;
  torch::Tensor acc_sum;  // undefined when momentum == 0
};
TORCH_MODULE(GHMC);

}  // namespace ghmdet
