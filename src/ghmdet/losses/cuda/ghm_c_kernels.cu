// GHM-C on CUDA (loss_kernels_cuda.h): histogram, loss sum and analytic gradient.
#include <cuda_runtime.h>

#include "ghmdet/losses/cuda/element_math.cuh"
#include "ghmdet/losses/cuda/loss_kernels_cuda.h"

namespace ghmdet::loss_kernels::cuda {
namespace {

__global__ void ghmc_histogram_kernel(ClsView v, const float* edges, int bins, int64_t* counts) {
  extern __shared__ float shared[];
  const SharedHistogram h = start_histogram(shared, edges, bins);
  const int64_t n = v.rows * v.cols;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const ClsElement el = cls_element(v, i);
    const LogitTerms t = logit_terms(el.x);
    warp_count(h.hist, el.valid ? ghm_slot(fabsf(t.p - el.y), h.edges, bins) : bins + 1);
  }
  finish_histogram(h, bins, counts);
}

__global__ void ghmc_loss_kernel(ClsView v, const float* edges, int bins, const float* coef,
                                 double* partials) {
  const int64_t n = v.rows * v.cols;
  double acc = 0.0;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const ClsElement el = cls_element(v, i);
    if (!el.valid) continue;
    const LogitTerms t = logit_terms(el.x);
    const float c = coef[ghm_slot(fabsf(t.p - el.y), edges, bins)];
    // c * bce even when c = 0: an unbinned NaN element must make the sum NaN.
    acc += static_cast<double>(c * bce(el.x, el.y, t.e));
  }
  const double s = block_sum(acc);
  if (threadIdx.x == 0) partials[blockIdx.x] = s;
}

__global__ void ghmc_grad_kernel(ClsView v, const float* edges, int bins, const float* coef,
                                 const float* grad_out, float* grad) {
  const int64_t n = v.rows * v.cols;
  const float go = grad_out[0];
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const ClsElement el = cls_element(v, i);
    if (!el.valid) {
      grad[i] = 0.0f;
      continue;
    }
    const LogitTerms t = logit_terms(el.x);
    const float d = t.p - el.y;
    grad[i] = (coef[ghm_slot(fabsf(d), edges, bins)] * d) * go;
  }
}

}  // namespace

void ghmc_histogram(const ClsView& v, const float* edges, int bins, int64_t* counts, void* stream) {
  const size_t shared = shared_histogram_bytes(bins);
  ghmc_histogram_kernel<<<grid_for(v.rows * v.cols), kThreads, shared,
                          static_cast<cudaStream_t>(stream)>>>(v, edges, bins, counts);
}

void ghmc_loss(const ClsView& v, const float* edges, int bins, const float* coef,
               double* partials, void* stream) {
  ghmc_loss_kernel<<<grid_for(v.rows * v.cols), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      v, edges, bins, coef, partials);
}

void ghmc_grad(const ClsView& v, const float* edges, int bins, const float* coef,
               const float* grad_out, float* grad, void* stream) {
  ghmc_grad_kernel<<<grid_for(v.rows * v.cols), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      v, edges, bins, coef, grad_out, grad);
}

}  // namespace ghmdet::loss_kernels::cuda
