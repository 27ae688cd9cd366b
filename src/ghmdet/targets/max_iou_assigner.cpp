#include "ghmdet/targets/max_iou_assigner.h"

#include "ghmdet/core/error.h"
#include "ghmdet/structures/boxes.h"

namespace ghmdet {

MaxIoUAssignerOptions MaxIoUAssignerOptions::from_conventions(const DetectorConventions& c) {
  MaxIoUAssignerOptions o;
  o.pixel_offset(c.pixel_offset).style(c.matcher).skip_gt_with_zero_iou(c.skip_gt_with_zero_iou);
  return o;
}

AssignResult MaxIoUAssigner::assign(const torch::Tensor& anchors, const torch::Tensor& gt_boxes,
                                    const torch::Tensor& gt_labels,
                                    const torch::Tensor& gt_ignore,
                                    const torch::Tensor& valid) const {
  check_boxes(anchors, "assigner anchors");
  check_boxes(gt_boxes, "assigner gt_bboxes");
  const auto& o = options_;
  const int64_t num_anchors = anchors.size(0);
  const int64_t num_gts = gt_boxes.size(0);
  if (gt_labels.defined() && (gt_labels.dim() != 1 || gt_labels.size(0) != num_gts)) {
    throw Error("assigner: gt_labels must have shape [" + std::to_string(num_gts) + "], got " +
                c10::str(gt_labels.sizes()));
  }
  if (valid.defined() && (valid.dim() != 1 || valid.size(0) != num_anchors)) {
    throw Error("assigner: valid flags must have shape [" + std::to_string(num_anchors) +
                "], got " + c10::str(valid.sizes()));
  }
  auto i64 = anchors.options().dtype(torch::kInt64);
  AssignResult r;
  r.num_gts = num_gts;

  // Anchors that may take part: -1 IoU excludes the others from every step.
  torch::Tensor excluded;
  if (valid.defined()) excluded = valid.logical_not();
  if (o.ignore_iof_thr() > 0 && gt_ignore.defined() && gt_ignore.numel() > 0) {
    check_boxes(gt_ignore, "assigner gt_bboxes_ignore");
    auto iof = box_iof(anchors, gt_ignore.to(anchors.dtype()), o.pixel_offset());
    auto ignored = std::get<0>(iof.max(1)) > o.ignore_iof_thr();
    excluded = excluded.defined() ? (excluded | ignored) : ignored;
  }

  if (num_gts == 0) {
    r.max_overlaps = torch::zeros({num_anchors}, anchors.options());
    r.gt_inds = torch::zeros({num_anchors}, i64);
    if (excluded.defined()) {
      r.max_overlaps.masked_fill_(excluded, -1);
      r.gt_inds.masked_fill_(excluded, -1);
    }
    r.labels = torch::full({num_anchors}, -1, i64);
    return r;
  }

  // [G, A], gt-major as mmdetection computes it (argmax ties follow torch's max).
  auto overlaps = box_iou(gt_boxes.to(anchors.dtype()), anchors, o.pixel_offset());
  if (excluded.defined()) overlaps.masked_fill_(excluded.unsqueeze(0), -1);

  auto [max_overlaps, argmax] = overlaps.max(0);
  auto [gt_max, gt_argmax] = overlaps.max(1);
  auto matched = argmax + 1;
  torch::Tensor gt_inds;

  if (o.style() == MatcherStyle::kMaxIoU) {
    gt_inds = torch::full({num_anchors}, -1, i64);
    gt_inds.masked_fill_((max_overlaps >= 0) & (max_overlaps < o.neg_iou_thr()), 0);
    auto pos = max_overlaps >= o.pos_iou_thr();
    gt_inds = torch::where(pos, matched, gt_inds);
    if (o.match_low_quality()) {
      auto eligible = gt_max >= o.min_pos_iou();
      if (o.skip_gt_with_zero_iou()) eligible = eligible & (gt_max > 0);
      torch::Tensor claims;
      if (o.gt_max_assign_all()) {
        claims = overlaps == gt_max.unsqueeze(1);
      } else {
        claims = torch::zeros_like(overlaps, overlaps.options().dtype(torch::kBool));
        claims.scatter_(1, gt_argmax.unsqueeze(1), true);
      }
      claims = claims & eligible.unsqueeze(1);
      // In-order loop with overwrites == the highest-indexed claiming gt wins.
      auto order = torch::arange(1, num_gts + 1, i64).unsqueeze(1);
      auto winner = std::get<0>((claims.to(torch::kInt64) * order).max(0));
      gt_inds = torch::where(winner > 0, winner, gt_inds);
    }
  } else {
    // torchvision Matcher: -1 below → 0 (negative), -2 between → -1 (ignored).
    gt_inds = matched.clone();
    gt_inds.masked_fill_(max_overlaps < o.pos_iou_thr(), -1);
    gt_inds.masked_fill_(max_overlaps < o.neg_iou_thr(), 0);
    if (o.match_low_quality()) {
      auto eligible = torch::ones_like(gt_max, gt_max.options().dtype(torch::kBool));
      if (o.skip_gt_with_zero_iou()) eligible = gt_max > 0;
      auto best_of_some_gt =
          ((overlaps == gt_max.unsqueeze(1)) & eligible.unsqueeze(1)).any(0);
      gt_inds = torch::where(best_of_some_gt, matched, gt_inds);
    }
    // Excluded anchors are never part of torchvision's matching; keep them ignored.
    if (excluded.defined()) gt_inds.masked_fill_(excluded, -1);
  }

  r.gt_inds = gt_inds;
  r.max_overlaps = max_overlaps;
  if (gt_labels.defined()) {
    auto lab = gt_labels.to(i64).index_select(0, (gt_inds - 1).clamp_min(0));
    r.labels = torch::where(gt_inds > 0, lab, torch::full_like(lab, -1));
  } else {
    r.labels = torch::full({num_anchors}, -1, i64);
  }
  return r;
}

}  // namespace ghmdet
