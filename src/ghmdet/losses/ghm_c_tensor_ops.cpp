// Tensor-op path of GHM-C (see ghm_c_paths.h): runs on any device without host syncs.
#include "ghmdet/losses/ghm_bins_tensor_ops.h"
#include "ghmdet/losses/ghm_c_paths.h"
#include "ghmdet/losses/ghm_state.h"

namespace ghmdet {

torch::Tensor ghmc_loss_tensor_ops(const ClassificationInputs& in, const torch::Tensor& edges,
                                   const torch::Tensor& acc_sum, double momentum,
                                   double loss_weight) {
  const auto& x = in.logits;
  const auto y = dense_target(in);
  auto valid = in.weight > 0;
  if (!in.weight_per_element()) valid = valid.unsqueeze(1).expand(x.sizes());

  torch::Tensor element_beta, tot;
  {
    torch::NoGradGuard no_grad;
    const auto g = (x.detach().sigmoid() - y).abs();
    const auto s = ghm_slots(g, valid, edges);
    tot = s.valid_count.clamp_min(1);
    const auto beta = ghm_bin_weights(s.counts, tot, acc_sum, momentum);
    const auto beta_slots = torch::cat({beta, torch::zeros({2}, beta.options())});
    element_beta = beta_slots.index_select(0, s.slot.reshape({-1})).view(x.sizes());
  }
  const auto bce = torch::binary_cross_entropy_with_logits(x, y, element_beta, {},
                                                           at::Reduction::Sum);
  return (bce.to(torch::kDouble) / tot.to(torch::kDouble) * loss_weight).to(torch::kFloat);
}

}  // namespace ghmdet
