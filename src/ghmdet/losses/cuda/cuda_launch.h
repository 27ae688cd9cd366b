// Host-side plumbing of the CUDA loss kernels (compiled by the C++ compiler, with libtorch's CUDA
// headers): the stream to launch on and the launch-error check. Neither synchronises.
#pragma once

#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/torch.h>

#include "ghmdet/losses/cuda/loss_kernels_cuda.h"

namespace ghmdet::loss_kernels::cuda {

// libtorch's current stream on t's device, as the launchers take it.
inline void* stream_of(const torch::Tensor& t) {
  return c10::cuda::getCurrentCUDAStream(t.device().index()).stream();
}

// Throws (c10::Error) when the last launch failed to start; does not wait for it to finish.
inline void check_launch() { C10_CUDA_KERNEL_LAUNCH_CHECK(); }

// A loss's incoming gradient (0-dim; undefined means zero) as a contiguous float32 scalar on
// `like`'s device, for the backward kernels to read without a host round trip.
inline torch::Tensor grad_out_on(const torch::Tensor& grad, const torch::Tensor& like) {
  return grad.defined() ? grad.to(like.device(), torch::kFloat).contiguous()
                        : torch::zeros({}, like.options().dtype(torch::kFloat));
}

// The sum of the partial sums in `partials` (float64 [count]) as a float64 0-dim tensor.
inline torch::Tensor finish(const torch::Tensor& partials) {
  auto total = torch::empty({}, partials.options());
  finish_sum(partials.data_ptr<double>(), static_cast<int>(partials.size(0)),
             total.data_ptr<double>(), stream_of(partials));
  check_launch();
  return total;
}

// Scratch for the per-block partial sums of a reduction over n elements on `like`'s device.
inline torch::Tensor partials_for(int64_t n, const torch::Tensor& like) {
  return torch::empty({reduction_blocks(n)}, like.options().dtype(torch::kDouble));
}

}  // namespace ghmdet::loss_kernels::cuda
