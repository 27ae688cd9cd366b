#include "ghmdet/evaluation/coco_eval.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <unordered_map>

#include <fmt/format.h>

#include "ghmdet/core/error.h"
#include "ghmdet/evaluation/coco_matching.h"
#include "ghmdet/evaluation/pairwise_sum.h"
#include "ghmdet/evaluation/parallel.h"

namespace ghmdet {
namespace {

constexpr int kT = 10;
constexpr int kR = 101;
constexpr int kA = 4;
constexpr int kM = 3;
// pycocotools: [0**2, 1e5**2], [0**2, 32**2], [32**2, 96**2], [96**2, 1e5**2].
constexpr double kAreaRanges[kA][2] = {{0, 1e10}, {0, 1024}, {1024, 9216}, {9216, 1e10}};
constexpr int kMaxDets[kM] = {1, 10, 100};
constexpr int kMaxDetsLast = 100;
constexpr double kSpacing1 = 2.220446049250313e-16;  // np.spacing(1)

// Evaluated states of one (detection, area range, IoU threshold), as accumulate() reads them.
constexpr uint8_t kIgnored = 0;
constexpr uint8_t kTruePositive = 1;
constexpr uint8_t kFalsePositive = 2;

// np.linspace(start, stop, num): y[i] = i * ((stop - start) / (num - 1)) + start, last = stop.
std::vector<double> numpy_linspace(double start, double stop, int num) {
  std::vector<double> y(num);
  const double step = (stop - start) / (num - 1);
  for (int i = 0; i < num; ++i) y[i] = static_cast<double>(i) * step + start;
  y[num - 1] = stop;
  return y;
}

// Rows grouped by (category index, image index) in a CSR layout; rows keep their input order
// within a group (pycocotools' per-(image, category) lists keep the file order).
struct Grouping {
  std::vector<int64_t> offsets;  // [K * I + 1]
  std::vector<int64_t> rows;
};

Grouping group_rows(const std::vector<int64_t>& keys, int64_t num_keys) {
  Grouping g;
  g.offsets.assign(num_keys + 1, 0);
  for (int64_t key : keys)
    if (key >= 0) ++g.offsets[key + 1];
  for (int64_t k = 0; k < num_keys; ++k) g.offsets[k + 1] += g.offsets[k];
  g.rows.resize(g.offsets[num_keys]);
  std::vector<int64_t> cursor(g.offsets.begin(), g.offsets.end() - 1);
  for (int64_t r = 0; r < static_cast<int64_t>(keys.size()); ++r)
    if (keys[r] >= 0) g.rows[cursor[keys[r]]++] = r;
  return g;
}

struct GtRow {
  std::array<double, 4> bbox;
  double area;
  bool crowd;
  bool id_nonzero;  // pycocotools stores the matched gt's id; id 0 reads as "unmatched"
};

// Everything one category contributes, for all images, kept only while that category runs.
struct CategoryState {
  std::vector<double> scores;            // detections, image by image, each image sorted
  std::vector<int64_t> image_begin;      // per image with detections: first index in scores
  std::vector<int64_t> image_count;      // ... and how many (<= 100)
  std::array<std::vector<uint8_t>, kA> state;  // [a][det * kT + t]
  std::array<int64_t, kA> num_counted_gts{};   // gts not ignored, per area range
};

class Evaluator {
 public:
  Evaluator(const CocoJson& gt, const std::vector<CocoDetection>& dets)
      : iou_thrs_(coco_iou_thresholds()), rec_thrs_(coco_recall_thresholds()), dets_(dets) {
    for (const auto& im : gt.images) image_ids_.push_back(im.id);
    std::sort(image_ids_.begin(), image_ids_.end());
    image_ids_.erase(std::unique(image_ids_.begin(), image_ids_.end()), image_ids_.end());
    for (const auto& c : gt.categories) category_ids_.push_back(c.id);
    std::sort(category_ids_.begin(), category_ids_.end());
    category_ids_.erase(std::unique(category_ids_.begin(), category_ids_.end()),
                        category_ids_.end());
    num_images_ = static_cast<int64_t>(image_ids_.size());
    num_cats_ = static_cast<int64_t>(category_ids_.size());

    std::unordered_map<int64_t, int64_t> image_index, cat_index;
    image_index.reserve(image_ids_.size() * 2);
    for (int64_t i = 0; i < num_images_; ++i) image_index[image_ids_[i]] = i;
    for (int64_t k = 0; k < num_cats_; ++k) cat_index[category_ids_[k]] = k;

    auto key_of = [&](int64_t image_id, int64_t category_id) -> int64_t {
      auto im = image_index.find(image_id);
      auto cat = cat_index.find(category_id);
      if (im == image_index.end() || cat == cat_index.end()) return -1;
      return cat->second * num_images_ + im->second;
    };

    gts_.reserve(gt.annotations.size());
    std::vector<int64_t> gt_keys;
    gt_keys.reserve(gt.annotations.size());
    for (const auto& a : gt.annotations) {
      gts_.push_back(GtRow{a.bbox, a.area, a.iscrowd, a.id != 0});
      gt_keys.push_back(key_of(a.image_id, a.category_id));
    }
    std::vector<int64_t> dt_keys;
    dt_keys.reserve(dets.size());
    for (std::size_t r = 0; r < dets.size(); ++r) {
      const auto& d = dets[r];
      if (image_index.find(d.image_id) == image_index.end()) {
        throw Error(fmt::format(
            "results entry {}: image_id {} is not an image of the annotation file{}", r,
            d.image_id, gt.path.empty() ? std::string() : " " + gt.path));
      }
      if (std::isnan(d.score)) {  // a NaN would break the score sort's ordering
        throw Error(fmt::format("results entry {} (image_id {}): score is NaN", r, d.image_id));
      }
      dt_keys.push_back(key_of(d.image_id, d.category_id));
    }
    const int64_t num_keys = num_cats_ * num_images_;
    gt_groups_ = group_rows(gt_keys, num_keys);
    dt_groups_ = group_rows(dt_keys, num_keys);
  }

