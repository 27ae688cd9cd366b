// The same computation on the CPU (the oracle: GHMDet's CPU kernels, tested against naive
// implementations) and on `device`, as JSON rows for the GPU check's table. Differences are
// reported, not judged: tests/cuda asserts the tolerances; this shows the sizes at full scale.
//
// compare_losses: GHM-C (int64 labels; float16 logits), focal loss and GHM-R at
//   rows x classes — loss, gradient and the EMA state after three calls.
// compare_detector: one RetinaNet (the scale's config, same weights on both) — head outputs,
//   training loss terms and gradients on a generated batch, and the detections.
#pragma once

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <string>

#include "gpu/check_scale.h"

namespace ghmdet::bench {

nlohmann::json compare_losses(const torch::Device& device, const CheckScale& scale);
nlohmann::json compare_detector(const torch::Device& device, const CheckScale& scale,
                                const std::string& source_dir);

}  // namespace ghmdet::bench
