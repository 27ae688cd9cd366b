// One rank of the multi-process tests (test_distributed.cpp starts two with
// launch_local_processes): trains TwoConvDetector with DistributedTraining and saves its final
// parameters and buffers to <out>/rank<r>.pt. Errors go to <out>/rank<r>.err and exit code 1.
//
//   dist_worker MODE OUT [--epochs N] [--resume-from CKPT] [--bucket-bytes B] [--no-overlap]
//               [--timeout-ms T] [--stateful]
//   MODE: same | split | die (rank 1 exits with status 3 after iteration 2) | hang (rank 1
//         sleeps after iteration 2) | ghm (one GHM-C call with all-reduced statistics; saves
//         the loss's acc_sum)
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "dist_model.h"
#include "ghmdet/engine/distributed/distributed_training.h"
#include "ghmdet/engine/distributed/launch_env.h"
#include "ghmdet/losses/ghm_c.h"

using namespace ghmdet;

namespace {

int run(int argc, char** argv) {
  if (argc < 3) throw std::runtime_error("usage: dist_worker MODE OUT [options]");
  const std::string mode = argv[1];
  const std::string out = argv[2];
  int64_t epochs = 1, bucket_bytes = 25 << 20, timeout_ms = 20000;
  std::string resume_from;
  bool overlap = true, stateful = false;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&] { return std::string(argv[++i]); };
    if (a == "--epochs") epochs = std::stoll(value());
    else if (a == "--resume-from") resume_from = value();
    else if (a == "--bucket-bytes") bucket_bytes = std::stoll(value());
    else if (a == "--timeout-ms") timeout_ms = std::stoll(value());
    else if (a == "--no-overlap") overlap = false;
    else if (a == "--stateful") stateful = true;
    else throw std::runtime_error("unknown option " + a);
  }
  torch::set_num_threads(1);
  const DistributedEnv env = distributed_env(Launcher::kPytorch);
  DistributedOptions group;
  group.timeout = std::chrono::milliseconds(timeout_ms);
  auto context = DistributedContext::create(env, group);
  DistributedTrainingOptions dopts;
  dopts.allreduce.bucket_bytes = bucket_bytes;
  dopts.allreduce.overlap = overlap;
  const std::string state_file = out + "/rank" + std::to_string(env.rank) + ".pt";

  if (mode == "ghm") {
    dopts.all_reduce_ghm_stats = true;
    DistributedTraining training(context, dopts);
    GHMC loss(GHMCOptions().bins(10).momentum(0.75));
    torch::manual_seed(100 + env.rank);
    const auto logits = torch::randn({64, 3});
    const auto target = (torch::rand({64, 3}) > 0.8).to(torch::kFloat);
    const auto weight = torch::ones({64, 3});
    const auto value = loss->forward(logits, target, weight).reshape({1});
    torch::save(std::vector<torch::Tensor>{loss->acc_sum.clone(), value}, state_file);
    return 0;
  }

  const bool split = mode != "same";
  testing::TwoConvDetector model(/*init_seed=*/static_cast<uint64_t>(env.rank), stateful);
  testing::TinySource source(testing::kBatches, testing::kBatchSize,
                             testing::data_seed(split, env.rank));
  TrainerOptions options = testing::dist_trainer_options(out + "/work", epochs)
                               .rank(env.rank)
                               .world_size(env.world_size)
                               .resume_from(resume_from);
  TrainerHooks hooks;
  DistributedTraining training(context, dopts);
  training.attach(hooks);
  if ((mode == "die" || mode == "hang") && env.rank == 1) {
    hooks.after_iter.push_back([mode](Trainer& t) {
      if (t.state().global_iter != 2) return;
      if (mode == "die") _exit(3);
      std::this_thread::sleep_for(std::chrono::hours(1));
    });
  }
  Trainer trainer(model.ptr(), source, options, std::move(hooks));
  trainer.train();
  torch::save(testing::model_state(*model), state_file);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    const char* rank = std::getenv("RANK");
    if (argc >= 3) {
      std::ofstream(std::string(argv[2]) + "/rank" + (rank ? rank : "x") + ".err") << e.what() << "\n";
    }
    std::cerr << "dist_worker rank " << (rank ? rank : "?") << ": " << e.what() << "\n";
    return 1;
  }
}
