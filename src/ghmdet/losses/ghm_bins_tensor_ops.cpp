#include "ghmdet/losses/ghm_bins_tensor_ops.h"

namespace ghmdet {

GhmSlots ghm_slots(const torch::Tensor& g, const torch::Tensor& valid, const torch::Tensor& edges) {
  torch::NoGradGuard no_grad;
  const int64_t bins = edges.size(0) - 1;
  const auto e = edges.to(g.device(), torch::kFloat);
  const auto inner = e.slice(0, 1, bins).contiguous();
  const auto k = torch::bucketize(g, inner, /*out_int32=*/false, /*right=*/true);
  const auto binned = valid & (g >= e.slice(0, 0, 1)) & (g < e.slice(0, bins, bins + 1));
  const auto unbinned = torch::full_like(k, bins);
  const auto ignored = torch::full_like(k, bins + 1);
  GhmSlots s;
  s.slot = torch::where(binned, k, torch::where(valid, unbinned, ignored));
  auto all = torch::zeros({bins + 2}, k.options());
  all.scatter_add_(0, s.slot.reshape({-1}), torch::ones({s.slot.numel()}, k.options()));
  s.counts = all.slice(0, 0, bins);
  s.valid_count = all.slice(0, 0, bins + 1).sum();
  return s;
}

}  // namespace ghmdet
