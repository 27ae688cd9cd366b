#include "ghmdet/evaluation/per_class_results.h"

#include <algorithm>

namespace ghmdet {

namespace {

std::string class_name(const std::vector<std::string>& names, size_t k) {
  return k < names.size() ? names[k] : std::to_string(k);
}

}  // namespace

nlohmann::json coco_per_class_json(const CocoEvalResult& r, const std::vector<std::string>& names,
                                   const std::vector<int64_t>& category_of_label) {
  nlohmann::json out;
  out["metric"] = "bbox";
  out["iou"] = 0.5;
  out["classes"] = nlohmann::json::array();
  // precision is [T, R, K, A, M]: IoU 0.5 is T = 0, area "all" A = 0, 100 detections M = 2.
  const auto prec = r.precision.defined() ? r.precision.to(torch::kCPU, torch::kDouble).contiguous()
                                          : torch::Tensor();
  for (size_t label = 0; label < category_of_label.size(); ++label) {
    nlohmann::json c;
    c["name"] = class_name(names, label);
    const auto it = std::find(r.category_ids.begin(), r.category_ids.end(), category_of_label[label]);
    std::vector<double> recall, precision;
    double ap = -1, ap50 = -1;
    if (it != r.category_ids.end() && prec.defined()) {
      const auto k = static_cast<int64_t>(it - r.category_ids.begin());
      ap = r.per_class_ap[static_cast<size_t>(k)];
      const auto curve = prec.index({0, torch::indexing::Slice(), k, 0, 2}).contiguous();
      const double* p = curve.data_ptr<double>();
      double sum = 0;
      int64_t n = 0;
      for (int64_t i = 0; i < curve.numel(); ++i) {
        if (p[i] < 0) continue;  // undefined: no gt for this class
        sum += p[i];
        ++n;
        recall.push_back(r.recall_thresholds[static_cast<size_t>(i)]);
        precision.push_back(p[i]);
      }
      // COCO averages over all recall thresholds; they are all defined or all undefined.
      if (n > 0) ap50 = sum / static_cast<double>(curve.numel());
    }
    c["ap"] = ap;
    c["ap50"] = ap50;
    c["recall"] = recall;
    c["precision"] = precision;
    out["classes"].push_back(std::move(c));
  }
  return out;
}

nlohmann::json voc_per_class_json(const VocEvalResult& r, const std::vector<std::string>& names,
                                  double iou_thr) {
  nlohmann::json out;
  out["metric"] = "mAP";
  out["iou"] = iou_thr;
  out["classes"] = nlohmann::json::array();
  for (size_t k = 0; k < r.classes.size(); ++k) {
    const auto& cr = r.classes[k];
    nlohmann::json c;
    c["name"] = class_name(names, k);
    c["ap"] = cr.ap;
    c["ap50"] = cr.ap;
    std::vector<double> recall, precision;
    const size_t n = std::min(cr.recall.size(), cr.precision.size());
    // Evenly spaced detections, always the last one (the curve's end point).
    const size_t step = n > kMaxCurvePoints ? (n + kMaxCurvePoints - 1) / kMaxCurvePoints : 1;
    for (size_t i = 0; i < n; i += step) {
      recall.push_back(cr.recall[i]);
      precision.push_back(cr.precision[i]);
    }
    if (n > 0 && (n - 1) % step != 0) {
      recall.push_back(cr.recall[n - 1]);
      precision.push_back(cr.precision[n - 1]);
    }
    c["recall"] = recall;
    c["precision"] = precision;
    out["classes"].push_back(std::move(c));
  }
  return out;
}

}  // namespace ghmdet
