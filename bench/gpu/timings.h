// The GPU check's timings and training runs, on `device`, as JSON rows (seconds are medians of
// scale.iters calls after scale.warmup untimed ones; device/timer.h).
//
// time_losses:          forward + backward of GHM-C (GHMDet's kernels, and the tensor-op path),
//                       focal loss and GHM-R over the anchors of the scale's images.
// time_training_steps:  Trainer iterations (loss, backward, gradient clipping, SGD step) of the
//                       focal-loss and the GHM config on generated batches, float32 and with
//                       `fp16` (dynamic loss scale; bf16 autocast on a CPU).
// time_inference:       RetinaNet::predict, batch 1.
// train_generated:      a short training of the scale's small detector on generated batches,
//                       float32 and fp16: each iteration's loss, to show that it learns.
#pragma once

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <string>

#include "gpu/check_scale.h"

namespace ghmdet::bench {

nlohmann::json time_losses(const torch::Device& device, const CheckScale& scale);
nlohmann::json time_training_steps(const torch::Device& device, const CheckScale& scale,
                                   const std::string& source_dir, const std::string& work_dir);
nlohmann::json time_inference(const torch::Device& device, const CheckScale& scale,
                              const std::string& source_dir);
nlohmann::json train_generated(const torch::Device& device, const CheckScale& scale,
                               const std::string& source_dir, const std::string& work_dir);

}  // namespace ghmdet::bench
