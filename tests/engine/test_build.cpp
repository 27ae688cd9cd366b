// build_trainer_options: the config's training keys, defaults, and errors naming the key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ghmdet/core/error.h"
#include "ghmdet/engine/build.h"

namespace ghmdet {
namespace {

const char* kSchedule = R"(
optimizer: {type: SGD, lr: 0.01, momentum: 0.9, weight_decay: 0.0001}
optimizer_config: {grad_clip: {max_norm: 35, norm_type: 2}}
lr_config: {policy: step, warmup: linear, warmup_iters: 500, warmup_ratio: 0.3333333333333333, step: [8, 11]}
checkpoint_config: {interval: 1}
log_config: {interval: 50, hooks: [{type: TextLoggerHook}]}
total_epochs: 12
work_dir: ./work_dirs/ghm
load_from: null
resume_from: null
)";

TEST(BuildTrainerOptions, ReadsThePaperSchedule) {
  const TrainerOptions o = build_trainer_options(Config::from_string(kSchedule, "sched.yaml"));
  EXPECT_EQ(o.optimizer().lr(), 0.01);
  EXPECT_EQ(o.optimizer().momentum(), 0.9);
  EXPECT_EQ(o.optimizer().weight_decay(), 0.0001);
  ASSERT_TRUE(o.grad_clip().has_value());
  EXPECT_EQ(o.grad_clip()->max_norm(), 35.0);
  EXPECT_EQ(o.lr_schedule().step(), (std::vector<int64_t>{8, 11}));
  EXPECT_EQ(o.lr_schedule().warmup(), WarmupKind::kLinear);
  EXPECT_EQ(o.lr_schedule().warmup_iters(), 500);
  EXPECT_EQ(o.lr_schedule().base_lr(), 0.01);
  EXPECT_EQ(o.total_epochs(), 12);
  EXPECT_EQ(o.checkpoint_interval(), 1);
  EXPECT_EQ(o.checkpoint_iter_interval(), 0);
  EXPECT_EQ(o.checkpoint_max_keep(), -1);
  EXPECT_EQ(o.log_interval(), 50);
  EXPECT_EQ(o.work_dir(), "./work_dirs/ghm");
  EXPECT_EQ(o.load_from(), "");
  EXPECT_NE(o.config_text().find("total_epochs: 12"), std::string::npos);
}

TEST(BuildTrainerOptions, OptionalFormsAndDefaults) {
  const TrainerOptions o = build_trainer_options(Config::from_string(R"(
optimizer: {type: SGD, lr: 0.02}
optimizer_config: {grad_clip: null}
lr_config: {policy: step, step: 3}
checkpoint_config: {interval: 100, by_epoch: false, max_keep_ckpts: 3}
total_epochs: 10
)"));
  EXPECT_EQ(o.checkpoint_max_keep(), 3);
  EXPECT_FALSE(o.grad_clip().has_value());
  EXPECT_EQ(o.lr_schedule().step(), (std::vector<int64_t>{3, 6, 9}));
  EXPECT_EQ(o.lr_schedule().warmup(), WarmupKind::kNone);
  EXPECT_EQ(o.checkpoint_interval(), 0);
  EXPECT_EQ(o.checkpoint_iter_interval(), 100);
  EXPECT_EQ(o.optimizer().momentum(), 0.0);
}

void expect_error(const std::string& yaml, const std::string& needle) {
  try {
    build_trainer_options(Config::from_string(yaml, "bad.yaml"));
    FAIL() << "no error for: " << yaml;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(BuildTrainerOptions, ErrorsNameTheKey) {
  expect_error("optimizer: {type: SGD, lr: 0.01, mommentum: 0.9}\ntotal_epochs: 1\n", "momentum");
  expect_error("optimizer: {type: Adam, lr: 0.01}\ntotal_epochs: 1\n", "Adam");
  expect_error("optimizer: {type: SGD, lr: 0.01}\n", "total_epochs");
  expect_error("optimizer: {type: SGD, lr: 0.01}\ntotal_epochs: 1\nlr_config: {policy: cosine}\n",
               "cosine");
  expect_error("optimizer: {type: SGD, lr: 0.01}\ntotal_epochs: 1\nlog_config: {intervall: 5}\n",
               "interval");
  expect_error("optimizer: {type: SGD, lr: fast}\ntotal_epochs: 1\n", "optimizer.lr");
  expect_error("optimizer: {type: SGD, lr: 0.1}\ntotal_epochs: 1\n"
               "checkpoint_config: {max_keep_ckpts: 0}\n",
               "checkpoint_config.max_keep_ckpts: must be -1 (keep all) or >= 1, got 0");
}

// Values of the right type but outside their range are refused before training starts, naming
// the key.
TEST(BuildTrainerOptions, OutOfRangeValuesNameTheKey) {
  const std::string sgd = "optimizer: {type: SGD, lr: 0.01}\n";
  expect_error("optimizer: {type: SGD, lr: 0.01, momentum: 1.5}\ntotal_epochs: 1\n",
               "optimizer.momentum: must be in [0, 1)");
  expect_error("optimizer: {type: SGD, lr: 0}\ntotal_epochs: 1\n", "optimizer.lr: must be positive");
  expect_error("optimizer: {type: SGD, lr: 0.01, weight_decay: -1}\ntotal_epochs: 1\n",
               "optimizer.weight_decay: must not be negative");
  expect_error(sgd + "total_epochs: 0\n", "total_epochs: must be at least 1");
  expect_error(sgd + "total_epochs: 1\nlr_config: {gamma: 0}\n", "lr_config.gamma: must be positive");
  expect_error(sgd + "total_epochs: 1\nlr_config: {warmup: linear, warmup_ratio: 2}\n",
               "lr_config.warmup_ratio: must be in (0, 1]");
  expect_error(sgd + "total_epochs: 1\nlr_config: {warmup: linear, warmup_iters: -5}\n",
               "lr_config.warmup_iters: must not be negative");
  expect_error(sgd + "total_epochs: 1\ncheckpoint_config: {interval: -1}\n",
               "checkpoint_config.interval: must not be negative");
  expect_error(sgd + "total_epochs: 1\nlog_config: {interval: 0}\n", "log_config.interval: must be at least 1");
  expect_error(sgd + "total_epochs: 1\noptimizer_config: {grad_clip: {max_norm: 0}}\n",
               "optimizer_config.grad_clip.max_norm: must be positive");
}

// fp16: mmdetection's key and shape, static or dynamic; absent or null = float32 training.
TEST(BuildTrainerOptions, Fp16LossScale) {
  const std::string base = "optimizer: {type: SGD, lr: 0.01}\ntotal_epochs: 1\n";
  EXPECT_FALSE(build_trainer_options(Config::from_string(base)).fp16().has_value());
  EXPECT_FALSE(build_trainer_options(Config::from_string(base + "fp16: null\n")).fp16().has_value());

  const auto fixed = build_trainer_options(Config::from_string(base + "fp16: {loss_scale: 512.0}\n")).fp16();
  ASSERT_TRUE(fixed.has_value());
  EXPECT_EQ(fixed->loss_scale().mode, LossScaleOptions::Mode::kStatic);
  EXPECT_EQ(fixed->loss_scale().scale, 512.0);

  const auto dynamic = build_trainer_options(Config::from_string(base + "fp16: {loss_scale: dynamic}\n")).fp16();
  ASSERT_TRUE(dynamic.has_value());
  EXPECT_EQ(dynamic->loss_scale().mode, LossScaleOptions::Mode::kDynamic);
  EXPECT_EQ(dynamic->loss_scale().scale, 65536.0);
  EXPECT_EQ(dynamic->loss_scale().growth_interval, 2000);

  // mmcv's default when loss_scale is left out.
  const auto empty = build_trainer_options(Config::from_string(base + "fp16: {}\n")).fp16();
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->loss_scale().mode, LossScaleOptions::Mode::kStatic);
  EXPECT_EQ(empty->loss_scale().scale, 512.0);

  const std::string bad = base + "fp16: ";
  expect_error(bad + "{loss_scale: -1}\n", "bad.yaml:3");
  expect_error(bad + "{loss_scale: -1}\n", "fp16.loss_scale: expected a number > 0 or 'dynamic', got -1");
  expect_error(bad + "{loss_scale: 0}\n", "fp16.loss_scale: expected a number > 0 or 'dynamic', got 0");
  expect_error(bad + "{loss_scale: .inf}\n", "fp16.loss_scale: expected a number > 0 or 'dynamic'");
  expect_error(bad + "{loss_scale: dynamc}\n", "fp16.loss_scale: expected a number > 0 or 'dynamic', got 'dynamc'");
  expect_error(bad + "{loss_scale: [512]}\n", "fp16.loss_scale: expected a number > 0 or 'dynamic'");
  expect_error(bad + "{scale: 512}\n", "unknown key 'scale'");
  expect_error(bad + "512\n", "fp16: expected a map such as {loss_scale: 512.0} or {loss_scale: dynamic}");
}

// The same key in a Python config, as mmdetection writes it.
TEST(BuildTrainerOptions, Fp16FromAPythonConfig) {
  const auto dir = std::filesystem::path(::testing::TempDir());
  auto load = [&](const std::string& name, const std::string& fp16_line) {
    const std::string path = (dir / name).string();
    std::ofstream(path) << "optimizer = dict(type='SGD', lr=0.01)\ntotal_epochs = 1\n" << fp16_line << "\n";
    return build_trainer_options(Config::load(path)).fp16();
  };
  const auto fixed = load("fp16_static.py", "fp16 = dict(loss_scale=512.)");
  ASSERT_TRUE(fixed.has_value());
  EXPECT_EQ(fixed->loss_scale().mode, LossScaleOptions::Mode::kStatic);
  EXPECT_EQ(fixed->loss_scale().scale, 512.0);
  const auto dynamic = load("fp16_dynamic.py", "fp16 = dict(loss_scale='dynamic')");
  ASSERT_TRUE(dynamic.has_value());
  EXPECT_EQ(dynamic->loss_scale().mode, LossScaleOptions::Mode::kDynamic);
  try {
    load("fp16_bad.py", "fp16 = dict(loss_scale=-4)");
    ADD_FAILURE() << "no error for loss_scale=-4";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fp16_bad.py"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fp16.loss_scale"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ghmdet
