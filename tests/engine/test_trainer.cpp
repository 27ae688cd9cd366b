// The training loop end to end on a tiny model: loss decrease, logs, checkpoints, exact resume
// after a SIGINT, NaN stop, load_from, the gradient-sync hook.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "ghmdet/core/error.h"
#include "ghmdet/engine/eval_hook.h"
#include "ghmdet/engine/trainer.h"
#include "ghmdet/io/checkpoint.h"
#include "tiny_training.h"

namespace ghmdet {
namespace {

namespace fs = std::filesystem;
using testing::TinyDetector;
using testing::TinySource;
using testing::tiny_trainer_options;

std::string fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("ghmdet_engine_" + name);
  fs::remove_all(dir);
  return dir.string();
}

std::map<std::string, torch::Tensor> snapshot(const torch::nn::Module& m) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : m.named_parameters()) out[p.key()] = p.value().detach().clone();
  for (const auto& b : m.named_buffers()) out[b.key()] = b.value().detach().clone();
  return out;
}

void expect_bit_equal(const std::map<std::string, torch::Tensor>& a,
                      const std::map<std::string, torch::Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [k, v] : a) {
    ASSERT_TRUE(b.count(k)) << k;
    EXPECT_TRUE(torch::equal(v, b.at(k))) << k << " differs";
  }
}

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::ifstream f(path);
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(f, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(Trainer, TwentyIterationsOnAFixedBatchDecreaseTheLoss) {
  const std::string dir = fresh_dir("smoke");
  TinyDetector model(1);
  TinySource source(20, 2, /*seed=*/3, /*fixed=*/true);
  std::vector<double> losses;
  TrainerHooks hooks;
  hooks.after_iter.push_back([&](Trainer& t) { losses.push_back(t.state().last_losses.at("loss")); });
  auto options = tiny_trainer_options(dir, 1).log_interval(5).lr_schedule(LrScheduleOptions());
  const TrainResult result = Trainer(model.ptr(), source, options, hooks).train();

  EXPECT_EQ(result.status, TrainResult::Status::kCompleted);
  EXPECT_EQ(result.state.global_iter, 20);
  ASSERT_EQ(losses.size(), 20u);
  for (double l : losses) EXPECT_TRUE(std::isfinite(l));
  EXPECT_LT(losses.back(), 0.5 * losses.front());
  // Logs: 4 logged iterations of averaged values, and a text log.
  const auto metrics = read_jsonl(dir + "/metrics.jsonl");
  ASSERT_EQ(metrics.size(), 4u);
  EXPECT_EQ(metrics[0]["mode"], "train");
  EXPECT_EQ(metrics[0]["iter"], 5);
  EXPECT_EQ(metrics[3]["global_iter"], 20);
  const double mean_first5 = (losses[0] + losses[1] + losses[2] + losses[3] + losses[4]) / 5;
  EXPECT_NEAR(metrics[0]["loss"].get<double>(), mean_first5, 1e-12);
  for (const char* key : {"lr", "time", "data_time", "memory", "loss_cls", "loss_bbox"}) {
    EXPECT_TRUE(metrics[0].contains(key)) << key;
  }
  EXPECT_TRUE(fs::exists(dir + "/train.log"));
  EXPECT_TRUE(fs::exists(dir + "/epoch_1.pth"));
  ASSERT_TRUE(fs::is_symlink(dir + "/latest.pth"));
  EXPECT_EQ(fs::read_symlink(dir + "/latest.pth").string(), "epoch_1.pth");
}

TEST(Trainer, InterruptedBySigintAndResumedIsBitExact) {
  // Uninterrupted reference: 2 epochs x 5 batches.
  const std::string ref_dir = fresh_dir("resume_ref");
  TinyDetector ref(11);
  TinySource ref_source(5, 2);
  Trainer(ref.ptr(), ref_source, tiny_trainer_options(ref_dir, 2)).train();

  // Same run, SIGINT raised during global iteration 7 (epoch 2, batch 2).
  const std::string dir = fresh_dir("resume_cut");
  TinyDetector first(11);
  TinySource source(5, 2);
  TrainerHooks hooks;
  hooks.after_iter.push_back([](Trainer& t) {
    if (t.state().global_iter == 7) std::raise(SIGINT);
  });
  const TrainResult cut = Trainer(first.ptr(), source, tiny_trainer_options(dir, 2), hooks).train();
  ASSERT_EQ(cut.status, TrainResult::Status::kInterrupted);
  EXPECT_EQ(cut.state.global_iter, 7);
  EXPECT_EQ(fs::read_symlink(dir + "/latest.pth").string(), "iter_7.pth");
  const Checkpoint saved = load_checkpoint(dir + "/iter_7.pth");
  EXPECT_EQ(saved.meta["epoch"], 1);
  EXPECT_EQ(saved.meta["iter"], 7);
  EXPECT_EQ(saved.meta["inner_iter"], 2);

  // A new process would build a differently initialised model: the checkpoint must win.
  TinyDetector second(99);
  TinySource source2(5, 2);
  const TrainResult resumed =
      Trainer(second.ptr(), source2, tiny_trainer_options(dir, 2).resume_from(dir + "/latest.pth"))
          .train();
  EXPECT_EQ(resumed.status, TrainResult::Status::kCompleted);
  EXPECT_EQ(resumed.state.global_iter, 10);
  EXPECT_EQ(second->calls, 3);  // only the 3 remaining iterations ran
  expect_bit_equal(snapshot(*ref), snapshot(*second));

  // Resuming from an epoch boundary is exact too.
  const std::string dir3 = fresh_dir("resume_epoch");
  TinyDetector third(5);
  TinySource source3(5, 2);
  Trainer(third.ptr(), source3, tiny_trainer_options(dir3, 2).resume_from(ref_dir + "/epoch_1.pth"))
      .train();
  expect_bit_equal(snapshot(*ref), snapshot(*third));
}

TEST(Trainer, NanLossStopsNamingTheTermAndKeepsTheLastGoodCheckpoint) {
  const std::string dir = fresh_dir("nan");
  TinyDetector model(2);
  model->nan_at_call = 4;
  TinySource source(5, 2);
  std::map<std::string, torch::Tensor> at_iter2;
  TrainerHooks hooks;
  hooks.after_iter.push_back([&](Trainer& t) {
    if (t.state().global_iter == 2) at_iter2 = snapshot(t.model());
  });
  Trainer trainer(model.ptr(), source, tiny_trainer_options(dir, 2).checkpoint_iter_interval(2), hooks);
  try {
    trainer.train();
    FAIL() << "expected a NaN error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("loss_bbox is nan at epoch 1 iter 4"), std::string::npos) << msg;
    EXPECT_NE(msg.find("iter_2.pth"), std::string::npos) << msg;
  }
  EXPECT_EQ(fs::read_symlink(dir + "/latest.pth").string(), "iter_2.pth");
  EXPECT_FALSE(fs::exists(dir + "/iter_4.pth"));
  const Checkpoint good = load_checkpoint(dir + "/latest.pth");
  for (const auto& item : good.model) {
    EXPECT_TRUE(torch::isfinite(item.value()).all().item<bool>()) << item.key();
    EXPECT_TRUE(torch::equal(item.value(), at_iter2.at(item.key()))) << item.key();
  }
  // The metrics file says why the run ended.
  const auto metrics = read_jsonl(dir + "/metrics.jsonl");
  ASSERT_FALSE(metrics.empty());
  EXPECT_EQ(metrics.back()["mode"], "error");
}

TEST(Trainer, LoadFromStartsFreshWithTheFileWeights) {
  const std::string dir = fresh_dir("load_from_src");
  TinyDetector trained(3);
  TinySource source(3, 2);
  Trainer(trained.ptr(), source, tiny_trainer_options(dir, 1)).train();
  const auto weights = snapshot(*trained);

  const std::string dir2 = fresh_dir("load_from_dst");
  TinyDetector fresh(4);
  TinySource source2(3, 2);
  bool checked = false;
  TrainerHooks hooks;
  hooks.before_epoch.push_back([&](Trainer& t) {
    EXPECT_EQ(t.state().epoch, 0);
    EXPECT_EQ(t.state().global_iter, 0);
    EXPECT_TRUE(torch::equal(fresh->conv->weight, weights.at("conv.weight")));
    EXPECT_FALSE(t.optimizer().momentum_buffer(0).defined());  // optimizer state not loaded
    checked = true;
  });
  Trainer(fresh.ptr(), source2, tiny_trainer_options(dir2, 1).load_from(dir + "/epoch_1.pth"), hooks)
      .train();
  EXPECT_TRUE(checked);
}

TEST(Trainer, GradientSyncRunsBetweenBackwardAndStep) {
  const std::string dir = fresh_dir("sync");
  TinyDetector model(6);
  const auto before = snapshot(*model);
  TinySource source(2, 2);
  int calls = 0;
  TrainerHooks hooks;
  hooks.gradient_sync = [&](const NamedParameters& params) {
    ++calls;
    for (const auto& [name, p] : params) {
      ASSERT_TRUE(p.grad().defined()) << name;
      p.grad().zero_();  // as if every other rank cancelled this one out
    }
  };
  Trainer(model.ptr(), source,
          tiny_trainer_options(dir, 1).optimizer(SGDOptions().lr(0.1).momentum(0.9).weight_decay(0.0)),
          hooks)
      .train();
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(torch::equal(model->conv->weight, before.at("conv.weight")));
}

TEST(Trainer, BadOptionsAndEmptySourcesThrow) {
  TinyDetector model(0);
  TinySource empty(0, 2);
  EXPECT_THROW(Trainer(model.ptr(), empty, tiny_trainer_options(fresh_dir("bad"), 0)), Error);
  EXPECT_THROW(Trainer(model.ptr(), empty, tiny_trainer_options(fresh_dir("empty"), 1)).train(), Error);
}

TEST(Trainer, EvalHookLogsMetricsEveryIntervalAndAfterTheLastEpoch) {
  const std::string dir = fresh_dir("eval");
  TinyDetector model(8);
  TinySource train(2, 2);
  TinySource val(2, 3);
  std::vector<int64_t> evaluated_epochs;
  TrainerHooks hooks;
  hooks.after_epoch.push_back(make_eval_hook(
      val,
      [&](const std::vector<ImageDetections>& dets) {
        EXPECT_EQ(dets.size(), 6u);
        evaluated_epochs.push_back(static_cast<int64_t>(evaluated_epochs.size()));
        return nlohmann::json{{"bbox_mAP", 0.5}, {"images", dets.size()}};
      },
      /*interval=*/2));
  hooks.after_epoch.push_back([](Trainer& t) { EXPECT_TRUE(t.model().is_training()); });
  Trainer(model.ptr(), train, tiny_trainer_options(dir, 3), hooks).train();
  EXPECT_EQ(evaluated_epochs.size(), 2u);  // after epochs 2 and 3 (the last)
  std::vector<nlohmann::json> val_entries;
  for (const auto& e : read_jsonl(dir + "/metrics.jsonl")) {
    if (e["mode"] == "val") val_entries.push_back(e);
  }
  ASSERT_EQ(val_entries.size(), 2u);
  EXPECT_EQ(val_entries[0]["epoch"], 2);
  EXPECT_EQ(val_entries[1]["epoch"], 3);
  EXPECT_EQ(val_entries[1]["bbox_mAP"], 0.5);
  EXPECT_EQ(val_entries[1]["global_iter"], 6);
}

}  // namespace
}  // namespace ghmdet
