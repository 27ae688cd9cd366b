// The detector and the Trainer as the GPU check runs them: a freshly initialised detector from a
// config of the source tree, and one epoch of Trainer iterations on a BatchSource with each
// iteration's loss and wall time recorded (the trainer reads the losses back once per iteration,
// so an iteration's time includes its device work). SGD 0.01 / 0.9 / 1e-4, gradient clipping at
// 35, optional linear warm-up, fp16 with a dynamic loss scale; no log lines, no signal handling.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "ghmdet/engine/trainer.h"
#include "ghmdet/modeling/retinanet.h"

namespace ghmdet::bench {

std::shared_ptr<RetinaNetImpl> detector_from(const std::string& source_dir, const std::string& config);

TrainerOptions bench_trainer_options(const torch::Device& device, const std::string& work_dir, bool fp16,
                                     int64_t warmup_iters);

struct TrainRun {
  std::vector<double> losses, seconds;  // per iteration
  TrainState state;
};

// Trains `model` for one epoch of `source`; work_dir is emptied before and after.
TrainRun run_trainer(std::shared_ptr<RetinaNetImpl> model, BatchSource& source, TrainerOptions options);

}  // namespace ghmdet::bench
