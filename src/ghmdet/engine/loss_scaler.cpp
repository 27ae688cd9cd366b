#include "ghmdet/engine/loss_scaler.h"

#include <fmt/format.h>

#include <cmath>

#include "ghmdet/core/error.h"

namespace ghmdet {

namespace {

constexpr double kBackoff = 0.5;
constexpr double kGrowth = 2.0;

void check_scale(double scale, const std::string& what) {
  if (!(std::isfinite(scale) && scale > 0.0)) {
    throw Error(fmt::format("{}: the loss scale must be a finite number > 0, got {}", what, scale));
  }
}

}  // namespace

std::string to_string(LossScaleOptions::Mode mode) {
  return mode == LossScaleOptions::Mode::kStatic ? "static" : "dynamic";
}

LossScaler::LossScaler(LossScaleOptions options) : options_(options), scale_(options.scale) {
  check_scale(options_.scale, "fp16.loss_scale");
  if (options_.growth_interval < 1) {
    throw Error(fmt::format("fp16: growth_interval must be >= 1, got {}", options_.growth_interval));
  }
}

torch::Tensor LossScaler::scale(const torch::Tensor& loss) const { return loss * scale_; }

torch::Tensor LossScaler::unscale_(const std::vector<torch::Tensor>& params) const {
  torch::NoGradGuard no_grad;
  // GradScaler's reciprocal: computed in double, applied in the gradients' dtype. For a power
  // of two (every dynamic scale, and the usual static ones) the division is exact.
  const double inv_scale = 1.0 / scale_;
  std::vector<torch::Tensor> all_finite;
  all_finite.reserve(params.size());
  for (const auto& p : params) {
    torch::Tensor g = p.grad();
    if (!g.defined()) continue;
    g.mul_(inv_scale);
    all_finite.push_back(torch::isfinite(g).all());
  }
  if (all_finite.empty()) return {};
  return torch::stack(all_finite).all().logical_not();
}

void LossScaler::update(bool found_inf) {
  if (options_.mode == LossScaleOptions::Mode::kStatic) return;
  if (found_inf) {
    scale_ *= kBackoff;
    growth_tracker_ = 0;
    return;
  }
  if (++growth_tracker_ < options_.growth_interval) return;
  const double grown = scale_ * kGrowth;
  if (std::isfinite(grown)) scale_ = grown;
  growth_tracker_ = 0;
}

nlohmann::json LossScaler::state_dict() const {
  return {{"mode", to_string(options_.mode)}, {"scale", scale_}, {"growth_tracker", growth_tracker_}};
}

bool LossScaler::load_state_dict(const nlohmann::json& state, const std::string& source) {
  const std::string where = source + ": meta.fp16.loss_scaler";
  if (!state.is_object()) throw Error(where + ": expected an object, got " + state.dump());
  for (const char* key : {"mode", "scale", "growth_tracker"}) {
    if (!state.contains(key)) throw Error(fmt::format("{}.{}: missing", where, key));
  }
  const auto& mode = state["mode"];
  if (!mode.is_string() || (mode != "static" && mode != "dynamic")) {
    throw Error(fmt::format("{}.mode: expected \"static\" or \"dynamic\", got {}", where, mode.dump()));
  }
  const auto& scale = state["scale"];
  if (!scale.is_number()) throw Error(fmt::format("{}.scale: expected a number, got {}", where, scale.dump()));
  check_scale(scale.get<double>(), where + ".scale");
  const auto& tracker = state["growth_tracker"];
  if (!tracker.is_number_integer() || tracker.get<int64_t>() < 0) {
    throw Error(fmt::format("{}.growth_tracker: expected an integer >= 0, got {}", where, tracker.dump()));
  }
  if (mode.get<std::string>() != to_string(options_.mode)) return false;
  if (options_.mode == LossScaleOptions::Mode::kStatic) return true;
  scale_ = scale.get<double>();
  growth_tracker_ = tracker.get<int64_t>();
  return true;
}

}  // namespace ghmdet
