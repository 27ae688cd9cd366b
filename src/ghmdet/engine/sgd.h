// SGD — stochastic gradient descent with momentum and weight decay, PyTorch semantics, with its
// state keyed by parameter NAME so that it survives checkpoints and module reconstruction.
//
// One step, for every parameter p whose .grad() is defined (others are skipped, as PyTorch
// skips grad-less parameters; their momentum buffers do not move):
//   d = g + weight_decay * p                      (weight decay on ALL trainable parameters)
//   v = d                     on p's first step   (the buffer starts as a copy, not mu*0 + d)
//   v = momentum * v + d      afterwards          (dampening 0, no Nesterov)
//   p = p - lr * v
// Each line is the same ATen op with the same operand order as torch.optim.SGD, so results are
// bit-identical to it. State lives on the parameters' device; nothing here syncs with the host.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ghmdet {

struct SGDOptions {
  TORCH_ARG(double, lr) = 0.01;
  TORCH_ARG(double, momentum) = 0.0;
  TORCH_ARG(double, weight_decay) = 0.0;
};

using NamedParameters = std::vector<std::pair<std::string, torch::Tensor>>;

// The parameters of `module` that require gradients, with their full names, in registration order.
NamedParameters trainable_parameters(const torch::nn::Module& module);

class SGD {
 public:
  SGD(NamedParameters params, SGDOptions options);

  void step();
  // Drops the gradients (set_to_none) or zeroes them in place.
  void zero_grad(bool set_to_none = true);

  double lr() const { return options_.lr(); }
  void set_lr(double lr) { options_.lr(lr); }
  const SGDOptions& options() const { return options_; }
  const NamedParameters& params() const { return params_; }
  // Momentum buffer of parameter i (undefined before its first step).
  const torch::Tensor& momentum_buffer(size_t i) const { return buffers_.at(i); }

  // "momentum_buffer.<param name>" for every started buffer (CPU copies), plus the
  // hyper-parameters "lr", "momentum", "weight_decay" as 0-dim float64 tensors (informational:
  // load_state_dict keeps the values this optimizer was built with).
  std::map<std::string, torch::Tensor> state_dict() const;
  // Restores the momentum buffers. A buffer for an unknown parameter, or one whose shape differs
  // from its parameter's, throws ghmdet::Error naming `source` (the checkpoint file) and the key.
  void load_state_dict(const std::map<std::string, torch::Tensor>& state,
                       const std::string& source);

  static constexpr const char* kBufferPrefix = "momentum_buffer.";

 private:
  NamedParameters params_;
  std::vector<torch::Tensor> buffers_;
  SGDOptions options_;
};

}  // namespace ghmdet
