// FocalLoss — sigmoid focal loss (Lin et al. 2017), the FL+SL1 baseline of the GHM paper
// (ghm-spec 4.8; mmdetection's FocalLoss with use_sigmoid=True).
//
//   ghmdet::FocalLoss focal(ghmdet::FocalLossOptions().gamma(2.0).alpha(0.25));
//   torch::Tensor l = focal->forward(logits, labels, label_weight, num_total_pos);
//
// Per element, with p = sigmoid(x): y = 1: -alpha (1-p)^gamma log p;
// y = 0: -(1-alpha) p^gamma log(1-p); soft y: torchvision's alpha_t (1-p_t)^gamma BCE.
// alpha < 0 disables the alpha weighting. loss = loss_weight * sum(label_weight * FL) / D, with
// D = avg_factor when given (> 0), else the number of elements N*C (mmdetection's
// reduction='mean'). Inputs as ClassificationLossImpl (loss.h); labels outside 0..C-1 are
// background. Stateless.
#pragma once

#include <torch/torch.h>

#include "ghmdet/losses/loss.h"

namespace ghmdet {

struct FocalLossOptions {
  TORCH_ARG(bool, use_sigmoid) = true;  // only sigmoid is supported
  TORCH_ARG(double, gamma) = 2.0;
  TORCH_ARG(double, alpha) = 0.25;
  TORCH_ARG(double, loss_weight) = 1.0;
};

struct FocalLossImpl : ClassificationLossImpl {
  explicit FocalLossImpl(const FocalLossOptions& options = {});

  torch::Tensor forward(const torch::Tensor& logits, const torch::Tensor& target,
                        const torch::Tensor& label_weight,
                        double avg_factor = kNoAvgFactor) override;

  FocalLossOptions options;
};
TORCH_MODULE(FocalLoss);

// The denominator D of focal and smooth L1 (see above); throws ghmdet::Error for avg_factor 0 or
// NaN, which is never a valid normaliser.
double loss_denominator(const char* loss, double avg_factor, int64_t numel);

}  // namespace ghmdet
