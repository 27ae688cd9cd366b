#include "ghmdet/ops/cuda/nms_cuda.h"

#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAStream.h>

#include "ghmdet/ops/cuda/nms_kernels.h"

namespace ghmdet {

bool nms_cuda_supports(const torch::Tensor& boxes) {
  return boxes.is_cuda() && boxes.scalar_type() == torch::kFloat &&
         boxes.size(0) <= nms_kernels::cuda::kMaxSelectBoxes;
}

torch::Tensor nms_cuda(const torch::Tensor& boxes, const torch::Tensor& scores,
                       const torch::Tensor& idxs, const NmsOptions& o) {
  namespace k = nms_kernels::cuda;
  const int64_t n = boxes.size(0);
  const auto long_opts = boxes.options().dtype(torch::kLong);
  if (n == 0) return torch::empty({0}, long_opts);
  // As the CPU path: scores in the boxes' dtype, a stable descending sort.
  const auto order = std::get<1>(scores.to(boxes.dtype()).sort(/*stable=*/true, 0, /*descending=*/true));
  const auto sorted = boxes.index_select(0, order).contiguous();
  torch::Tensor sorted_idxs;
  if (idxs.defined()) sorted_idxs = idxs.to(boxes.device(), torch::kLong).index_select(0, order).contiguous();
  void* stream = c10::cuda::getCurrentCUDAStream(boxes.device().index()).stream();

  auto mask = torch::empty({n, k::mask_words(n)}, long_opts);
  k::nms_mask(sorted.data_ptr<float>(), sorted_idxs.defined() ? sorted_idxs.data_ptr<int64_t>() : nullptr,
              n, o.iou_threshold(), o.suppress_equal(), static_cast<float>(o.pixel_offset()),
              reinterpret_cast<uint64_t*>(mask.data_ptr<int64_t>()), stream);
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  auto keep = torch::empty({n}, long_opts);
  auto count = torch::empty({1}, long_opts);
  k::nms_select(reinterpret_cast<const uint64_t*>(mask.data_ptr<int64_t>()), n,
                keep.data_ptr<int64_t>(), count.data_ptr<int64_t>(), stream);
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  const int64_t kept = count.item<int64_t>();  // the host synchronisation: the result's size
  return order.index_select(0, keep.slice(0, 0, kept));
}

}  // namespace ghmdet
