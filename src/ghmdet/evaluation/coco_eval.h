// COCO bbox evaluation with the numbers of pycocotools' COCOeval(iouType='bbox').
//
// Ground truth is a parsed annotation file (CocoJson); image ids = all its images, category ids =
// all its categories (both sorted, as COCOeval's params). The rules follow cocoeval.py:
//  * IoU thresholds 0.50:0.05:0.95 with np.linspace rounding, 101 recall points 0:0.01:1,
//    area ranges all / small (< 32^2) / medium / large (>= 96^2) on the gt's `area` FIELD (not
//    its box) and on w*h of the detection, maxDets 1 / 10 / 100 per image AND category.
//  * a gt is ignored when iscrowd (pycocotools overwrites the json's `ignore` flag with iscrowd,
//    so `ignore` itself has no effect) or its area is out of range; crowd gts are matched by
//    intersection / detection area and may absorb any number of detections.
//  * detections are stably sorted by score (file order breaks ties, then image id order when
//    images are pooled), precision gets the monotone envelope and is read at
//    searchsorted(recall, thr, 'left'); -1 marks (category, area) pairs without a counted gt.
//  * a gt whose annotation id is 0 behaves as in pycocotools (a match to it stores id 0, which
//    accumulate() reads as "unmatched").
// Detections whose category is not in the annotation file are left out (as pycocotools does);
// an image id that is not in it, or a NaN score, throws ghmdet::Error (pycocotools' loadRes
// asserts on the former).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "ghmdet/data/coco_json.h"
#include "ghmdet/evaluation/coco_detection.h"

namespace ghmdet {

// Indices into CocoEvalResult::stats, in pycocotools' order.
enum CocoStat : int {
  kAP = 0, kAP50, kAP75, kAPSmall, kAPMedium, kAPLarge,
  kAR1, kAR10, kAR100, kARSmall, kARMedium, kARLarge,
};

// Names used in stats JSON files ("AP", "AP50", ..., "ARl"), indexed by CocoStat.
const std::array<const char*, 12>& coco_stat_names();

struct CocoEvalOptions {
  int num_threads = 0;  // <= 0: torch's intra-op thread count
};

struct CocoEvalResult {
  std::array<double, 12> stats{};          // the summary, as COCOeval.stats
  std::vector<int64_t> category_ids;       // K sorted category ids (the K axis below)
  std::vector<double> per_class_ap;        // [K] AP@[.5:.95], area all, 100 dets; -1 if no gt
  std::vector<double> iou_thresholds;      // [T] = 10
  std::vector<double> recall_thresholds;   // [R] = 101
  torch::Tensor precision;                 // float64 [T, R, K, A=4, M=3], -1 where undefined
  torch::Tensor recall;                    // float64 [T, K, A, M], -1 where undefined
};

// pycocotools' iouThrs and recThrs, bit for bit.
std::vector<double> coco_iou_thresholds();
std::vector<double> coco_recall_thresholds();

CocoEvalResult evaluate_coco_bbox(const CocoJson& ground_truth,
                                  const std::vector<CocoDetection>& detections,
                                  const CocoEvalOptions& options = {});

// pycocotools' IoU of two [x, y, w, h] boxes (maskApi bbIou: no +1; for a crowd gt the union is
// the detection's area).
double coco_box_iou(const std::array<double, 4>& det, const std::array<double, 4>& gt, bool crowd);

// The 12 lines COCOeval.summarize() prints, each ending in '\n'.
std::string format_coco_summary(const std::array<double, 12>& stats);

}  // namespace ghmdet
