// DistributedTraining — what a Trainer needs to run as one rank of a data-parallel job, as
// TrainerHooks (the loop itself does not change):
//   * before the first iteration: parameters and buffers broadcast from rank 0
//     (module_broadcast.h) and the gradient all-reduce set up (gradient_allreduce.h, hooks
//     registered on the parameters the trainer optimises);
//   * gradient_sync: the bucketed, backward-overlapped average of the gradients (then the
//     trainer clips and steps, as the reference: average, then clip);
//   * after every iteration: the ranks agree on a stop request (SIGINT/SIGTERM seen by any rank
//     stops all of them after the same iteration, so rank 0's checkpoint is where every rank
//     is); one 4-byte all-reduce;
//   * with `all_reduce_ghm_stats`, a GhmStatsReducer (losses/ghm_stats_reducer.h) that sums
//     each GHM call's histogram over the ranks, installed for the object's lifetime.
// The data must be sharded by the caller (GroupSampler with num_replicas = world size,
// rank = rank: data/build.h's LoaderSetup). Only rank 0 logs and writes checkpoints (the
// trainer's rank option). The object must outlive Trainer::train(): the hooks point to it.
//
// Config (`dist_params`, all optional):
//   backend: auto | gloo | nccl   (auto: nccl on CUDA devices when built with it, else gloo)
//   timeout: 60                   seconds; bounds the rendezvous and every collective, so a dead
//                                 or stuck rank stops the others with an error
//   bucket_size_mb: 25            gradient bucket size (PyTorch DDP's default)
//   overlap: true                 all-reduce buckets during backward
//   ghm_stats: per_rank | all_reduce   per_rank (default) keeps each rank's own GHM histogram
//                                 and EMA, as the reference; all_reduce sums them over ranks
#pragma once

#include <memory>
#include <string>

#include "ghmdet/core/config.h"
#include "ghmdet/engine/distributed/gradient_allreduce.h"
#include "ghmdet/engine/distributed/process_group.h"
#include "ghmdet/engine/trainer.h"
#include "ghmdet/losses/ghm_stats_reducer.h"

namespace ghmdet {

struct DistributedTrainingOptions {
  GradientAllReduceOptions allreduce;
  bool all_reduce_ghm_stats = false;
};

struct DistributedConfig {
  DistributedOptions group;
  DistributedTrainingOptions training;
};

// `root` is the whole config; a missing dist_params gives the defaults. Bad values are errors
// naming dist_params.<key>.
DistributedConfig distributed_config(const Config& root);

class DistributedTraining {
 public:
  DistributedTraining(std::shared_ptr<DistributedContext> context,
                      DistributedTrainingOptions options = {});
  ~DistributedTraining();

  // Adds the hooks above to `hooks` (gradient_sync must be unset).
  void attach(TrainerHooks& hooks);

  DistributedContext& context() { return *context_; }
  // nullptr before the first iteration.
  const GradientAllReduce* allreduce() const { return allreduce_.get(); }
  // "all-reduce: 12 buckets, 45.1 MB per step, 3.2 ms per step not hidden by backward (...)".
  std::string summary() const;

 private:
  void start(Trainer& trainer);
  void agree_on_stop(Trainer& trainer);

  std::shared_ptr<DistributedContext> context_;
  DistributedTrainingOptions options_;
  std::unique_ptr<GradientAllReduce> allreduce_;
  std::unique_ptr<GhmStatsReducerScope> ghm_scope_;
  bool started_ = false;
};

}  // namespace ghmdet
