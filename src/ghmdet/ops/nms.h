// Non-maximum suppression.
//
// nms(boxes [N, 4], scores [N]) → int64 [K] indices into the inputs, kept boxes sorted by score
// descending (ties: lower index first, i.e. a stable sort). Greedy: the best remaining box
// suppresses every later box whose IoU with it exceeds the threshold (`suppress_equal`: IoU >=
// threshold, the legacy CPU kernel; otherwise IoU > threshold, torchvision and the legacy GPU
// kernel). IoU uses `pixel_offset` (1: +1 widths). batched_nms only suppresses within the same
// idxs value (class) and returns the kept boxes of all classes in one score-descending order.
// The kernel is a C++ loop over contiguous coordinates on the CPU. Float32 CUDA inputs run on
// the GPU in builds with GHMDet's CUDA kernels (ops/cuda/nms_cuda.h, the same decisions);
// other CUDA inputs are copied to the CPU and the result returned on the input's device.
#pragma once

#include <torch/torch.h>

#include "ghmdet/structures/conventions.h"

namespace ghmdet {

struct NmsOptions {
  static NmsOptions from_conventions(const DetectorConventions& c);

  TORCH_ARG(double, iou_threshold) = 0.5;
  TORCH_ARG(double, pixel_offset) = 0.0;
  TORCH_ARG(bool, suppress_equal) = false;
};

torch::Tensor nms(const torch::Tensor& boxes, const torch::Tensor& scores,
                  const NmsOptions& options = {});

torch::Tensor batched_nms(const torch::Tensor& boxes, const torch::Tensor& scores,
                          const torch::Tensor& idxs, const NmsOptions& options = {});

// torchvision.ops.batched_nms exactly: for at most 1000 boxes on the CPU (5000 on CUDA) it
// offsets each class's boxes by idx * (max coordinate + 1) and runs one NMS, whose float
// rounding can differ from the per-class result near the threshold; above that, per class, and
// equal scores are then ordered by torch's unstable sort exactly as torchvision orders them.
torch::Tensor batched_nms_torchvision(const torch::Tensor& boxes, const torch::Tensor& scores,
                                      const torch::Tensor& idxs, double iou_threshold);

}  // namespace ghmdet
