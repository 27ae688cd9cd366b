#include "ghmdet/engine/distributed/module_broadcast.h"

#include <map>

namespace ghmdet {

void broadcast_module_state(DistributedContext& context, torch::nn::Module& module) {
  if (context.world_size() <= 1) return;
  torch::NoGradGuard no_grad;
  // Registration order (parameters, then buffers) is the same on every rank for the same model.
  std::vector<torch::Tensor> tensors;
  for (const auto& p : module.parameters()) tensors.push_back(p);
  for (const auto& b : module.buffers()) {
    if (b.defined()) tensors.push_back(b);
  }
  // Grouped by (dtype, device); std::map keeps the group order identical on every rank.
  std::map<std::pair<int, std::string>, std::vector<torch::Tensor>> groups;
  for (const auto& t : tensors) {
    groups[{static_cast<int>(t.scalar_type()), t.device().str()}].push_back(t);
  }
  for (auto& [key, members] : groups) {
    std::vector<torch::Tensor> flat_parts;
    for (const auto& t : members) flat_parts.push_back(t.reshape({-1}));
    std::vector<torch::Tensor> flat{torch::cat(flat_parts)};
    context.broadcast(flat, 0);
    int64_t offset = 0;
    for (auto& t : members) {
      t.copy_(flat[0].narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
}

}  // namespace ghmdet
