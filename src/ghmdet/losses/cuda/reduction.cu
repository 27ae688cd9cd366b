// The finishing step of every loss sum (loss_kernels_cuda.h): one block adds the per-block
// partial sums in a fixed tree order.
#include <cuda_runtime.h>

#include "ghmdet/losses/cuda/element_math.cuh"
#include "ghmdet/losses/cuda/loss_kernels_cuda.h"

namespace ghmdet::loss_kernels::cuda {
namespace {

__global__ void finish_sum_kernel(const double* partials, int count, double* out) {
  __shared__ double s[kMaxBlocks];
  const int t = static_cast<int>(threadIdx.x);
  s[t] = t < count ? partials[t] : 0.0;
  __syncthreads();
  for (int stride = kMaxBlocks / 2; stride > 0; stride >>= 1) {
    if (t < stride) s[t] += s[t + stride];
    __syncthreads();
  }
  if (t == 0) out[0] = s[0];
}

}  // namespace

int reduction_blocks(int64_t n) { return grid_for(n); }

void finish_sum(const double* partials, int count, double* out, void* stream) {
  finish_sum_kernel<<<1, kMaxBlocks, 0, static_cast<cudaStream_t>(stream)>>>(partials, count, out);
}

}  // namespace ghmdet::loss_kernels::cuda
