#include "ghmdet/engine/sgd.h"

#include <unordered_map>

#include "ghmdet/core/error.h"

namespace ghmdet {

NamedParameters trainable_parameters(const torch::nn::Module& module) {
  NamedParameters out;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    if (item.value().requires_grad()) out.emplace_back(item.key(), item.value());
  }
  return out;
}

SGD::SGD(NamedParameters params, SGDOptions options)
    : params_(std::move(params)), buffers_(params_.size()), options_(options) {
  if (!(options_.momentum() >= 0.0)) {
    throw Error("optimizer.momentum: must be >= 0, got " + std::to_string(options_.momentum()));
  }
  if (!(options_.weight_decay() >= 0.0)) {
    throw Error("optimizer.weight_decay: must be >= 0, got " +
                std::to_string(options_.weight_decay()));
  }
}

void SGD::step() {
  torch::NoGradGuard no_grad;
  const double momentum = options_.momentum();
  const double weight_decay = options_.weight_decay();
  for (size_t i = 0; i < params_.size(); ++i) {
    torch::Tensor& p = params_[i].second;
    const torch::Tensor& g = p.grad();
    if (!g.defined()) continue;
    torch::Tensor d = weight_decay != 0.0 ? g.add(p, weight_decay) : g;
    if (momentum != 0.0) {
      torch::Tensor& buf = buffers_[i];
      if (!buf.defined()) {
        buf = torch::clone(d).detach();
      } else {
        buf.mul_(momentum).add_(d);
      }
      d = buf;
    }
    p.add_(d, -options_.lr());
  }
}

void SGD::zero_grad(bool set_to_none) {
  for (auto& [name, p] : params_) {
    torch::Tensor& g = p.mutable_grad();
    if (!g.defined()) continue;
    if (set_to_none) {
      g.reset();
    } else {
      g.detach_();
      g.zero_();
    }
  }
}

std::map<std::string, torch::Tensor> SGD::state_dict() const {
  std::map<std::string, torch::Tensor> out;
  for (size_t i = 0; i < params_.size(); ++i) {
    if (buffers_[i].defined()) {
      out[kBufferPrefix + params_[i].first] = buffers_[i].detach().to(torch::kCPU).clone();
    }
  }
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  out["lr"] = torch::scalar_tensor(options_.lr(), f64);
  out["momentum"] = torch::scalar_tensor(options_.momentum(), f64);
  out["weight_decay"] = torch::scalar_tensor(options_.weight_decay(), f64);
  return out;
}

void SGD::load_state_dict(const std::map<std::string, torch::Tensor>& state,
                          const std::string& source) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < params_.size(); ++i) index.emplace(params_[i].first, i);
  const std::string prefix = kBufferPrefix;
  std::vector<torch::Tensor> restored(params_.size());
  for (const auto& [key, value] : state) {
    if (key.rfind(prefix, 0) != 0) continue;  // hyper-parameters and foreign entries
    const std::string name = key.substr(prefix.size());
    auto it = index.find(name);
    if (it == index.end()) {
      throw Error(source + ": optimizer." + key +
                  ": no trainable parameter of that name in the model");
    }
    const torch::Tensor& p = params_[it->second].second;
    if (!value.defined() || value.sizes() != p.sizes()) {
      throw Error(source + ": optimizer." + key + ": shape " +
                  (value.defined() ? c10::str(value.sizes()) : std::string("undefined")) +
                  " differs from the parameter's " + c10::str(p.sizes()));
    }
    restored[it->second] = value.detach().to(p.device(), p.scalar_type()).clone();
  }
  buffers_ = std::move(restored);
}

}  // namespace ghmdet
