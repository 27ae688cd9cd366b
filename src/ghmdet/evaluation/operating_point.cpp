#include "ghmdet/evaluation/operating_point.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "ghmdet/core/error.h"
#include "ghmdet/evaluation/coco_eval.h"
#include "ghmdet/evaluation/coco_matching.h"

namespace ghmdet {
namespace {

enum class Outcome : uint8_t { kHit, kFalseAlarm, kIgnored };

struct Group {
  std::vector<int64_t> gts, dets;  // row indices, in file order
};

}  // namespace

OperatingPoint best_f1_operating_point(const CocoJson& ground_truth, const std::vector<CocoDetection>& detections,
                                       double iou_thr) {
  std::set<int64_t> images, categories;
  for (const auto& im : ground_truth.images) images.insert(im.id);
  for (const auto& c : ground_truth.categories) categories.insert(c.id);

  std::map<std::pair<int64_t, int64_t>, Group> groups;  // (image id, category id)
  OperatingPoint op;
  op.num_images = static_cast<int64_t>(images.size());
  for (size_t r = 0; r < ground_truth.annotations.size(); ++r) {
    const auto& a = ground_truth.annotations[r];
    if (!images.count(a.image_id) || !categories.count(a.category_id)) continue;
    groups[{a.image_id, a.category_id}].gts.push_back(static_cast<int64_t>(r));
    op.num_gts += a.iscrowd ? 0 : 1;
  }
  for (size_t r = 0; r < detections.size(); ++r) {
    const auto& d = detections[r];
    if (!images.count(d.image_id)) {
      throw Error(fmt::format("results entry {}: image_id {} is not an image of the annotation file{}", r,
                              d.image_id, ground_truth.path.empty() ? std::string() : " " + ground_truth.path));
    }
    if (std::isnan(d.score)) throw Error(fmt::format("results entry {} (image_id {}): score is NaN", r, d.image_id));
    if (categories.count(d.category_id)) groups[{d.image_id, d.category_id}].dets.push_back(static_cast<int64_t>(r));
  }

  // Each detection's outcome at iou_thr, from one matching per (image, category).
  std::vector<std::pair<double, Outcome>> scored;
  std::vector<double> ious;
  std::vector<uint8_t> ignored, crowd, matched;
  std::vector<int64_t> order, match;
  for (auto& [key, g] : groups) {
    if (g.dets.empty()) continue;
    std::stable_sort(g.dets.begin(), g.dets.end(),
                     [&](int64_t a, int64_t b) { return detections[a].score > detections[b].score; });
    const int64_t D = static_cast<int64_t>(g.dets.size()), G = static_cast<int64_t>(g.gts.size());
    crowd.resize(G);
    order.clear();
    for (int64_t j = 0; j < G; ++j) {
      crowd[j] = ground_truth.annotations[g.gts[j]].iscrowd;
      if (!crowd[j]) order.push_back(j);
    }
    for (int64_t j = 0; j < G; ++j)
      if (crowd[j]) order.push_back(j);  // ignored gts last, as COCOeval
    ignored = crowd;                     // area range "all": only crowds are ignored
    ious.resize(D * G);
    for (int64_t d = 0; d < D; ++d)
      for (int64_t j = 0; j < G; ++j) {
        const auto& a = ground_truth.annotations[g.gts[j]];
        ious[d * G + j] = coco_box_iou(detections[g.dets[d]].bbox, a.bbox, a.iscrowd);
      }
    matched.assign(G, 0);
    match.resize(D);
    detail::coco_greedy_match(ious.data(), D, G, order.data(), ignored.data(), crowd.data(), iou_thr, matched.data(),
                              match.data());
    for (int64_t d = 0; d < D; ++d) {
      const Outcome o = match[d] < 0 ? Outcome::kFalseAlarm : (ignored[match[d]] ? Outcome::kIgnored : Outcome::kHit);
      scored.emplace_back(detections[g.dets[d]].score, o);
    }
  }

  // Walk the pooled detections by score, one step per distinct score (a threshold keeps all of
  // a tie or none). F1 = 2 tp / (tp + fp + num_gts), compared exactly as fractions.
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  int64_t tp = 0, fp = 0, best_tp = 0, best_den = 1;
  for (size_t i = 0; i < scored.size();) {
    const double score = scored[i].first;
    for (; i < scored.size() && scored[i].first == score; ++i) {
      tp += scored[i].second == Outcome::kHit;
      fp += scored[i].second == Outcome::kFalseAlarm;
    }
    const int64_t den = tp + fp + op.num_gts;
    if (tp > 0 && tp * best_den > best_tp * den) {  // strictly better: ties keep the higher threshold
      best_tp = tp;
      best_den = den;
      op.found = true;
      op.score_thr = score;
      op.true_positives = tp;
      op.false_positives = fp;
      op.kept = static_cast<int64_t>(i);
    }
  }
  if (!op.found) {
    op.score_thr = std::numeric_limits<double>::infinity();
    return op;
  }
  op.precision = static_cast<double>(op.true_positives) / static_cast<double>(op.true_positives + op.false_positives);
  op.recall = static_cast<double>(op.true_positives) / static_cast<double>(op.num_gts);
  op.f1 = 2.0 * static_cast<double>(op.true_positives) / static_cast<double>(best_den);
  return op;
}

}  // namespace ghmdet
