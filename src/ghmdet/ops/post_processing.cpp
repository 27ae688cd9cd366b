#include "ghmdet/ops/post_processing.h"

#include <cmath>
#include <limits>

#include "ghmdet/core/error.h"
#include "ghmdet/ops/nms.h"

namespace ghmdet {

PostProcessOptions PostProcessOptions::from_conventions(const DetectorConventions& c) {
  return PostProcessOptions()
      .style(c.post_process)
      .nms_pre(c.nms_pre)
      .score_thr(c.score_thr)
      .nms_iou_thr(c.nms_iou_thr)
      .nms_suppress_equal(c.nms_suppress_equal)
      .pixel_offset(c.pixel_offset)
      .max_per_img(c.max_per_img)
      .sort_detections(c.sort_detections);
}

namespace {

// One level of one image, kept in the head's native layout: permuting [A*C, H, W] logits to
// [H*W*A, C] would copy ~44 MB per image at P3 (80 classes, 800x1216) for nothing.
struct LevelView {
  torch::Tensor logits;   // [A, C, H*W] view of the head's [A*C, H, W]
  torch::Tensor deltas;   // [A, 4, H*W]
  torch::Tensor anchors;  // [H*W*A, 4], row (y*W + x)*A + a
  int64_t num_anchors = 0, num_classes = 0, hw = 0;

