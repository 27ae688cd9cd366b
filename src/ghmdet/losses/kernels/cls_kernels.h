// Fused CPU kernels of the sigmoid classification losses (GHM-C, focal), one ISA variant each.
//
// Each kernel processes a block of rows [row_begin, row_end) of one [rows, cols] float32
// logits matrix; the callers split the rows into fixed-size blocks (independent of the thread
// count) and run the blocks with ghmdet::parallel_for, so results are bit-identical whatever the
// number of threads. Nothing here allocates tensors or touches autograd.
//
// Conventions shared by all kernels:
//   * y: with `labels`, y[r, c] = (c == labels[r]) for labels in [0, cols), all zeros otherwise
//     (never materialised); with `target`, the float32 [rows, cols] values.
//   * valid: weight > 0 (row weight when !weight_per_element, then the row is not read at all).
//   * p = sigmoid(x) from e = exp(-|x|): 1/(1+e) for x >= 0, e/(1+e) otherwise (sigmoid(0) is
//     exactly 0.5); BCE = max(x, 0) - x*y + log1p(e).
//   * GHM bins: g = |p - y| (float32) is in bin k iff edges[k] <= g < edges[k+1]. The edges must
//     be the GHM ones (edges[k] = float(k)/bins for k < bins, any last edge >= 1): the kernel
//     starts from trunc(g*bins) and corrects by one step. Valid elements in no bin (NaN) go to
//     slot `bins`.
#pragma once

#include <cstdint>

namespace ghmdet::loss_kernels {

struct ClsView {
  const float* x = nullptr;        // [rows, cols]
  int64_t rows = 0, cols = 0;
  const int64_t* labels = nullptr;  // [rows], or nullptr when `target` is given
  const float* target = nullptr;    // [rows, cols], or nullptr when `labels` is given
  const float* weight = nullptr;    // [rows] or [rows, cols]
  bool weight_per_element = false;
};

struct FocalParams {
  float gamma = 2.0f;
  float alpha = 0.25f;  // < 0: no alpha weighting (torchvision's alpha = -1)
};

struct ClsKernels {
  const char* isa;
  // counts[k] for k in [0, bins]: number of valid elements in bin k (slot `bins` = valid but in
  // no bin). Overwrites the bins+1 entries.
  void (*ghmc_histogram)(const ClsView& v, int64_t row_begin, int64_t row_end,
                         const float* edges, int bins, int64_t* counts);
  // With the per-bin coefficients known (coef has bins+1 entries, slot `bins` for unbinned
  // elements): returns the block's sum of coef[bin] * BCE over valid elements and, when grad is
  // not null, writes grad = coef[bin] * (p - y) for valid elements and 0 for the others.
  double (*ghmc_loss_grad)(const ClsView& v, int64_t row_begin, int64_t row_end,
                           const float* edges, int bins, const float* coef, float* grad);
  // Sum over the block of weight * FL(x, y).
  double (*focal_sum)(const ClsView& v, int64_t row_begin, int64_t row_end, const FocalParams& p);
  // grad = scale * weight * dFL/dx (0 where weight is 0).
  void (*focal_grad)(const ClsView& v, int64_t row_begin, int64_t row_end, const FocalParams& p,
                     float scale, float* grad);
};

// The fastest variant this CPU runs (AVX-512, AVX2+FMA, or portable).
const ClsKernels& cls_kernels();
// Every variant this CPU runs, fastest first (tests check each against the oracles).
const ClsKernels* const* available_cls_kernels(int* count);

}  // namespace ghmdet::loss_kernels
