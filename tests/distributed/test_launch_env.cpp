// The launchers' environments, the gradient bucket plan and the local launcher's failure report.
#include <gtest/gtest.h>

#include <map>

#include "ghmdet/core/error.h"
#include "ghmdet/engine/distributed/bucket_plan.h"
#include "ghmdet/engine/distributed/launch_env.h"
#include "ghmdet/engine/distributed/local_launcher.h"

namespace ghmdet {
namespace {

EnvLookup lookup(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LaunchEnv, NoneIsOneProcess) {
  const auto e = distributed_env(Launcher::kNone, lookup({{"RANK", "3"}}));
  EXPECT_EQ(e.rank, 0);
  EXPECT_EQ(e.world_size, 1);
  EXPECT_FALSE(e.is_distributed());
}

TEST(LaunchEnv, PytorchReadsTorchrunsVariables) {
  const auto e = distributed_env(
      Launcher::kPytorch, lookup({{"RANK", "5"}, {"WORLD_SIZE", "16"}, {"LOCAL_RANK", "1"},
                                  {"MASTER_ADDR", "10.0.0.2"}, {"MASTER_PORT", "29600"}}));
  EXPECT_EQ(e.rank, 5);
  EXPECT_EQ(e.world_size, 16);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.master_addr, "10.0.0.2");
  EXPECT_EQ(e.master_port, 29600);
  const auto d = distributed_env(Launcher::kPytorch, lookup({{"RANK", "1"}, {"WORLD_SIZE", "2"}}));
  EXPECT_EQ(d.local_rank, 1);
  EXPECT_EQ(d.master_addr, "127.0.0.1");
  EXPECT_EQ(d.master_port, 29500);
}

TEST(LaunchEnv, BadVariablesAreNamed) {
  EXPECT_NE(error_of([] { distributed_env(Launcher::kPytorch, lookup({{"WORLD_SIZE", "2"}})); })
                .find("RANK is not set"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              distributed_env(Launcher::kPytorch, lookup({{"RANK", "x1"}, {"WORLD_SIZE", "2"}}));
            }).find("RANK='x1' is not an integer"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              distributed_env(Launcher::kPytorch, lookup({{"RANK", "2"}, {"WORLD_SIZE", "2"}}));
            }).find("RANK=2 is outside [0, WORLD_SIZE=2)"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              distributed_env(Launcher::kPytorch, lookup({{"RANK", "0"}, {"WORLD_SIZE", "2"},
                                                          {"MASTER_PORT", "70000"}}));
            }).find("MASTER_PORT=70000"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_launcher("mpi"); }).find("--launcher: unknown launcher 'mpi'"),
            std::string::npos);
}

TEST(LaunchEnv, SlurmUsesTheFirstNodeAsMaster) {
  const auto e = distributed_env(
      Launcher::kSlurm, lookup({{"SLURM_PROCID", "9"}, {"SLURM_NTASKS", "16"},
                                {"SLURM_LOCALID", "1"}, {"SLURM_NODELIST", "gpu[03-05,09],cpu1"}}));
  EXPECT_EQ(e.rank, 9);
  EXPECT_EQ(e.world_size, 16);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.master_addr, "gpu03");
  EXPECT_EQ(first_slurm_host("node7,node8"), "node7");
  EXPECT_EQ(first_slurm_host("a[1]b"), "a1b");
  EXPECT_NE(error_of([] {
              distributed_env(Launcher::kSlurm, lookup({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}}));
            }).find("SLURM_NODELIST"),
            std::string::npos);
}

TEST(BucketPlan, ReverseOrderSplitByBytesAndDtype) {
  std::vector<torch::Tensor> params{torch::zeros({10}), torch::zeros({10}), torch::zeros({30}),
                                    torch::zeros({5}, torch::kDouble), torch::zeros({5})};
  // bytes: 40, 40, 120, 40 (double), 20
  const auto plan = plan_buckets(params, 100);
  const std::vector<std::vector<size_t>> expected{{4}, {3}, {2}, {1, 0}};
  EXPECT_EQ(plan.buckets, expected);
  EXPECT_EQ(plan_buckets(params, 1).buckets.size(), 5u);
  EXPECT_NE(error_of([&] { plan_buckets(params, 0); }).find("dist_params.bucket_size_mb"),
            std::string::npos);
}

TEST(LocalLauncher, ReportsTheFailedRankAndStopsTheOthers) {
  LocalLaunchOptions o;
  o.nproc = 3;
  o.kill_grace = std::chrono::milliseconds(500);
  // Rank 2 fails at once; the others would sleep for a minute if they were not stopped.
  const auto start = std::chrono::steady_clock::now();
  const auto r = launch_local_processes(
      "/bin/sh", {"-c", "if [ \"$RANK\" = 2 ]; then exit 7; fi; exec sleep 60"}, o);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0);
  EXPECT_EQ(r.failed_rank, 2);
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_NE(r.message.find("rank 2"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("exited with status 7"), std::string::npos) << r.message;
  EXPECT_EQ(r.exit_codes[0], 128 + SIGTERM);
}

TEST(LocalLauncher, EveryRankGetsItsEnvironment) {
  LocalLaunchOptions o;
  o.nproc = 2;
  o.master_port = 29999;
  const auto r = launch_local_processes(
      "/bin/sh",
      {"-c", "test \"$WORLD_SIZE\" = 2 && test \"$LOCAL_RANK\" = \"$RANK\" && "
             "test \"$MASTER_ADDR\" = 127.0.0.1 && test \"$MASTER_PORT\" = 29999"},
      o);
  EXPECT_EQ(r.exit_code, 0) << r.message;
  EXPECT_GT(find_free_port(), 0);
}

}  // namespace
}  // namespace ghmdet
