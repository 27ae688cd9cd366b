#include "ghmdet/targets/anchor_targets.h"

#include "ghmdet/core/error.h"
#include "ghmdet/structures/boxes.h"

namespace ghmdet {

AnchorTargets anchor_targets_single(const torch::Tensor& anchors, const torch::Tensor& valid,
                                    const torch::Tensor& gt_boxes, const torch::Tensor& gt_labels,
                                    const torch::Tensor& gt_ignore, int64_t num_classes,
                                    const MaxIoUAssigner& assigner, const DeltaBoxCoder& coder,
                                    double pos_weight) {
  check_boxes(anchors, "anchor targets (anchors)");
  check_boxes(gt_boxes, "anchor targets (gt_bboxes)");
  if (!gt_labels.defined() || gt_labels.dim() != 1 || gt_labels.size(0) != gt_boxes.size(0)) {
    throw Error("anchor targets: gt_labels must have shape [" +
                std::to_string(gt_boxes.size(0)) + "]");
  }
  if (num_classes <= 0) throw Error("anchor targets: num_classes must be positive");
  const int64_t n = anchors.size(0);
  auto gt = gt_boxes.to(anchors.dtype());
  auto assign = assigner.assign(anchors, gt, gt_labels, gt_ignore, valid);

  auto pos = assign.gt_inds > 0;
  auto neg = assign.gt_inds == 0;
  AnchorTargets t;
  t.gt_inds = assign.gt_inds;
  t.labels = torch::where(pos, assign.labels, torch::full_like(assign.labels, num_classes));
  auto f32 = anchors.options().dtype(torch::kFloat32);
  const double pw = pos_weight > 0 ? pos_weight : 1.0;
  t.label_weights = pos.to(torch::kFloat32) * pw + neg.to(torch::kFloat32);
  if (gt.size(0) > 0) {
    // Encode every anchor against its (clamped) match and mask: no data-dependent shapes,
    // so no host sync.
    auto matched = gt.index_select(0, (assign.gt_inds - 1).clamp_min(0));
    auto deltas = coder.encode(anchors, matched).to(torch::kFloat32);
    // where, not a multiply: inf/nan of degenerate non-positive pairs must not leak.
    t.bbox_targets = torch::where(pos.unsqueeze(1), deltas, torch::zeros({1, 1}, f32));
  } else {
    t.bbox_targets = torch::zeros({n, 4}, f32);
  }
  t.bbox_weights = pos.unsqueeze(1).expand({n, 4}).to(torch::kFloat32);
  t.num_pos = pos.sum();
  t.num_neg = neg.sum();
  return t;
}

std::vector<torch::Tensor> images_to_levels(const std::vector<torch::Tensor>& per_image,
                                            const std::vector<int64_t>& level_sizes) {
  if (per_image.empty()) throw Error("images_to_levels: no images");
  int64_t total = 0;
  for (auto s : level_sizes) total += s;
  for (const auto& t : per_image) {
    if (!t.defined() || t.dim() < 1 || t.size(0) != total) {
      throw Error("images_to_levels: every image needs " + std::to_string(total) +
                  " rows (sum of level sizes), got " +
                  (t.defined() ? c10::str(t.sizes()) : std::string("undefined")));
    }
  }
  auto stacked = torch::stack(per_image, 0);  // [num_imgs, A, ...]
  std::vector<int64_t> row_shape(stacked.sizes().begin() + 2, stacked.sizes().end());
  std::vector<torch::Tensor> out;
  int64_t start = 0;
  for (auto s : level_sizes) {
    std::vector<int64_t> shape{-1};
    shape.insert(shape.end(), row_shape.begin(), row_shape.end());
    out.push_back(stacked.narrow(1, start, s).reshape(shape));
    start += s;
  }
  return out;
}

}  // namespace ghmdet
