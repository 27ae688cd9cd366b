#include "ghmdet/engine/determinism.h"

#include <ATen/Context.h>

#include "ghmdet/core/error.h"
#include "ghmdet/core/runtime.h"

namespace ghmdet {

void seed_everything(uint64_t seed) {
  // torch::manual_seed seeds the CPU generator and, when CUDA is present, every CUDA device's.
  torch::manual_seed(seed);
}

void set_deterministic(bool deterministic) {
  auto& ctx = at::globalContext();
  ctx.setDeterministicAlgorithms(deterministic, /*warn_only=*/true);
  ctx.setDeterministicCuDNN(deterministic);
  ctx.setBenchmarkCuDNN(!deterministic && ctx.benchmarkCuDNN());
}

namespace {

at::Generator default_generator(const torch::Device& device) {
  return at::globalContext().defaultGenerator(device);
}

}  // namespace

std::map<std::string, torch::Tensor> capture_rng_state() {
  std::map<std::string, torch::Tensor> out;
  {
    auto gen = default_generator(torch::kCPU);
    std::lock_guard<std::mutex> lock(gen.mutex());
    out["cpu"] = gen.get_state();
  }
  if (torch::cuda::is_available()) {
    const int64_t devices = cuda_device_count();
    for (int64_t i = 0; i < devices; ++i) {
      auto gen = default_generator(torch::Device(torch::kCUDA, static_cast<int8_t>(i)));
      std::lock_guard<std::mutex> lock(gen.mutex());
      out["cuda:" + std::to_string(i)] = gen.get_state();
    }
  }
  return out;
}

void restore_rng_state(const std::map<std::string, torch::Tensor>& states) {
  for (const auto& [key, state] : states) {
    torch::Device device(torch::kCPU);
    if (key != "cpu") {
      if (key.rfind("cuda:", 0) != 0) throw Error("rng state: unknown device key '" + key + "'");
      const std::string digits = key.substr(5);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
        throw Error("rng state: bad device key '" + key + "'");
      }
      const int64_t index = std::stoll(digits);
      if (!torch::cuda::is_available() ||
          index >= cuda_device_count()) {
        continue;
      }
      device = torch::Device(torch::kCUDA, static_cast<int8_t>(index));
    }
    auto gen = default_generator(device);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state.to(torch::kCPU, torch::kUInt8).contiguous());
  }
}

}  // namespace ghmdet
