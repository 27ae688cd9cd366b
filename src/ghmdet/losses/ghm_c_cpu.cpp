// Fused CPU path of GHM-C (see ghm_c_paths.h).
//
// Two passes over the logits, both in the forward: the histogram (counts only), then — with the
// bin weights known — the loss sum and, when autograd needs it, the gradient for a unit output
// gradient, written once. The backward returns that buffer (scaled when the incoming gradient
// is not 1). Memory traffic: read the logits twice, write the gradient once, the minimum for a
// loss whose weights depend on the whole histogram.
#include <cstdint>
#include <vector>

#include "ghmdet/losses/ghm_c_paths.h"
#include "ghmdet/losses/ghm_state.h"
#include "ghmdet/losses/kernels/buffer_pool.h"
#include "ghmdet/losses/kernels/row_blocks.h"

namespace ghmdet {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Carries the loss value and the precomputed unit gradient; only the logits get a gradient.
struct GHMCFunction : torch::autograd::Function<GHMCFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& logits, double loss,
                               const torch::Tensor& unit_grad) {
    ctx->saved_data["grad"] = unit_grad;
    return torch::scalar_tensor(loss, logits.options());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto grad = ctx->saved_data["grad"].toTensor();
    // The incoming gradient is a CPU scalar: reading it is not a device synchronisation.
    const auto& go = grads[0];
    if (go.defined() && go.item<double>() == 1.0) return {grad, {}, {}};
    return {go.defined() ? grad * go.to(torch::kFloat) : torch::zeros_like(grad), {}, {}};
  }
};

}  // namespace

torch::Tensor ghmc_loss_cpu(const ClassificationInputs& in, const torch::Tensor& edges,
                            const torch::Tensor& acc_sum, double momentum, double loss_weight,
                            const loss_kernels::ClsKernels& kernels) {
  const auto logits = in.logits.detach();
  const auto view = cls_view(in, logits);
  const int bins = static_cast<int>(edges.size(0) - 1);
  const auto edges_cpu = edges.to(torch::kFloat).contiguous();
  const float* e = edges_cpu.data_ptr<float>();

  // Pass 1: per-block histograms, reduced in block order (thread-count independent).
  const loss_kernels::RowBlocks blocks(view.rows, view.cols);
  const size_t slots = static_cast<size_t>(bins) + 1;
  std::vector<int64_t> block_counts(blocks.count * slots);
  blocks.parallel([&](int64_t b, int64_t r0, int64_t r1) {
    kernels.ghmc_histogram(view, r0, r1, e, bins, &block_counts[b * slots]);
  });
  auto counts = torch::zeros({bins}, torch::kLong);
  int64_t* cnt = counts.data_ptr<int64_t>();
  int64_t tot = 0;
  for (int64_t b = 0; b < blocks.count; ++b) {
    for (size_t k = 0; k < slots; ++k) {
      if (k < static_cast<size_t>(bins)) cnt[k] += block_counts[b * slots + k];
      tot += block_counts[b * slots + k];
    }
  }
  tot = std::max<int64_t>(tot, 1);
  const auto beta = ghm_bin_weights(counts, torch::scalar_tensor(tot, torch::kLong), acc_sum, momentum);

  // Pass 2: coef_k = lambda * beta_k / tot; loss = sum coef_bin * BCE; grad = coef_bin * (p - y).
  std::vector<float> coef(slots, 0.0f);
  const float* bt = beta.data_ptr<float>();
  for (int k = 0; k < bins; ++k) {
    coef[k] = static_cast<float>(loss_weight * bt[k] / static_cast<double>(tot));
  }
  const bool need_grad = in.logits.requires_grad() && torch::GradMode::is_enabled();
  torch::Tensor grad;
  float* out = nullptr;
  if (need_grad) {
    grad = loss_kernels::reusable_empty(logits.sizes(), logits.options());
    out = grad.data_ptr<float>();
  }
  std::vector<double> partial(blocks.count, 0.0);
  blocks.parallel([&](int64_t b, int64_t r0, int64_t r1) {
    partial[b] = kernels.ghmc_loss_grad(view, r0, r1, e, bins, coef.data(), out);
  });
  double loss = 0.0;
  for (double s : partial) loss += s;
  if (!need_grad) return torch::scalar_tensor(loss, logits.options());
  return GHMCFunction::apply(in.logits, loss, grad);
}

}  // namespace ghmdet
