// GhmStatsReducer — an optional, process-wide hook that turns one GHM call's local histogram
// into a global one before the bin weights are computed (multi-process training's
// `dist_params.ghm_stats: all_reduce`).
//
// Every GHM-C / GHM-R path (fused CPU kernels and tensor ops alike) computes its weights in
// ghm_bin_weights(counts, tot, acc_sum, momentum); that one function calls the installed reducer
// with the call's `counts` (int64 [bins]) and `tot` (0-dim: a count, or GHM-R's weight sum) and
// uses what it returns. The reducer of engine/distributed sums both over the ranks, so:
//   * every rank sees the same histogram, and with momentum every rank's acc_sum stays equal
//     (the checkpoint, which stores rank 0's copy, is then exact for every rank);
//   * beta_k = tot_global / (count_global_k * n); the loss kernels still divide by their LOCAL
//     tot, so a rank's loss keeps the per-rank scale, and the average over ranks of the
//     gradients equals the gradient of one process that bins the whole global batch (when
//     every rank has the same tot, e.g. the same image sizes).
// Invariants: the reducer must return tensors of the same dtype, shape and device as it was
// given; every rank must make the same sequence of GHM calls (same model, same levels), since
// each call is one collective. Unset (the default, as the reference): each rank keeps its own
// statistics. Installing is not thread-safe: install before training starts, remove after.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <utility>

namespace ghmdet {

using GhmStatsReducer =
    std::function<std::pair<torch::Tensor, torch::Tensor>(const torch::Tensor& counts,
                                                          const torch::Tensor& tot)>;

namespace detail {
// Header-only on purpose: layers above (engine) install it without linking the losses objects.
inline GhmStatsReducer& installed_ghm_stats_reducer() {
  static GhmStatsReducer reducer;
  return reducer;
}
}  // namespace detail

// The installed reducer, or nullptr.
inline const GhmStatsReducer* ghm_stats_reducer() {
  const GhmStatsReducer& r = detail::installed_ghm_stats_reducer();
  return r ? &r : nullptr;
}

// Installs `reducer` for the lifetime of the scope; the previous one comes back afterwards.
class GhmStatsReducerScope {
 public:
  explicit GhmStatsReducerScope(GhmStatsReducer reducer)
      : previous_(std::move(detail::installed_ghm_stats_reducer())) {
    detail::installed_ghm_stats_reducer() = std::move(reducer);
  }
  ~GhmStatsReducerScope() { detail::installed_ghm_stats_reducer() = std::move(previous_); }
  GhmStatsReducerScope(const GhmStatsReducerScope&) = delete;
  GhmStatsReducerScope& operator=(const GhmStatsReducerScope&) = delete;

 private:
  GhmStatsReducer previous_;
};

}  // namespace ghmdet
