// CUDA path of the sigmoid focal loss (see focal_paths.h): one launch forward, one backward,
// on the logits' stream; no host synchronisation, no one-hot target.
#include "ghmdet/losses/cuda/cuda_launch.h"
#include "ghmdet/losses/focal_paths.h"

namespace ghmdet {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct FocalCudaFunction : torch::autograd::Function<FocalCudaFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& logits,
                               const torch::Tensor& target, const torch::Tensor& weight,
                               bool target_is_labels, const torch::Tensor& loss, double gamma,
                               double alpha, double scale) {
    ctx->save_for_backward({logits, target, weight});
    ctx->saved_data["labels"] = target_is_labels;
    ctx->saved_data["gamma"] = gamma;
    ctx->saved_data["alpha"] = alpha;
    ctx->saved_data["scale"] = scale;
    return loss.clone();  // a new tensor: autograd attaches this function to it
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& logits = saved[0];
    const auto in =
        saved_classification_inputs(saved[1], ctx->saved_data["labels"].toBool(), saved[2]);
    const auto go = loss_kernels::cuda::grad_out_on(grads[0], logits);
    auto grad = torch::empty_like(logits);
    loss_kernels::cuda::focal_grad(
        cls_view(in, logits),
        focal_kernel_params(ctx->saved_data["gamma"].toDouble(), ctx->saved_data["alpha"].toDouble()),
        static_cast<float>(ctx->saved_data["scale"].toDouble()), go.data_ptr<float>(),
        grad.data_ptr<float>(), loss_kernels::cuda::stream_of(logits));
    loss_kernels::cuda::check_launch();
    return {grad, {}, {}, {}, {}, {}, {}, {}};
  }
};

}  // namespace

torch::Tensor focal_loss_cuda(const ClassificationInputs& in, const FocalLossParams& p) {
  namespace k = loss_kernels::cuda;
  const double scale = p.loss_weight / p.denominator;
  torch::Tensor loss;
  {
    torch::NoGradGuard no_grad;
    const auto logits = in.logits.detach();
    auto partials = k::partials_for(logits.numel(), logits);
    k::focal_loss(cls_view(in, logits), focal_kernel_params(p.gamma, p.alpha),
                  partials.data_ptr<double>(), k::stream_of(logits));
    k::check_launch();
    loss = (k::finish(partials) * scale).to(torch::kFloat);
  }
  if (!(in.logits.requires_grad() && torch::GradMode::is_enabled())) return loss;
  return FocalCudaFunction::apply(in.logits, in.labels_or_target(), in.weight, in.labels.defined(),
                                  loss, p.gamma, p.alpha, scale);
}

}  // namespace ghmdet
