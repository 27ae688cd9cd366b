// NMS of float32 CUDA boxes on the GPU (ops/nms.h semantics; idxs undefined: one group), in
// builds with GHMDet's CUDA kernels. Sort, suppression mask and greedy pass run on the device;
// the one host synchronisation reads the number of kept boxes, which sizes the result.
#pragma once

#include <torch/torch.h>

#include "ghmdet/ops/nms.h"

namespace ghmdet {

// True when nms_cuda takes these boxes: float32 on a CUDA device, at most
// nms_kernels::cuda::kMaxSelectBoxes of them.
bool nms_cuda_supports(const torch::Tensor& boxes);

torch::Tensor nms_cuda(const torch::Tensor& boxes, const torch::Tensor& scores,
                       const torch::Tensor& idxs, const NmsOptions& options);

}  // namespace ghmdet
