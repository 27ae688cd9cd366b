// GHM-R on CUDA (loss_kernels_cuda.h): histogram with the weight sum, loss sum, analytic gradient.
#include <cuda_runtime.h>

#include "ghmdet/losses/cuda/element_math.cuh"
#include "ghmdet/losses/cuda/loss_kernels_cuda.h"

namespace ghmdet::loss_kernels::cuda {
namespace {

struct RegElement {
  float d, s;  // pred - target, sqrt(d^2 + mu^2)
};

// d*d and d*d + mu^2 rounded separately (no fused multiply-add): the reference runs them as two
// tensor ops, and a fused rounding would move g across bin edges.
__device__ inline RegElement reg_element(const RegView& v, int64_t j, float mu2) {
  const float d = v.pred[j] - v.target[j];
  return {d, sqrtf(__fadd_rn(__fmul_rn(d, d), mu2))};
}

__global__ void ghmr_histogram_kernel(RegView v, float mu2, const float* edges, int bins,
                                      int64_t* counts, double* weight_partials) {
  extern __shared__ float shared[];
  const SharedHistogram h = start_histogram(shared, edges, bins);
  double wsum = 0.0;
  for (int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; j < v.n;
       j += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const float w = v.weight[j];
    int slot = bins + 1;
    if (w > 0.0f) {
      wsum += w;
      const RegElement el = reg_element(v, j, mu2);
      slot = ghm_slot(fabsf(el.d / el.s), h.edges, bins);
    }
    warp_count(h.hist, slot);
  }
  finish_histogram(h, bins, counts);
  const double s = block_sum(wsum);
  if (threadIdx.x == 0) weight_partials[blockIdx.x] = s;
}

__global__ void ghmr_loss_kernel(RegView v, float mu, float mu2, const float* edges, int bins,
                                 const float* beta, double* partials) {
  double acc = 0.0;
  for (int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; j < v.n;
       j += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (!(v.weight[j] > 0.0f)) continue;
    const RegElement el = reg_element(v, j, mu2);
    acc += static_cast<double>(beta[ghm_slot(fabsf(el.d / el.s), edges, bins)]) *
           static_cast<double>(el.s - mu);
  }
  const double s = block_sum(acc);
  if (threadIdx.x == 0) partials[blockIdx.x] = s;
}

__global__ void ghmr_grad_kernel(RegView v, float mu2, const float* edges, int bins,
                                 const float* coef, const float* grad_out, float* grad) {
  const float go = grad_out[0];
  for (int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; j < v.n;
       j += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (!(v.weight[j] > 0.0f)) {
      grad[j] = 0.0f;
      continue;
    }
    const RegElement el = reg_element(v, j, mu2);
    const float u = el.d / el.s;
    grad[j] = (coef[ghm_slot(fabsf(u), edges, bins)] * go) * u;
  }
}

}  // namespace

void ghmr_histogram(const RegView& v, float mu2, const float* edges, int bins, int64_t* counts,
                    double* weight_partials, void* stream) {
  const size_t shared = shared_histogram_bytes(bins);
  ghmr_histogram_kernel<<<grid_for(v.n), kThreads, shared, static_cast<cudaStream_t>(stream)>>>(
      v, mu2, edges, bins, counts, weight_partials);
}

void ghmr_loss(const RegView& v, float mu, float mu2, const float* edges, int bins,
               const float* beta, double* partials, void* stream) {
  ghmr_loss_kernel<<<grid_for(v.n), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      v, mu, mu2, edges, bins, beta, partials);
}

void ghmr_grad(const RegView& v, float mu2, const float* edges, int bins, const float* coef,
               const float* grad_out, float* grad, void* stream) {
  ghmr_grad_kernel<<<grid_for(v.n), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      v, mu2, edges, bins, coef, grad_out, grad);
}

}  // namespace ghmdet::loss_kernels::cuda
