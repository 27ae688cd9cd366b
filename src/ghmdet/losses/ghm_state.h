// GHM bin state shared by GHM-C and GHM-R: the bin edges and the EMA of the bin counts.
//
// Reference semantics (mmdetection v2 buffers, float32 arithmetic as its tensors do it):
//   edges[k] = float(k) / float(bins) for k < bins; edges[bins] = the loss's last edge
//   (1 + 1e-6 in float32 for GHM-C, 1000 for GHM-R).
//   For every NON-EMPTY bin k (count c_k > 0), in one go:
//     momentum > 0: A_k <- fl32(fl32(m) * A_k) + fl32((1 - m) * c_k)  (the second product in
//                   double), w_k = fl32(1 / A_k) * fl32(tot)  — the updated A is used at once;
//     momentum = 0: w_k = fl32(tot / c_k) in double.
//   Empty bins keep their A_k and get w_k = 0. n = number of non-empty bins,
//   beta_k = w_k / n (float32), 0 everywhere when n = 0.
// Everything is tensor ops on the counts' device: no host synchronisation.
// When a GhmStatsReducer is installed (ghm_stats_reducer.h), counts and tot are first replaced
// by what it returns (multi-process training: the sums over the ranks).
#pragma once

#include <torch/torch.h>

namespace ghmdet {

// float32 [bins + 1] on the CPU.
torch::Tensor ghm_edges(int64_t bins, float last_edge);

// counts: int64 [bins] per-bin counts of valid elements; tot: 0-dim (count or weight sum,
// already clamped to >= 1); acc_sum: float32 [bins] EMA state, updated in place (ignored and
// may be undefined when momentum == 0). Returns beta, float32 [bins], on counts' device.
torch::Tensor ghm_bin_weights(const torch::Tensor& counts, const torch::Tensor& tot,
                              const torch::Tensor& acc_sum, double momentum);

}  // namespace ghmdet
