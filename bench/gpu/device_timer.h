// Wall-clock timing of work queued on a device: the device is synchronised before the clock
// starts and before it stops, so a CUDA call's time is its kernels' time, not its launch time.
// median_seconds runs `warmup` untimed calls first (allocator, cuDNN autotuning, lazy init).
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace ghmdet::bench {

inline void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
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
  std::sort(times.begin(), times.end());
  return times.empty() ? 0.0 : times[times.size() / 2];
}

}  // namespace ghmdet::bench
