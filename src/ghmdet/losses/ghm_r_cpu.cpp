// Fused CPU path of GHM-R (see ghm_r_paths.h). Scalar code: only positives (a few hundred
// rows per level) do any arithmetic.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "ghmdet/losses/ghm_r_paths.h"
#include "ghmdet/losses/ghm_state.h"
#include "ghmdet/losses/kernels/buffer_pool.h"
#include "ghmdet/losses/kernels/row_blocks.h"

namespace ghmdet {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Keeps d*d and (d*d + mu^2) as two float32 roundings: the reference runs them as separate
// tensor ops, so a fused multiply-add would move g across bin edges.
inline float no_contract(float v) {
#if defined(__x86_64__)
  __asm__("" : "+x"(v));
#elif defined(__aarch64__)
  __asm__("" : "+w"(v));
#endif
  return v;
}

struct Element {
  float d, s;  // pred - target, sqrt(d^2 + mu^2)
};

inline Element asl1(float pred, float target, float mu2) {
  const float d = pred - target;
  return {d, std::sqrt(no_contract(d * d) + mu2)};
}

// Bin of g (edges[k] <= g < edges[k+1]), `bins` when in none (NaN, beyond the last edge).
inline int bin_of(float g, const float* edges, int bins) {
  if (!(g >= edges[0])) return bins;
  int k = 0;
  while (k < bins && g >= edges[k + 1]) ++k;
  return k;
}

struct Scalars {
  float mu, mu2;
  int bins;
};

Scalars scalars(const GHMRParams& p, const torch::Tensor& edges) {
  // float32(mu), and mu*mu in double rounded to float32, as the tensor + Python-float ops do.
  return {static_cast<float>(p.mu), static_cast<float>(p.mu * p.mu),
          static_cast<int>(edges.size(0) - 1)};
}

struct GHMRFunction : torch::autograd::Function<GHMRFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& pred,
                               const torch::Tensor& target, const torch::Tensor& weight,
                               const torch::Tensor& edges, const torch::Tensor& coef, double loss,
                               double mu) {
    ctx->save_for_backward({pred, target, weight, edges, coef});
    ctx->saved_data["mu"] = mu;
    return torch::scalar_tensor(loss, pred.options());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &pred = saved[0], &target = saved[1], &weight = saved[2], &edges = saved[3];
    const auto coef = (saved[4] * grads[0].to(torch::kFloat)).contiguous();
    GHMRParams p;
    p.mu = ctx->saved_data["mu"].toDouble();
    const Scalars sc = scalars(p, edges);
    auto grad = loss_kernels::reusable_empty(pred.sizes(), pred.options());
    const float *pr = pred.data_ptr<float>(), *tg = target.data_ptr<float>(),
                *w = weight.data_ptr<float>(), *e = edges.data_ptr<float>(),
                *c = coef.data_ptr<float>();
    float* out = grad.data_ptr<float>();
    loss_kernels::RowBlocks(pred.numel(), 1).parallel([&](int64_t, int64_t j0, int64_t j1) {
      for (int64_t j = j0; j < j1; ++j) {
        if (!(w[j] > 0.0f)) {
          out[j] = 0.0f;
          continue;
        }
        const Element el = asl1(pr[j], tg[j], sc.mu2);
        const float u = el.d / el.s;
        out[j] = c[bin_of(std::fabs(u), e, sc.bins)] * u;
      }
    });
    return {grad, {}, {}, {}, {}, {}, {}};
  }
};

}  // namespace

torch::Tensor ghmr_loss_cpu(const RegressionInputs& in, const torch::Tensor& edges,
                            const torch::Tensor& acc_sum, const GHMRParams& p) {
  const auto pred = in.pred.detach();
  const auto edges_cpu = edges.to(torch::kFloat).contiguous();
  const Scalars sc = scalars(p, edges_cpu);
  const float *pr = pred.data_ptr<float>(), *tg = in.target.data_ptr<float>(),
              *w = in.weight.data_ptr<float>(), *e = edges_cpu.data_ptr<float>();

  const loss_kernels::RowBlocks blocks(pred.numel(), 1);
  const size_t slots = static_cast<size_t>(sc.bins) + 1;
  std::vector<int64_t> block_counts(blocks.count * slots, 0);
  std::vector<double> block_sums(blocks.count * slots, 0.0), block_weights(blocks.count, 0.0);
  blocks.parallel([&](int64_t b, int64_t j0, int64_t j1) {
    int64_t* cnt = &block_counts[b * slots];
    double* sum = &block_sums[b * slots];
    double wsum = 0.0;
    for (int64_t j = j0; j < j1; ++j) {
      if (!(w[j] > 0.0f)) continue;
      wsum += w[j];
      const Element el = asl1(pr[j], tg[j], sc.mu2);
      const int k = bin_of(std::fabs(el.d / el.s), e, sc.bins);
      cnt[k] += 1;
      sum[k] += el.s - sc.mu;
    }
    block_weights[b] = wsum;
  });
  auto counts = torch::zeros({sc.bins}, torch::kLong);
  int64_t* cnt = counts.data_ptr<int64_t>();
  std::vector<double> sums(slots, 0.0);
  double tot = 0.0;
  for (int64_t b = 0; b < blocks.count; ++b) {
    tot += block_weights[b];
    for (size_t k = 0; k < slots; ++k) {
      if (k < static_cast<size_t>(sc.bins)) cnt[k] += block_counts[b * slots + k];
      sums[k] += block_sums[b * slots + k];
    }
  }
  tot = std::max(tot, 1.0);
  const auto beta = ghm_bin_weights(counts, torch::scalar_tensor(tot, torch::kDouble), acc_sum,
                                    p.momentum);
  const float* bt = beta.data_ptr<float>();
  double weighted = 0.0 * sums[sc.bins];  // NaN deltas make the loss NaN, as in the reference
  auto coef = torch::zeros({sc.bins + 1}, torch::kFloat);
  float* cf = coef.data_ptr<float>();
  for (int k = 0; k < sc.bins; ++k) {
    weighted += static_cast<double>(bt[k]) * sums[k];
    cf[k] = static_cast<float>(p.loss_weight * bt[k] / tot);
  }
  return GHMRFunction::apply(in.pred, in.target, in.weight, edges_cpu, coef,
                             p.loss_weight * weighted / tot, p.mu);
}

}  // namespace ghmdet
