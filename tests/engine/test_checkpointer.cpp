// Checkpointer: round trip of model (params + buffers), optimizer and meta; latest.pth; resume
// into freshly built objects; max_keep; cleaning up after a killed run.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "ghmdet/core/error.h"
#include "ghmdet/engine/checkpointer.h"
#include "ghmdet/io/checkpoint.h"
#include "tiny_training.h"

namespace ghmdet {
namespace {

namespace fs = std::filesystem;

TEST(Checkpointer, RoundTripRestoresModelOptimizerAndPosition) {
  const fs::path dir = fs::path(::testing::TempDir()) / "ghmdet_engine_ckpt";
  fs::remove_all(dir);
  testing::TinyDetector model(1);
  model->acc_sum.fill_(0.25);
  SGD sgd(trainable_parameters(*model), SGDOptions().lr(0.1).momentum(0.9));
  for (auto& [name, p] : sgd.params()) p.mutable_grad() = torch::ones_like(p);
  sgd.step();

  Checkpointer ckpt(dir.string(), /*enabled=*/true);
  const std::string path = ckpt.save("iter_3.pth", *model, sgd, TrainingPosition{1, 2, 3}, 5,
                                     {{"config", "total_epochs: 2\n"}});
  EXPECT_EQ(path, (dir / "iter_3.pth").string());
  EXPECT_EQ(fs::read_symlink(dir / "latest.pth").string(), "iter_3.pth");

  const Checkpoint raw = load_checkpoint(ckpt.latest_path());
  EXPECT_TRUE(raw.model.contains("conv.weight"));
  EXPECT_TRUE(raw.model.contains("acc_sum"));
  EXPECT_EQ(raw.meta["config"], "total_epochs: 2\n");
  EXPECT_EQ(raw.meta["epoch_length"], 5);
  EXPECT_TRUE(raw.optimizer.count("momentum_buffer.conv.weight"));

  const auto rng_after_save = torch::rand({4});  // moves the generator past the saved state
  testing::TinyDetector other(2);
  SGD other_sgd(trainable_parameters(*other), SGDOptions().lr(0.1).momentum(0.9));
  const ResumeState resumed = resume_checkpoint(path, *other, other_sgd);
  EXPECT_EQ(resumed.position.epoch, 1);
  EXPECT_EQ(resumed.position.inner_iter, 2);
  EXPECT_EQ(resumed.position.global_iter, 3);
  EXPECT_TRUE(torch::equal(other->conv->weight, model->conv->weight));
  EXPECT_TRUE(torch::equal(other->acc_sum, model->acc_sum));
  for (size_t i = 0; i < sgd.params().size(); ++i) {
    EXPECT_TRUE(torch::equal(other_sgd.momentum_buffer(i), sgd.momentum_buffer(i)));
  }
  EXPECT_TRUE(torch::equal(torch::rand({4}), rng_after_save));  // generator state restored

  // Saving again moves latest.pth atomically to the new file.
  ckpt.save("epoch_2.pth", *model, sgd, TrainingPosition{2, 0, 5}, 5, {});
  EXPECT_EQ(fs::read_symlink(dir / "latest.pth").string(), "epoch_2.pth");
  EXPECT_TRUE(fs::exists(dir / "iter_3.pth"));
}

TEST(Checkpointer, DisabledWritesNothingAndHexRoundTrips) {
  const fs::path dir = fs::path(::testing::TempDir()) / "ghmdet_engine_ckpt_off";
  fs::remove_all(dir);
  testing::TinyDetector model(1);
  SGD sgd(trainable_parameters(*model), SGDOptions());
  EXPECT_EQ(Checkpointer(dir.string(), false).save("x.pth", *model, sgd, {}, 1, {}), "");
  EXPECT_FALSE(fs::exists(dir));
  const auto bytes = torch::tensor({0, 1, 127, 128, 255}, torch::kUInt8);
  EXPECT_EQ(to_hex(bytes), "00017f80ff");
  EXPECT_TRUE(torch::equal(from_hex("00017f80ff", "t"), bytes));
  EXPECT_THROW(from_hex("0g", "t"), Error);
}

TEST(Checkpointer, ResumeFromAFileWithoutTrainingMetaNamesTheKey) {
  const fs::path dir = fs::path(::testing::TempDir()) / "ghmdet_engine_ckpt_meta";
  fs::create_directories(dir);
  testing::TinyDetector model(1);
  Checkpoint c;
  for (const auto& p : model->named_parameters()) c.model.insert(p.key(), p.value().detach());
  for (const auto& b : model->named_buffers()) c.model.insert(b.key(), b.value().detach());
  c.meta = nlohmann::json::object();
  save_checkpoint((dir / "weights.pth").string(), c);
  SGD sgd(trainable_parameters(*model), SGDOptions());
  try {
    resume_checkpoint((dir / "weights.pth").string(), *model, sgd);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("meta.epoch"), std::string::npos) << e.what();
  }
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Checkpointer, MaxKeepLeavesTheNewestNAndOtherFilesAlone) {
  const fs::path dir = fs::path(::testing::TempDir()) / "ghmdet_engine_ckpt_keep";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "best.pth") << "not ours";
  std::ofstream(dir / "iter_x.pth") << "not ours";
  testing::TinyDetector model(1);
  SGD sgd(trainable_parameters(*model), SGDOptions());
  Checkpointer ckpt(dir.string(), /*enabled=*/true, /*max_keep=*/2);
  // Every 2 iterations over 3 epochs of 4 batches, with the epoch files too, as the trainer does.
  for (int64_t it = 2; it <= 12; it += 2) {
    ckpt.save(fmt::format("iter_{}.pth", it), *model, sgd, TrainingPosition{it / 4, it % 4, it}, 4,
              {});
    if (it % 4 == 0) {
      ckpt.save(fmt::format("epoch_{}.pth", it / 4), *model, sgd, TrainingPosition{it / 4, 0, it},
                4, {});
    }
  }
  EXPECT_EQ(names_in(dir), (std::vector<std::string>{"best.pth", "epoch_3.pth", "iter_12.pth",
                                                     "iter_x.pth", "latest.pth"}));
  EXPECT_EQ(fs::read_symlink(dir / "latest.pth").string(), "epoch_3.pth");
  EXPECT_EQ(load_checkpoint((dir / "latest.pth").string()).meta["iter"], 12);
}

