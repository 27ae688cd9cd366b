#include "ghmdet/engine/distributed/gradient_allreduce.h"

#include <fmt/format.h>

#include <chrono>

#include "ghmdet/core/error.h"

namespace ghmdet {

GradientAllReduce::GradientAllReduce(std::shared_ptr<DistributedContext> context,
                                     const NamedParameters& params,
                                     GradientAllReduceOptions options)
    : context_(std::move(context)), options_(options) {
  if (!context_) throw Error("GradientAllReduce: no distributed context");
  for (const auto& [name, p] : params) params_.push_back(p);
  const BucketPlan plan = plan_buckets(params_, options_.bucket_bytes);
  if (context_->world_size() <= 1) return;
  for (size_t b = 0; b < plan.buckets.size(); ++b) {
    Bucket bucket;
    bucket.members = plan.buckets[b];
    int64_t total = 0;
    for (size_t k : bucket.members) {
      bucket.offsets.push_back(total);
      total += params_[k].numel();
    }
    const torch::Tensor& first = params_[bucket.members.front()];
    bucket.flat = torch::zeros({total}, first.options().requires_grad(false));
    bucket.filled.assign(bucket.members.size(), false);
    stats_.bytes += total * static_cast<int64_t>(first.element_size());
    buckets_.push_back(std::move(bucket));
  }
  stats_.buckets = static_cast<int64_t>(buckets_.size());
  if (!options_.overlap) return;
  for (size_t b = 0; b < buckets_.size(); ++b) {
    for (size_t slot = 0; slot < buckets_[b].members.size(); ++slot) {
      const size_t k = buckets_[b].members[slot];
      torch::Tensor p = params_[k];
      const unsigned handle = p.register_hook([this, b, slot](torch::Tensor grad) {
        on_gradient(b, slot, grad);
      });
      hook_handles_.emplace_back(k, handle);
    }
  }
}

GradientAllReduce::~GradientAllReduce() {
  for (const auto& [k, handle] : hook_handles_) params_[k].remove_hook(handle);
  // Buckets still in flight (an exception between backward and synchronize) are not waited
  // for: the c10d work item holds its own reference to the flat tensor, and waiting could add
  // a whole timeout to a job that is already failing.
}

void GradientAllReduce::launch(Bucket& b) {
  b.wait = context_->all_reduce_sum_async(b.flat);
  b.launched = true;
}

void GradientAllReduce::launch_in_order() {
  while (next_launch_ < buckets_.size()) {
    Bucket& b = buckets_[next_launch_];
    if (b.ready < b.members.size()) return;
    launch(b);
    ++stats_.launched_in_backward;
    ++next_launch_;
  }
}

void GradientAllReduce::on_gradient(size_t bucket, size_t slot, const torch::Tensor& grad) {
  std::lock_guard<std::mutex> lock(mutex_);
  Bucket& b = buckets_[bucket];
  if (b.launched || b.filled[slot]) return;  // a second backward before synchronize: ignored
  const int64_t n = params_[b.members[slot]].numel();
  b.flat.narrow(0, b.offsets[slot], n).copy_(grad.reshape({-1}));
  b.filled[slot] = true;
  ++b.ready;
  launch_in_order();
}

void GradientAllReduce::synchronize(const NamedParameters& params) {
  if (context_->world_size() <= 1) return;
  if (params.size() != params_.size()) {
    throw Error(fmt::format("gradient sync: {} parameters given, {} registered", params.size(),
                            params_.size()));
  }
  const auto start = std::chrono::steady_clock::now();
  torch::NoGradGuard no_grad;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // What backward did not deliver: the current .grad(), or zeros for a parameter without one.
    for (size_t bi = next_launch_; bi < buckets_.size(); ++bi) {
      Bucket& b = buckets_[bi];
      for (size_t slot = 0; slot < b.members.size(); ++slot) {
        if (b.filled[slot]) continue;
        const torch::Tensor& p = params_[b.members[slot]];
        auto view = b.flat.narrow(0, b.offsets[slot], p.numel());
        if (p.grad().defined()) {
          view.copy_(p.grad().reshape({-1}));
        } else {
          view.zero_();
        }
      }
      launch(b);
    }
    next_launch_ = buckets_.size();
  }
  const auto world = static_cast<double>(context_->world_size());
  for (auto& b : buckets_) {
    b.wait();
    b.wait = nullptr;
    b.flat.div_(world);  // div, not mul by 1/W: mmcv's allreduce_grads, bit for bit
    for (size_t slot = 0; slot < b.members.size(); ++slot) {
      torch::Tensor p = params_[b.members[slot]];
      const auto view = b.flat.narrow(0, b.offsets[slot], p.numel()).view(p.sizes());
      if (p.grad().defined()) {
        p.mutable_grad().copy_(view);
      } else {
        p.mutable_grad() = view.clone();
      }
    }
    b.launched = false;
    b.ready = 0;
    std::fill(b.filled.begin(), b.filled.end(), false);
  }
  next_launch_ = 0;
  ++stats_.steps;
  stats_.sync_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace ghmdet
