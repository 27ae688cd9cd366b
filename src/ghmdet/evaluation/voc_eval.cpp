#include "ghmdet/evaluation/voc_eval.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "ghmdet/evaluation/pairwise_sum.h"

namespace ghmdet {
namespace {

// One image's rows, on the host, in the dtypes the reference computes in.
struct HostBoxes {
  std::vector<float> boxes;  // [n * 4]
  std::vector<float> scores;
  std::vector<int64_t> labels;
  std::vector<uint8_t> difficult;
};

HostBoxes to_host(const torch::Tensor& boxes, const torch::Tensor& labels,
                  const torch::Tensor& scores, const torch::Tensor& difficult) {
  HostBoxes h;
  if (!boxes.defined() || boxes.numel() == 0) return h;
  TORCH_CHECK(boxes.dim() == 2 && boxes.size(1) == 4, "VOC evaluation: boxes must be [N, 4], got ",
              boxes.sizes());
  const int64_t n = boxes.size(0);
  TORCH_CHECK(labels.defined() && labels.numel() == n, "VOC evaluation: ", n,
              " boxes but labels ", labels.defined() ? labels.sizes() : c10::IntArrayRef{});
  auto b = boxes.to(torch::kCPU, torch::kFloat32).contiguous();
  auto l = labels.to(torch::kCPU, torch::kInt64).contiguous();
  h.boxes.assign(b.data_ptr<float>(), b.data_ptr<float>() + n * 4);
  h.labels.assign(l.data_ptr<int64_t>(), l.data_ptr<int64_t>() + n);
  if (scores.defined()) {
    TORCH_CHECK(scores.numel() == n, "VOC evaluation: ", n, " boxes but ", scores.numel(), " scores");
    auto s = scores.to(torch::kCPU, torch::kFloat32).contiguous();
    h.scores.assign(s.data_ptr<float>(), s.data_ptr<float>() + n);
  }
  h.difficult.assign(n, 0);
  if (difficult.defined() && difficult.numel() > 0) {
    TORCH_CHECK(difficult.numel() == n, "VOC evaluation: ", n, " gts but ", difficult.numel(),
                " difficult flags");
    auto d = difficult.to(torch::kCPU, torch::kBool).contiguous();
    std::copy(d.data_ptr<bool>(), d.data_ptr<bool>() + n, h.difficult.begin());
  }
  return h;
}

}  // namespace

float voc_box_iou(const float* a, const float* b) {
  const float area_a = (a[2] - a[0] + 1) * (a[3] - a[1] + 1);
  const float area_b = (b[2] - b[0] + 1) * (b[3] - b[1] + 1);
  const float w = std::max(std::min(a[2], b[2]) - std::max(a[0], b[0]) + 1, 0.0f);
  const float h = std::max(std::min(a[3], b[3]) - std::max(a[1], b[1]) + 1, 0.0f);
  const float overlap = w * h;
  return overlap / (area_a + area_b - overlap);
}

double voc_average_precision(const std::vector<double>& recall, const std::vector<double>& precision,
                             VocApMode mode) {
  const std::size_t n = recall.size();
  if (mode == VocApMode::kArea) {
    std::vector<double> mrec(n + 2), mpre(n + 2);
    mrec[0] = 0;
    mrec[n + 1] = 1;
    mpre[0] = mpre[n + 1] = 0;
    for (std::size_t i = 0; i < n; ++i) {
      mrec[i + 1] = recall[i];
      mpre[i + 1] = precision[i];
    }
    for (std::size_t i = n + 1; i > 0; --i) mpre[i - 1] = std::max(mpre[i - 1], mpre[i]);
    std::vector<double> terms;
    for (std::size_t i = 0; i + 1 < n + 2; ++i)
      if (mrec[i + 1] != mrec[i]) terms.push_back((mrec[i + 1] - mrec[i]) * mpre[i + 1]);
    return static_cast<float>(detail::numpy_pairwise_sum(terms.data(), terms.size()));
  }
  float ap = 0;
  for (int i = 0; i <= 10; ++i) {
    const double thr = static_cast<double>(i) * 0.1;  // np.arange(0, 1 + 1e-3, 0.1)
    float best = 0;
    bool any = false;
    for (std::size_t j = 0; j < n; ++j)
      if (recall[j] >= thr) {
        best = any ? std::max(best, static_cast<float>(precision[j])) : static_cast<float>(precision[j]);
        any = true;
      }
    ap += best;
  }
  return ap / 11.0f;
}

VocEvalResult evaluate_voc(const std::vector<Detections>& detections,
                           const std::vector<VocGroundTruth>& ground_truth, int64_t num_classes,
                           const VocEvalOptions& options) {
  TORCH_CHECK(detections.size() == ground_truth.size(), "evaluate_voc: ", detections.size(),
              " detection sets for ", ground_truth.size(), " images");
  const std::size_t num_images = detections.size();
  std::vector<HostBoxes> dets(num_images), gts(num_images);
  for (std::size_t i = 0; i < num_images; ++i) {
    const auto& d = detections[i];
    dets[i] = to_host(d.boxes, d.labels, d.scores.defined() ? d.scores : torch::Tensor(), {});
    TORCH_CHECK(dets[i].scores.size() == dets[i].labels.size(), "evaluate_voc: image ", i,
                " has detections without scores");
    const auto& g = ground_truth[i];
    gts[i] = to_host(g.boxes, g.labels, {}, g.difficult);
  }
  const float iou_thr = static_cast<float>(options.iou_thr);

  VocEvalResult result;
  result.classes.resize(num_classes);
  std::vector<float> class_aps;
  for (int64_t c = 0; c < num_classes; ++c) {
    VocClassResult& out = result.classes[c];
    std::vector<float> scores;
    std::vector<uint8_t> tp, fp;
    for (std::size_t i = 0; i < num_images; ++i) {
      const HostBoxes& D = dets[i];
      const HostBoxes& G = gts[i];
      std::vector<int64_t> di, gi;
      for (std::size_t r = 0; r < D.labels.size(); ++r)
        if (D.labels[r] == c) di.push_back(static_cast<int64_t>(r));
      for (std::size_t r = 0; r < G.labels.size(); ++r)
        if (G.labels[r] == c) {
          gi.push_back(static_cast<int64_t>(r));
          out.num_gts += !G.difficult[r];
        }
      const std::size_t base = scores.size();
      for (int64_t r : di) scores.push_back(D.scores[r]);
      tp.resize(scores.size(), 0);
      fp.resize(scores.size(), 0);
      if (gi.empty()) {
        std::fill(fp.begin() + base, fp.end(), 1);
        continue;
      }
      std::vector<std::size_t> order(di.size());
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return D.scores[di[a]] > D.scores[di[b]];
      });
      std::vector<uint8_t> covered(gi.size(), 0);
      for (std::size_t k : order) {
        const float* box = &D.boxes[di[k] * 4];
        float best = -std::numeric_limits<float>::infinity();
        std::size_t arg = 0;
        for (std::size_t g = 0; g < gi.size(); ++g) {
          const float iou = voc_box_iou(box, &G.boxes[gi[g] * 4]);
          if (iou > best) {
            best = iou;
            arg = g;
          }
        }
        if (best >= iou_thr) {
          if (G.difficult[gi[arg]]) continue;  // neither tp nor fp
          if (!covered[arg]) {
            covered[arg] = 1;
            tp[base + k] = 1;
          } else {
            fp[base + k] = 1;
          }
        } else {
          fp[base + k] = 1;
        }
      }
    }
    const std::size_t n = scores.size();
    out.num_dets = static_cast<int64_t>(n);
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
    out.recall.resize(n);
    out.precision.resize(n);
    float tp_sum = 0, fp_sum = 0;
    const double num_gts = std::max(static_cast<double>(out.num_gts),
                                    static_cast<double>(std::numeric_limits<float>::epsilon()));
    for (std::size_t j = 0; j < n; ++j) {
      tp_sum += tp[order[j]];
      fp_sum += fp[order[j]];
      out.recall[j] = static_cast<double>(tp_sum) / num_gts;
      out.precision[j] = tp_sum / std::max(tp_sum + fp_sum, std::numeric_limits<float>::epsilon());
    }
    if (out.num_gts > 0) {
      out.ap = voc_average_precision(out.recall, out.precision, options.mode);
      class_aps.push_back(static_cast<float>(out.ap));
    }
  }
  result.mean_ap = class_aps.empty() ? 0.0 : static_cast<double>(detail::numpy_mean(class_aps, 0.0f));
  return result;
}

}  // namespace ghmdet
