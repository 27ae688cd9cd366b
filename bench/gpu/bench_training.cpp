#include "gpu/bench_training.h"

#include <chrono>
#include <filesystem>

#include "ghmdet/core/config.h"
#include "ghmdet/modeling/build.h"

namespace ghmdet::bench {

std::shared_ptr<RetinaNetImpl> detector_from(const std::string& source_dir, const std::string& config) {
  const Config cfg = Config::load(source_dir + "/" + config, {});
  torch::manual_seed(0);
  return build_detector(cfg["model"], cfg["train_cfg"], cfg["test_cfg"]);
}

TrainerOptions bench_trainer_options(const torch::Device& device, const std::string& work_dir, bool fp16,
                                     int64_t warmup_iters) {
  auto o = TrainerOptions()
               .optimizer(SGDOptions().lr(0.01).momentum(0.9).weight_decay(1e-4))
               .grad_clip(GradClipOptions().max_norm(35.0))
               .lr_schedule(LrScheduleOptions()
                                .base_lr(0.01)
                                .warmup(warmup_iters > 0 ? WarmupKind::kLinear : WarmupKind::kNone)
                                .warmup_iters(warmup_iters)
                                .warmup_ratio(1.0 / 3.0))
               .total_epochs(1)
               .checkpoint_interval(0)
               .log_interval(1000000)
               .work_dir(work_dir)
               .device(device)
               .progress(ProgressBar::kOff)
               .handle_signals(false);
  if (fp16) o.fp16(MixedPrecisionOptions().loss_scale(LossScaleOptions::dynamic()));
  return o;
}

TrainRun run_trainer(std::shared_ptr<RetinaNetImpl> model, BatchSource& source, TrainerOptions options) {
  TrainRun run;
  TrainerHooks hooks;
  auto last = std::chrono::steady_clock::now();
  hooks.before_epoch.push_back([&](Trainer&) { last = std::chrono::steady_clock::now(); });
  hooks.after_iter.push_back([&](Trainer& t) {
    const auto now = std::chrono::steady_clock::now();
    run.seconds.push_back(std::chrono::duration<double>(now - last).count());
    run.losses.push_back(t.state().last_losses.at("loss"));
    last = now;
  });
  std::filesystem::remove_all(options.work_dir());
  run.state = Trainer(model, source, options, hooks).train().state;
  std::filesystem::remove_all(options.work_dir());
  return run;
}

}  // namespace ghmdet::bench
