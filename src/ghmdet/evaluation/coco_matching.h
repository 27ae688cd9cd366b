// coco_greedy_match — cocoeval.py's evaluateImg() matching of one (image, category) at one IoU
// threshold, shared by the COCO evaluator (coco_eval.cpp) and the operating point
// (operating_point.h), so that "a hit" means the same thing in both.
//
// Invariants the caller provides: detections are sorted by score, highest first (stable, file
// order breaking ties); `gt_order` lists the G gt indices with the counted ones first and the
// ignored ones (crowd, out of the area range) last, each part in file order; ious is [D x G]
// row-major in gt-index order (coco_box_iou, crowd gts by the detection's area).
// Rules, as pycocotools': a detection takes the unmatched gt of highest IoU >= min(thr, 1-1e-10),
// preferring any counted gt to an ignored one; a crowd gt may absorb any number of detections.
#pragma once

#include <algorithm>
#include <cstdint>

namespace ghmdet::detail {

// matched: [G] flags, read and updated (zero them per threshold). match: [D] out, the matched gt
// index (0..G-1) of each detection, or -1.
inline void coco_greedy_match(const double* ious, int64_t num_dets, int64_t num_gts, const int64_t* gt_order,
                              const uint8_t* gt_ignored, const uint8_t* gt_crowd, double iou_thr,
                              uint8_t* matched, int64_t* match) {
  for (int64_t d = 0; d < num_dets; ++d) {
    double best = std::min(iou_thr, 1 - 1e-10);
    int64_t m = -1;  // position in gt_order
    for (int64_t p = 0; p < num_gts; ++p) {
      const int64_t g = gt_order[p];
      if (matched[g] && !gt_crowd[g]) continue;
      if (m > -1 && !gt_ignored[gt_order[m]] && gt_ignored[g]) break;
      const double iou = ious[d * num_gts + g];
      if (iou < best) continue;
      best = iou;
      m = p;
    }
    if (m > -1) {
      matched[gt_order[m]] = 1;
      match[d] = gt_order[m];
    } else {
      match[d] = -1;
    }
  }
}

}  // namespace ghmdet::detail
