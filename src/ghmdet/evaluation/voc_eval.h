// VOC mAP as mmdetection v1's eval_map (mean_ap.py), the reference's tools/voc_eval.py.
//
// Per class c: detections with label c, sorted by score; a detection is a true positive when
// its best-IoU gt (argmax over ALL gts of that class in the image, first on ties; IoU with the +1
// pixel convention) has IoU >= iou_thr, is not difficult and is not yet covered; a best match on
// a covered gt is a false positive; on a difficult gt it is neither. Below iou_thr it is a false
// positive. AP is the VOC07 11-point metric (mean over recall thresholds i * 0.1 of the max
// precision at recall >= t) or the area under the all-point interpolated curve. mAP averages the
// classes that have at least one non-difficult gt.
//
// Arithmetic follows the reference's dtypes: boxes, IoUs, precision and AP in float32, recall in
// float64. Score ties are broken by image order, then row order (a stable sort); the reference's
// numpy quicksort leaves that order unspecified for more than 16 equal scores.
//
// Boxes are (x1, y1, x2, y2) in 0-based pixels with the +1 convention (VOC's 1-based xml
// coordinates minus 1); labels are 0..num_classes-1. Tensors may be on any device.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "ghmdet/structures/detections.h"

namespace ghmdet {

struct VocGroundTruth {
  torch::Tensor boxes;      // float32 [G, 4]
  torch::Tensor labels;     // int64 [G]
  torch::Tensor difficult;  // bool [G] (undefined = none difficult)
};

enum class VocApMode { kElevenPoints, kArea };

struct VocEvalOptions {
  VocApMode mode = VocApMode::kArea;  // the reference uses kElevenPoints for VOC2007 test
  double iou_thr = 0.5;
};

struct VocClassResult {
  int64_t num_gts = 0;  // non-difficult gts
  int64_t num_dets = 0;
  double ap = 0;        // 0 when the class has no gt (it is then out of the mean)
  std::vector<double> recall;     // [num_dets], detections in score order
  std::vector<double> precision;  // [num_dets]
};

struct VocEvalResult {
  double mean_ap = 0;
  std::vector<VocClassResult> classes;  // [num_classes]
};

// detections[i] and ground_truth[i] describe the same image.
VocEvalResult evaluate_voc(const std::vector<Detections>& detections,
                           const std::vector<VocGroundTruth>& ground_truth, int64_t num_classes,
                           const VocEvalOptions& options = {});

// The AP of one precision/recall curve (detections in score order), as float32 like the reference.
double voc_average_precision(const std::vector<double>& recall, const std::vector<double>& precision,
                             VocApMode mode);

// IoU of two (x1, y1, x2, y2) boxes with the +1 convention, in float32.
float voc_box_iou(const float* a, const float* b);

}  // namespace ghmdet
