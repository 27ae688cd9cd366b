// Fused CPU path of GHM-C (see ghm_c_paths.h).
#include "ghmdet/losses/ghm_c_paths.h"

#include <cstdint>
#include <vector>

#include "ghmdet/losses/ghm_state.h"
#include "ghmdet/losses/kernels/buffer_pool.h"
#include "ghmdet/losses/kernels/row_blocks.h"

namespace ghmdet {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

const loss_kernels::ClsKernels* kernels_from(const c10::IValue& v) {
  return reinterpret_cast<const loss_kernels::ClsKernels*>(static_cast<intptr_t>(v.toInt()));
}

// Carries the loss value computed from the histogram and the per-bin gradient coefficients;
// only the logits receive a gradient.
struct GHMCFunction : torch::autograd::Function<GHMCFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& logits,
                               const torch::Tensor& target, const torch::Tensor& weight,
                               const torch::Tensor& edges, const torch::Tensor& coef,
                               double loss, bool target_is_labels,
                               const loss_kernels::ClsKernels* kernels) {
    ctx->save_for_backward({logits, target, weight, edges, coef});
    ctx->saved_data["labels"] = target_is_labels;
    ctx->saved_data["kernels"] = static_cast<int64_t>(reinterpret_cast<intptr_t>(kernels));
    return torch::scalar_tensor(loss, logits.options());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& logits = saved[0];
    ClassificationInputs in;
    (ctx->saved_data["labels"].toBool() ? in.labels : in.target) = saved[1];
    in.weight = saved[2];
    const auto& edges = saved[3];
    const auto coef = (saved[4] * grads[0].to(torch::kFloat)).contiguous();
    const auto* kernels = kernels_from(ctx->saved_data["kernels"]);

    auto grad = loss_kernels::reusable_empty(logits.sizes(), logits.options());
    const auto view = cls_view(in, logits);
    const int bins = static_cast<int>(edges.size(0) - 1);
    const float* e = edges.data_ptr<float>();
    const float* c = coef.data_ptr<float>();
    float* out = grad.data_ptr<float>();
    loss_kernels::RowBlocks(view.rows, view.cols).parallel([&](int64_t, int64_t r0, int64_t r1) {
      kernels->ghmc_grad(view, r0, r1, e, bins, c, out);
    });
    return {grad, {}, {}, {}, {}, {}, {}, {}};
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

  // Per-block partials, reduced in block order (thread-count independent).
  const loss_kernels::RowBlocks blocks(view.rows, view.cols);
  const size_t slots = static_cast<size_t>(bins) + 1;
  std::vector<int64_t> block_counts(blocks.count * slots);
  std::vector<double> block_sums(blocks.count * slots);
  blocks.parallel([&](int64_t b, int64_t r0, int64_t r1) {
    kernels.ghmc_histogram(view, r0, r1, e, bins, &block_counts[b * slots], &block_sums[b * slots]);
  });
  auto counts = torch::zeros({bins}, torch::kLong);
  std::vector<double> sums(slots, 0.0);
  int64_t* cnt = counts.data_ptr<int64_t>();
  int64_t tot = 0;
  for (int64_t b = 0; b < blocks.count; ++b) {
    for (size_t k = 0; k < slots; ++k) {
      if (k < static_cast<size_t>(bins)) cnt[k] += block_counts[b * slots + k];
      tot += block_counts[b * slots + k];
      sums[k] += block_sums[b * slots + k];
    }
  }
  const double tot_c = static_cast<double>(std::max<int64_t>(tot, 1));
  const auto beta = ghm_bin_weights(counts, torch::scalar_tensor(std::max<int64_t>(tot, 1), torch::kLong),
                                    acc_sum, momentum);

  // loss = lambda * sum_k beta_k S_k / tot; valid elements in no bin (NaN) weigh 0 but still
  // make the loss NaN, as 0 * NaN does in the reference.
  const float* bt = beta.data_ptr<float>();
  double weighted = 0.0 * sums[bins];
  auto coef = torch::zeros({bins + 1}, torch::kFloat);
  float* cf = coef.data_ptr<float>();
  for (int k = 0; k < bins; ++k) {
    weighted += static_cast<double>(bt[k]) * sums[k];
    cf[k] = static_cast<float>(loss_weight * bt[k] / tot_c);
  }
  const double loss = loss_weight * weighted / tot_c;
  const auto& target = in.labels.defined() ? in.labels : in.target;
  return GHMCFunction::apply(in.logits, target, in.weight, edges_cpu, coef, loss,
                             in.labels.defined(), &kernels);
}

}  // namespace ghmdet
