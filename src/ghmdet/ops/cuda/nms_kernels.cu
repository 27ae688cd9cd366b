// CUDA non-maximum suppression (nms_kernels.h).
#include <cuda_runtime.h>

#include "ghmdet/ops/cuda/nms_kernels.h"

namespace ghmdet::nms_kernels::cuda {
namespace {

constexpr int kBlock = 64;           // boxes per mask word (and threads per mask block)
constexpr int kSelectThreads = 256;  // threads of the single selecting block

__device__ inline int64_t words_of(int64_t n) { return (n + kBlock - 1) / kBlock; }  // mask_words

// The CPU kernel's IoU, operation by operation: w = max(0, min(x2) - max(x1) + offset), ...
__device__ inline float iou(const float* a, const float* b, float offset) {
  const float w = fmaxf(0.0f, __fadd_rn(__fsub_rn(fminf(a[2], b[2]), fmaxf(a[0], b[0])), offset));
  const float h = fmaxf(0.0f, __fadd_rn(__fsub_rn(fminf(a[3], b[3]), fmaxf(a[1], b[1])), offset));
  const float inter = __fmul_rn(w, h);
  const float area_a = __fmul_rn(__fadd_rn(__fsub_rn(a[2], a[0]), offset), __fadd_rn(__fsub_rn(a[3], a[1]), offset));
  const float area_b = __fmul_rn(__fadd_rn(__fsub_rn(b[2], b[0]), offset), __fadd_rn(__fsub_rn(b[3], b[1]), offset));
  return __fdiv_rn(inter, __fsub_rn(__fadd_rn(area_a, area_b), inter));
}

// Block (row_block, col_block): thread t is box i = row_block * 64 + t; bit k of its word says
// that i suppresses j = col_block * 64 + k (j > i).
__global__ void nms_mask_kernel(const float* boxes, const int64_t* idxs, int64_t n, double thr,
                                bool suppress_equal, float offset, uint64_t* mask) {
  const int64_t row_block = blockIdx.y, col_block = blockIdx.x;
  if (col_block < row_block) return;
  const int64_t words = words_of(n);
  __shared__ float cols[kBlock * 4];
  __shared__ int64_t col_idx[kBlock];
  const int64_t col_start = col_block * kBlock;
  const int col_count = static_cast<int>(n - col_start < kBlock ? n - col_start : kBlock);
  if (threadIdx.x < col_count) {
    for (int c = 0; c < 4; ++c) cols[threadIdx.x * 4 + c] = boxes[(col_start + threadIdx.x) * 4 + c];
    col_idx[threadIdx.x] = idxs ? idxs[col_start + threadIdx.x] : 0;
  }
  __syncthreads();
  const int64_t i = row_block * kBlock + threadIdx.x;
  if (i >= n) return;
  float box[4];
  for (int c = 0; c < 4; ++c) box[c] = boxes[i * 4 + c];
  const int64_t cls = idxs ? idxs[i] : 0;
  uint64_t bits = 0;
  for (int k = 0; k < col_count; ++k) {
    const int64_t j = col_start + k;
    if (j <= i || col_idx[k] != cls) continue;
    const double v = static_cast<double>(iou(box, &cols[k * 4], offset));
    if (suppress_equal ? v >= thr : v > thr) bits |= uint64_t{1} << k;
  }
  mask[i * words + col_block] = bits;
}

// One block: the greedy pass over the sorted boxes, the suppressed set in shared memory.
__global__ void nms_select_kernel(const uint64_t* mask, int64_t n, int64_t* keep, int64_t* count) {
  extern __shared__ uint64_t removed[];
  const int64_t words = words_of(n);
  for (int64_t w = threadIdx.x; w < words; w += blockDim.x) removed[w] = 0;
  __syncthreads();
  int64_t kept = 0;  // the same in every thread
  for (int64_t i = 0; i < n; ++i) {
    const bool gone = (removed[i / kBlock] >> (i % kBlock)) & 1;
    __syncthreads();  // every thread has read `removed` before anyone changes it
    if (gone) continue;
    if (threadIdx.x == 0) keep[kept] = i;
    ++kept;
    const uint64_t* row = mask + i * words;
    for (int64_t w = i / kBlock + threadIdx.x; w < words; w += blockDim.x) removed[w] |= row[w];
    __syncthreads();
  }
  if (threadIdx.x == 0) count[0] = kept;
}

}  // namespace

void nms_mask(const float* boxes, const int64_t* idxs, int64_t n, double iou_threshold,
              bool suppress_equal, float pixel_offset, uint64_t* mask, void* stream) {
  if (n == 0) return;
  const dim3 grid(static_cast<unsigned>(mask_words(n)), static_cast<unsigned>(mask_words(n)));
  nms_mask_kernel<<<grid, kBlock, 0, static_cast<cudaStream_t>(stream)>>>(
      boxes, idxs, n, iou_threshold, suppress_equal, pixel_offset, mask);
}

void nms_select(const uint64_t* mask, int64_t n, int64_t* keep, int64_t* count, void* stream) {
  nms_select_kernel<<<1, kSelectThreads, sizeof(uint64_t) * mask_words(n),
                      static_cast<cudaStream_t>(stream)>>>(mask, n, keep, count);
}

}  // namespace ghmdet::nms_kernels::cuda
