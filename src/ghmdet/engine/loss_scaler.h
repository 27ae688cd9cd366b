// LossScaler — loss scaling for float16 training: the loss is multiplied by `scale` before
// backward so that small gradients do not flush to zero in float16, and the gradients are
// divided by it again before clipping and the optimizer step (torch.cuda.amp.GradScaler's and
// mmcv's LossScaler's scheme).
//
// Modes:
//   static   the scale never changes (mmdetection's `fp16 = dict(loss_scale=512.)`)
//   dynamic  starts at `scale`; a step whose gradients hold an inf or a nan halves it and resets
//            the growth tracker; `growth_interval` clean steps in a row double it (when the
//            doubled value is still finite) and reset the tracker (GradScaler's defaults:
//            2^16, x0.5, x2, 2000)
// In both modes a step whose unscaled gradients are not all finite must be skipped by the
// caller: update(true) records it.
// Device-agnostic: the scale and the tracker live on the host (the caller reads the overflow
// flag once per step to decide whether to step, which makes keeping them on the device pointless);
// the gradients stay where they are and are only read and scaled in place.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace ghmdet {

struct LossScaleOptions {
  enum class Mode { kStatic, kDynamic };
  Mode mode = Mode::kDynamic;
  double scale = 65536.0;          // static: the scale; dynamic: the first scale
  int64_t growth_interval = 2000;  // dynamic: clean steps before the scale doubles

  static LossScaleOptions fixed(double scale) { return {Mode::kStatic, scale, 2000}; }
  static LossScaleOptions dynamic() { return {}; }
};

// "static" / "dynamic"
std::string to_string(LossScaleOptions::Mode mode);

class LossScaler {
 public:
  // A scale that is not a finite number > 0, or a growth_interval < 1, is a ghmdet::Error.
  explicit LossScaler(LossScaleOptions options);

  // loss * scale, for backward.
  torch::Tensor scale(const torch::Tensor& loss) const;
  // Divides every defined .grad() of `params` by the scale, in place, and returns a 0-dim bool
  // tensor on the gradients' device: true when any gradient element is inf or nan. Undefined
  // when no parameter has a gradient.
  torch::Tensor unscale_(const std::vector<torch::Tensor>& params) const;
  // The outcome of the step just attempted (found_inf: it was skipped).
  void update(bool found_inf);

  double scale_value() const { return scale_; }
  int64_t growth_tracker() const { return growth_tracker_; }
  const LossScaleOptions& options() const { return options_; }

  // {"mode": "dynamic", "scale": 32768.0, "growth_tracker": 12}
  nlohmann::json state_dict() const;
  // Restores a dynamic scaler's scale and tracker from a state_dict() of a dynamic scaler; a
  // static scaler keeps its configured scale (the config's number is the point of static
  // scaling). A malformed entry is a ghmdet::Error naming `source` and the field; a different
  // mode returns false and changes nothing (the caller keeps the configured scale and says so).
  bool load_state_dict(const nlohmann::json& state, const std::string& source);

 private:
  LossScaleOptions options_;
  double scale_;
  int64_t growth_tracker_ = 0;
};

}  // namespace ghmdet
