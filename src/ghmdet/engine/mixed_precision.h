// Mixed-precision training: what the config's `fp16` key asks for, and what it means on the
// device the run trains on.
//
//   fp16: {loss_scale: 512.0}      static loss scale (mmdetection's fp16 = dict(loss_scale=512.))
//   fp16: {loss_scale: dynamic}    dynamic loss scale (torch.cuda.amp.GradScaler's scheme)
//
// The plan for a device:
//   CUDA  the model's forward (and its losses) under float16 autocast, with loss scaling as
//         configured (engine/loss_scaler.h).
//   CPU   bfloat16 autocast and no loss scaling: bfloat16 has float32's exponent range, so
//         gradients do not underflow. The loss scale is still carried in checkpoints unchanged,
//         so a run resumed on a GPU continues with it. On a CPU without AVX512-BF16 or AMX-BF16,
//         bfloat16 is emulated (float32 arithmetic with conversions, likely slower than float32);
//         training still runs in bfloat16 so that a config gives the same numerics on every
//         machine, and the plan's note says so.
// Either way the parameters, their gradients and the optimizer state stay float32 (autocast casts
// copies), and the GHM and focal losses compute in float32 (losses/loss_inputs.h converts their
// inputs first).
#pragma once

#include <torch/torch.h>

#include <string>

#include "ghmdet/engine/loss_scaler.h"

namespace ghmdet {

struct MixedPrecisionOptions {
  TORCH_ARG(LossScaleOptions, loss_scale) = LossScaleOptions::fixed(512.0);
};

struct MixedPrecisionPlan {
  at::DeviceType device = at::kCPU;
  at::ScalarType dtype = at::kBFloat16;  // autocast's lower-precision dtype
  bool scale_loss = false;               // loss scaling runs (float16 only)
  std::string note;                      // one log line: what runs, and why
};

// CPU or CUDA; another device type is a ghmdet::Error naming the fp16 key.
MixedPrecisionPlan plan_mixed_precision(const MixedPrecisionOptions& options,
                                        const torch::Device& device);

}  // namespace ghmdet
