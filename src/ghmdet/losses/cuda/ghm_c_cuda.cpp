// CUDA path of GHM-C (see ghm_c_paths.h): three kernel launches and a few tiny tensor ops on
// the bins, all on the logits' stream; no host synchronisation.
#include "ghmdet/losses/cuda/cuda_launch.h"
#include "ghmdet/losses/ghm_c_paths.h"
#include "ghmdet/losses/ghm_state.h"

namespace ghmdet {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Saved for the backward: the inputs, the device edges and the per-slot coefficients
// lambda * beta_k / tot (0 for the unbinned slot). The gradient is recomputed from them.
struct GHMCCudaFunction : torch::autograd::Function<GHMCCudaFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& logits,
                               const torch::Tensor& target, const torch::Tensor& weight,
                               bool target_is_labels, const torch::Tensor& edges,
                               const torch::Tensor& coef, const torch::Tensor& loss) {
    ctx->save_for_backward({logits, target, weight, edges, coef});
    ctx->saved_data["labels"] = target_is_labels;
    return loss.clone();  // a new tensor: autograd attaches this function to it
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& logits = saved[0];
    const auto in =
        saved_classification_inputs(saved[1], ctx->saved_data["labels"].toBool(), saved[2]);
    const auto go = loss_kernels::cuda::grad_out_on(grads[0], logits);
    auto grad = torch::empty_like(logits);
    const int bins = static_cast<int>(saved[3].size(0) - 1);
    loss_kernels::cuda::ghmc_grad(cls_view(in, logits), saved[3].data_ptr<float>(), bins,
                                  saved[4].data_ptr<float>(), go.data_ptr<float>(),
                                  grad.data_ptr<float>(), loss_kernels::cuda::stream_of(logits));
    loss_kernels::cuda::check_launch();
    return {grad, {}, {}, {}, {}, {}, {}};
  }
};

}  // namespace

torch::Tensor ghmc_loss_cuda(const ClassificationInputs& in, const torch::Tensor& edges,
                             const torch::Tensor& acc_sum, double momentum, double loss_weight) {
  namespace k = loss_kernels::cuda;
  torch::Tensor coef, loss, e;
  {
    torch::NoGradGuard no_grad;
    const auto logits = in.logits.detach();
    const auto view = cls_view(in, logits);
    const int bins = static_cast<int>(edges.size(0) - 1);
    e = edges.to(logits.device(), torch::kFloat).contiguous();
    void* stream = k::stream_of(logits);

    auto slots = torch::zeros({bins + 1}, logits.options().dtype(torch::kLong));
    k::ghmc_histogram(view, e.data_ptr<float>(), bins, slots.data_ptr<int64_t>(), stream);
    k::check_launch();
    const auto tot = slots.sum().clamp_min(1);
    const auto beta = ghm_bin_weights(slots.slice(0, 0, bins), tot, acc_sum, momentum);
    coef = torch::cat({(beta.to(torch::kDouble) * loss_weight / tot.to(torch::kDouble)).to(torch::kFloat),
                       torch::zeros({1}, beta.options())})
               .contiguous();

    auto partials = k::partials_for(logits.numel(), logits);
    k::ghmc_loss(view, e.data_ptr<float>(), bins, coef.data_ptr<float>(),
                 partials.data_ptr<double>(), stream);
    k::check_launch();
    loss = k::finish(partials).to(torch::kFloat);
  }
  if (!(in.logits.requires_grad() && torch::GradMode::is_enabled())) return loss;
  return GHMCCudaFunction::apply(in.logits, in.labels_or_target(), in.weight, in.labels.defined(),
                                 e, coef, loss);
}

}  // namespace ghmdet