TEST(Checkpointer, MaxKeepOrdersByModificationTimeAcrossRuns) {
  // Newest means last written, not highest numbered: a run resumed from an earlier checkpoint
  // writes files numbered below those of the timeline it abandoned.
  const fs::path dir = fs::path(::testing::TempDir()) / "ghmdet_engine_ckpt_keep_time";
  fs::remove_all(dir);
  testing::TinyDetector model(1);
  SGD sgd(trainable_parameters(*model), SGDOptions());
  Checkpointer keep_all(dir.string(), /*enabled=*/true);
  for (int64_t it : {10, 20, 30}) {
    keep_all.save(fmt::format("iter_{}.pth", it), *model, sgd, TrainingPosition{0, it, it}, 100, {});
    fs::last_write_time(dir / fmt::format("iter_{}.pth", it),
                        fs::file_time_type::clock::now() - std::chrono::hours(it));
  }
  Checkpointer keep_two(dir.string(), /*enabled=*/true, /*max_keep=*/2);
  keep_two.save("iter_15.pth", *model, sgd, TrainingPosition{0, 15, 15}, 100, {});
  EXPECT_EQ(names_in(dir),
            (std::vector<std::string>{"iter_10.pth", "iter_15.pth", "latest.pth"}));
  EXPECT_THROW(Checkpointer(dir.string(), true, 0), Error);
  EXPECT_THROW(Checkpointer(dir.string(), true, -2), Error);
}

TEST(Checkpointer, RemovesOnlyTheTemporariesOfDeadProcesses) {
  const fs::path dir = fs::path(::testing::TempDir()) / "ghmdet_engine_ckpt_abandoned";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // A pid that certainly names no process: a child that has exited and been reaped.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  const std::string dead = fmt::format(".iter_4.pth.tmp.{}.0badcafe", child);
  const std::string dead_link = fmt::format(".latest.pth.tmp.{}.12345678", child);
  const std::string alive = fmt::format(".iter_6.pth.tmp.{}.0badcafe", ::getpid());
  for (const auto& name : {dead, dead_link, alive, std::string("iter_2.pth"),
                           std::string(".notes.tmp.txt")}) {
    std::ofstream(dir / name) << "partial";
  }
  Checkpointer ckpt(dir.string(), /*enabled=*/true);
  std::vector<std::string> removed = ckpt.remove_abandoned_files();
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed, (std::vector<std::string>{dead, dead_link}));
  EXPECT_EQ(names_in(dir), (std::vector<std::string>{".iter_6.pth.tmp." + std::to_string(::getpid()) +
                                                         ".0badcafe",
                                                     ".notes.tmp.txt", "iter_2.pth"}));
  EXPECT_TRUE(Checkpointer(dir.string(), /*enabled=*/false).remove_abandoned_files().empty());
}

}  // namespace
}  // namespace ghmdet
