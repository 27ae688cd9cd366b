#include "ghmdet/engine/mixed_precision.h"

#include <fmt/format.h>

#include "ghmdet/core/cpu_features.h"
#include "ghmdet/core/error.h"

namespace ghmdet {

namespace {

std::string describe_scale(const LossScaleOptions& o) {
  return o.mode == LossScaleOptions::Mode::kStatic
             ? fmt::format("static loss scale {}", o.scale)
             : fmt::format("dynamic loss scale from {}, x2 after {} clean steps, x0.5 on overflow",
                           o.scale, o.growth_interval);
}

}  // namespace

MixedPrecisionPlan plan_mixed_precision(const MixedPrecisionOptions& options,
                                        const torch::Device& device) {
  MixedPrecisionPlan plan;
  plan.device = device.type();
  if (device.is_cuda()) {
    plan.dtype = at::kHalf;
    plan.scale_loss = true;
    plan.note = fmt::format("fp16: the model runs under float16 autocast on {}, {}; weights, "
                            "gradients and losses stay float32",
                            device.str(), describe_scale(options.loss_scale()));
    return plan;
  }
  if (!device.is_cpu()) {
    throw Error(fmt::format("fp16: mixed precision runs on cpu or cuda, not on {}", device.str()));
  }
  plan.dtype = at::kBFloat16;
  plan.scale_loss = false;
  plan.note = fmt::format("fp16: on the CPU the model runs under bfloat16 autocast without loss "
                          "scaling (the {} is kept for a GPU resume); weights, gradients and "
                          "losses stay float32; this CPU: {}",
                          describe_scale(options.loss_scale()), cpu_features_description());
  if (!cpu_has_avx512_bf16() && !cpu_has_amx_bf16()) {
    plan.note += "; warning: without AVX512-BF16 or AMX-BF16 bfloat16 is emulated and likely "
                 "slower than float32 (training still runs in bfloat16, as on any other CPU)";
  }
  return plan;
}

}  // namespace ghmdet
