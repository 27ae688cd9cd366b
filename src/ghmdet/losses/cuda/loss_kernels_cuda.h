// CUDA kernels of GHM-C, GHM-R and the sigmoid focal loss: the launchers, callable from host code
// compiled without nvcc (no torch or CUDA types here; `stream` is a cudaStream_t).
//
// Same conventions as the CPU kernels (kernels/cls_kernels.h): y from labels (never materialised)
// or a dense target; valid = weight > 0 (the row weight when it is per row); p = sigmoid(x) from
// e = exp(-|x|); g = |p - y| for GHM-C and |d| / sqrt(d^2 + mu^2) for GHM-R, in bin k iff
// edges[k] <= g < edges[k+1], slot `bins` for valid elements in no bin (NaN).
//
// Every pointer is device memory on the stream's device. Nothing here synchronises with the host
// or allocates: the caller passes zeroed counters and scratch of reduction_blocks(n) doubles.
// Deterministic: counts are integers; float sums are per-thread sums over a fixed grid-stride
// assignment of elements (the grid size depends only on n), reduced by fixed trees.
#pragma once

#include <cstdint>

#include "ghmdet/losses/kernels/cls_kernels.h"

namespace ghmdet::loss_kernels::cuda {

// The element-wise GHM-R inputs: pred, target, weight, all float32 [n].
struct RegView {
  const float* pred = nullptr;
  const float* target = nullptr;
  const float* weight = nullptr;
  int64_t n = 0;
};

// Number of partial sums (blocks) a reduction over n elements writes.
int reduction_blocks(int64_t n);

// out[0] = sum of partials[0..count) in a fixed order (count <= reduction_blocks(any n)).
void finish_sum(const double* partials, int count, double* out, void* stream);

// counts: int64 [bins + 1], zeroed; adds the valid elements per slot.
void ghmc_histogram(const ClsView& v, const float* edges, int bins, int64_t* counts, void* stream);
// partials[b] = block b's sum of coef[slot] * BCE over valid elements (coef: bins + 1 floats).
void ghmc_loss(const ClsView& v, const float* edges, int bins, const float* coef,
               double* partials, void* stream);
// grad = (coef[slot] * (p - y)) * grad_out[0] for valid elements, 0 elsewhere.
void ghmc_grad(const ClsView& v, const float* edges, int bins, const float* coef,
               const float* grad_out, float* grad, void* stream);

// counts as ghmc_histogram; weight_partials[b] = block b's sum of the valid weights.
void ghmr_histogram(const RegView& v, float mu2, const float* edges, int bins, int64_t* counts,
                    double* weight_partials, void* stream);
// partials[b] = block b's sum of double(beta[slot]) * (sqrt(d^2 + mu^2) - mu) over valid elements.
void ghmr_loss(const RegView& v, float mu, float mu2, const float* edges, int bins,
               const float* beta, double* partials, void* stream);
// grad = (coef[slot] * grad_out[0]) * d / sqrt(d^2 + mu^2) for valid elements, 0 elsewhere.
void ghmr_grad(const RegView& v, float mu2, const float* edges, int bins, const float* coef,
               const float* grad_out, float* grad, void* stream);

// partials[b] = block b's sum of weight * FL(x, y).
void focal_loss(const ClsView& v, const FocalParams& p, double* partials, void* stream);
// grad = (scale * grad_out[0]) * weight * dFL/dx (0 where invalid; |grad| < FLT_MIN written 0).
void focal_grad(const ClsView& v, const FocalParams& p, float scale, const float* grad_out,
                float* grad, void* stream);

}  // namespace ghmdet::loss_kernels::cuda