  int64_t rows() const { return hw * num_anchors; }
  // Rows n = p*A + a of the flattened [H*W*A, C] / [H*W*A, 4] matrices.
  torch::Tensor logit_rows(const torch::Tensor& n) const {
    using torch::indexing::Slice;
    return logits.index({n.remainder(num_anchors), Slice(), n.div(num_anchors, "floor")});
  }
  torch::Tensor delta_rows(const torch::Tensor& n) const {
    using torch::indexing::Slice;
    return deltas.index({n.remainder(num_anchors), Slice(), n.div(num_anchors, "floor")});
  }
};

LevelView level_view(const torch::Tensor& cls, const torch::Tensor& reg,
                     const torch::Tensor& anchors, size_t l) {
  const std::string where = "post-processing level " + std::to_string(l);
  if (!cls.defined() || cls.dim() != 3 || !reg.defined() || reg.dim() != 3) {
    throw Error(where + ": cls_logits and bbox_deltas must be [channels, H, W]");
  }
  if (!anchors.defined() || anchors.dim() != 2 || anchors.size(1) != 4) {
    throw Error(where + ": anchors must be [H*W*A, 4]");
  }
  const int64_t hw = cls.size(1) * cls.size(2);
  if (reg.size(1) != cls.size(1) || reg.size(2) != cls.size(2) || hw == 0 ||
      anchors.size(0) % hw != 0) {
    throw Error(where + ": feature sizes of logits " + c10::str(cls.sizes()) + ", deltas " +
                c10::str(reg.sizes()) + " and anchors " + c10::str(anchors.sizes()) +
                " disagree");
  }
  const int64_t a = anchors.size(0) / hw;
  if (reg.size(0) != 4 * a || cls.size(0) % a != 0) {
    throw Error(where + ": expected " + std::to_string(4 * a) + " delta channels and a multiple of " +
                std::to_string(a) + " logit channels, got " + c10::str(reg.sizes()) + " and " +
                c10::str(cls.sizes()));
  }
  LevelView v;
  v.num_anchors = a;
  v.num_classes = cls.size(0) / a;
  v.hw = hw;
  v.logits = cls.reshape({a, v.num_classes, hw});
  v.deltas = reg.reshape({a, 4, hw});
  v.anchors = anchors;
  return v;
}

Detections empty_detections(const torch::TensorOptions& f) {
  return {torch::zeros({0, 4}, f), torch::zeros({0}, f), torch::zeros({0}, f.dtype(torch::kInt64))};
}

Detections mmdet_style(const std::vector<LevelView>& levels, const ImageMeta& meta,
                       const DeltaBoxCoder& coder, const PostProcessOptions& o) {
  std::vector<torch::Tensor> all_boxes, all_scores;
  const std::array<int64_t, 2> img_shape = meta.img_shape;
  for (const auto& lv : levels) {
    torch::Tensor rows;
    if (o.nms_pre() > 0 && lv.rows() > o.nms_pre()) {
      // max_c sigmoid(l_c) == sigmoid(max_c l_c) (sigmoid is monotone): only the [H*W*A]
      // maxima go through the sigmoid, and top-k sees the same values as the reference.
      auto max_logit = std::get<0>(lv.logits.max(1));            // [A, H*W]
      auto max_scores = max_logit.t().reshape(-1).sigmoid();     // row p*A + a
      rows = std::get<1>(max_scores.topk(o.nms_pre()));
    } else {
      rows = torch::arange(lv.rows(), lv.logits.options().dtype(torch::kInt64));
    }
    auto scores = lv.logit_rows(rows).sigmoid();
    auto anchors = lv.anchors.index_select(0, rows);
    all_boxes.push_back(coder.decode(anchors, lv.delta_rows(rows), img_shape));
    all_scores.push_back(scores);
  }
  auto boxes = torch::cat(all_boxes) / meta.scale_factor;
  auto scores = torch::cat(all_scores);
  // Candidates (row, class) with score > thr, row-major like a per-class boolean mask.
  auto cand = (scores > o.score_thr()).nonzero();
  if (cand.size(0) == 0) return empty_detections(boxes.options());
  auto rows = cand.select(1, 0), labels = cand.select(1, 1);
  auto cand_boxes = boxes.index_select(0, rows);
  auto cand_scores = scores.index({rows, labels});
  auto nms_opts = NmsOptions()
                      .iou_threshold(o.nms_iou_thr())
                      .pixel_offset(o.pixel_offset())
                      .suppress_equal(o.nms_suppress_equal());
  auto keep = batched_nms(cand_boxes, cand_scores, labels, nms_opts);  // score order
  if (!o.sort_detections()) {
    // Legacy concatenates per-class results: class-major, score order within a class.
    auto kept_labels = labels.index_select(0, keep);
    keep = keep.index_select(0, std::get<1>(kept_labels.sort(/*stable=*/true, 0, false)));
    if (o.max_per_img() > 0 && keep.size(0) > o.max_per_img()) {
      auto s = cand_scores.index_select(0, keep);
      keep = keep.index_select(0, std::get<1>(s.sort(/*stable=*/true, 0, true)));
    }
  }
  if (o.max_per_img() > 0 && keep.size(0) > o.max_per_img()) keep = keep.narrow(0, 0, o.max_per_img());
  return {cand_boxes.index_select(0, keep), cand_scores.index_select(0, keep),
          labels.index_select(0, keep)};
}

Detections torchvision_style(const std::vector<LevelView>& levels, const ImageMeta& meta,
                             const DeltaBoxCoder& coder, const PostProcessOptions& o) {
  std::vector<torch::Tensor> all_boxes, all_scores, all_labels;
  // A logit a little below logit(score_thr) pre-selects a superset cheaply; the exact
  // sigmoid > thr test then runs on the few survivors, in the reference's flattened order.
  const double thr = o.score_thr();
  const double pre_thr =
      (thr > 0 && thr < 1) ? std::log(thr / (1 - thr)) - 1e-3 : -std::numeric_limits<double>::infinity();
  for (const auto& lv : levels) {
    const int64_t c = lv.num_classes, a = lv.num_anchors;
    // Logical order (p, a, c) = the reference's flattened (anchor, class) order.
    auto pre = (lv.logits > pre_thr).permute({2, 0, 1}).nonzero();  // [K, 3] (p, a, c)
    auto p = pre.select(1, 0), ai = pre.select(1, 1), ci = pre.select(1, 2);
    auto scores = lv.logits.index({ai, ci, p}).sigmoid();
    auto keep = scores > thr;
    scores = scores.masked_select(keep);
    auto flat = ((p * a + ai) * c + ci).masked_select(keep);
    const int64_t k = std::min<int64_t>(o.nms_pre(), flat.size(0));
    auto [top_scores, top] = scores.topk(k);
    flat = flat.index_select(0, top);
    auto anchor_idxs = flat.div(c, "floor");
    auto labels = flat.remainder(c);
    auto boxes = coder.decode(lv.anchors.index_select(0, anchor_idxs),
                              lv.delta_rows(anchor_idxs), meta.img_shape);
    all_boxes.push_back(boxes);
    all_scores.push_back(top_scores);
    all_labels.push_back(labels);
  }
  auto boxes = torch::cat(all_boxes);
  auto scores = torch::cat(all_scores);
  auto labels = torch::cat(all_labels);
  auto keep = batched_nms_torchvision(boxes, scores, labels, o.nms_iou_thr());
  if (o.max_per_img() > 0 && keep.size(0) > o.max_per_img()) keep = keep.narrow(0, 0, o.max_per_img());
  boxes = boxes.index_select(0, keep);
  // torchvision's transform.postprocess: per-axis float32 ratio original / resized.
  auto f = boxes.options();
  auto rh = torch::tensor(static_cast<float>(meta.ori_shape[0]), f) /
            torch::tensor(static_cast<float>(meta.img_shape[0]), f);
  auto rw = torch::tensor(static_cast<float>(meta.ori_shape[1]), f) /
            torch::tensor(static_cast<float>(meta.img_shape[1]), f);
  boxes = torch::stack({boxes.select(1, 0) * rw, boxes.select(1, 1) * rh,
                        boxes.select(1, 2) * rw, boxes.select(1, 3) * rh},
                       1);
  return {boxes, scores.index_select(0, keep), labels.index_select(0, keep)};
}

}  // namespace

Detections post_process_single(const std::vector<torch::Tensor>& cls_logits,
                               const std::vector<torch::Tensor>& bbox_deltas,
                               const std::vector<torch::Tensor>& anchors, const ImageMeta& meta,
                               const DeltaBoxCoder& coder, const PostProcessOptions& options) {
  if (cls_logits.empty() || cls_logits.size() != bbox_deltas.size() ||
      cls_logits.size() != anchors.size()) {
    throw Error("post-processing: need the same positive number of levels of cls_logits (" +
                std::to_string(cls_logits.size()) + "), bbox_deltas (" +
                std::to_string(bbox_deltas.size()) + ") and anchors (" +
                std::to_string(anchors.size()) + ")");
  }
  if (meta.img_shape[0] <= 0 || meta.img_shape[1] <= 0 || meta.scale_factor <= 0) {
    throw Error("post-processing: image meta of '" + meta.file +
                "' has no img_shape/scale_factor");
  }
  std::vector<LevelView> levels;
  for (size_t l = 0; l < cls_logits.size(); ++l) {
    levels.push_back(level_view(cls_logits[l], bbox_deltas[l], anchors[l], l));
    if (levels.back().logits.size(1) != levels.front().logits.size(1)) {
      throw Error("post-processing: levels disagree on the number of classes");
    }
  }
  if (options.style() == PostProcessStyle::kTorchvision) {
    return torchvision_style(levels, meta, coder, options);
  }
  return mmdet_style(levels, meta, coder, options);
}

}  // namespace ghmdet
