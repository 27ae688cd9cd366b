#include "ghmdet/data/shard_sampler.h"

#include <string>

#include "ghmdet/core/error.h"

namespace ghmdet {

ShardSampler::ShardSampler(int64_t dataset_size, int64_t num_replicas, int64_t rank)
    : dataset_size_(dataset_size), num_replicas_(num_replicas), rank_(rank) {
  if (num_replicas < 1 || rank < 0 || rank >= num_replicas) {
    throw Error("sampler: rank " + std::to_string(rank) + " out of range for world size " +
                std::to_string(num_replicas));
  }
  if (dataset_size < 0) throw Error("sampler: negative dataset size");
  size_ = dataset_size > rank ? (dataset_size - rank + num_replicas - 1) / num_replicas : 0;
}

std::vector<int64_t> ShardSampler::indices(int64_t) const {
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(size_));
  for (int64_t i = rank_; i < dataset_size_; i += num_replicas_) out.push_back(i);
  return out;
}

}  // namespace ghmdet
