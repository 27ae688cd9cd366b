#include "ghmdet/losses/ghm_r.h"

#include "ghmdet/core/error.h"
#include "ghmdet/losses/ghm_r_paths.h"
#include "ghmdet/losses/ghm_state.h"
#include "ghmdet/losses/grad_norm_stats.h"

namespace ghmdet {

GHMRImpl::GHMRImpl(const GHMROptions& options_) : options(options_) {
  if (options.bins() < 1) throw Error("GHMR: bins must be >= 1, got " + std::to_string(options.bins()));
  if (!(options.momentum() >= 0.0 && options.momentum() < 1.0)) {
    throw Error("GHMR: momentum must be in [0, 1), got " + std::to_string(options.momentum()));
  }
  if (!(options.mu() > 0.0)) throw Error("GHMR: mu must be > 0, got " + std::to_string(options.mu()));
  edges = register_buffer("edges", ghm_edges(options.bins(), 1e3f));
  if (options.momentum() > 0) {
    acc_sum = register_buffer("acc_sum", torch::zeros({options.bins()}, torch::kFloat));
  }
}

torch::Tensor GHMRImpl::forward(const torch::Tensor& pred, const torch::Tensor& target,
                                const torch::Tensor& weight, double /*avg_factor*/) {
  const auto in = prepare_regression_inputs("GHMR", pred, target, weight);
  if (edges.device() != in.pred.device()) {
    throw Error("GHMR: the loss state is on " + edges.device().str() + " but pred is on " +
                in.pred.device().str() + " (move the module with the model)");
  }
  const GHMRParams p{options.mu(), options.momentum(), options.loss_weight()};
  if (grad_norm_capture && grad_norm_capture->armed()) {
    grad_norm_capture->add(ghmr_call_stats(in, edges, acc_sum, options.mu(), options.momentum()));
  }
  if (in.pred.device().is_cpu()) return ghmr_loss_cpu(in, edges, acc_sum, p);
#ifdef GHMDET_HAVE_CUDA_KERNELS
  if (in.pred.is_cuda()) return ghmr_loss_cuda(in, edges, acc_sum, p);
#endif
  return ghmr_loss_tensor_ops(in, edges, acc_sum, p);
}

}  // namespace ghmdet
