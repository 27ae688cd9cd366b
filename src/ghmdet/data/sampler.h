// Samplers — the order in which one process visits a dataset in one epoch.
//
// GroupSampler follows mmdetection v1's DistributedGroupSampler (spec 5.2), and is also the
// single-process sampler (num_replicas 1, rank 0): per epoch a torch CPU generator seeded with
// seed + epoch shuffles each aspect group (torch::randperm), pads it by repeating its head to a
// multiple of samples_per_gpu × num_replicas, concatenates the groups (0 then 1), shuffles the
// chunks of samples_per_gpu, and rank r takes the r-th contiguous slice. Every chunk of
// samples_per_gpu is one orientation; the result is a pure function of (seed, epoch), the same
// on every rank. With seed 0 it draws the reference's exact permutations (same libtorch RNG).
// SequentialSampler visits 0..N-1 once (testing).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ghmdet/data/dataset.h"

namespace ghmdet {

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::vector<int64_t> indices(int64_t epoch) const = 0;
  virtual int64_t size() const = 0;  // indices(e).size() for every e
};

struct GroupSamplerOptions {
  int64_t samples_per_gpu = 2;
  int64_t num_replicas = 1;
  int64_t rank = 0;
  uint64_t seed = 0;
};

class GroupSampler : public Sampler {
 public:
  // groups[i] in {0, 1}: the aspect group of dataset image i.
  GroupSampler(std::vector<int> groups, GroupSamplerOptions options);
  GroupSampler(const Dataset& dataset, GroupSamplerOptions options);
  std::vector<int64_t> indices(int64_t epoch) const override;
  int64_t size() const override { return num_samples_; }

 private:
  std::vector<int> groups_;
  std::array<int64_t, 2> group_sizes_{0, 0};
  GroupSamplerOptions options_;
  int64_t num_samples_ = 0;  // per replica
};

class SequentialSampler : public Sampler {
 public:
  explicit SequentialSampler(int64_t size) : size_(size) {}
  std::vector<int64_t> indices(int64_t) const override;
  int64_t size() const override { return size_; }

 private:
  int64_t size_;
};

}  // namespace ghmdet
