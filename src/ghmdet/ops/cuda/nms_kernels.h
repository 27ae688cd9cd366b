// The CUDA kernels of non-maximum suppression (ops/nms.h), callable from host code compiled
// without nvcc (`stream` is a cudaStream_t; every pointer is device memory).
//
// Boxes come sorted by score (descending). nms_mask writes, for every box i and every block of 64
// boxes, the bits of the later boxes j > i that i suppresses (same class when idxs is given; IoU
// > threshold, or >= with suppress_equal; the CPU kernel's float arithmetic, unfused, so the
// decisions are the same). nms_select walks the boxes in order on one block, as the greedy CPU
// loop does, and writes the kept positions and their count: no host round trip in between.
#pragma once

#include <cstdint>

namespace ghmdet::nms_kernels::cuda {

// Number of 64-bit words per mask row.
inline int64_t mask_words(int64_t n) { return (n + 63) / 64; }

void nms_mask(const float* boxes, const int64_t* idxs, int64_t n, double iou_threshold,
              bool suppress_equal, float pixel_offset, uint64_t* mask, void* stream);

// The largest n nms_select takes (its suppressed set lives in 48 KB of shared memory).
constexpr int64_t kMaxSelectBoxes = 64 * 6144;

// keep: int64 [n] (the first *count are the kept positions, ascending); count: int64 [1].
void nms_select(const uint64_t* mask, int64_t n, int64_t* keep, int64_t* count, void* stream);

}  // namespace ghmdet::nms_kernels::cuda
