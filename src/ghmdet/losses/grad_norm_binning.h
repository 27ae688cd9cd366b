// One parallel CPU pass that bins gradient norms into GradNormHistogram's layout
// (grad_norm_capture.h) and, optionally, into a GHM loss's own bins — what an armed capture
// costs, so it is kept to a read of the elements and a few comparisons each (no temporaries
// of the elements' size, no sort, no log per element).
//
// Bin rules (in double, g converted from float32):
//   linear: k = floor(100 g) for g in [0, 1], g = 1 in the last bin; g outside [0, 1] in none
//   log:    k with 10^(-6 + k/10) <= g < 10^(-6 + (k+1)/10) for g in [1e-6, 1], g = 1 in the
//           last bin (i.e. floor(10 (log10 g + 6)) but for rounding exactly at a threshold);
//           g < 1e-6 (0 included) -> below_log
//   GHM:    k with edges[k] <= g < edges[k+1], the loss's float32 edges compared as it does
// NaN g: counted as valid, binned nowhere (as the losses count it in tot but in no bin).
// Counts are reduced in block order: the result does not depend on the thread count.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "ghmdet/losses/grad_norm_capture.h"
#include "ghmdet/losses/kernels/row_blocks.h"

namespace ghmdet {

struct GradNormCounts {
  GradNormHistogram histogram;
  std::vector<int64_t> ghm_counts;  // [ghm_bins], empty when no GHM edges were given
};

namespace grad_norm_binning {

// Slots of one block's counts: linear, log, below_log, valid, then the GHM bins.
constexpr int64_t kLinear = GradNormBins::kLinear;
constexpr int64_t kLog = GradNormBins::kLog;
constexpr int64_t kBelow = kLinear + kLog;
constexpr int64_t kValid = kBelow + 1;
constexpr int64_t kGhm = kValid + 1;

struct Tables {
  std::array<double, kLog + 1> log_thresholds{};  // 10^(-6 + k/10)
  const float* ghm_edges = nullptr;
  int64_t ghm_bins = 0;
  Tables(const float* edges, int64_t bins) : ghm_edges(edges), ghm_bins(bins) {
    for (int64_t k = 0; k <= kLog; ++k) {
      log_thresholds[k] = std::pow(10.0, GradNormBins::kLogLow +
                                             (GradNormBins::kLogHigh - GradNormBins::kLogLow) * k / kLog);
    }
  }
};

// log2 of a positive normal float to about 1e-4: exponent bits plus a polynomial of the
// mantissa. Only an estimate of the bin; the exact comparison follows.
inline double fast_log2(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  const int e = static_cast<int>((bits >> 23) & 0xff) - 127;
  const uint32_t mbits = (bits & 0x7fffffu) | 0x3f800000u;
  float m;
  std::memcpy(&m, &mbits, sizeof m);
  const float p = -1.7417939f + (2.8212026f + (-1.4699568f + (0.44717955f - 0.056570851f * m) * m) * m) * m;
  return static_cast<double>(e) + static_cast<double>(p);
}

// Branches that depend on the value are avoided where the data is random (a mispredicted
// branch costs more than the arithmetic): bins are computed, then checked against the exact
// thresholds, which is almost never off by one.
inline void add(float gf, const Tables& t, int64_t* c) {
  ++c[kValid];
  if (std::isnan(gf)) return;
  const double g = gf;
  if (g >= 0 && g <= 1) ++c[std::min<int64_t>(kLinear - 1, static_cast<int64_t>(g * kLinear))];
  if (!(g >= t.log_thresholds[0])) {
    ++c[kBelow];
  } else if (g <= 1) {
    constexpr double kPerDecade = kLog / (GradNormBins::kLogHigh - GradNormBins::kLogLow);
    const double lg = (fast_log2(gf) * 0.30102999566398120 - GradNormBins::kLogLow) * kPerDecade;
    int64_t k = std::clamp<int64_t>(static_cast<int64_t>(lg), 0, kLog - 1);
    if (k > 0 && g < t.log_thresholds[k]) --k;
    else if (k < kLog - 1 && g >= t.log_thresholds[k + 1]) ++k;
    ++c[kLinear + k];
  }
  if (t.ghm_bins > 0) {
    // The loss's own float32 edges decide (its bins are not exactly k / bins: GHM-C's last edge
    // is 1 + 1e-6, GHM-R's 1000); the estimate is off by at most one near an edge.
    const float* e = t.ghm_edges;
    const int64_t n = t.ghm_bins;
    int64_t k = std::clamp<int64_t>(static_cast<int64_t>(gf * static_cast<float>(n)), 0, n - 1);
    while (k > 0 && gf < e[k]) --k;
    while (k < n - 1 && gf >= e[k + 1]) ++k;
    if (gf >= e[k] && gf < e[k + 1]) ++c[kGhm + k];
  }
}

}  // namespace grad_norm_binning

// element(row, col, counts_add) is called for every row of [rows, cols] in parallel blocks;
// it calls add(g) for each valid element of the row, e.g.
//   bin_grad_norms(n, c, edges, bins, [&](int64_t i, auto&& add) { ... add(g); });
template <class RowFn>
GradNormCounts bin_grad_norms(int64_t rows, int64_t cols, const float* ghm_edges, int64_t ghm_bins, RowFn&& row) {
  namespace b = grad_norm_binning;
  const b::Tables tables(ghm_edges, ghm_bins);
  const int64_t slots = b::kGhm + ghm_bins;
  const loss_kernels::RowBlocks blocks(rows, cols);
  std::vector<int64_t> counts(static_cast<size_t>(blocks.count * slots), 0);
  blocks.parallel([&](int64_t blk, int64_t r0, int64_t r1) {
    int64_t* c = &counts[static_cast<size_t>(blk * slots)];
    const auto add = [&](float g) { b::add(g, tables, c); };
    for (int64_t i = r0; i < r1; ++i) row(i, add);
  });
  GradNormCounts out;
  out.histogram.linear.assign(b::kLinear, 0);
  out.histogram.log.assign(b::kLog, 0);
  out.ghm_counts.assign(static_cast<size_t>(ghm_bins), 0);
  for (int64_t blk = 0; blk < blocks.count; ++blk) {
    const int64_t* c = &counts[static_cast<size_t>(blk * slots)];
    for (int64_t k = 0; k < b::kLinear; ++k) out.histogram.linear[k] += c[k];
    for (int64_t k = 0; k < b::kLog; ++k) out.histogram.log[k] += c[b::kLinear + k];
    out.histogram.below_log += c[b::kBelow];
    out.histogram.valid += c[b::kValid];
    for (int64_t k = 0; k < ghm_bins; ++k) out.ghm_counts[k] += c[b::kGhm + k];
  }
  return out;
}

}  // namespace ghmdet