  CocoEvalResult run(int num_threads) {
    CocoEvalResult result;
    result.category_ids = category_ids_;
    result.iou_thresholds = iou_thrs_;
    result.recall_thresholds = rec_thrs_;
    precision_.assign(static_cast<std::size_t>(kT) * kR * num_cats_ * kA * kM, -1.0);
    recall_.assign(static_cast<std::size_t>(kT) * num_cats_ * kA * kM, -1.0);

    detail::parallel_for_dynamic(num_cats_, num_threads, [&](int64_t k) {
      CategoryState state;
      evaluate_category(k, state);
      accumulate_category(k, state);
    });

    auto opts = torch::TensorOptions().dtype(torch::kFloat64);
    result.precision = torch::from_blob(precision_.data(), {kT, kR, num_cats_, kA, kM}, opts).clone();
    result.recall = torch::from_blob(recall_.data(), {kT, num_cats_, kA, kM}, opts).clone();
    summarize(result);
    return result;
  }

 private:
  // evaluateImg() for every image of category k and every area range at maxDets 100.
  void evaluate_category(int64_t k, CategoryState& st) {
    std::vector<int64_t> dt_order;
    std::vector<double> ious;
    std::vector<uint8_t> gt_ignored, gt_crowd, gt_matched;
    std::vector<int64_t> gt_order, match;
    for (int64_t i = 0; i < num_images_; ++i) {
      const int64_t key = k * num_images_ + i;
      const int64_t g0 = gt_groups_.offsets[key], g1 = gt_groups_.offsets[key + 1];
      const int64_t d0 = dt_groups_.offsets[key], d1 = dt_groups_.offsets[key + 1];
      const int64_t G = g1 - g0;
      if (G == 0 && d1 == d0) continue;  // evaluateImg returns None

      dt_order.assign(dt_groups_.rows.begin() + d0, dt_groups_.rows.begin() + d1);
      std::stable_sort(dt_order.begin(), dt_order.end(), [&](int64_t a, int64_t b) {
        return dets_[a].score > dets_[b].score;
      });
      if (dt_order.size() > static_cast<std::size_t>(kMaxDetsLast)) dt_order.resize(kMaxDetsLast);
      const int64_t D = static_cast<int64_t>(dt_order.size());

      ious.resize(D * G);
      for (int64_t d = 0; d < D; ++d)
        for (int64_t g = 0; g < G; ++g) {
          const GtRow& gt = gts_[gt_groups_.rows[g0 + g]];
          ious[d * G + g] = coco_box_iou(dets_[dt_order[d]].bbox, gt.bbox, gt.crowd);
        }

      const int64_t base = static_cast<int64_t>(st.scores.size());
      st.image_begin.push_back(base);
      st.image_count.push_back(D);
      for (int64_t d = 0; d < D; ++d) st.scores.push_back(dets_[dt_order[d]].score);
      gt_crowd.resize(G);
      for (int64_t g = 0; g < G; ++g) gt_crowd[g] = gts_[gt_groups_.rows[g0 + g]].crowd;

      for (int a = 0; a < kA; ++a) {
        const double lo = kAreaRanges[a][0], hi = kAreaRanges[a][1];
        gt_ignored.resize(G);
        gt_order.clear();
        for (int64_t g = 0; g < G; ++g) {
          const GtRow& gt = gts_[gt_groups_.rows[g0 + g]];
          gt_ignored[g] = gt.crowd || gt.area < lo || gt.area > hi;
          if (!gt_ignored[g]) gt_order.push_back(g);
        }
        st.num_counted_gts[a] += static_cast<int64_t>(gt_order.size());
        for (int64_t g = 0; g < G; ++g)
          if (gt_ignored[g]) gt_order.push_back(g);  // stable "ignore last"

        auto& out = st.state[a];
        out.resize((base + D) * kT);
        gt_matched.assign(kT * G, 0);
        match.resize(D);
        for (int t = 0; t < kT; ++t) {
          detail::coco_greedy_match(ious.data(), D, G, gt_order.data(), gt_ignored.data(), gt_crowd.data(),
                                    iou_thrs_[t], gt_matched.data() + t * G, match.data());
          for (int64_t d = 0; d < D; ++d) {
            const int64_t g = match[d];
            const bool has_match_id = g > -1 && gts_[gt_groups_.rows[g0 + g]].id_nonzero;
            bool ignored = g > -1 && gt_ignored[g];
            if (!has_match_id) {
              const double area = det_area(dt_order[d]);
              ignored = ignored || area < lo || area > hi;
            }
            out[(base + d) * kT + t] =
                ignored ? kIgnored : (has_match_id ? kTruePositive : kFalsePositive);
          }
        }
      }
    }
  }

