#include "ghmdet/losses/grad_norm_stats.h"

#include "ghmdet/losses/ghm_bins_tensor_ops.h"

namespace ghmdet {

namespace {

std::vector<double> to_doubles(const torch::Tensor& t) {
  const auto c = t.to(torch::kCPU, torch::kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

std::vector<int64_t> to_longs(const torch::Tensor& t) {
  const auto c = t.to(torch::kCPU, torch::kLong).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

// g and the valid mask of a sigmoid classification loss, as GHM-C's tensor-op path forms them.
std::pair<torch::Tensor, torch::Tensor> classification_g(const ClassificationInputs& in) {
  const auto x = in.logits.detach();
  torch::Tensor y;
  if (in.labels.defined()) {
    const auto classes = torch::arange(x.size(1), in.labels.options());
    y = (classes.unsqueeze(0) == in.labels.unsqueeze(1)).to(torch::kFloat);
  } else {
    y = in.target;
  }
  auto valid = in.weight > 0;
  if (!in.weight_per_element()) valid = valid.unsqueeze(1).expand(x.sizes());
  return {(x.sigmoid() - y).abs(), valid};
}

// ghm_state.h's update and weights, on a copy of the state. Not ghm_bin_weights itself: in
// multi-process training that may all-reduce the counts, and a collective issued by the one
// process that records would hang the others. So the record describes this process's elements
// (identical to the applied weights in single-process training).
torch::Tensor local_bin_weights(const torch::Tensor& counts, const torch::Tensor& tot,
                                const torch::Tensor& state, double momentum) {
  const auto nonempty = counts > 0;
  const auto counts_d = counts.to(torch::kDouble);
  torch::Tensor w;
  if (momentum > 0) {
    const auto decayed = state.mul(static_cast<double>(static_cast<float>(momentum)));
    const auto fresh = counts_d.mul(1.0 - momentum).to(torch::kFloat);
    state.copy_(torch::where(nonempty, decayed + fresh, state));
    w = state.reciprocal().mul(tot.to(torch::kFloat));
  } else {
    w = tot.to(torch::kDouble).div(counts_d).to(torch::kFloat);
  }
  const auto n = nonempty.sum().to(torch::kFloat).clamp_min(1.0);
  return torch::where(nonempty, w.div(n), torch::zeros_like(w));
}

// The GHM part of a record: counts, the weights the call applies, the EMA after it.
void add_ghm_bins(GradNormCallStats& s, const torch::Tensor& g, const torch::Tensor& valid,
                  const torch::Tensor& edges, const torch::Tensor& acc_sum, double momentum,
                  const torch::Tensor& tot) {
  const auto slots = ghm_slots(g, valid, edges);
  const auto state = momentum > 0 ? acc_sum.detach().clone() : torch::Tensor();
  const auto beta = local_bin_weights(slots.counts, tot, state, momentum);
  s.ghm_edges = to_doubles(edges);
  s.ghm_counts = to_longs(slots.counts);
  s.ghm_beta = to_doubles(beta);
  if (state.defined()) s.ghm_acc_sum = to_doubles(state);
  s.ghm_tot = tot.to(torch::kCPU, torch::kDouble).item<double>();
}

}  // namespace

GradNormCallStats ghmc_call_stats(const ClassificationInputs& in, const torch::Tensor& edges,
                                  const torch::Tensor& acc_sum, double momentum) {
  torch::NoGradGuard no_grad;
  const auto [g, valid] = classification_g(in);
  GradNormCallStats s;
  s.loss = "GHMC";
  s.role = "cls";
  s.histogram = grad_norm_histogram(g, valid);
  // GHM-C's tot: the exact count of valid elements, at least 1.
  const auto tot = valid.sum().clamp_min(1);
  add_ghm_bins(s, g, valid, edges, acc_sum, momentum, tot);
  return s;
}

GradNormCallStats ghmr_call_stats(const RegressionInputs& in, const torch::Tensor& edges,
                                  const torch::Tensor& acc_sum, double mu, double momentum) {
  torch::NoGradGuard no_grad;
  const auto d = in.pred.detach() - in.target;
  const auto g = (d / (d * d).add(mu * mu).sqrt()).abs();
  const auto valid = in.weight > 0;
  GradNormCallStats s;
  s.loss = "GHMR";
  s.role = "reg";
  s.histogram = grad_norm_histogram(g, valid);
  // GHM-R's tot: the weight sum, at least 1.
  const auto tot = in.weight.to(torch::kDouble).sum().clamp_min(1.0);
  add_ghm_bins(s, g, valid, edges, acc_sum, momentum, tot);
  return s;
}

GradNormCallStats focal_call_stats(const ClassificationInputs& in) {
  torch::NoGradGuard no_grad;
  const auto [g, valid] = classification_g(in);
  GradNormCallStats s;
  s.loss = "FocalLoss";
  s.role = "cls";
  s.histogram = grad_norm_histogram(g, valid);
  return s;
}

GradNormCallStats smooth_l1_call_stats(const RegressionInputs& in, double beta) {
  torch::NoGradGuard no_grad;
  const auto d = (in.pred.detach() - in.target).abs();
  const auto g = beta > 0 ? (d / beta).clamp_max(1.0) : torch::ones_like(d);
  GradNormCallStats s;
  s.loss = "SmoothL1Loss";
  s.role = "reg";
  s.histogram = grad_norm_histogram(g, in.weight > 0);
  return s;
}

}  // namespace ghmdet
