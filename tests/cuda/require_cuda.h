// What every test under tests/cuda starts with: skip, saying why, where there is no CUDA device.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#define GHMDET_REQUIRE_CUDA()                                                                    \
  if (!torch::cuda::is_available())                                                            \
  GTEST_SKIP() << "needs a CUDA device: torch::cuda::is_available() is false (CPU-only "       \
                  "libtorch, or no GPU on this machine); run it on a machine with a GPU"

namespace ghmdet::testing {
inline const torch::Device kCuda(torch::kCUDA, 0);
}  // namespace ghmdet::testing
