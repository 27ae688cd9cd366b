// DistributedContext — this process's membership of a c10d process group: a TCPStore for the
// rendezvous (rank 0 hosts it at MASTER_ADDR:MASTER_PORT) and a ProcessGroupGloo (CPU tensors)
// or ProcessGroupNCCL (CUDA tensors; only when GHMDet was built against a CUDA libtorch with
// NCCL, GHMDET_HAVE_NCCL) for the collectives. No transport of our own: everything goes through
// PyTorch's c10d, so a GHMDet job behaves like a torch.distributed one (torchrun, Slurm).
//
// Invariants:
//   * Every collective is issued by every rank, in the same order, with tensors of the same
//     shapes and dtypes (c10d matches collectives by their sequence number).
//   * Every blocking wait is bounded by `timeout`: a peer that died (its sockets close: an error
//     at once) or hangs (no answer: an error after `timeout`) makes the call throw ghmdet::Error
//     naming the operation, this rank and the timeout, instead of blocking forever. The same
//     timeout bounds the rendezvous (all ranks must join within it).
//   * The context is not copyable; collectives are called from one thread at a time, except
//     that an all_reduce_async started on one thread may be waited on from another.
// Without a usable Gloo (GHMDET_HAVE_GLOO unset at build time), create() with world_size > 1
// throws, saying so; one process always works.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ghmdet/engine/distributed/launch_env.h"

namespace ghmdet {

struct DistributedOptions {
  // "auto": NCCL for CUDA devices when built with it, else Gloo. "gloo" | "nccl".
  std::string backend = "auto";
  std::chrono::milliseconds timeout{60000};
  torch::Device device = torch::kCPU;  // where the tensors of the collectives live
};

// Waits for an asynchronous collective; throws ghmdet::Error like the blocking calls.
using CollectiveWait = std::function<void()>;

class DistributedContext {
 public:
  // Joins the group described by `env` (blocks until all world_size ranks have joined, at most
  // options.timeout). world_size 1 gives a context whose collectives are no-ops.
  static std::shared_ptr<DistributedContext> create(const DistributedEnv& env,
                                                    const DistributedOptions& options);
  ~DistributedContext();
  DistributedContext(const DistributedContext&) = delete;
  DistributedContext& operator=(const DistributedContext&) = delete;

  int64_t rank() const { return env_.rank; }
  int64_t world_size() const { return env_.world_size; }
  int64_t local_rank() const { return env_.local_rank; }
  bool is_main_process() const { return env_.rank == 0; }
  const std::string& backend() const { return backend_; }
  std::chrono::milliseconds timeout() const { return options_.timeout; }

  // Sums each tensor over the ranks, in place (dense, contiguous). Tensors elsewhere than
  // options.device are staged through it (e.g. CPU flags under NCCL).
  void all_reduce_sum(std::vector<torch::Tensor>& tensors);
  // Starts summing `tensor` (on options.device) in place; the returned function waits for it.
  CollectiveWait all_reduce_sum_async(torch::Tensor tensor);
  // Overwrites each tensor with rank `root`'s values.
  void broadcast(std::vector<torch::Tensor>& tensors, int64_t root = 0);
  // Every rank's byte string, indexed by rank, on every rank (sizes may differ).
  std::vector<std::vector<uint8_t>> all_gather_bytes(const std::vector<uint8_t>& bytes);
  void barrier();

 private:
  struct Impl;
  DistributedContext(DistributedEnv env, DistributedOptions options);
  [[noreturn]] void fail(const std::string& operation, const std::exception& e) const;

  DistributedEnv env_;
  DistributedOptions options_;
  std::string backend_ = "none";
  std::unique_ptr<Impl> impl_;
};

}  // namespace ghmdet
