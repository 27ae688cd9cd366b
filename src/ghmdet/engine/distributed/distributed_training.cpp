#include "ghmdet/engine/distributed/distributed_training.h"

#include <fmt/format.h>

#include <csignal>

#include "ghmdet/core/error.h"
#include "ghmdet/engine/distributed/module_broadcast.h"

namespace ghmdet {

DistributedConfig distributed_config(const Config& root) {
  DistributedConfig out;
  if (!root.has("dist_params") || root["dist_params"].is_null()) return out;
  const Config d = root["dist_params"];
  d.check_keys({"backend", "timeout", "bucket_size_mb", "overlap", "ghm_stats"});
  out.group.backend = d.get<std::string>("backend", "auto");
  if (out.group.backend != "auto" && out.group.backend != "gloo" && out.group.backend != "nccl") {
    throw d["backend"].error("must be auto, gloo or nccl, got '" + out.group.backend + "'");
  }
  const double timeout = d.get<double>("timeout", 60.0);
  if (!(timeout > 0)) throw d["timeout"].error("must be > 0 seconds");
  out.group.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000.0));
  const double bucket_mb = d.get<double>("bucket_size_mb", 25.0);
  if (!(bucket_mb > 0)) throw d["bucket_size_mb"].error("must be > 0");
  out.training.allreduce.bucket_bytes =
      std::max<int64_t>(1, static_cast<int64_t>(bucket_mb * 1024.0 * 1024.0));
  out.training.allreduce.overlap = d.get<bool>("overlap", true);
  const std::string ghm = d.get<std::string>("ghm_stats", "per_rank");
  if (ghm != "per_rank" && ghm != "all_reduce") {
    throw d["ghm_stats"].error("must be per_rank or all_reduce, got '" + ghm + "'");
  }
  out.training.all_reduce_ghm_stats = ghm == "all_reduce";
  return out;
}

DistributedTraining::DistributedTraining(std::shared_ptr<DistributedContext> context,
                                         DistributedTrainingOptions options)
    : context_(std::move(context)), options_(options) {
  if (!context_) throw Error("DistributedTraining: no distributed context");
  if (options_.all_reduce_ghm_stats && context_->world_size() > 1) {
    DistributedContext* ctx = context_.get();
    ghm_scope_ = std::make_unique<GhmStatsReducerScope>(
        [ctx](const torch::Tensor& counts, const torch::Tensor& tot) {
          // One collective per call: counts and tot packed in float64 (integer counts stay
          // exact below 2^53). New tensors: the kernels keep dividing by their local tot.
          std::vector<torch::Tensor> packed{
              torch::cat({counts.to(torch::kDouble).reshape({-1}), tot.to(torch::kDouble).reshape({1})})};
          ctx->all_reduce_sum(packed);
          const int64_t bins = counts.numel();
          return std::make_pair(
              packed[0].narrow(0, 0, bins).to(counts.scalar_type()).view(counts.sizes()),
              packed[0].narrow(0, bins, 1).to(tot.scalar_type()).view(tot.sizes()));
        });
  }
}

DistributedTraining::~DistributedTraining() = default;

void DistributedTraining::attach(TrainerHooks& hooks) {
  if (hooks.gradient_sync) throw Error("DistributedTraining: a gradient_sync hook is already set");
  hooks.before_epoch.push_back([this](Trainer& t) { start(t); });
  hooks.gradient_sync = [this](const NamedParameters& params) {
    if (allreduce_) allreduce_->synchronize(params);
  };
  hooks.after_iter.push_back([this](Trainer& t) { agree_on_stop(t); });
}

void DistributedTraining::start(Trainer& trainer) {
  if (started_) return;
  started_ = true;
  if (trainer.options().world_size() != context_->world_size() ||
      trainer.options().rank() != context_->rank()) {
    throw Error(fmt::format("distributed training: the trainer is rank {} of {} but the process "
                            "group says rank {} of {}",
                            trainer.options().rank(), trainer.options().world_size(),
                            context_->rank(), context_->world_size()));
  }
  // After prepare(): weights restored by resume_from/load_from are what rank 0 sends.
  broadcast_module_state(*context_, trainer.model());
  allreduce_ = std::make_unique<GradientAllReduce>(context_, trainer.optimizer().params(),
                                                   options_.allreduce);
  if (trainer.is_main_process() && context_->world_size() > 1) {
    const auto& s = allreduce_->stats();
    trainer.log().info(fmt::format(
        "distributed: {} processes ({}), gradients in {} buckets of <= {:.1f} MB ({:.1f} MB per "
        "step), overlap {}, GHM statistics {}",
        context_->world_size(), context_->backend(), s.buckets,
        options_.allreduce.bucket_bytes / 1048576.0, s.bytes / 1048576.0,
        options_.allreduce.overlap ? "on" : "off",
        options_.all_reduce_ghm_stats ? "all-reduced" : "per rank"));
  }
}

void DistributedTraining::agree_on_stop(Trainer& trainer) {
  if (context_->world_size() <= 1 || !trainer.options().handle_signals()) return;
  std::vector<torch::Tensor> flag{
      torch::full({1}, trainer.stop_requested() ? 1 : 0, torch::kInt32)};
  context_->all_reduce_sum(flag);
  // Another rank was asked to stop: ask this one too, through the same handler, so that the
  // trainer's own stop path (checkpoint on rank 0, exit code 130) runs after this iteration.
  if (flag[0].item<int>() > 0 && !trainer.stop_requested()) std::raise(SIGTERM);
}

std::string DistributedTraining::summary() const {
  if (!allreduce_ || context_->world_size() <= 1) return "distributed: one process";
  const auto& s = allreduce_->stats();
  const double per_step = s.steps > 0 ? s.sync_seconds / static_cast<double>(s.steps) : 0.0;
  const double hidden = s.steps > 0 && s.buckets > 0
                            ? static_cast<double>(s.launched_in_backward) /
                                  static_cast<double>(s.steps * s.buckets)
                            : 0.0;
  return fmt::format(
      "all-reduce: {} steps, {} buckets, {:.2f} MB per step, {:.2f} ms per step spent in "
      "gradient sync after backward, {:.0f}% of the buckets started during backward",
      s.steps, s.buckets, s.bytes / 1048576.0, per_step * 1000.0, hidden * 100.0);
}

}  // namespace ghmdet
