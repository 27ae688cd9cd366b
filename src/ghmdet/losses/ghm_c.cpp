#include "ghmdet/losses/ghm_c.h"

#include "ghmdet/core/error.h"
#include "ghmdet/losses/ghm_c_paths.h"
#include "ghmdet/losses/ghm_state.h"
#include "ghmdet/losses/grad_norm_stats.h"

namespace ghmdet {

GHMCImpl::GHMCImpl(const GHMCOptions& options_) : options(options_) {
  if (options.bins() < 1) throw Error("GHMC: bins must be >= 1, got " + std::to_string(options.bins()));
  if (!(options.momentum() >= 0.0 && options.momentum() < 1.0)) {
    throw Error("GHMC: momentum must be in [0, 1), got " + std::to_string(options.momentum()));
  }
  if (!options.use_sigmoid()) throw Error("GHMC: only use_sigmoid = true is supported");
  // float32(1) + float32(1e-6): the reference raises the last edge in float32.
  edges = register_buffer("edges", ghm_edges(options.bins(), 1.0f + 1e-6f));
  if (options.momentum() > 0) {
    acc_sum = register_buffer("acc_sum", torch::zeros({options.bins()}, torch::kFloat));
  }
}

torch::Tensor GHMCImpl::forward(const torch::Tensor& logits, const torch::Tensor& target,
                                const torch::Tensor& label_weight, double /*avg_factor*/) {
  const auto in = prepare_classification_inputs("GHMC", logits, target, label_weight);
  if (edges.device() != in.logits.device()) {
    throw Error("GHMC: the loss state is on " + edges.device().str() + " but logits are on " +
                in.logits.device().str() + " (move the module with the model)");
  }
  if (grad_norm_capture && grad_norm_capture->armed()) {
    grad_norm_capture->add(ghmc_call_stats(in, edges, acc_sum, options.momentum()));
  }
  if (in.logits.device().is_cpu()) {
    return ghmc_loss_cpu(in, edges, acc_sum, options.momentum(), options.loss_weight());
  }
#ifdef GHMDET_HAVE_CUDA_KERNELS
  if (in.logits.is_cuda()) {
    return ghmc_loss_cuda(in, edges, acc_sum, options.momentum(), options.loss_weight());
  }
#endif
  return ghmc_loss_tensor_ops(in, edges, acc_sum, options.momentum(), options.loss_weight());
}

}  // namespace ghmdet
