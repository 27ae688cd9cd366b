// Validation and normalisation of the tensors handed to the losses.
//
// Every loss checks its inputs here first and throws ghmdet::Error naming the loss, the
// argument and the offending shape/dtype/device. Normalised tensors are float32 (int64 for
// labels) and contiguous; the logits/pred conversions are differentiable, so gradients flow
// back to the caller's dtype (float16, bfloat16, float64) through autograd.
#pragma once

#include <torch/torch.h>

#include <string>

#include "ghmdet/losses/kernels/cls_kernels.h"

namespace ghmdet {

struct ClassificationInputs {
  torch::Tensor logits;  // float32 [N, C], contiguous
  torch::Tensor labels;  // int64 [N] (0..C-1 class, anything else background), or undefined
  torch::Tensor target;  // float32 [N, C], or undefined (exactly one of labels/target is set)
  torch::Tensor weight;  // float32 [N] or [N, C]
  bool weight_per_element() const { return weight.dim() == 2; }
  // The one of labels / target that is set: what the losses' autograd functions save.
  const torch::Tensor& labels_or_target() const { return labels.defined() ? labels : target; }
};

// The inputs rebuilt in a backward from what the forward saved: labels_or_target() (labels when
// `is_labels`) and the weight; the logits are left unset.
ClassificationInputs saved_classification_inputs(const torch::Tensor& labels_or_target,
                                                 bool is_labels, const torch::Tensor& weight);

// The float32 [N, C] target of `in`: the labels as one-hot rows (a background label gives a row
// of zeros), or `in.target` as given.
torch::Tensor dense_target(const ClassificationInputs& in);

ClassificationInputs prepare_classification_inputs(const std::string& loss,
                                                   const torch::Tensor& logits,
                                                   const torch::Tensor& target,
                                                   const torch::Tensor& label_weight);

struct RegressionInputs {
  torch::Tensor pred, target, weight;  // float32, same shape, contiguous
};

RegressionInputs prepare_regression_inputs(const std::string& loss, const torch::Tensor& pred,
                                           const torch::Tensor& target,
                                           const torch::Tensor& weight);

// Raw-pointer view of CPU inputs for the fused kernels (logits taken from `logits`, which may
// be a detached copy of in.logits).
loss_kernels::ClsView cls_view(const ClassificationInputs& in, const torch::Tensor& logits);

// "Float [3, 4]" — for error messages.
std::string describe(const torch::Tensor& t);

}  // namespace ghmdet
