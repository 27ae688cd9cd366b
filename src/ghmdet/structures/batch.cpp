#include "ghmdet/structures/batch.h"

namespace ghmdet {

Batch Batch::to(const torch::Device& device, bool non_blocking) const {
  Batch out;
  out.images = images.defined() ? images.to(device, non_blocking) : images;
  out.metas = metas;
  auto move_all = [&](const std::vector<torch::Tensor>& in) {
    std::vector<torch::Tensor> moved;
    moved.reserve(in.size());
    for (const auto& t : in) moved.push_back(t.defined() ? t.to(device, non_blocking) : t);
    return moved;
  };
  out.gt_boxes = move_all(gt_boxes);
  out.gt_labels = move_all(gt_labels);
  out.gt_boxes_ignore = move_all(gt_boxes_ignore);
  return out;
}

}  // namespace ghmdet
