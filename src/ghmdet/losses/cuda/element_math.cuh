// Device-side pieces shared by the loss kernels (loss_kernels_cuda.h): reading one element of a
// classification view, the logit terms, the GHM slot, and the fixed-order block reduction.
// The per-element functions also compile as plain C++ (GHMDET_HD), so that their logic is tested
// on the CPU in every build (tests/losses/test_cuda_element_math.cpp); the reductions need CUDA.
#pragma once

#include <cmath>
#include <cstdint>

#include <math.h>

#ifdef __CUDACC__
#define GHMDET_HD __device__ inline
#define GHMDET_HOST_DEVICE __host__ __device__ inline
#else
#define GHMDET_HD inline
#define GHMDET_HOST_DEVICE inline
// Round-to-nearest float operations, as CUDA's intrinsics (x86-64 C++ does not fuse these).
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
#endif

#include "ghmdet/losses/kernels/cls_kernels.h"

namespace ghmdet::loss_kernels::cuda {

constexpr int kThreads = 256;    // threads per block of every element-wise kernel
constexpr int kMaxBlocks = 1024;  // grid size cap; also the finishing reduction's block size

GHMDET_HOST_DEVICE int grid_for(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<int>(blocks < 1 ? 1 : (blocks > kMaxBlocks ? kMaxBlocks : blocks));
}

// One element of a classification view: x, y, its weight and whether it counts.
struct ClsElement {
  float x, y, w;
  bool valid;
};

GHMDET_HD ClsElement cls_element(const ClsView& v, int64_t i) {
  const int64_t r = i / v.cols;
  const int64_t c = i - r * v.cols;
  ClsElement e;
  e.w = v.weight_per_element ? v.weight[i] : v.weight[r];
  e.valid = e.w > 0.0f;
  e.x = v.x[i];
  e.y = v.labels ? (v.labels[r] == c ? 1.0f : 0.0f) : v.target[i];
  return e;
}

struct LogitTerms {
  float e, p, omp;  // exp(-|x|), sigmoid(x), 1 - sigmoid(x) without cancellation
};

GHMDET_HD LogitTerms logit_terms(float x) {
  LogitTerms t;
  t.e = expf(-fabsf(x));
  const float den = 1.0f + t.e;
  t.p = (x >= 0.0f ? 1.0f : t.e) / den;
  t.omp = (x >= 0.0f ? t.e : 1.0f) / den;
  return t;
}

// BCE(x, y) = max(x, 0) - x*y + log1p(exp(-|x|)), the products and sums rounded one by one.
GHMDET_HD float bce(float x, float y, float e) {
  return __fadd_rn(__fsub_rn(fmaxf(x, 0.0f), __fmul_rn(x, y)), log1pf(e));
}

// The GHM slot of g: k with edges[k] <= g < edges[k+1]; `bins` when in none (NaN, out of range).
// The edges are GHM's (edges[k] = k / bins below the last): start at trunc(g * bins), one step
// corrects the rounding.
GHMDET_HD int ghm_slot(float g, const float* edges, int bins) {
  if (!(g >= edges[0] && g < edges[bins])) return bins;
  int k = static_cast<int>(g * static_cast<float>(bins));
  k = k < 0 ? 0 : (k > bins - 1 ? bins - 1 : k);
  if (g < edges[k]) {
    --k;
  } else if (g >= edges[k + 1]) {
    ++k;
  }
  return k;
}

#ifdef __CUDACC__
// Sum of v over the block (blockDim.x == kThreads), in a fixed tree order; valid in thread 0.
__device__ inline double block_sum(double v) {
  __shared__ double s[kThreads];
  s[threadIdx.x] = v;
  __syncthreads();
  for (int stride = kThreads / 2; stride > 0; stride >>= 1) {
    if (static_cast<int>(threadIdx.x) < stride) s[threadIdx.x] += s[threadIdx.x + stride];
    __syncthreads();
  }
  return s[0];
}

// Adds one to hist[slot] for every thread of the warp that calls it, one shared-memory atomic per
// distinct slot (the crowded first bin would otherwise serialise the warp).
__device__ inline void warp_count(unsigned int* hist, int slot) {
  const unsigned int same = __match_any_sync(__activemask(), slot);
  if ((threadIdx.x & 31) == __ffs(same) - 1) atomicAdd(&hist[slot], __popc(same));
}

// A GHM histogram kernel's dynamic shared memory (shared_histogram_bytes(bins)): the bins + 1
// edges, then bins + 2 counters (slot bins + 1 for invalid elements, never added to `counts`).
struct SharedHistogram {
  float* edges;
  unsigned int* hist;
};

inline size_t shared_histogram_bytes(int bins) {
  return sizeof(float) * (bins + 1) + sizeof(unsigned int) * (bins + 2);
}

// Loads the edges and zeroes the counters; returns after the block has synchronised.
__device__ inline SharedHistogram start_histogram(float* shared, const float* edges, int bins) {
  SharedHistogram h{shared, reinterpret_cast<unsigned int*>(shared + bins + 1)};
  for (int k = threadIdx.x; k <= bins; k += blockDim.x) h.edges[k] = edges[k];
  for (int k = threadIdx.x; k < bins + 2; k += blockDim.x) h.hist[k] = 0;
  __syncthreads();
  return h;
}

// Adds the block's counts of slots 0..bins to the global int64 `counts` (bins + 1 of them).
__device__ inline void finish_histogram(const SharedHistogram& h, int bins, int64_t* counts) {
  __syncthreads();
  for (int k = threadIdx.x; k <= bins; k += blockDim.x) {
    if (h.hist[k] != 0) {
      atomicAdd(reinterpret_cast<unsigned long long*>(&counts[k]),
                static_cast<unsigned long long>(h.hist[k]));
    }
  }
}
#endif  // __CUDACC__

}  // namespace ghmdet::loss_kernels::cuda
