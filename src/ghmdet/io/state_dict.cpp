#include "ghmdet/io/state_dict.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <unordered_map>

#include "ghmdet/core/error.h"
#include "ghmdet/io/torch_pickle.h"

namespace ghmdet {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

StateDict tensors_of(const PickleValue& dict, const std::string& path, const std::string& where) {
  StateDict sd;
  for (const auto& [key, value] : dict.entries) {
    if (key->kind != PickleValue::Kind::String) {
      throw Error(fmt::format("{}: {} has a non-string key {}", path, where, key->key_text()));
    }
    if (value->kind != PickleValue::Kind::Tensor) {
      throw Error(fmt::format("{}: {}['{}'] is a {}, not a tensor", path, where, key->s,
                              kind_name(value->kind)));
    }
    if (sd.contains(key->s)) throw Error(fmt::format("{}: {} has key '{}' twice", path, where, key->s));
    sd.insert(key->s, value->tensor);
  }
  return sd;
}

std::string join_names(const std::vector<std::string>& names) { return fmt::format("{}", fmt::join(names, ", ")); }

}  // namespace

StateDict find_state_dict(const PickleValue& root, const std::string& path) {
  if (root.kind != PickleValue::Kind::Dict) {
    throw Error(fmt::format("{}: the checkpoint holds a {}, not a dict of weights", path, kind_name(root.kind)));
  }
  for (const char* wrapper : {"state_dict", "model"}) {
    if (const auto inner = root.get(wrapper); inner && inner->is_dict()) {
      return tensors_of(*inner, path, fmt::format("['{}']", wrapper));
    }
  }
  return tensors_of(root, path, "the state dict");
}

StateDict strip_common_prefix(const StateDict& sd, const std::string& prefix) {
  if (sd.is_empty()) return sd;
  for (const auto& item : sd) {
    if (item.key().compare(0, prefix.size(), prefix) != 0) return sd;
  }
  StateDict out;
  for (const auto& item : sd) out.insert(item.key().substr(prefix.size()), item.value());
  return out;
}

StateDict read_state_dict(const std::string& path) {
  const TorchFile file = read_torch_file(path);
  return strip_common_prefix(find_state_dict(*file.root, path), "module.");
}

bool is_benign_key(const std::string& name) {
  if (ends_with(name, "num_batches_tracked")) return true;
  for (const char* buffer : {"loss_cls.edges", "loss_cls.acc_sum", "loss_bbox.edges", "loss_bbox.acc_sum"}) {
    if (name == buffer || ends_with(name, std::string(".") + buffer)) return true;
  }
  return false;
}

std::string LoadReport::summary() const {
  std::string out;
  if (!missing.empty()) out += fmt::format("missing keys ({}): {}\n", missing.size(), join_names(missing));
  if (!unexpected.empty()) {
    out += fmt::format("unexpected keys ({}): {}\n", unexpected.size(), join_names(unexpected));
  }
  if (!mismatched.empty()) {
    out += fmt::format("shape mismatches ({}):", mismatched.size());
    for (const auto& m : mismatched) {
      out += fmt::format(" {} (model [{}], file [{}]);", m.name, fmt::join(m.expected, ", "),
                         fmt::join(m.found, ", "));
    }
    out += "\n";
  }
  if (!benign_missing.empty()) {
    out += fmt::format("not in the file, kept as initialised ({}): {}\n", benign_missing.size(),
                       join_names(benign_missing));
  }
  if (!benign_unexpected.empty()) {
    out += fmt::format("not used by this model, no learned weights ({}): {}\n", benign_unexpected.size(),
                       join_names(benign_unexpected));
  }
  return out;
}

LoadReport load_state_dict(torch::nn::Module& module, const StateDict& state_dict, bool strict) {
  std::vector<std::pair<std::string, torch::Tensor>> targets;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) targets.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers(/*recurse=*/true)) targets.emplace_back(b.key(), b.value());

  LoadReport report;
  std::unordered_map<std::string, bool> known;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;
  for (auto& [name, target] : targets) {
    known[name] = true;
    const torch::Tensor* source = state_dict.find(name);
    if (!source) {
      (is_benign_key(name) ? report.benign_missing : report.missing).push_back(name);
      continue;
    }
    if (source->sizes() != target.sizes()) {
      report.mismatched.push_back({name, target.sizes().vec(), source->sizes().vec()});
      continue;
    }
    copies.emplace_back(target, *source);
    report.loaded.push_back(name);
  }
  for (const auto& item : state_dict) {
    if (!known.count(item.key())) (is_benign_key(item.key()) ? report.benign_unexpected : report.unexpected).push_back(item.key());
  }
  if (strict && !report.complete()) {
    throw Error("state dict does not match the model:\n" + report.summary());
  }
  torch::NoGradGuard no_grad;
  for (auto& [target, source] : copies) target.copy_(source);  // converts dtype and device
  return report;
}

}  // namespace ghmdet
