// Fused CPU path of the sigmoid focal loss (see focal_paths.h).
#include <vector>

#include "ghmdet/losses/focal_paths.h"
#include "ghmdet/losses/kernels/buffer_pool.h"
#include "ghmdet/losses/kernels/row_blocks.h"

namespace ghmdet {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct FocalFunction : torch::autograd::Function<FocalFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& logits,
                               const torch::Tensor& target, const torch::Tensor& weight,
                               double loss, double gamma, double alpha, double scale,
                               bool target_is_labels, const loss_kernels::ClsKernels* kernels) {
    ctx->save_for_backward({logits, target, weight});
    ctx->saved_data["gamma"] = gamma;
    ctx->saved_data["alpha"] = alpha;
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["labels"] = target_is_labels;
    ctx->saved_data["kernels"] = static_cast<int64_t>(reinterpret_cast<intptr_t>(kernels));
    return torch::scalar_tensor(loss, logits.options());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& logits = saved[0];
    const auto in =
        saved_classification_inputs(saved[1], ctx->saved_data["labels"].toBool(), saved[2]);
    const auto* kernels = reinterpret_cast<const loss_kernels::ClsKernels*>(
        static_cast<intptr_t>(ctx->saved_data["kernels"].toInt()));
    const auto fp = focal_kernel_params(ctx->saved_data["gamma"].toDouble(),
                                  ctx->saved_data["alpha"].toDouble());
    // A CPU scalar: reading it is not a device synchronisation.
    const float scale = static_cast<float>(ctx->saved_data["scale"].toDouble() *
                                           grads[0].to(torch::kDouble).item<double>());
    auto grad = loss_kernels::reusable_empty(logits.sizes(), logits.options());
    const auto view = cls_view(in, logits);
    float* out = grad.data_ptr<float>();
    loss_kernels::RowBlocks(view.rows, view.cols).parallel([&](int64_t, int64_t r0, int64_t r1) {
      kernels->focal_grad(view, r0, r1, fp, scale, out);
    });
    return {grad, {}, {}, {}, {}, {}, {}, {}, {}};
  }
};

}  // namespace

torch::Tensor focal_loss_cpu(const ClassificationInputs& in, const FocalLossParams& p,
                             const loss_kernels::ClsKernels& kernels) {
  const auto logits = in.logits.detach();
  const auto view = cls_view(in, logits);
  const auto fp = focal_kernel_params(p.gamma, p.alpha);
  const loss_kernels::RowBlocks blocks(view.rows, view.cols);
  std::vector<double> partial(blocks.count, 0.0);
  blocks.parallel([&](int64_t b, int64_t r0, int64_t r1) {
    partial[b] = kernels.focal_sum(view, r0, r1, fp);
  });
  double total = 0.0;
  for (double s : partial) total += s;
  const double scale = p.loss_weight / p.denominator;
  return FocalFunction::apply(in.logits, in.labels_or_target(), in.weight, total * scale, p.gamma,
                              p.alpha, scale, in.labels.defined(), &kernels);
}

}  // namespace ghmdet
