// GradNormCapture — an opt-in recorder of the gradient-norm distribution that a loss sees, so
// the GHM paper's central figure (fraction of examples vs gradient norm) can be drawn from a
// real training run.
//
// A loss module holds a (shared) pointer to one capture, null by default. While the capture is
// armed, every forward call appends one GradNormCallStats, in call order; while it is disarmed
// (or absent) the loss does exactly what it did before, with no extra work and no host
// synchronisation. Arming costs one histogram pass and a few host reads per call, so it is
// meant for one iteration in many (engine/ghm_stats_hook.h arms it every N iterations).
//
// Gradient norms, per element (detached, float32; only valid elements, weight > 0, counted):
//   GHMC, FocalLoss:   g = |sigmoid(x) - y|                        (GHM-C's g, in [0, 1])
//   GHMR:              g = |d| / sqrt(d^2 + mu^2), d = pred - target (GHM-R's g, in [0, 1))
//   SmoothL1Loss:      g = min(|d| / beta, 1)   (|d(SL1)/dd|; 1 when beta = 0)
// Every call's record holds two histograms of g (the bin layout below, fixed so that records
// from different runs overlay), and, for GHM losses, the loss's own bins: their counts, the
// weights beta_k it applies in that call (ghm_state.h: tot / (acc_sum_k * n) with momentum,
// tot / (count_k * n) without) and the EMA state acc_sum after the call.
//
// Not thread safe: one capture per training process, losses called sequentially (as the heads
// do, level after level).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ghmdet {

// The fixed histogram layout of every record.
struct GradNormBins {
  static constexpr int64_t kLinear = 100;      // [0, 1] in steps of 0.01; g = 1 in the last bin
  static constexpr int64_t kLog = 60;          // log10 g in [-6, 0], 10 bins per decade
  static constexpr double kLogLow = -6.0;      // g < 1e-6 are counted in `below_log`
  static constexpr double kLogHigh = 0.0;
};

// One histogram of g over valid elements (the layout above).
struct GradNormHistogram {
  std::vector<int64_t> linear;  // [kLinear]
  std::vector<int64_t> log;     // [kLog]
  int64_t below_log = 0;        // valid g < 10^kLogLow (includes g = 0)
  int64_t valid = 0;            // valid elements; NaN g are counted here but in no bin
};

// Histogram of g where valid (same shape, bool), on any device (copied to the host to bin).
GradNormHistogram grad_norm_histogram(const torch::Tensor& g, const torch::Tensor& valid);

struct GradNormCallStats {
  std::string loss;     // "GHMC", "GHMR", "FocalLoss", "SmoothL1Loss"
  std::string role;     // "cls" or "reg"
  GradNormHistogram histogram;
  // GHM losses only (empty otherwise): the loss's bins as used in this call.
  std::vector<double> ghm_edges;    // [bins + 1]
  std::vector<int64_t> ghm_counts;  // [bins] valid elements per bin
  std::vector<double> ghm_beta;     // [bins] the weight of an element in bin k (0 for empty bins)
  std::vector<double> ghm_acc_sum;  // [bins] EMA after the call (empty when momentum = 0)
  double ghm_tot = 0;               // tot of the call (count or weight sum, at least 1)
  double seconds = 0;               // wall time spent recording this call (the capture's cost)
};

class GradNormCapture {
 public:
  bool armed() const { return armed_; }
  void arm() { armed_ = true; }
  void disarm() { armed_ = false; }
  void add(GradNormCallStats stats) { records_.push_back(std::move(stats)); }
  // The records since the last take, in call order; leaves the capture empty (still armed or not).
  std::vector<GradNormCallStats> take() { return std::exchange(records_, {}); }

 private:
  bool armed_ = false;
  std::vector<GradNormCallStats> records_;
};

}  // namespace ghmdet
