#include "ghmdet/structures/boxes.h"

#include "ghmdet/core/error.h"

namespace ghmdet {

void check_boxes(const torch::Tensor& boxes, const std::string& what) {
  if (!boxes.defined()) throw Error(what + ": boxes tensor is undefined");
  if (boxes.dim() != 2 || boxes.size(1) != 4) {
    throw Error(what + ": boxes must have shape [N, 4], got " + c10::str(boxes.sizes()));
  }
  if (!boxes.is_floating_point()) {
    throw Error(what + ": boxes must be a floating dtype, got " + c10::str(boxes.scalar_type()));
  }
}

torch::Tensor box_area(const torch::Tensor& boxes, double pixel_offset) {
  check_boxes(boxes, "box_area");
  auto w = boxes.select(1, 2) - boxes.select(1, 0) + pixel_offset;
  auto h = boxes.select(1, 3) - boxes.select(1, 1) + pixel_offset;
  return w * h;
}

namespace {

// Intersection areas [N, M]; broadcasting keeps it to a handful of kernels.
torch::Tensor intersection(const torch::Tensor& a, const torch::Tensor& b, double pixel_offset) {
  auto lt = torch::max(a.unsqueeze(1).narrow(2, 0, 2), b.unsqueeze(0).narrow(2, 0, 2));
  auto rb = torch::min(a.unsqueeze(1).narrow(2, 2, 2), b.unsqueeze(0).narrow(2, 2, 2));
  auto wh = (rb - lt + pixel_offset).clamp_min_(0);
  return wh.select(2, 0) * wh.select(2, 1);
}

}  // namespace

torch::Tensor box_iou(const torch::Tensor& a, const torch::Tensor& b, double pixel_offset) {
  check_boxes(a, "box_iou (first argument)");
  check_boxes(b, "box_iou (second argument)");
  auto inter = intersection(a, b, pixel_offset);
  auto area_a = box_area(a, pixel_offset);
  auto area_b = box_area(b, pixel_offset);
  return inter / (area_a.unsqueeze(1) + area_b.unsqueeze(0) - inter);
}

torch::Tensor box_iof(const torch::Tensor& a, const torch::Tensor& b, double pixel_offset) {
  check_boxes(a, "box_iof (first argument)");
  check_boxes(b, "box_iof (second argument)");
  return intersection(a, b, pixel_offset) / box_area(a, pixel_offset).unsqueeze(1);
}

torch::Tensor clip_boxes(const torch::Tensor& boxes, int64_t height, int64_t width,
                         double pixel_offset) {
  check_boxes(boxes, "clip_boxes");
  const double max_x = static_cast<double>(width) - pixel_offset;
  const double max_y = static_cast<double>(height) - pixel_offset;
  auto x = boxes.index({torch::indexing::Slice(), torch::indexing::Slice(0, 4, 2)}).clamp(0, max_x);
  auto y = boxes.index({torch::indexing::Slice(), torch::indexing::Slice(1, 4, 2)}).clamp(0, max_y);
  return torch::stack({x.select(1, 0), y.select(1, 0), x.select(1, 1), y.select(1, 1)}, 1);
}

}  // namespace ghmdet
