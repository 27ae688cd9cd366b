#include "ghmdet/targets/max_iou_assigner.h"

#include <algorithm>
#include <tuple>

#include "ghmdet/core/error.h"
#include "ghmdet/structures/boxes.h"

namespace ghmdet {

namespace {

// One row-wise pass over the [G, A] CPU matrix for the per-anchor max/argmax (first gt on ties,
// as torch's max) and the per-gt max: torch's max(0) walks the matrix column-wise, which is
// several times slower at G ~ 30, A ~ 136k.
template <typename T>
void reduce_cpu(const T* ov, int64_t g, int64_t a, T* max_ov, int64_t* argmax, T* gt_max) {
  std::copy(ov, ov + a, max_ov);
  std::fill(argmax, argmax + a, 0);
  for (int64_t i = 0; i < g; ++i) {
    const T* row = ov + i * a;
    T best = row[0];
    for (int64_t j = 0; j < a; ++j) {
      best = std::max(best, row[j]);
      if (row[j] > max_ov[j]) {
        max_ov[j] = row[j];
        argmax[j] = i;
      }
    }
    gt_max[i] = best;
  }
}

}  // namespace

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

  torch::Tensor max_overlaps, argmax, gt_max;
  if (o.cpu_kernels() && overlaps.is_cpu() && num_anchors > 0) {
    overlaps = overlaps.contiguous();
    max_overlaps = torch::empty({num_anchors}, overlaps.options());
    argmax = torch::empty({num_anchors}, i64);
    gt_max = torch::empty({num_gts}, overlaps.options());
    AT_DISPATCH_FLOATING_TYPES(overlaps.scalar_type(), "ghmdet_assign_reduce", [&] {
      reduce_cpu<scalar_t>(overlaps.data_ptr<scalar_t>(), num_gts, num_anchors,
                           max_overlaps.data_ptr<scalar_t>(), argmax.data_ptr<int64_t>(),
                           gt_max.data_ptr<scalar_t>());
    });
  } else {
    std::tie(max_overlaps, argmax) = overlaps.max(0);
    gt_max = std::get<0>(overlaps.max(1));
  }
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
      if (o.cpu_kernels() && o.gt_max_assign_all() && overlaps.is_cpu()) {
        // Same in-order loop as below, fused into one pass per gt row without a [G, A] mask.
        auto el = eligible.contiguous();
        gt_inds = gt_inds.contiguous();
        AT_DISPATCH_FLOATING_TYPES(overlaps.scalar_type(), "ghmdet_assign_claims", [&] {
          const scalar_t* ov = overlaps.data_ptr<scalar_t>();
          const scalar_t* best = gt_max.data_ptr<scalar_t>();
          const bool* ok = el.data_ptr<bool>();
          int64_t* out = gt_inds.data_ptr<int64_t>();
          for (int64_t i = 0; i < num_gts; ++i) {
            if (!ok[i]) continue;
            const scalar_t* row = ov + i * num_anchors;
            for (int64_t j = 0; j < num_anchors; ++j) {
              if (row[j] == best[i]) out[j] = i + 1;
            }
          }
        });
      } else if (o.gt_max_assign_all()) {
        claims = overlaps == gt_max.unsqueeze(1);
      } else {
        claims = torch::zeros_like(overlaps, overlaps.options().dtype(torch::kBool));
        claims.scatter_(1, std::get<1>(overlaps.max(1)).unsqueeze(1), true);
      }
      if (claims.defined()) {
        claims = claims & eligible.unsqueeze(1);
        // The reference's in-order loop (later gts overwrite earlier ones), on the device.
        for (int64_t i = 0; i < num_gts; ++i) gt_inds.masked_fill_(claims[i], i + 1);
      }
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
