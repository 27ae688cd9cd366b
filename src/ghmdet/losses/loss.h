// Abstract loss interfaces shared by the detection heads and the loss builders.
//
// ClassificationLossImpl — sigmoid (per-class binary) classification losses (GHM-C, focal).
//   logits       [N, C] floating (float32/float16/bfloat16/float64); the loss is always computed
//                in float32 and returned as a float32 scalar on the logits' device.
//   target       [N] integer labels, 0..C-1 = class, anything else (C = background, negative)
//                = all classes negative; or [N, C] floating (binary or soft) targets.
//   label_weight [N] (one weight per anchor) or [N, C]; 0 = ignored.
//   avg_factor   normaliser for losses that use one (focal); GHM losses accept and ignore it, as
//                the reference does. kNoAvgFactor (the default) means "not given".
// RegressionLossImpl — box-delta regression losses (GHM-R, smooth L1):
//   pred, target, weight all of the same shape ([N, 4] in the heads); weight 0 = ignored.
//
// Both are torch::nn::Module so that state (GHM's EMA buffers) is registered under the head
// ("bbox_head.loss_cls.acc_sum") and saved with the model. Instances are not thread safe when
// they carry state: one object is called sequentially, level after level.
#pragma once

#include <torch/torch.h>

#include <memory>

namespace ghmdet {

class GradNormCapture;  // grad_norm_capture.h

// Sentinel for "no avg_factor given": focal and smooth L1 then take the mean over all elements
// (mmdetection's reduction='mean'); any positive value divides the weighted sum instead.
inline constexpr double kNoAvgFactor = -1.0;

struct ClassificationLossImpl : torch::nn::Module {
  virtual torch::Tensor forward(const torch::Tensor& logits, const torch::Tensor& target,
                                const torch::Tensor& label_weight,
                                double avg_factor = kNoAvgFactor) = 0;

  // Opt-in record of the gradient norms of each call (grad_norm_capture.h); null = off.
  std::shared_ptr<GradNormCapture> grad_norm_capture;
};

struct RegressionLossImpl : torch::nn::Module {
  virtual torch::Tensor forward(const torch::Tensor& pred, const torch::Tensor& target,
                                const torch::Tensor& weight, double avg_factor = kNoAvgFactor) = 0;

  // Opt-in record of the gradient norms of each call (grad_norm_capture.h); null = off.
  std::shared_ptr<GradNormCapture> grad_norm_capture;
};

}  // namespace ghmdet
