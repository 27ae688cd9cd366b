// run_inference — a detector's predictions over every batch of a BatchSource (the test loop).
//
// The model is switched to eval mode for the run (its previous mode is restored afterwards) and
// runs under NoGradGuard. Results keep the data's order, one entry per image, with the image's
// ImageMeta (image_id, original shape, file) for the evaluators and result writers; detections
// are moved to the CPU unless `to_cpu` is false (then they stay on `device`). Progress goes to
// stderr: a live line on a terminal, else a plain line every `log_interval` batches and a summary.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "ghmdet/data/batch_source.h"
#include "ghmdet/engine/training_log.h"
#include "ghmdet/modeling/detector.h"
#include "ghmdet/structures/detections.h"
#include "ghmdet/structures/image_meta.h"

namespace ghmdet {

struct ImageDetections {
  ImageMeta meta;
  Detections detections;
};

struct InferenceOptions {
  TORCH_ARG(torch::Device, device) = torch::kCPU;
  TORCH_ARG(bool, to_cpu) = true;
  TORCH_ARG(int64_t, epoch) = 0;          // passed to BatchSource::set_epoch
  TORCH_ARG(ProgressBar, progress) = ProgressBar::kAuto;
  TORCH_ARG(int64_t, log_interval) = 50;  // batches between plain progress lines (0: none)
};

std::vector<ImageDetections> run_inference(DetectorImpl& model, BatchSource& source,
                                           const InferenceOptions& options = {});

}  // namespace ghmdet
