// BucketPlan — how the gradients are grouped for the all-reduce (PyTorch DDP's buckets).
//
// Parameters are taken in REVERSE registration order, because backward produces gradients
// roughly from the last layer to the first: the first bucket fills first and can be sent while
// the rest of backward still runs. A bucket closes when adding the next parameter would pass
// `bucket_bytes` (a parameter larger than the limit gets a bucket of its own), or when the
// dtype or device changes (a bucket is one flat tensor).
// Invariants: every parameter index 0..n-1 is in exactly one bucket; buckets are non-empty;
// the plan is a pure function of (sizes, dtypes, devices, bucket_bytes), hence the same on
// every rank — the collectives' order relies on it.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace ghmdet {

struct BucketPlan {
  std::vector<std::vector<size_t>> buckets;  // parameter indices, in fill order
};

// `params`: the parameters in registration order (only their numel, dtype and device matter).
BucketPlan plan_buckets(const std::vector<torch::Tensor>& params, int64_t bucket_bytes);

}  // namespace ghmdet
