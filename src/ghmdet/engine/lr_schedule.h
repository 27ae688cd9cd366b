// LrSchedule — the learning rate of every training iteration, as mmcv's LrUpdaterHook sets it.
//
// The regular rate depends on the epoch (policy `step`: base_lr * gamma^k where k is the number
// of entries of `step` that are <= epoch, epochs 0-based; policy `fixed`: base_lr). Warm-up acts
// on the GLOBAL iteration i (0-based, counted across epochs) while i < warmup_iters and replaces
// the regular rate by
//   linear:   regular * (1 - (1 - i/W) * (1 - ratio))
//   constant: regular * ratio
//   exp:      regular * ratio^(1 - i/W)
// Every rate is computed in double from these formulas (no running products), so a resumed run
// gets exactly the rates an uninterrupted one would.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/arg.h>

namespace ghmdet {

enum class LrPolicy { kStep, kFixed };
enum class WarmupKind { kNone, kLinear, kConstant, kExp };

// "step" | "fixed"; "linear" | "constant" | "exp" | "none" (or empty). Throw ghmdet::Error
// naming `what` (e.g. "lr_config.policy") on anything else.
LrPolicy parse_lr_policy(const std::string& text, const std::string& what = "lr_config.policy");
WarmupKind parse_warmup(const std::string& text, const std::string& what = "lr_config.warmup");

struct LrScheduleOptions {
  TORCH_ARG(double, base_lr) = 0.01;
  TORCH_ARG(LrPolicy, policy) = LrPolicy::kStep;
  TORCH_ARG(std::vector<int64_t>, step) = {};  // epochs (0-based) at which lr *= gamma
  TORCH_ARG(double, gamma) = 0.1;
  TORCH_ARG(WarmupKind, warmup) = WarmupKind::kNone;
  TORCH_ARG(int64_t, warmup_iters) = 0;
  TORCH_ARG(double, warmup_ratio) = 1.0 / 3.0;
};

class LrSchedule {
 public:
  explicit LrSchedule(LrScheduleOptions options);

  // The rate before warm-up for `epoch` (0-based).
  double regular_lr(int64_t epoch) const;
  // The rate of the iteration with global index `global_iter` in epoch `epoch`.
  double lr_at(int64_t epoch, int64_t global_iter) const;

  const LrScheduleOptions& options() const { return options_; }

 private:
  LrScheduleOptions options_;
};

}  // namespace ghmdet
