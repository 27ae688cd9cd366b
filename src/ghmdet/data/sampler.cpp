#include "ghmdet/data/sampler.h"

#include <ATen/CPUGeneratorImpl.h>

#include <numeric>

#include "ghmdet/core/error.h"

namespace ghmdet {
namespace {

std::vector<int> groups_of(const Dataset& dataset) {
  std::vector<int> g(static_cast<size_t>(dataset.size()));
  for (int64_t i = 0; i < dataset.size(); ++i) g[i] = dataset.info(i).aspect_group();
  return g;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

GroupSampler::GroupSampler(const Dataset& dataset, GroupSamplerOptions options)
    : GroupSampler(groups_of(dataset), options) {}

GroupSampler::GroupSampler(std::vector<int> groups, GroupSamplerOptions options)
    : groups_(std::move(groups)), options_(options) {
  if (options_.samples_per_gpu < 1) throw Error("sampler: imgs_per_gpu must be >= 1");
  if (options_.num_replicas < 1 || options_.rank < 0 || options_.rank >= options_.num_replicas)
    throw Error("sampler: rank " + std::to_string(options_.rank) + " out of range for world size " +
                std::to_string(options_.num_replicas));
  for (int g : groups_) {
    TORCH_CHECK(g == 0 || g == 1, "aspect group must be 0 or 1");
    ++group_sizes_[g];
  }
  if (groups_.empty()) throw Error("sampler: the dataset is empty");
  const int64_t unit = options_.samples_per_gpu * options_.num_replicas;
  int64_t total = 0;
  for (int64_t n : group_sizes_) total += ceil_div(n, unit) * unit;
  num_samples_ = total / options_.num_replicas;
}

std::vector<int64_t> GroupSampler::indices(int64_t epoch) const {
  auto gen = at::detail::createCPUGenerator(options_.seed + static_cast<uint64_t>(epoch));
  const int64_t spg = options_.samples_per_gpu;
  const int64_t unit = spg * options_.num_replicas;
  std::vector<int64_t> all;
  all.reserve(static_cast<size_t>(num_samples_ * options_.num_replicas));
  for (int g = 0; g < 2; ++g) {
    const int64_t n = group_sizes_[g];
    if (n == 0) continue;
    std::vector<int64_t> members;
    for (size_t i = 0; i < groups_.size(); ++i)
      if (groups_[i] == g) members.push_back(static_cast<int64_t>(i));
    const torch::Tensor perm = torch::randperm(n, gen, torch::kInt64);
    const int64_t* p = perm.data_ptr<int64_t>();
    std::vector<int64_t> shuffled(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) shuffled[k] = members[p[k]];
    // Pad by repeating the head; a group smaller than the padding wraps around (the reference
    // assumed groups larger than one unit).
    const int64_t padded = ceil_div(n, unit) * unit;
    for (int64_t k = 0; k < padded; ++k) all.push_back(shuffled[k % n]);
  }
  const int64_t chunks = static_cast<int64_t>(all.size()) / spg;
  const torch::Tensor order = torch::randperm(chunks, gen, torch::kInt64);
  const int64_t* o = order.data_ptr<int64_t>();
  const int64_t begin = num_samples_ * options_.rank;
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(num_samples_));
  for (int64_t pos = begin; pos < begin + num_samples_; ++pos) {
    out.push_back(all[o[pos / spg] * spg + pos % spg]);
  }
  return out;
}

std::vector<int64_t> SequentialSampler::indices(int64_t) const {
  std::vector<int64_t> v(static_cast<size_t>(size_));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

}  // namespace ghmdet
