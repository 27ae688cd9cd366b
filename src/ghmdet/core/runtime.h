// Process-wide runtime setup: intra-op threads and device parsing.
//
// libtorch starts with a single intra-op thread on some machines; every entry point (the CLI,
// tests, benchmarks) calls init_runtime() once so convolutions and fused kernels use all cores.
#pragma once

#include <torch/torch.h>

#include <string>

namespace ghmdet {

// Sets torch's intra-op thread count to `num_threads`, or to the number of hardware threads
// (honouring the OMP_NUM_THREADS environment variable) when `num_threads` <= 0.
// Returns the count in effect.
int init_runtime(int num_threads = 0);

// Parses "cpu", "cuda" or "cuda:N"; throws ghmdet::Error naming `what` on anything else, or
// when CUDA is asked for and libtorch has none.
torch::Device parse_device(const std::string& text, const std::string& what = "--device");

// torch::cuda::device_count() as a number: libtorch 1.13 returns a size_t, 2.x a
// c10::DeviceIndex (a signed char, which an ostream prints as a character).
int64_t cuda_device_count();

}  // namespace ghmdet
