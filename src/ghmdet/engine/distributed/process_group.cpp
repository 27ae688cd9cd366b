#include "ghmdet/engine/distributed/process_group.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "ghmdet/core/error.h"

#ifdef GHMDET_HAVE_GLOO
// GHMDET_HAVE_GLOO: cmake/GhmdetDependencies.cmake found ProcessGroupGloo in libtorch (a link
// test) and defines USE_C10D_GLOO, which enables these declarations, for these sources.
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "ghmdet/engine/distributed/c10d_compat.h"
#endif
#ifdef GHMDET_HAVE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace ghmdet {

#ifdef GHMDET_HAVE_GLOO

struct DistributedContext::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d_compat::CollectiveBackend> group;
};

namespace {

// Gloo binds to the interface that reaches the master: GLOO_SOCKET_IFNAME when set (as in
// PyTorch), loopback for a single-machine job, else the interface of this host's name.
std::shared_ptr<::gloo::transport::Device> gloo_device(const DistributedEnv& env) {
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname) {
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  }
  const bool loopback = env.master_addr == "localhost" || env.master_addr.rfind("127.", 0) == 0;
  if (loopback) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

#else

struct DistributedContext::Impl {};

#endif

DistributedContext::DistributedContext(DistributedEnv env, DistributedOptions options)
    : env_(std::move(env)), options_(std::move(options)) {}

DistributedContext::~DistributedContext() = default;

void DistributedContext::fail(const std::string& operation, const std::exception& e) const {
  throw Error(fmt::format(
      "distributed {} failed on rank {} of {} ({}, dist_params.timeout {} s): a peer process "
      "died, stopped, or did not answer in time: {}",
      operation, env_.rank, env_.world_size, backend_, options_.timeout.count() / 1000.0, e.what()));
}

std::shared_ptr<DistributedContext> DistributedContext::create(const DistributedEnv& env,
                                                               const DistributedOptions& options) {
  if (options.timeout.count() <= 0) {
    throw Error(fmt::format("dist_params.timeout: must be > 0 seconds, got {}",
                            options.timeout.count() / 1000.0));
  }
  if (options.backend != "auto" && options.backend != "gloo" && options.backend != "nccl") {
    throw Error(fmt::format("dist_params.backend: unknown backend '{}' (known: auto, gloo, nccl)",
                            options.backend));
  }
  std::shared_ptr<DistributedContext> ctx(new DistributedContext(env, options));
  ctx->impl_ = std::make_unique<Impl>();
  if (!env.is_distributed()) return ctx;
#ifndef GHMDET_HAVE_GLOO
  throw Error(
      "multi-process training: this GHMDet was built without c10d Gloo support (libtorch lacks "
      "ProcessGroupGloo); rebuild against a libtorch built with USE_DISTRIBUTED");
#else
  std::string backend = options.backend;
  if (backend == "auto") backend = options.device.is_cuda() ? "nccl" : "gloo";
#ifndef GHMDET_HAVE_NCCL
  if (backend == "nccl") {
    if (options.backend == "nccl" || options.device.is_cuda()) {
      throw Error("dist_params.backend: nccl is not available in this build (libtorch without "
                  "CUDA/NCCL); use gloo");
    }
  }
#endif
  if (backend == "gloo" && options.device.is_cuda()) {
    throw Error("dist_params.backend: gloo all-reduces CPU tensors here; train on --device cpu "
                "or use nccl");
  }
  ctx->backend_ = backend;
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<uint16_t>(env.master_port);
    store_options.isServer = env.rank == 0;
    store_options.numWorkers = static_cast<size_t>(env.world_size);
    store_options.waitWorkers = true;
    store_options.timeout = options.timeout;
    ctx->impl_->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store_options);
    ctx->impl_->store->setTimeout(options.timeout);
  } catch (const std::exception& e) {
    throw Error(fmt::format(
        "distributed rendezvous failed on rank {} of {} at MASTER_ADDR={} MASTER_PORT={} "
        "(dist_params.timeout {} s): {}",
        env.rank, env.world_size, env.master_addr, env.master_port,
        options.timeout.count() / 1000.0, e.what()));
  }
  try {
    if (backend == "gloo") {
      auto gloo_options = c10d::ProcessGroupGloo::Options::create(options.timeout);
      gloo_options->devices.push_back(gloo_device(env));
      // Two threads: one bucket's all-reduce can run while the next one is queued.
      gloo_options->threads = 2;
      ctx->impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(
          ctx->impl_->store, static_cast<int>(env.rank), static_cast<int>(env.world_size),
          gloo_options);
    } else {
#ifdef GHMDET_HAVE_NCCL
      auto nccl_options = c10d::ProcessGroupNCCL::Options::create();
      nccl_options->timeout = options.timeout;
      ctx->impl_->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(
          ctx->impl_->store, static_cast<int>(env.rank), static_cast<int>(env.world_size),
          nccl_options);
#endif
    }
  } catch (const std::exception& e) {
    ctx->fail("process group creation", e);
  }
  return ctx;
