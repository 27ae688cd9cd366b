// The sigmoid focal loss on CUDA (loss_kernels_cuda.h): loss sum and analytic gradient.
#include <cuda_runtime.h>

#include "ghmdet/losses/cuda/element_math.cuh"
#include "ghmdet/losses/cuda/loss_kernels_cuda.h"

namespace ghmdet::loss_kernels::cuda {
namespace {

constexpr float kFltMin = 1.17549435e-38f;  // smallest normal float

// q^gamma for q in [0, 1]: integer gammas up to 4 by multiplication (0^0 = 1, as torch.pow),
// others through exp and log (0 at q = 0).
__device__ inline float pow_gamma(float q, float gamma) {
  const int ig = static_cast<int>(gamma);
  if (static_cast<float>(ig) == gamma && ig >= 0 && ig <= 4) {
    float r = 1.0f;
    for (int k = 0; k < ig; ++k) r *= q;
    return r;
  }
  return q > 0.0f ? expf(gamma * logf(q)) : 0.0f;
}

struct FocalTerms {
  LogitTerms t;
  float q, qg, alpha_t, bce;
};

__device__ inline FocalTerms focal_terms(float x, float y, const FocalParams& p) {
  FocalTerms f;
  f.t = logit_terms(x);
  f.q = f.t.p * (1.0f - y) + f.t.omp * y;  // 1 - p_t, from p and 1 - p so neither cancels
  f.qg = pow_gamma(f.q, p.gamma);
  f.alpha_t = p.alpha >= 0.0f ? p.alpha * y + (1.0f - p.alpha) * (1.0f - y) : 1.0f;
  f.bce = bce(x, y, f.t.e);
  return f;
}

__global__ void focal_loss_kernel(ClsView v, FocalParams p, double* partials) {
  const int64_t n = v.rows * v.cols;
  double acc = 0.0;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const ClsElement el = cls_element(v, i);
    if (!el.valid) continue;
    const FocalTerms f = focal_terms(el.x, el.y, p);
    acc += static_cast<double>(el.w * f.alpha_t * f.qg * f.bce);
  }
  const double s = block_sum(acc);
  if (threadIdx.x == 0) partials[blockIdx.x] = s;
}

__global__ void focal_grad_kernel(ClsView v, FocalParams p, float scale, const float* grad_out,
                                  float* grad) {
  const int64_t n = v.rows * v.cols;
  const float s = scale * grad_out[0];
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const ClsElement el = cls_element(v, i);
    if (!el.valid) {
      grad[i] = 0.0f;
      continue;
    }
    const FocalTerms f = focal_terms(el.x, el.y, p);
    // d/dx [alpha_t q^g BCE] = alpha_t (q^g (p - y) + g q^(g-1) dq/dx BCE),
    // dq/dx = (1 - 2y) p (1 - p); q^(g-1) taken as q^g / q (0 at q = 0).
    const float qgm1 = f.q > 0.0f ? f.qg / f.q : 0.0f;
    const float dq = (1.0f - 2.0f * el.y) * f.t.p * f.t.omp;
    const float d = f.alpha_t * (f.qg * (f.t.p - el.y) + p.gamma * qgm1 * dq * f.bce);
    const float g = s * el.w * d;
    // Below FLT_MIN (confident logits) written as 0, not as a subnormal that slows later ops.
    grad[i] = fabsf(g) < kFltMin ? 0.0f : g;
  }
}

}  // namespace

void focal_loss(const ClsView& v, const FocalParams& p, double* partials, void* stream) {
  focal_loss_kernel<<<grid_for(v.rows * v.cols), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      v, p, partials);
}

void focal_grad(const ClsView& v, const FocalParams& p, float scale, const float* grad_out,
                float* grad, void* stream) {
  focal_grad_kernel<<<grid_for(v.rows * v.cols), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      v, p, scale, grad_out, grad);
}

}  // namespace ghmdet::loss_kernels::cuda
