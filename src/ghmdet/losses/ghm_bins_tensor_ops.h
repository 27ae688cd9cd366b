// Device-agnostic GHM binning with tensor ops (the CUDA path of GHM-C and GHM-R).
//
// slot[j] = k when valid[j] and edges[k] <= g[j] < edges[k+1]; `bins` when valid but in no bin
// (NaN); bins + 1 when not valid. Uses bucketize on the interior edges plus explicit tests of
// the first and last edge, so the float32 comparisons are the reference's exactly.
#pragma once

#include <torch/torch.h>

namespace ghmdet {

struct GhmSlots {
  torch::Tensor slot;    // int64, shaped like g
  torch::Tensor counts;  // int64 [bins]: valid elements per bin
  torch::Tensor valid_count;  // int64 0-dim
};

GhmSlots ghm_slots(const torch::Tensor& g, const torch::Tensor& valid, const torch::Tensor& edges);

}  // namespace ghmdet