#endif
}

void DistributedContext::all_reduce_sum(std::vector<torch::Tensor>& tensors) {
  if (!env_.is_distributed() || tensors.empty()) return;
#ifdef GHMDET_HAVE_GLOO
  try {
    // Small host-side values (the stop flag, GHM counts on the CPU path) travel through the
    // backend's device: NCCL only reduces CUDA tensors.
    std::vector<at::Tensor> staged;
    for (auto& t : tensors) staged.push_back(t.device() == options_.device ? t : t.to(options_.device));
    // One call per tensor: ProcessGroupGloo's multi-tensor all-reduce means "one tensor per
    // device", not a list of tensors.
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (auto& t : staged) {
      std::vector<at::Tensor> one{t};
      works.push_back(impl_->group->allreduce(one));
    }
    for (auto& w : works) w->wait(options_.timeout);
    for (size_t k = 0; k < tensors.size(); ++k) {
      if (!staged[k].is_same(tensors[k])) tensors[k].copy_(staged[k]);
    }
  } catch (const std::exception& e) {
    fail("all-reduce", e);
  }
#endif
}

CollectiveWait DistributedContext::all_reduce_sum_async(torch::Tensor tensor) {
  if (!env_.is_distributed()) return [] {};
#ifdef GHMDET_HAVE_GLOO
  c10::intrusive_ptr<c10d::Work> work;
  try {
    std::vector<at::Tensor> one{tensor};
    work = impl_->group->allreduce(one);
  } catch (const std::exception& e) {
    fail("all-reduce", e);
  }
  return [this, work] {
    try {
      work->wait(options_.timeout);
    } catch (const std::exception& e) {
      fail("all-reduce", e);
    }
  };
#else
  return [] {};
#endif
}

void DistributedContext::broadcast(std::vector<torch::Tensor>& tensors, int64_t root) {
  if (!env_.is_distributed() || tensors.empty()) return;
#ifdef GHMDET_HAVE_GLOO
  try {
    c10d::BroadcastOptions o;
    o.rootRank = root;
    for (auto& t : tensors) {
      std::vector<at::Tensor> one{t.device() == options_.device ? t : t.to(options_.device)};
      impl_->group->broadcast(one, o)->wait(options_.timeout);
      if (!one[0].is_same(t)) t.copy_(one[0]);
    }
  } catch (const std::exception& e) {
    fail("broadcast", e);
  }
#endif
}

std::vector<std::vector<uint8_t>> DistributedContext::all_gather_bytes(
    const std::vector<uint8_t>& bytes) {
  if (!env_.is_distributed()) return {bytes};
  std::vector<std::vector<uint8_t>> out(static_cast<size_t>(env_.world_size));
#ifdef GHMDET_HAVE_GLOO
  try {
    // Sizes first, then every rank's bytes padded to the largest (all-gather needs equal sizes).
    auto size = torch::tensor({static_cast<int64_t>(bytes.size())}, torch::kInt64).to(options_.device);
    std::vector<std::vector<at::Tensor>> sizes(1);
    for (int64_t r = 0; r < env_.world_size; ++r) sizes[0].push_back(torch::empty_like(size));
    std::vector<at::Tensor> in{size};
    impl_->group->allgather(sizes, in)->wait(options_.timeout);
    int64_t longest = 0;
    std::vector<int64_t> lengths;
    for (const auto& s : sizes[0]) {
      lengths.push_back(s.cpu().item<int64_t>());
      longest = std::max(longest, lengths.back());
    }
    auto mine = torch::zeros({std::max<int64_t>(longest, 1)}, torch::kUInt8);
    if (!bytes.empty()) std::memcpy(mine.data_ptr<uint8_t>(), bytes.data(), bytes.size());
    mine = mine.to(options_.device);
    std::vector<std::vector<at::Tensor>> gathered(1);
    for (int64_t r = 0; r < env_.world_size; ++r) gathered[0].push_back(torch::empty_like(mine));
    std::vector<at::Tensor> in_bytes{mine};
    impl_->group->allgather(gathered, in_bytes)->wait(options_.timeout);
    for (int64_t r = 0; r < env_.world_size; ++r) {
      const auto host = gathered[0][r].cpu();
      const uint8_t* p = host.data_ptr<uint8_t>();
      out[r].assign(p, p + lengths[r]);
    }
  } catch (const std::exception& e) {
    fail("all-gather", e);
  }
#endif
  return out;
}

void DistributedContext::barrier() {
  if (!env_.is_distributed()) return;
#ifdef GHMDET_HAVE_GLOO
  try {
    impl_->group->barrier()->wait(options_.timeout);
  } catch (const std::exception& e) {
    fail("barrier", e);
  }
#endif
}

}  // namespace ghmdet
