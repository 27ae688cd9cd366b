// Wall-clock timing of work queued on a device: the device is synchronised before the clock
// starts and before it stops, so a CUDA call's time is its kernels' time, not its launch time.
// median_seconds runs `warmup` untimed calls first (allocator, cuDNN autotuning, lazy init).
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <utility>
#include <vector>

namespace ghmdet::bench {

inline void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

// The middle value (the upper one of an even count); 0 for none.
inline double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

inline double median_seconds(const torch::Device& device, int warmup, int iters,
                             const std::function<void()>& call) {
  for (int i = 0; i < warmup; ++i) call();
  std::vector<double> times;
  for (int i = 0; i < iters; ++i) {
    synchronize(device);
    const auto start = std::chrono::steady_clock::now();
    call();
    synchronize(device);
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return median(std::move(times));
}

}  // namespace ghmdet::bench
