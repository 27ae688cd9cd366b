// CUDA path of GHM-R (see ghm_r_paths.h): three kernel launches and a few tiny tensor ops on
// the bins, all on the predictions' stream; no host synchronisation.
#include "ghmdet/losses/cuda/cuda_launch.h"
#include "ghmdet/losses/ghm_r_paths.h"
#include "ghmdet/losses/ghm_state.h"

namespace ghmdet {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

loss_kernels::cuda::RegView reg_view(const torch::Tensor& pred, const torch::Tensor& target,
                                     const torch::Tensor& weight) {
  return {pred.data_ptr<float>(), target.data_ptr<float>(), weight.data_ptr<float>(), pred.numel()};
}

// float32(mu^2) computed in double, as the reference's tensor + Python-float ops do.
float mu_squared(double mu) { return static_cast<float>(mu * mu); }

struct GHMRCudaFunction : torch::autograd::Function<GHMRCudaFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& pred,
                               const torch::Tensor& target, const torch::Tensor& weight,
                               const torch::Tensor& edges, const torch::Tensor& coef,
                               const torch::Tensor& loss, double mu) {
    ctx->save_for_backward({pred, target, weight, edges, coef});
    ctx->saved_data["mu"] = mu;
    return loss.clone();  // a new tensor: autograd attaches this function to it
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& pred = saved[0];
    const auto go = loss_kernels::cuda::grad_out_on(grads[0], pred);
    auto grad = torch::empty_like(pred);
    const int bins = static_cast<int>(saved[3].size(0) - 1);
    loss_kernels::cuda::ghmr_grad(reg_view(pred, saved[1], saved[2]),
                                  mu_squared(ctx->saved_data["mu"].toDouble()),
                                  saved[3].data_ptr<float>(), bins, saved[4].data_ptr<float>(),
                                  go.data_ptr<float>(), grad.data_ptr<float>(),
                                  loss_kernels::cuda::stream_of(pred));
    loss_kernels::cuda::check_launch();
    return {grad, {}, {}, {}, {}, {}, {}};
  }
};

}  // namespace

torch::Tensor ghmr_loss_cuda(const RegressionInputs& in, const torch::Tensor& edges,
                             const torch::Tensor& acc_sum, const GHMRParams& p) {
  namespace k = loss_kernels::cuda;
  torch::Tensor coef, loss, e;
  const auto target = in.target.detach();
  {
    torch::NoGradGuard no_grad;
    const auto pred = in.pred.detach();
    const auto view = reg_view(pred, target, in.weight);
    const int bins = static_cast<int>(edges.size(0) - 1);
    e = edges.to(pred.device(), torch::kFloat).contiguous();
    void* stream = k::stream_of(pred);
    const float mu = static_cast<float>(p.mu), mu2 = mu_squared(p.mu);

    auto slots = torch::zeros({bins + 1}, pred.options().dtype(torch::kLong));
    auto weight_partials = k::partials_for(pred.numel(), pred);
    k::ghmr_histogram(view, mu2, e.data_ptr<float>(), bins, slots.data_ptr<int64_t>(),
                      weight_partials.data_ptr<double>(), stream);
    k::check_launch();
    const auto tot = k::finish(weight_partials).clamp_min(1.0);
    const auto beta = ghm_bin_weights(slots.slice(0, 0, bins), tot, acc_sum, p.momentum);
    const auto beta_slots = torch::cat({beta, torch::zeros({1}, beta.options())}).contiguous();
    coef = (beta_slots.to(torch::kDouble) * p.loss_weight / tot).to(torch::kFloat).contiguous();

    auto partials = k::partials_for(pred.numel(), pred);
    k::ghmr_loss(view, mu, mu2, e.data_ptr<float>(), bins, beta_slots.data_ptr<float>(),
                 partials.data_ptr<double>(), stream);
    k::check_launch();
    loss = (k::finish(partials) * p.loss_weight / tot).to(torch::kFloat);
  }
  if (!(in.pred.requires_grad() && torch::GradMode::is_enabled())) return loss;
  return GHMRCudaFunction::apply(in.pred, target, in.weight, e, coef, loss, p.mu);
}

}  // namespace ghmdet
