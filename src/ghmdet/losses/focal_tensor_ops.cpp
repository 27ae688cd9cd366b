// Tensor-op path of the sigmoid focal loss (see focal_paths.h), torchvision's formula.
#include "ghmdet/losses/focal_paths.h"

namespace ghmdet {

torch::Tensor focal_loss_tensor_ops(const ClassificationInputs& in, const FocalLossParams& p) {
  const auto& x = in.logits;
  const auto y = dense_target(in);
  const auto prob = x.sigmoid();
  const auto ce = torch::binary_cross_entropy_with_logits(x, y, {}, {}, at::Reduction::None);
  const auto p_t = prob * y + (1 - prob) * (1 - y);
  auto loss = ce * (1 - p_t).pow(p.gamma);
  if (p.alpha >= 0) loss = loss * (p.alpha * y + (1 - p.alpha) * (1 - y));
  const auto w = in.weight_per_element() ? in.weight : in.weight.unsqueeze(1);
  // Ignored elements contribute exactly 0 (not 0 * inf).
  loss = torch::where(w > 0, loss * w, torch::zeros_like(loss));
  return (loss.sum().to(torch::kDouble) * (p.loss_weight / p.denominator)).to(torch::kFloat);
}

}  // namespace ghmdet
