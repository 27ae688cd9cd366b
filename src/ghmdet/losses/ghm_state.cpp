#include "ghmdet/losses/ghm_state.h"

#include "ghmdet/losses/ghm_stats_reducer.h"

namespace ghmdet {

torch::Tensor ghm_edges(int64_t bins, float last_edge) {
  auto edges = torch::empty({bins + 1}, torch::kFloat);
  float* e = edges.data_ptr<float>();
  for (int64_t k = 0; k < bins; ++k) e[k] = static_cast<float>(k) / static_cast<float>(bins);
  e[bins] = last_edge;
  return edges;
}

torch::Tensor ghm_bin_weights(const torch::Tensor& local_counts, const torch::Tensor& local_tot,
                              const torch::Tensor& acc_sum, double momentum) {
  torch::NoGradGuard no_grad;
  // Multi-process training may make the histogram global (ghm_stats_reducer.h).
  torch::Tensor counts = local_counts, tot = local_tot;
  if (const GhmStatsReducer* reduce = ghm_stats_reducer()) std::tie(counts, tot) = (*reduce)(counts, tot);
  const auto nonempty = counts > 0;
  const auto counts_d = counts.to(torch::kDouble);
  torch::Tensor w;
  if (momentum > 0) {
    // fl32(m) * A in float32, (1 - m) * c in double then rounded, summed in float32.
    const auto decayed = acc_sum.mul(static_cast<double>(static_cast<float>(momentum)));
    const auto fresh = counts_d.mul(1.0 - momentum).to(torch::kFloat);
    acc_sum.copy_(torch::where(nonempty, decayed + fresh, acc_sum));
    w = acc_sum.reciprocal().mul(tot.to(torch::kFloat));
  } else {
    w = tot.to(torch::kDouble).div(counts_d).to(torch::kFloat);
  }
  const auto n = nonempty.sum().to(torch::kFloat).clamp_min(1.0);
  return torch::where(nonempty, w.div(n), torch::zeros_like(w));
}

}  // namespace ghmdet
