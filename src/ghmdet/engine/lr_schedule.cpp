#include "ghmdet/engine/lr_schedule.h"

#include <cmath>

#include "ghmdet/core/error.h"

namespace ghmdet {

LrPolicy parse_lr_policy(const std::string& text, const std::string& what) {
  if (text == "step") return LrPolicy::kStep;
  if (text == "fixed") return LrPolicy::kFixed;
  throw Error(what + ": unknown policy '" + text + "' (expected 'step' or 'fixed')");
}

WarmupKind parse_warmup(const std::string& text, const std::string& what) {
  if (text.empty() || text == "none") return WarmupKind::kNone;
  if (text == "linear") return WarmupKind::kLinear;
  if (text == "constant") return WarmupKind::kConstant;
  if (text == "exp") return WarmupKind::kExp;
  throw Error(what + ": unknown warm-up '" + text +
              "' (expected 'linear', 'constant', 'exp' or null)");
}

LrSchedule::LrSchedule(LrScheduleOptions options) : options_(std::move(options)) {
  if (!(options_.base_lr() >= 0.0)) {
    throw Error("optimizer.lr: must be >= 0, got " + std::to_string(options_.base_lr()));
  }
  if (options_.warmup() != WarmupKind::kNone) {
    if (options_.warmup_iters() <= 0) {
      throw Error("lr_config.warmup_iters: must be > 0 when a warm-up is set, got " +
                  std::to_string(options_.warmup_iters()));
    }
    if (!(options_.warmup_ratio() > 0.0 && options_.warmup_ratio() <= 1.0)) {
      throw Error("lr_config.warmup_ratio: must be in (0, 1], got " +
                  std::to_string(options_.warmup_ratio()));
    }
  }
  for (size_t i = 1; i < options_.step().size(); ++i) {
    if (options_.step()[i] <= options_.step()[i - 1]) {
      throw Error("lr_config.step: epochs must increase strictly");
    }
  }
}

double LrSchedule::regular_lr(int64_t epoch) const {
  if (options_.policy() == LrPolicy::kFixed) return options_.base_lr();
  // mmcv: exponent = index of the first milestone still ahead (all of them when none is).
  int64_t exponent = static_cast<int64_t>(options_.step().size());
  for (size_t i = 0; i < options_.step().size(); ++i) {
    if (epoch < options_.step()[i]) {
      exponent = static_cast<int64_t>(i);
      break;
    }
  }
  return options_.base_lr() * std::pow(options_.gamma(), static_cast<double>(exponent));
}

double LrSchedule::lr_at(int64_t epoch, int64_t global_iter) const {
  const double regular = regular_lr(epoch);
  const int64_t warmup_iters = options_.warmup_iters();
  if (options_.warmup() == WarmupKind::kNone || global_iter >= warmup_iters) return regular;
  const double progress = static_cast<double>(global_iter) / static_cast<double>(warmup_iters);
  const double ratio = options_.warmup_ratio();
  switch (options_.warmup()) {
    case WarmupKind::kLinear:
      return regular * (1.0 - (1.0 - progress) * (1.0 - ratio));
    case WarmupKind::kConstant:
      return regular * ratio;
    case WarmupKind::kExp:
      return regular * std::pow(ratio, 1.0 - progress);
    case WarmupKind::kNone:
      break;
  }
  return regular;
}

}  // namespace ghmdet
