// ShardSampler — one process's share of a dataset for sharded evaluation: rank r of W visits
// images r, r + W, r + 2W, ... once, in increasing order (no padding, no shuffling), so the W
// shards together visit every image exactly once and rank 0 can interleave the results back
// into dataset order (engine/distributed/detections_gather.h). num_replicas 1 is
// SequentialSampler.
#pragma once

#include <cstdint>

#include "ghmdet/data/sampler.h"

namespace ghmdet {

class ShardSampler : public Sampler {
 public:
  ShardSampler(int64_t dataset_size, int64_t num_replicas, int64_t rank);
  std::vector<int64_t> indices(int64_t epoch) const override;
  int64_t size() const override { return size_; }

 private:
  int64_t dataset_size_;
  int64_t num_replicas_;
  int64_t rank_;
  int64_t size_;
};

}  // namespace ghmdet
