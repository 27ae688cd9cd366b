// run_inference — a detector's predictions over every batch of a BatchSource (the test loop).
//
// The model is switched to eval mode for the run (its previous mode is restored afterwards) and
// runs under NoGradGuard. Results keep the data's order, one entry per image, with the image's
// ImageMeta (image_id, original shape, file) for the evaluators and result writers; detections
// are moved to the CPU unless `to_cpu` is false (then they stay on `device`). Progress goes to
// stderr: a live line on a terminal, else a plain line every `log_interval` batches and a summary.
// `times`, when set, gets the seconds spent waiting for batches (loading: decoding, resizing,
// normalising, unless workers did it ahead) and from a batch in memory to its detections on the
// CPU (model: the copy to the device, predict, post-processing, the copy back) added to it.
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

struct InferenceTimes {
  double loading = 0.0;
  double model = 0.0;
};

struct InferenceOptions {
  TORCH_ARG(torch::Device, device) = torch::kCPU;
  TORCH_ARG(bool, to_cpu) = true;
  TORCH_ARG(int64_t, epoch) = 0;          // passed to BatchSource::set_epoch
  TORCH_ARG(ProgressBar, progress) = ProgressBar::kAuto;
  TORCH_ARG(int64_t, log_interval) = 50;  // batches between plain progress lines (0: none)

 public:  // (TORCH_ARG leaves the section private)
  // Where the run's loading and model seconds are added (not owned; nullptr: not timed).
  InferenceOptions& times(InferenceTimes* times) {
    times_ = times;
    return *this;
  }
  InferenceTimes* times() const { return times_; }

 private:
  InferenceTimes* times_ = nullptr;
};

std::vector<ImageDetections> run_inference(DetectorImpl& model, BatchSource& source,
                                           const InferenceOptions& options = {});

}  // namespace ghmdet
