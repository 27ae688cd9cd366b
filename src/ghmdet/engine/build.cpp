#include "ghmdet/engine/build.h"

#include <cmath>

namespace ghmdet {

namespace {

SGDOptions build_optimizer(const Config& cfg) {
  cfg.check_keys({"type", "lr", "momentum", "weight_decay"});
  const std::string type = cfg.get<std::string>("type", "SGD");
  if (type != "SGD") throw cfg["type"].error("unsupported optimizer '" + type + "' (only SGD)");
  const auto o = SGDOptions()
                     .lr(cfg.get<double>("lr"))
                     .momentum(cfg.get<double>("momentum", 0.0))
                     .weight_decay(cfg.get<double>("weight_decay", 0.0));
  if (!(o.lr() > 0)) throw cfg["lr"].error("must be positive");
  // At momentum 1 or more the velocity never decays: training diverges.
  if (!(o.momentum() >= 0 && o.momentum() < 1)) throw cfg["momentum"].error("must be in [0, 1)");
  if (!(o.weight_decay() >= 0)) throw cfg["weight_decay"].error("must not be negative");
  return o;
}

std::optional<GradClipOptions> build_grad_clip(const Config& root) {
  if (!root.has("optimizer_config") || root["optimizer_config"].is_null()) return std::nullopt;
  const Config cfg = root["optimizer_config"];
  cfg.check_keys({"grad_clip"});
  if (!cfg.has("grad_clip") || cfg["grad_clip"].is_null()) return std::nullopt;
  const Config clip = cfg["grad_clip"];
  clip.check_keys({"max_norm", "norm_type"});
  const auto o = GradClipOptions().max_norm(clip.get<double>("max_norm")).norm_type(clip.get<double>("norm_type", 2.0));
  if (!(o.max_norm() > 0)) throw clip["max_norm"].error("must be positive");
  return o;
}

LrScheduleOptions build_lr_schedule(const Config& cfg, int64_t total_epochs) {
  cfg.check_keys({"policy", "step", "gamma", "warmup", "warmup_iters", "warmup_ratio"});
  LrScheduleOptions out;
  out.policy(parse_lr_policy(cfg.get<std::string>("policy", "step"), cfg.where() + ".policy"));
  if (cfg.has("step") && cfg["step"].is_scalar()) {
    // mmcv's integer form: decay every `step` epochs.
    const int64_t every = cfg.get<int64_t>("step");
    if (every <= 0) throw cfg["step"].error("must be > 0");
    std::vector<int64_t> steps;
    for (int64_t e = every; e < total_epochs; e += every) steps.push_back(e);
    out.step(steps);
  } else {
    out.step(cfg.get<std::vector<int64_t>>("step", {}));
  }
  out.gamma(cfg.get<double>("gamma", 0.1));
  if (!(out.gamma() > 0)) throw cfg["gamma"].error("must be positive");
  out.warmup(parse_warmup(cfg.get<std::string>("warmup", ""), cfg.where() + ".warmup"));
  out.warmup_iters(cfg.get<int64_t>("warmup_iters", out.warmup() == WarmupKind::kNone ? 0 : 500));
  out.warmup_ratio(cfg.get<double>("warmup_ratio", 1.0 / 3.0));
  if (out.warmup_iters() < 0) throw cfg["warmup_iters"].error("must not be negative");
  if (!(out.warmup_ratio() > 0 && out.warmup_ratio() <= 1)) throw cfg["warmup_ratio"].error("must be in (0, 1]");
  return out;
}

// mmdetection's `fp16 = dict(loss_scale=512.)`, or loss_scale 'dynamic'.
std::optional<MixedPrecisionOptions> build_fp16(const Config& root) {
  if (!root.has("fp16") || root["fp16"].is_null()) return std::nullopt;
  const Config cfg = root["fp16"];
  if (!cfg.is_map()) {
    throw cfg.error("expected a map such as {loss_scale: 512.0} or {loss_scale: dynamic}");
  }
  cfg.check_keys({"loss_scale"});
  MixedPrecisionOptions out;
  if (!cfg.has("loss_scale")) return out;  // mmcv's default, 512
  const Config scale = cfg["loss_scale"];
  const char* expected = "expected a number > 0 or 'dynamic'";
  if (!scale.is_scalar()) throw scale.error(expected);
  const std::string text = scale.as<std::string>();
  if (text == "dynamic") {
    out.loss_scale(LossScaleOptions::dynamic());
    return out;
  }
  double value = 0.0;
  try {
    value = scale.as<double>();
  } catch (const Error&) {
    throw scale.error(std::string(expected) + ", got '" + text + "'");
  }
  if (!(std::isfinite(value) && value > 0.0)) {
    throw scale.error(std::string(expected) + ", got " + text);
  }
  out.loss_scale(LossScaleOptions::fixed(value));
  return out;
}

}  // namespace

TrainerOptions build_trainer_options(const Config& root) {
  TrainerOptions out;
  out.total_epochs(root.get<int64_t>("total_epochs"));
  if (out.total_epochs() < 1) throw root["total_epochs"].error("must be at least 1");
  out.optimizer(build_optimizer(root["optimizer"]));
  out.grad_clip(build_grad_clip(root));
  out.lr_schedule(root.has("lr_config")
                      ? build_lr_schedule(root["lr_config"], out.total_epochs())
                      : LrScheduleOptions().policy(LrPolicy::kFixed));
  out.lr_schedule().base_lr(out.optimizer().lr());

  if (root.has("checkpoint_config") && !root["checkpoint_config"].is_null()) {
    const Config ckpt = root["checkpoint_config"];
    ckpt.check_keys({"interval", "iter_interval", "by_epoch", "max_keep_ckpts"});
    const int64_t max_keep = ckpt.get<int64_t>("max_keep_ckpts", -1);
    if (max_keep == 0 || max_keep < -1) {
      throw ckpt["max_keep_ckpts"].error("must be -1 (keep all) or >= 1, got " +
                                         std::to_string(max_keep));
    }
    out.checkpoint_max_keep(max_keep);
    const int64_t interval = ckpt.get<int64_t>("interval", 1);
    if (interval < 0) throw ckpt["interval"].error("must not be negative");
    if (ckpt.get<int64_t>("iter_interval", 0) < 0) throw ckpt["iter_interval"].error("must not be negative");
    if (ckpt.get<bool>("by_epoch", true)) {
      out.checkpoint_interval(interval);
      out.checkpoint_iter_interval(ckpt.get<int64_t>("iter_interval", 0));
    } else {
      out.checkpoint_interval(0);
      out.checkpoint_iter_interval(interval);
    }
  }
  if (root.has("log_config") && !root["log_config"].is_null()) {
    const Config log = root["log_config"];
    log.check_keys({"interval", "hooks", "ghm_stats_interval"});
    out.log_interval(log.get<int64_t>("interval", 50));
    if (out.log_interval() < 1) throw log["interval"].error("must be at least 1");
  }
  out.fp16(build_fp16(root));
  out.work_dir(root.get<std::string>("work_dir", "work_dirs/default"));
  out.load_from(root.get<std::string>("load_from", ""));
  out.resume_from(root.get<std::string>("resume_from", ""));
  out.config_text(root.dump());
  return out;
}

}  // namespace ghmdet
