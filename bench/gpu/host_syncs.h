// count_host_syncs: how often RetinaNet's GPU path waits for the device, counted with
// core/host_sync_counter.h on the scale's GHM config (step_config_ghm, at step_h x step_w):
//   * one training loss (anchors, assigner, targets, losses): the model promises 1;
//   * its backward: must be 0 (run with syncs forbidden; "backward_syncs_forbidden_ok");
//   * one predict per image (post-processing: variable-size outputs need the host);
//   * Trainer iterations, on the trainer's thread (the backward's own thread excluded), per
//     iteration, float32 and fp16.
// On a CPU device, or without a CUDA libtorch 2.x, every count is 0 and "available" says why.
#pragma once

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <string>

#include "gpu/check_scale.h"

namespace ghmdet::bench {

nlohmann::json count_host_syncs(const torch::Device& device, const CheckScale& scale,
                                const std::string& source_dir, const std::string& work_dir);

}  // namespace ghmdet::bench
