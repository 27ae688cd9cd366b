// bench_allreduce [NPROC] [REPS]: the time of GradientAllReduce::synchronize (flatten into
// 25 MB buckets, Gloo all-reduce, divide, unflatten; no backward to overlap with) for the
// gradients of the demo model (ResNet-18 FPN, 11.9 M parameters) and of RetinaNet R50-FPN
// (37.7 M), with NPROC processes (default 2) on this machine. Rank 0 prints the median and
// the fastest of REPS (default 15) steps after 3 warm-up steps, and the latency of the small
// all-reduce that dist_params.ghm_stats: all_reduce makes per GHM call.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ghmdet/engine/distributed/gradient_allreduce.h"
#include "ghmdet/engine/distributed/local_launcher.h"

using namespace ghmdet;

namespace {

// Parameter tensors of roughly a model's size: conv-like blocks of the given float counts.
NamedParameters fake_params(int64_t total, int64_t tensors) {
  NamedParameters out;
  const int64_t each = total / tensors;
  for (int64_t k = 0; k < tensors; ++k) {
    auto p = torch::zeros({k + 1 == tensors ? total - each * (tensors - 1) : each}).requires_grad_();
    p.mutable_grad() = torch::randn_like(p);
    out.emplace_back("p" + std::to_string(k), p);
  }
  return out;
}

void bench(DistributedContext& ctx, const char* name, int64_t floats, int64_t tensors, int reps) {
  const NamedParameters params = fake_params(floats, tensors);
  GradientAllReduceOptions o;
  o.overlap = false;
  GradientAllReduce sync(std::shared_ptr<DistributedContext>(&ctx, [](DistributedContext*) {}),
                         params, o);
  std::vector<double> ms;
  for (int r = 0; r < reps + 3; ++r) {
    ctx.barrier();
    const auto t0 = std::chrono::steady_clock::now();
    sync.synchronize(params);
    const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (r >= 3) ms.push_back(t);
  }
  std::sort(ms.begin(), ms.end());
  if (ctx.is_main_process()) {
    std::printf("%-28s %6.1f MB in %2lld buckets, %d processes: median %7.1f ms, fastest %7.1f ms\n",
                name, floats * 4 / 1048576.0, static_cast<long long>(sync.stats().buckets),
                static_cast<int>(ctx.world_size()), ms[ms.size() / 2], ms.front());
  }
}

// What dist_params.ghm_stats: all_reduce adds per GHM call: one blocking all-reduce of the
// bin counts and the total, packed in one float64 tensor.
void bench_ghm_stats(DistributedContext& ctx, int reps) {
  std::vector<double> us;
  for (int r = 0; r < reps * 10 + 3; ++r) {
    // The reducer's packing: 30 bins and the total in one float64 tensor.
    std::vector<torch::Tensor> t{torch::ones({31}, torch::kDouble)};
    const auto t0 = std::chrono::steady_clock::now();
    ctx.all_reduce_sum(t);
    const double v = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    if (r >= 3) us.push_back(v);
  }
  std::sort(us.begin(), us.end());
  if (ctx.is_main_process()) {
    std::printf("%-28s %6s    one GHM call's counts, %d processes: median %7.1f us, fastest %7.1f us\n",
                "GHM statistics all-reduce", "", static_cast<int>(ctx.world_size()),
                us[us.size() / 2], us.front());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int nproc = argc > 1 ? std::atoi(argv[1]) : 2;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 15;
  if (!std::getenv("RANK")) {
    LocalLaunchOptions o;
    o.nproc = nproc;
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
    const auto r = launch_local_processes(current_executable(), args, o);
    if (r.failed_rank >= 0) std::fprintf(stderr, "%s\n", r.message.c_str());
    return r.exit_code;
  }
  torch::set_num_threads(1);
  auto ctx = DistributedContext::create(distributed_env(Launcher::kPytorch), DistributedOptions{});
  bench(*ctx, "demo (R18-FPN, 64 ch)", 11'896'000, 80, reps);
  bench(*ctx, "RetinaNet R50-FPN", 37'740'000, 190, reps);
  bench_ghm_stats(*ctx, reps);
  return 0;
}
