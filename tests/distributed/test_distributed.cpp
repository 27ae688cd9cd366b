// Multi-process data-parallel training, two processes over Gloo on this machine (the workers
// are dist_worker.cpp, started with launch_local_processes like `ghmdet train --nproc 2`):
//   (a) the same data on both ranks gives the weights of one process, bit for bit;
//   (b) different data gives the weights of one process that averages the two ranks'
//       gradients (the oracle runs both ranks' steps in this process), bit for bit, for
//       several bucket layouts, with and without overlap;
//   (c) a 2-process run resumed from its mid-epoch checkpoint ends where the uninterrupted one
//       does;
//   (d) a rank that exits, or hangs, ends the job with an error within seconds (a short
//       dist_params.timeout), and the launcher names the rank;
//   GHM statistics all-reduced: both ranks hold the histogram EMA of the concatenated batch.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dist_model.h"
#include "ghmdet/engine/distributed/local_launcher.h"
#include "ghmdet/losses/ghm_c.h"

namespace ghmdet {
namespace {

namespace fs = std::filesystem;
using testing::TwoConvDetector;
using testing::TinySource;

std::string fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("ghmdet_dist_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string worker() {
  return (fs::path(current_executable()).parent_path() / "ghmdet_dist_worker").string();
}

LocalLaunchResult run_workers(const std::vector<std::string>& args, bool stop_others = true) {
  LocalLaunchOptions o;
  o.nproc = 2;
  o.stop_others_on_failure = stop_others;
  o.kill_grace = std::chrono::milliseconds(2000);
  return launch_local_processes(worker(), args, o);
}

std::vector<torch::Tensor> load_state(const std::string& path) {
  std::vector<torch::Tensor> out;
  torch::load(out, path);
  return out;
}

void expect_bit_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b,
                      const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t k = 0; k < a.size(); ++k) {
    EXPECT_TRUE(torch::equal(a[k], b[k]))
        << what << ": tensor " << k << " differs by " << (a[k] - b[k]).abs().max().item<double>();
  }
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// One process; `other` (when set) is rank 1's data, whose gradient is computed in the
// gradient_sync hook on a second copy of the model and averaged in, as an all-reduce would.
std::pair<std::vector<torch::Tensor>, std::vector<torch::Tensor>> oracle(
    const std::string& work_dir, int64_t epochs, bool split, bool stateful) {
  torch::set_num_threads(1);
  TwoConvDetector m0(0, stateful), m1(0, stateful);
  TinySource s0(testing::kBatches, testing::kBatchSize, testing::data_seed(split, 0));
  TinySource s1(testing::kBatches, testing::kBatchSize, testing::data_seed(split, 1));
  TrainerHooks hooks;
  hooks.before_epoch.push_back([&](Trainer& t) { s1.set_epoch(t.state().epoch); });
  hooks.gradient_sync = [&](const NamedParameters& params) {
    {
      torch::NoGradGuard no_grad;
      auto p1 = m1->named_parameters();
      for (const auto& [name, p] : params) p1[name].copy_(p);
    }
    for (auto& p : m1->parameters()) p.mutable_grad() = torch::Tensor();
    const auto losses = m1->loss(*s1.next());
    torch::Tensor total;
    for (const auto& [name, v] : losses) {
      if (name.find("loss") != std::string::npos) total = total.defined() ? total + v : v;
    }
    total.reshape({}).backward();
    auto p1 = m1->named_parameters();
    for (const auto& [name, p] : params) p.mutable_grad() = (p.grad() + p1[name].grad()) / 2;
  };
  Trainer trainer(m0.ptr(), s0, testing::dist_trainer_options(work_dir, epochs), std::move(hooks));
  trainer.train();
  // m1's weights lag one step (they are refreshed before each gradient): rank 1 holds m0's
  // weights and m1's buffers.
  auto state0 = testing::model_state(*m0);
  auto state1 = state0;
  const auto buffers1 = testing::model_state(*m1);
  const size_t n_params = m0->parameters().size();
  for (size_t k = n_params; k < state1.size(); ++k) state1[k] = buffers1[k];
  return {state0, state1};
}

TEST(Distributed, SameDataEqualsOneProcess) {
  const std::string out = fresh_dir("same");
  const auto r = run_workers({"same", out, "--epochs", "2", "--stateful"});
  ASSERT_EQ(r.exit_code, 0) << r.message << read_file(out + "/rank0.err") << read_file(out + "/rank1.err");
  torch::set_num_threads(1);
  TwoConvDetector single(0, true);
  TinySource source(testing::kBatches, testing::kBatchSize, testing::data_seed(false, 0));
  Trainer(single.ptr(), source, testing::dist_trainer_options(out + "/single", 2)).train();
  const auto expected = testing::model_state(*single);
  expect_bit_equal(load_state(out + "/rank0.pt"), expected, "rank 0");
  expect_bit_equal(load_state(out + "/rank1.pt"), expected, "rank 1");
}

struct Layout {
  const char* name;
  const char* bucket_bytes;
  bool overlap;
};

class SplitData : public ::testing::TestWithParam<Layout> {};

TEST_P(SplitData, EqualsOneProcessAveragingBothGradients) {
  const Layout layout = GetParam();
  const std::string out = fresh_dir(std::string("split_") + layout.name);
  std::vector<std::string> args{"split", out, "--epochs", "2", "--stateful", "--bucket-bytes",
                                layout.bucket_bytes};
  if (!layout.overlap) args.push_back("--no-overlap");
  const auto r = run_workers(args);
  ASSERT_EQ(r.exit_code, 0) << r.message << read_file(out + "/rank0.err") << read_file(out + "/rank1.err");
  const auto [m0, m1] = oracle(out + "/oracle", 2, /*split=*/true, /*stateful=*/true);
  const auto rank0 = load_state(out + "/rank0.pt");
  const auto rank1 = load_state(out + "/rank1.pt");
  expect_bit_equal(rank0, m0, "rank 0 vs the oracle's rank 0");
  // Rank 1: the same weights, its own EMA buffer (GHM state stays per rank by default).
  expect_bit_equal(rank1, m1, "rank 1 vs the oracle's rank 1");
  EXPECT_FALSE(torch::equal(rank0.back(), rank1.back())) << "the ranks' buffers should differ";
}

// 4 parameter tensors: conv2.bias (8 B), conv2.weight (288 B), conv1.bias (16 B),
// conv1.weight (432 B), filled in that order.
INSTANTIATE_TEST_SUITE_P(Buckets, SplitData,
                         ::testing::Values(Layout{"one_bucket", "26214400", true},
                                           Layout{"per_tensor", "1", true},
                                           Layout{"two_buckets", "300", true},
                                           Layout{"no_overlap", "300", false}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Distributed, ResumeUnderTwoProcessesEndsWhereTheUninterruptedRunDoes) {
  const std::string full = fresh_dir("resume_full");
  auto r = run_workers({"split", full, "--epochs", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.message << read_file(full + "/rank0.err") << read_file(full + "/rank1.err");
  // iter_3.pth: written by rank 0 alone, in the middle of epoch 1 (4 batches per epoch).
  const std::string checkpoint = full + "/work/iter_3.pth";
  ASSERT_TRUE(fs::exists(checkpoint));
  const std::string resumed = fresh_dir("resume_resumed");
  r = run_workers({"split", resumed, "--epochs", "2", "--resume-from", checkpoint});
  ASSERT_EQ(r.exit_code, 0) << r.message << read_file(resumed + "/rank0.err") << read_file(resumed + "/rank1.err");
  expect_bit_equal(load_state(resumed + "/rank0.pt"), load_state(full + "/rank0.pt"), "rank 0");
  expect_bit_equal(load_state(resumed + "/rank1.pt"), load_state(full + "/rank1.pt"), "rank 1");
}

TEST(Distributed, ARankThatExitsStopsTheOtherWithAnError) {
  const std::string out = fresh_dir("die");
  const auto start = std::chrono::steady_clock::now();
  // The launcher does not stop rank 0: it must end by itself.
  const auto r = run_workers({"die", out, "--epochs", "3", "--timeout-ms", "5000"}, false);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.failed_rank, 1);
  EXPECT_EQ(r.exit_codes[1], 3);
  EXPECT_EQ(r.exit_codes[0], 1) << "rank 0 should fail with an error, not finish";
  EXPECT_NE(r.message.find("rank 1"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("status 3"), std::string::npos) << r.message;
  const std::string error = read_file(out + "/rank0.err");
  EXPECT_NE(error.find("distributed all-reduce failed on rank 0 of 2"), std::string::npos) << error;
  EXPECT_LT(seconds, 15.0);
}

TEST(Distributed, AHangingRankTimesOutAndTheLauncherStopsIt) {
  const std::string out = fresh_dir("hang");
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_workers({"hang", out, "--epochs", "3", "--timeout-ms", "2000"});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.failed_rank, 0) << r.message;
  EXPECT_EQ(r.exit_codes[0], 1);
  EXPECT_NE(r.exit_codes[1], 0) << "the hanging rank must be stopped by the launcher";
  const std::string error = read_file(out + "/rank0.err");
  EXPECT_NE(error.find("dist_params.timeout 2 s"), std::string::npos) << error;
  EXPECT_LT(seconds, 15.0);
}

TEST(Distributed, AllReducedGhmStatisticsAreThoseOfTheWholeBatch) {
  const std::string out = fresh_dir("ghm");
  const auto r = run_workers({"ghm", out});
  ASSERT_EQ(r.exit_code, 0) << r.message << read_file(out + "/rank0.err") << read_file(out + "/rank1.err");
  const auto rank0 = load_state(out + "/rank0.pt");
  const auto rank1 = load_state(out + "/rank1.pt");
  // One process binning both ranks' inputs at once (same draws as the workers).
  std::vector<torch::Tensor> logits, targets;
  for (int rank = 0; rank < 2; ++rank) {
    torch::manual_seed(100 + rank);
    logits.push_back(torch::randn({64, 3}));
    targets.push_back((torch::rand({64, 3}) > 0.8).to(torch::kFloat));
  }
  GHMC whole(GHMCOptions().bins(10).momentum(0.75));
  const auto all = torch::cat(logits);
  const auto whole_loss = whole->forward(all, torch::cat(targets), torch::ones_like(all));
  EXPECT_TRUE(torch::equal(rank0[0], whole->acc_sum)) << rank0[0] << whole->acc_sum;
  EXPECT_TRUE(torch::equal(rank1[0], whole->acc_sum));
  // Each rank's loss is its share at the global weights; their mean is the whole batch's loss.
  const double mean = (rank0[1].item<double>() + rank1[1].item<double>()) / 2;
  EXPECT_NEAR(mean, whole_loss.item<double>(), 1e-6 * std::abs(whole_loss.item<double>()));
}

}  // namespace
}  // namespace ghmdet
