// GeneratedBatches — a BatchSource of synthetic detection batches for the GPU check: bright
// rectangles (the objects, one class each) on a noisy background, so that a detector's loss has
// something to learn, with no image files and no data layer.
//
// Invariants: `pool` distinct batches made once from `seed` on the CPU, handed out in a fixed
// cycle, `num_batches` per epoch; images float32 [B, 3, pad_h, pad_w] with each image's content in
// its top-left img_h x img_w (pad_h, pad_w: multiples of 32, as the data pipeline pads); boxes
// (x1, y1, x2, y2) inside the image, 1..max_boxes per image, labels in 0..num_classes-1.
#pragma once

#include <torch/torch.h>

#include <optional>
#include <vector>

#include "ghmdet/data/batch_source.h"

namespace ghmdet::bench {

struct GeneratedBatchesOptions {
  TORCH_ARG(int64_t, num_batches) = 10;
  TORCH_ARG(int64_t, batch_size) = 2;
  TORCH_ARG(int64_t, img_h) = 128;
  TORCH_ARG(int64_t, img_w) = 128;
  TORCH_ARG(int64_t, num_classes) = 10;
  TORCH_ARG(int64_t, max_boxes) = 4;
  TORCH_ARG(int64_t, pool) = 4;
  TORCH_ARG(uint64_t, seed) = 0;
};

// One batch as GeneratedBatches makes it (also for callers that need a single batch).
Batch generated_batch(const GeneratedBatchesOptions& options, uint64_t seed);

class GeneratedBatches : public BatchSource {
 public:
  explicit GeneratedBatches(GeneratedBatchesOptions options);
  void set_epoch(int64_t epoch) override { cursor_ = 0; }
  std::optional<Batch> next() override;
  int64_t batches_per_epoch() const override { return options_.num_batches(); }

 private:
  GeneratedBatchesOptions options_;
  std::vector<Batch> pool_;
  int64_t cursor_ = 0;
};

}  // namespace ghmdet::bench
