#include "ghmdet/losses/loss_inputs.h"

#include <sstream>

#include "ghmdet/core/error.h"

namespace ghmdet {

std::string describe(const torch::Tensor& t) {
  if (!t.defined()) return "an undefined tensor";
  std::ostringstream s;
  s << c10::toString(t.scalar_type()) << " " << t.sizes() << " on " << t.device();
  return s.str();
}

namespace {

[[noreturn]] void fail(const std::string& loss, const std::string& what) {
  throw Error(loss + ": " + what);
}

void require_defined(const std::string& loss, const char* name, const torch::Tensor& t) {
  if (!t.defined()) fail(loss, std::string(name) + " is undefined");
}

void require_same_device(const std::string& loss, const char* name, const torch::Tensor& t,
                         const torch::Tensor& ref) {
  if (t.device() != ref.device()) {
    fail(loss, std::string(name) + " is on " + t.device().str() + " but the input is on " +
                   ref.device().str());
  }
}

bool is_number_like(const torch::Tensor& t) {
  return t.is_floating_point() || t.scalar_type() == torch::kBool ||
         c10::isIntegralType(t.scalar_type(), /*includeBool=*/false);
}

}  // namespace

torch::Tensor dense_target(const ClassificationInputs& in) {
  if (!in.labels.defined()) return in.target;
  const auto classes = torch::arange(in.logits.size(1), in.labels.options());
  return (classes.unsqueeze(0) == in.labels.unsqueeze(1)).to(torch::kFloat);
}

ClassificationInputs prepare_classification_inputs(const std::string& loss,
                                                   const torch::Tensor& logits,
                                                   const torch::Tensor& target,
                                                   const torch::Tensor& label_weight) {
  require_defined(loss, "logits", logits);
  require_defined(loss, "target", target);
  require_defined(loss, "label_weight", label_weight);
  if (logits.dim() != 2 || !logits.is_floating_point()) {
    fail(loss, "logits must be a floating [N, C] tensor, got " + describe(logits));
  }
  require_same_device(loss, "target", target, logits);
  require_same_device(loss, "label_weight", label_weight, logits);
  const int64_t n = logits.size(0);
  ClassificationInputs in;
  in.logits = logits.to(torch::kFloat).contiguous();
  if (target.dim() == 1) {
    if (target.size(0) != n || !c10::isIntegralType(target.scalar_type(), false)) {
      fail(loss, "a 1-D target must hold N = " + std::to_string(n) +
                     " integer labels (0..C-1 = class, C = background), got " + describe(target));
    }
    in.labels = target.to(torch::kLong).contiguous();
  } else if (target.dim() == 2) {
    if (target.sizes() != logits.sizes() || !is_number_like(target)) {
      fail(loss, "a 2-D target must be a binary/soft matrix shaped like the logits " +
                     describe(logits) + ", got " + describe(target));
    }
    in.target = target.to(torch::kFloat).contiguous();
  } else {
    fail(loss, "target must be [N] labels or [N, C] like the logits " + describe(logits) +
                   ", got " + describe(target));
  }
  const bool weight_ok =
      is_number_like(label_weight) &&
      ((label_weight.dim() == 1 && label_weight.size(0) == n) ||
       (label_weight.dim() == 2 && label_weight.sizes() == logits.sizes()));
  if (!weight_ok) {
    fail(loss, "label_weight must be [N] or [N, C] for logits " + describe(logits) + ", got " +
                   describe(label_weight));
  }
  in.weight = label_weight.to(torch::kFloat).contiguous();
  return in;
}

RegressionInputs prepare_regression_inputs(const std::string& loss, const torch::Tensor& pred,
                                           const torch::Tensor& target,
                                           const torch::Tensor& weight) {
  require_defined(loss, "pred", pred);
  require_defined(loss, "target", target);
  require_defined(loss, "weight", weight);
  if (!pred.is_floating_point()) fail(loss, "pred must be floating, got " + describe(pred));
  require_same_device(loss, "target", target, pred);
  require_same_device(loss, "weight", weight, pred);
  if (target.sizes() != pred.sizes() || !target.is_floating_point()) {
    fail(loss, "target must be floating and shaped like pred " + describe(pred) + ", got " +
                   describe(target));
  }
  if (weight.sizes() != pred.sizes() || !is_number_like(weight)) {
    fail(loss, "weight must be shaped like pred " + describe(pred) + ", got " + describe(weight));
  }
  return {pred.to(torch::kFloat).contiguous(), target.to(torch::kFloat).contiguous(),
          weight.to(torch::kFloat).contiguous()};
}

ClassificationInputs saved_classification_inputs(const torch::Tensor& labels_or_target,
                                                 bool is_labels, const torch::Tensor& weight) {
  ClassificationInputs in;
  (is_labels ? in.labels : in.target) = labels_or_target;
  in.weight = weight;
  return in;
}

loss_kernels::ClsView cls_view(const ClassificationInputs& in, const torch::Tensor& logits) {
  loss_kernels::ClsView v;
  v.x = logits.data_ptr<float>();
  v.rows = logits.size(0);
  v.cols = logits.size(1);
  v.labels = in.labels.defined() ? in.labels.data_ptr<int64_t>() : nullptr;
  v.target = in.target.defined() ? in.target.data_ptr<float>() : nullptr;
  v.weight = in.weight.data_ptr<float>();
  v.weight_per_element = in.weight_per_element();
  return v;
}

}  // namespace ghmdet
