// GradientAllReduce — averages the gradients over the ranks between backward and clipping
// (TrainerHooks::gradient_sync), with PyTorch DDP's bucketing.
//
// The trainable parameters are grouped by plan_buckets (bucket_plan.h, ~25 MB each); each
// bucket is one flat tensor. With `overlap` (the default) a gradient hook on every parameter
// copies its gradient into its bucket as soon as autograd has produced it, and a bucket whose
// gradients are all there is all-reduced at once, asynchronously, while backward continues
// with the earlier layers. synchronize() — the gradient_sync hook, after backward — launches
// what was not launched yet (buckets with parameters that got no gradient this step: their
// missing gradients count as zero), waits for every bucket, divides by the world size and
// writes the averages into the parameters' .grad(). Without `overlap` everything happens in
// synchronize() (flatten, all-reduce, unflatten): the same numbers, no hooks.
//
// Invariants:
//   * buckets are launched strictly in plan order on every rank (a complete bucket waits for
//     the earlier ones), so the ranks issue their collectives in the same order even if their
//     autograd graphs finish gradients in a different order;
//   * after synchronize() every trainable parameter's .grad() is defined and equal on every
//     rank: sum over ranks / world_size, the reference's average (then clip_grad_norm);
//   * a gradient hook fires once per backward per parameter (autograd sums multiple uses before
//     calling it), so one training step = one backward followed by one synchronize(). A
//     backward without a synchronize() (an exception in between) leaves the buckets launched;
//     the job is ending anyway.
// With one process synchronize() returns at once and no hooks are registered.
// Why no finer overlap: the optimizer step needs every averaged gradient (clipping uses the
// global norm), so the all-reduce can only overlap backward, as in DDP; on CUDA the copies are
// made on the autograd thread's current stream, which backward synchronises before returning.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "ghmdet/engine/distributed/bucket_plan.h"
#include "ghmdet/engine/distributed/process_group.h"
#include "ghmdet/engine/sgd.h"

namespace ghmdet {

struct GradientAllReduceOptions {
  int64_t bucket_bytes = 25LL << 20;  // dist_params.bucket_size_mb
  bool overlap = true;                // dist_params.overlap
};

// Cumulated over the steps: the communication time backward did not hide.
struct GradientAllReduceStats {
  int64_t steps = 0;
  int64_t buckets = 0;            // per step
  int64_t bytes = 0;              // gradient bytes all-reduced per step
  double sync_seconds = 0.0;      // total time spent in synchronize()
  int64_t launched_in_backward = 0;  // buckets launched by the hooks (overlapped), all steps
};

class GradientAllReduce {
 public:
  GradientAllReduce(std::shared_ptr<DistributedContext> context, const NamedParameters& params,
                    GradientAllReduceOptions options = {});
  ~GradientAllReduce();
  GradientAllReduce(const GradientAllReduce&) = delete;
  GradientAllReduce& operator=(const GradientAllReduce&) = delete;

  // The gradient_sync hook. `params` must be the parameters given to the constructor.
  void synchronize(const NamedParameters& params);
  const GradientAllReduceStats& stats() const { return stats_; }

 private:
  struct Bucket {
    std::vector<size_t> members;   // parameter indices
    std::vector<int64_t> offsets;  // element offset of each member in `flat`
    torch::Tensor flat;
    size_t ready = 0;              // members whose gradient is in `flat` this step
    std::vector<bool> filled;      // per member
    bool launched = false;
    CollectiveWait wait;
  };
  void on_gradient(size_t bucket, size_t slot, const torch::Tensor& grad);
  void launch_in_order();  // launches the complete buckets that follow the launched ones
  void launch(Bucket& b);

  std::shared_ptr<DistributedContext> context_;
  GradientAllReduceOptions options_;
  std::vector<torch::Tensor> params_;
  std::vector<Bucket> buckets_;
  size_t next_launch_ = 0;
  std::vector<std::pair<size_t, unsigned>> hook_handles_;  // (param index, handle)
  std::mutex mutex_;  // hooks may run on autograd's device threads
  GradientAllReduceStats stats_;
};

}  // namespace ghmdet