  double det_area(int64_t row) const { return dets_[row].bbox[2] * dets_[row].bbox[3]; }

  // accumulate() for category k: pool images, stable sort by score, PR curve per threshold.
  void accumulate_category(int64_t k, const CategoryState& st) {
    std::vector<int64_t> order;
    std::vector<double> rc, pr;
    for (int mi = 0; mi < kM; ++mi) {
      const int64_t max_det = kMaxDets[mi];
      order.clear();
      for (std::size_t j = 0; j < st.image_begin.size(); ++j) {
        const int64_t n = std::min(st.image_count[j], max_det);
        for (int64_t d = 0; d < n; ++d) order.push_back(st.image_begin[j] + d);
      }
      std::stable_sort(order.begin(), order.end(),
                       [&](int64_t a, int64_t b) { return st.scores[a] > st.scores[b]; });
      const int64_t nd = static_cast<int64_t>(order.size());
      for (int a = 0; a < kA; ++a) {
        const int64_t npig = st.num_counted_gts[a];
        if (npig == 0) continue;
        const auto& states = st.state[a];
        rc.resize(nd);
        pr.resize(nd);
        for (int t = 0; t < kT; ++t) {
          int64_t tp = 0, fp = 0;
          for (int64_t j = 0; j < nd; ++j) {
            const uint8_t s = states[order[j] * kT + t];
            tp += s == kTruePositive;
            fp += s == kFalsePositive;
            const double tpd = static_cast<double>(tp), fpd = static_cast<double>(fp);
            rc[j] = tpd / static_cast<double>(npig);
            pr[j] = tpd / (fpd + tpd + kSpacing1);
          }
          recall_[((t * num_cats_ + k) * kA + a) * kM + mi] = nd ? rc[nd - 1] : 0.0;
          for (int64_t j = nd - 1; j > 0; --j)
            if (pr[j] > pr[j - 1]) pr[j - 1] = pr[j];
          // searchsorted(rc, recThrs, 'left'); thresholds past the last recall keep 0.
          int64_t pos = 0;
          for (int r = 0; r < kR; ++r) {
            while (pos < nd && rc[pos] < rec_thrs_[r]) ++pos;
            const double q = pos < nd ? pr[pos] : 0.0;
            precision_[(((t * kR + r) * num_cats_ + k) * kA + a) * kM + mi] = q;
          }
        }
      }
    }
  }

