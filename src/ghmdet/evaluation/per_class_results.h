// Per-class results of an evaluation as JSON, for plots (per-class AP, precision-recall curves
// at IoU 0.5) — what `ghmdet report` reads from <work_dir>/eval_per_class.jsonl.
//
//   {"metric": "bbox" | "mAP", "iou": 0.5,
//    "classes": [{"name": "...", "ap": A, "ap50": B, "recall": [...], "precision": [...]}, ...]}
//
// bbox (COCO): ap = AP@[.5:.95] and ap50 = AP@.5 (area all, 100 detections), both -1 for a
//   class without ground truth; the curve is COCO's interpolated precision at the 101 recall
//   thresholds at IoU 0.5, cut where it is undefined (-1) — empty for a class without gt.
// mAP (VOC): ap = ap50 = the class's AP at the evaluation's IoU; the curve is the raw
//   precision/recall in score order, thinned to at most kMaxCurvePoints (the last point kept).
// Classes are in label order; names[k] names label k.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "ghmdet/evaluation/coco_eval.h"
#include "ghmdet/evaluation/voc_eval.h"

namespace ghmdet {

inline constexpr size_t kMaxCurvePoints = 200;

// category_of_label[k] = the COCO category id of label k (its column in r.category_ids).
nlohmann::json coco_per_class_json(const CocoEvalResult& r, const std::vector<std::string>& names,
                                   const std::vector<int64_t>& category_of_label);

nlohmann::json voc_per_class_json(const VocEvalResult& r, const std::vector<std::string>& names,
                                  double iou_thr);

}  // namespace ghmdet
