// Tensor-op path of GHM-R (see ghm_r_paths.h): runs on any device without host syncs.
#include "ghmdet/losses/ghm_bins_tensor_ops.h"
#include "ghmdet/losses/ghm_r_paths.h"
#include "ghmdet/losses/ghm_state.h"

namespace ghmdet {

torch::Tensor ghmr_loss_tensor_ops(const RegressionInputs& in, const torch::Tensor& edges,
                                   const torch::Tensor& acc_sum, const GHMRParams& p) {
  const auto d = in.pred - in.target.detach();
  // Same op order as the reference: d*d, + mu^2 (a float32 scalar), sqrt, - mu.
  const auto s = (d * d).add(p.mu * p.mu).sqrt();
  const auto asl1 = s.sub(p.mu);
  const auto valid = in.weight > 0;
  torch::Tensor element_beta, tot;
  {
    torch::NoGradGuard no_grad;
    const auto g = (d / s).abs();
    const auto slots = ghm_slots(g, valid, edges);
    tot = in.weight.to(torch::kDouble).sum().clamp_min(1.0);
    const auto beta = ghm_bin_weights(slots.counts, tot, acc_sum, p.momentum);
    const auto beta_slots = torch::cat({beta, torch::zeros({2}, beta.options())});
    element_beta = beta_slots.index_select(0, slots.slot.reshape({-1})).view(d.sizes());
  }
  const auto total = (asl1 * element_beta).sum();
  return (total.to(torch::kDouble) / tot * p.loss_weight).to(torch::kFloat);
}

}  // namespace ghmdet