  // COCOeval.summarize(): np.mean over entries > -1 of the selected slices, -1 if none.
  void summarize(CocoEvalResult& result) const {
    auto precision_at = [&](int t, int r, int64_t k, int a, int m) {
      return precision_[(((t * kR + r) * num_cats_ + k) * kA + a) * kM + m];
    };
    auto ap = [&](double iou_thr, bool all_ious, int a, int m) {
      std::vector<double> values;
      for (int t = 0; t < kT; ++t) {
        if (!all_ious && !(iou_thrs_[t] == iou_thr)) continue;
        for (int r = 0; r < kR; ++r)
          for (int64_t k = 0; k < num_cats_; ++k) {
            const double v = precision_at(t, r, k, a, m);
            if (v > -1) values.push_back(v);
          }
      }
      return detail::numpy_mean(values, -1.0);
    };
    auto ar = [&](int a, int m) {
      std::vector<double> values;
      for (int t = 0; t < kT; ++t)
        for (int64_t k = 0; k < num_cats_; ++k) {
          const double v = recall_[((t * num_cats_ + k) * kA + a) * kM + m];
          if (v > -1) values.push_back(v);
        }
      return detail::numpy_mean(values, -1.0);
    };
    auto& s = result.stats;
    s[kAP] = ap(0, true, 0, 2);
    s[kAP50] = ap(.5, false, 0, 2);
    s[kAP75] = ap(.75, false, 0, 2);
    s[kAPSmall] = ap(0, true, 1, 2);
    s[kAPMedium] = ap(0, true, 2, 2);
    s[kAPLarge] = ap(0, true, 3, 2);
    s[kAR1] = ar(0, 0);
    s[kAR10] = ar(0, 1);
    s[kAR100] = ar(0, 2);
    s[kARSmall] = ar(1, 2);
    s[kARMedium] = ar(2, 2);
    s[kARLarge] = ar(3, 2);

    result.per_class_ap.resize(num_cats_);
    for (int64_t k = 0; k < num_cats_; ++k) {
      std::vector<double> values;
      for (int t = 0; t < kT; ++t)
        for (int r = 0; r < kR; ++r) {
          const double v = precision_at(t, r, k, 0, 2);
          if (v > -1) values.push_back(v);
        }
      result.per_class_ap[k] = detail::numpy_mean(values, -1.0);
    }
  }

  std::vector<double> iou_thrs_, rec_thrs_;
  const std::vector<CocoDetection>& dets_;
  std::vector<int64_t> image_ids_, category_ids_;
  int64_t num_images_ = 0, num_cats_ = 0;
  std::vector<GtRow> gts_;
  Grouping gt_groups_, dt_groups_;
  std::vector<double> precision_, recall_;
};

}  // namespace

const std::array<const char*, 12>& coco_stat_names() {
  static const std::array<const char*, 12> names = {"AP",  "AP50", "AP75", "APs",   "APm", "APl",
                                                    "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"};
  return names;
}

std::vector<double> coco_iou_thresholds() { return numpy_linspace(.5, 0.95, 10); }
std::vector<double> coco_recall_thresholds() { return numpy_linspace(.0, 1.00, 101); }

double coco_box_iou(const std::array<double, 4>& d, const std::array<double, 4>& g, bool crowd) {
  const double w = std::fmin(d[2] + d[0], g[2] + g[0]) - std::fmax(d[0], g[0]);
  if (w <= 0) return 0;
  const double h = std::fmin(d[3] + d[1], g[3] + g[1]) - std::fmax(d[1], g[1]);
  if (h <= 0) return 0;
  const double inter = w * h;
  const double det_area = d[2] * d[3];
  const double union_area = crowd ? det_area : det_area + g[2] * g[3] - inter;
  return inter / union_area;
}

CocoEvalResult evaluate_coco_bbox(const CocoJson& ground_truth,
                                  const std::vector<CocoDetection>& detections,
                                  const CocoEvalOptions& options) {
  const int threads = options.num_threads > 0 ? options.num_threads : at::get_num_threads();
  Evaluator evaluator(ground_truth, detections);
  return evaluator.run(threads);
}

std::string format_coco_summary(const std::array<double, 12>& stats) {
  struct Line {
    bool ap;
    const char* iou;
    const char* area;
    int max_dets;
  };
  static const Line lines[12] = {
      {true, "0.50:0.95", "all", 100},    {true, "0.50", "all", 100},
      {true, "0.75", "all", 100},         {true, "0.50:0.95", "small", 100},
      {true, "0.50:0.95", "medium", 100}, {true, "0.50:0.95", "large", 100},
      {false, "0.50:0.95", "all", 1},     {false, "0.50:0.95", "all", 10},
      {false, "0.50:0.95", "all", 100},   {false, "0.50:0.95", "small", 100},
      {false, "0.50:0.95", "medium", 100}, {false, "0.50:0.95", "large", 100},
  };
  std::string out;
  for (int i = 0; i < 12; ++i) {
    const Line& l = lines[i];
    // pycocotools: ' {:<18} {} @[ IoU={:<9} | area={:>6s} | maxDets={:>3d} ] = {:0.3f}'
    char value[64];
    std::snprintf(value, sizeof(value), "%0.3f", stats[i]);
    out += fmt::format(" {:<18} {} @[ IoU={:<9} | area={:>6} | maxDets={:>3} ] = {}\n",
                       l.ap ? "Average Precision" : "Average Recall", l.ap ? "(AP)" : "(AR)",
                       l.iou, l.area, l.max_dets, value);
  }
  return out;
}

}  // namespace ghmdet
