#include "ghmdet/losses/focal_loss.h"

#include <cmath>

#include "ghmdet/core/error.h"
#include "ghmdet/losses/focal_paths.h"
#include "ghmdet/losses/grad_norm_stats.h"

namespace ghmdet {

double loss_denominator(const char* loss, double avg_factor, int64_t numel) {
  if (avg_factor == kNoAvgFactor) return static_cast<double>(std::max<int64_t>(numel, 1));
  if (!(avg_factor > 0.0) || std::isinf(avg_factor)) {
    throw Error(std::string(loss) + ": avg_factor must be a positive number, got " +
                std::to_string(avg_factor));
  }
  return avg_factor;
}

FocalLossImpl::FocalLossImpl(const FocalLossOptions& options_) : options(options_) {
  if (!options.use_sigmoid()) throw Error("FocalLoss: only use_sigmoid = true is supported");
  if (!(options.gamma() >= 0.0)) {
    throw Error("FocalLoss: gamma must be >= 0, got " + std::to_string(options.gamma()));
  }
}

torch::Tensor FocalLossImpl::forward(const torch::Tensor& logits, const torch::Tensor& target,
                                     const torch::Tensor& label_weight, double avg_factor) {
  const auto in = prepare_classification_inputs("FocalLoss", logits, target, label_weight);
  FocalLossParams p{options.gamma(), options.alpha(), options.loss_weight(),
                    loss_denominator("FocalLoss", avg_factor, in.logits.numel())};
  if (grad_norm_capture && grad_norm_capture->armed()) grad_norm_capture->add(focal_call_stats(in));
  if (in.logits.device().is_cpu()) return focal_loss_cpu(in, p);
#ifdef GHMDET_HAVE_CUDA_KERNELS
  if (in.logits.is_cuda()) return focal_loss_cuda(in, p);
#endif
  return focal_loss_tensor_ops(in, p);
}

}  // namespace ghmdet
