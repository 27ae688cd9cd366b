// best_f1_operating_point — the score threshold at which a detector's boxes are worth drawing:
// the one that maximises F1 at IoU 0.5 on a labelled set, all classes pooled.
//
// Why: a fixed drawing threshold suits one loss and not another (GHM-C's scores sit far higher
// than focal loss's), so `ghmdet test --show-score-thr auto` and `ghmdet demo` choose it on the
// validation set they have just evaluated.
//
// Hits are COCO's at IoU 0.5, area "all" (coco_matching.h): per image and category, detections
// greedily take gts by score; a detection matched to a crowd gt is neither a hit nor a false
// alarm, and crowd gts are not counted (pycocotools' `ignore` flag has no effect there either).
// Unlike COCOeval, every detection counts (no maxDets cut: all of them would be drawn), and a
// gt with annotation id 0 matches like any other. Greedy matching by score means a detection's
// fate depends only on higher-scored ones, so one matching serves every threshold.
//
// Invariants of the result: detections with score >= score_thr are kept, and a threshold never
// splits detections of equal score. Among thresholds of equal F1 the highest (fewest boxes)
// wins. When no threshold keeps a hit (no detections, no counted gt, or no detection hits),
// nothing is worth drawing: found = false and score_thr = +infinity.
// Detections of categories not in the annotation file are left out (as COCOeval does); an image
// id not in it, or a NaN score, throws ghmdet::Error.
#pragma once

#include <cstdint>
#include <vector>

#include "ghmdet/data/coco_json.h"
#include "ghmdet/evaluation/coco_detection.h"

namespace ghmdet {

struct OperatingPoint {
  bool found = false;
  double score_thr = 0;  // keep detections with score >= score_thr
  double precision = 0, recall = 0, f1 = 0;
  int64_t true_positives = 0, false_positives = 0;
  int64_t num_gts = 0;   // counted (non-crowd) gts
  int64_t kept = 0;      // detections with score >= score_thr (crowd matches included)
  int64_t num_images = 0;
};

OperatingPoint best_f1_operating_point(const CocoJson& ground_truth, const std::vector<CocoDetection>& detections,
                                       double iou_thr = 0.5);

}  // namespace ghmdet
