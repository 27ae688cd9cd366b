#include "ghmdet/losses/grad_norm_stats.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "ghmdet/losses/grad_norm_binning.h"

namespace ghmdet {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<double> to_doubles(const torch::Tensor& t) {
  const auto c = t.to(torch::kCPU, torch::kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// The elements' gradient norms binned on the CPU (a copy there first for other devices: an
// armed capture may synchronise). Classification: p = sigmoid(x) once as a tensor (vectorised),
// then g = |p - y| per element in the binning pass, rows with zero weight skipped.
GradNormCounts classification_counts(const ClassificationInputs& in, const torch::Tensor& edges) {
  const auto p = in.logits.detach().sigmoid().to(torch::kCPU, torch::kFloat).contiguous();
  const int64_t n = p.size(0), c = p.size(1);
  const auto w = in.weight.to(torch::kCPU, torch::kFloat).contiguous();
  const auto labels = in.labels.defined() ? in.labels.to(torch::kCPU, torch::kLong).contiguous() : torch::Tensor();
  const auto target = in.target.defined() ? in.target.to(torch::kCPU, torch::kFloat).contiguous() : torch::Tensor();
  const auto e = edges.defined() ? edges.to(torch::kCPU, torch::kFloat).contiguous() : torch::Tensor();
  const float* pp = p.data_ptr<float>();
  const float* wp = w.data_ptr<float>();
  const int64_t* lp = labels.defined() ? labels.data_ptr<int64_t>() : nullptr;
  const float* tp = target.defined() ? target.data_ptr<float>() : nullptr;
  const bool per_element = in.weight_per_element();
  return bin_grad_norms(n, c, e.defined() ? e.data_ptr<float>() : nullptr, e.defined() ? e.size(0) - 1 : 0,
                        [&](int64_t i, auto&& add) {
                          if (!per_element && !(wp[i] > 0)) return;
                          const float* row = pp + i * c;
                          for (int64_t k = 0; k < c; ++k) {
                            if (per_element && !(wp[i * c + k] > 0)) continue;
                            const float y = lp ? (lp[i] == k ? 1.0f : 0.0f) : tp[i * c + k];
                            add(std::abs(row[k] - y));
                          }
                        });
}

// Regression: g from d = pred - target per element, only where weight > 0.
template <class GOfD>
GradNormCounts regression_counts(const RegressionInputs& in, const torch::Tensor& edges, GOfD g_of_d) {
  const auto pred = in.pred.detach().to(torch::kCPU, torch::kFloat).contiguous();
  const auto target = in.target.to(torch::kCPU, torch::kFloat).contiguous();
  const auto w = in.weight.to(torch::kCPU, torch::kFloat).contiguous();
  const auto e = edges.defined() ? edges.to(torch::kCPU, torch::kFloat).contiguous() : torch::Tensor();
  const float* pp = pred.data_ptr<float>();
  const float* tp = target.data_ptr<float>();
  const float* wp = w.data_ptr<float>();
  return bin_grad_norms(pred.numel(), 1, e.defined() ? e.data_ptr<float>() : nullptr,
                        e.defined() ? e.size(0) - 1 : 0, [&](int64_t i, auto&& add) {
                          if (wp[i] > 0) add(g_of_d(pp[i] - tp[i]));
                        });
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
void add_ghm_bins(GradNormCallStats& s, const std::vector<int64_t>& counts, const torch::Tensor& edges,
                  const torch::Tensor& acc_sum, double momentum, const torch::Tensor& tot) {
  const auto counts_t = torch::tensor(counts, torch::kLong);
  const auto state = momentum > 0 ? acc_sum.detach().to(torch::kCPU).clone() : torch::Tensor();
  const auto beta = local_bin_weights(counts_t, tot.to(torch::kCPU), state, momentum);
  s.ghm_edges = to_doubles(edges);
  s.ghm_counts = counts;
  s.ghm_beta = to_doubles(beta);
  if (state.defined()) s.ghm_acc_sum = to_doubles(state);
  s.ghm_tot = tot.to(torch::kCPU, torch::kDouble).item<double>();
}

}  // namespace

GradNormCallStats ghmc_call_stats(const ClassificationInputs& in, const torch::Tensor& edges,
                                  const torch::Tensor& acc_sum, double momentum) {
  torch::NoGradGuard no_grad;
  const auto start = Clock::now();
  auto counts = classification_counts(in, edges);
  GradNormCallStats s;
  s.loss = "GHMC";
  s.role = "cls";
  s.histogram = std::move(counts.histogram);
  // GHM-C's tot: the exact count of valid elements, at least 1.
  const auto tot = torch::scalar_tensor(std::max<int64_t>(1, s.histogram.valid), torch::kLong);
  add_ghm_bins(s, counts.ghm_counts, edges, acc_sum, momentum, tot);
  s.seconds = seconds_since(start);
  return s;
}

GradNormCallStats ghmr_call_stats(const RegressionInputs& in, const torch::Tensor& edges,
                                  const torch::Tensor& acc_sum, double mu, double momentum) {
  torch::NoGradGuard no_grad;
  const auto start = Clock::now();
  const float mu2 = static_cast<float>(mu * mu);  // as the loss adds mu^2
  auto counts = regression_counts(in, edges, [mu2](float d) { return std::abs(d / std::sqrt(d * d + mu2)); });
  GradNormCallStats s;
  s.loss = "GHMR";
  s.role = "reg";
  s.histogram = std::move(counts.histogram);
  // GHM-R's tot: the weight sum, at least 1.
  const auto tot = in.weight.to(torch::kDouble).sum().clamp_min(1.0);
  add_ghm_bins(s, counts.ghm_counts, edges, acc_sum, momentum, tot);
  s.seconds = seconds_since(start);
  return s;
}

GradNormCallStats focal_call_stats(const ClassificationInputs& in) {
  torch::NoGradGuard no_grad;
  const auto start = Clock::now();
  GradNormCallStats s;
  s.loss = "FocalLoss";
  s.role = "cls";
  s.histogram = classification_counts(in, torch::Tensor()).histogram;
  s.seconds = seconds_since(start);
  return s;
}

GradNormCallStats smooth_l1_call_stats(const RegressionInputs& in, double beta) {
  torch::NoGradGuard no_grad;
  const auto start = Clock::now();
  const float b = static_cast<float>(beta);
  GradNormCallStats s;
  s.loss = "SmoothL1Loss";
  s.role = "reg";
  s.histogram = regression_counts(in, torch::Tensor(), [b](float d) {
                  return b > 0 ? std::min(1.0f, std::abs(d) / b) : 1.0f;
                }).histogram;
  s.seconds = seconds_since(start);
  return s;
}

}  // namespace ghmdet
