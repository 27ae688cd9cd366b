#include "ghmdet/ops/nms.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "ghmdet/core/error.h"
#include "ghmdet/structures/boxes.h"
#ifdef GHMDET_HAVE_CUDA_KERNELS
#include "ghmdet/ops/cuda/nms_cuda.h"
#endif

namespace ghmdet {

NmsOptions NmsOptions::from_conventions(const DetectorConventions& c) {
  return NmsOptions()
      .iou_threshold(c.nms_iou_thr)
      .pixel_offset(c.pixel_offset)
      .suppress_equal(c.nms_suppress_equal);
}

namespace {

// Greedy NMS over one group of candidates already in score order: `cand` holds positions into
// the sorted coordinate arrays; kept positions are flagged in `keep`. The group's coordinates
// are copied into contiguous arrays that are compacted after every kept box, so the IoU pass is
// a branch-free loop over a shrinking contiguous range (vectorised), and the compaction pass
// is a cheap copy.
template <typename T>
void greedy(const T* x1s, const T* y1s, const T* x2s, const T* y2s, const T* areas,
            const std::vector<int64_t>& cand, std::vector<uint8_t>& keep, const NmsOptions& o) {
  size_t n = cand.size();
  std::vector<T> x1(n), y1(n), x2(n), y2(n), area(n);
  std::vector<int64_t> pos(cand);
  for (size_t k = 0; k < n; ++k) {
    x1[k] = x1s[cand[k]];
    y1[k] = y1s[cand[k]];
    x2[k] = x2s[cand[k]];
    y2[k] = y2s[cand[k]];
    area[k] = areas[cand[k]];
  }
  std::vector<uint8_t> drop(n);
  const T offset = static_cast<T>(o.pixel_offset());
  const double thr = o.iou_threshold();
  const bool ge = o.suppress_equal();
  size_t head = 0;
  while (head < n) {
    keep[pos[head]] = 1;
    const T ix1 = x1[head], iy1 = y1[head], ix2 = x2[head], iy2 = y2[head], ia = area[head];
    ++head;
    T* px1 = x1.data();
    T* py1 = y1.data();
    T* px2 = x2.data();
    T* py2 = y2.data();
    T* pa = area.data();
    uint8_t* pd = drop.data();
    for (size_t r = head; r < n; ++r) {
      const T w = std::max(T(0), std::min(ix2, px2[r]) - std::max(ix1, px1[r]) + offset);
      const T h = std::max(T(0), std::min(iy2, py2[r]) - std::max(iy1, py1[r]) + offset);
      const T inter = w * h;
      const double iou = static_cast<double>(inter / (ia + pa[r] - inter));
      pd[r] = ge ? (iou >= thr) : (iou > thr);
    }
    size_t w = head;
    for (size_t r = head; r < n; ++r) {
      if (pd[r]) continue;
      px1[w] = px1[r];
      py1[w] = py1[r];
      px2[w] = px2[r];
      py2[w] = py2[r];
      pa[w] = pa[r];
      pos[w] = pos[r];
      ++w;
    }
    n = w;
  }
}

void check_inputs(const torch::Tensor& boxes, const torch::Tensor& scores, const char* what) {
  check_boxes(boxes, what);
  if (!scores.defined() || scores.dim() != 1 || scores.size(0) != boxes.size(0)) {
    throw Error(std::string(what) + ": scores must have shape [" +
                std::to_string(boxes.size(0)) + "]");
  }
}

// The shared CPU path: sort once (stable, descending), run greedy per group (a group = one
// class; all boxes when idxs is undefined), return kept indices in the global sorted order.
torch::Tensor nms_cpu(const torch::Tensor& boxes_in, const torch::Tensor& scores_in,
                      const torch::Tensor& idxs_in, const NmsOptions& o) {
  const int64_t n = boxes_in.size(0);
  auto long_opts = torch::TensorOptions().dtype(torch::kInt64);
  if (n == 0) return torch::empty({0}, long_opts);
  auto boxes = boxes_in.to(torch::kCPU);
  auto scores = scores_in.to(torch::kCPU).to(boxes.dtype());
  auto order = std::get<1>(scores.sort(/*stable=*/true, /*dim=*/0, /*descending=*/true));
  auto sorted = boxes.index_select(0, order).contiguous();
  std::vector<uint8_t> keep(n, 0);
  std::vector<std::vector<int64_t>> groups;
  if (idxs_in.defined()) {
    auto idxs = idxs_in.to(torch::kCPU).to(torch::kInt64).index_select(0, order).contiguous();
    const int64_t* id = idxs.data_ptr<int64_t>();
    std::vector<int64_t> pos(n);
    std::iota(pos.begin(), pos.end(), 0);
    std::stable_sort(pos.begin(), pos.end(), [&](int64_t a, int64_t b) { return id[a] < id[b]; });
    for (int64_t k = 0; k < n; ++k) {
      if (k == 0 || id[pos[k]] != id[pos[k - 1]]) groups.emplace_back();
      groups.back().push_back(pos[k]);
    }
  } else {
    groups.emplace_back(n);
    std::iota(groups[0].begin(), groups[0].end(), 0);
  }
  AT_DISPATCH_FLOATING_TYPES(sorted.scalar_type(), "ghmdet_nms", [&] {
    auto cols = sorted.t().contiguous();  // SoA: x1[], y1[], x2[], y2[]
    const scalar_t* c = cols.data_ptr<scalar_t>();
    const scalar_t *x1 = c, *y1 = c + n, *x2 = c + 2 * n, *y2 = c + 3 * n;
    const scalar_t off = static_cast<scalar_t>(o.pixel_offset());
    std::vector<scalar_t> area(n);
    for (int64_t k = 0; k < n; ++k) area[k] = (x2[k] - x1[k] + off) * (y2[k] - y1[k] + off);
    for (auto& g : groups) greedy<scalar_t>(x1, y1, x2, y2, area.data(), g, keep, o);
  });
  std::vector<int64_t> kept_pos;
  for (int64_t k = 0; k < n; ++k) {
    if (keep[k]) kept_pos.push_back(k);
  }
  auto pos_t = torch::from_blob(kept_pos.data(), {static_cast<int64_t>(kept_pos.size())},
                                long_opts)
                   .clone();
  return order.index_select(0, pos_t);
}

}  // namespace

torch::Tensor nms(const torch::Tensor& boxes, const torch::Tensor& scores,
                  const NmsOptions& options) {
  check_inputs(boxes, scores, "nms");
#ifdef GHMDET_HAVE_CUDA_KERNELS
  if (nms_cuda_supports(boxes)) return nms_cuda(boxes, scores, {}, options);
#endif
  return nms_cpu(boxes, scores, {}, options).to(boxes.device());
}

torch::Tensor batched_nms(const torch::Tensor& boxes, const torch::Tensor& scores,
                          const torch::Tensor& idxs, const NmsOptions& options) {
  check_inputs(boxes, scores, "batched_nms");
  if (!idxs.defined() || idxs.dim() != 1 || idxs.size(0) != boxes.size(0)) {
    throw Error("batched_nms: idxs must have shape [" + std::to_string(boxes.size(0)) + "]");
  }
#ifdef GHMDET_HAVE_CUDA_KERNELS
  if (nms_cuda_supports(boxes)) return nms_cuda(boxes, scores, idxs, options);
#endif
  return nms_cpu(boxes, scores, idxs, options).to(boxes.device());
}

torch::Tensor batched_nms_torchvision(const torch::Tensor& boxes, const torch::Tensor& scores,
                                      const torch::Tensor& idxs, double iou_threshold) {
  check_inputs(boxes, scores, "batched_nms");
  auto o = NmsOptions().iou_threshold(iou_threshold);
  const int64_t limit = boxes.is_cuda() ? 20000 : 4000;
  if (boxes.numel() > limit) {
    // torchvision's per-class path: kept indices in index order, then torch's default
    // (unstable) descending sort by score — reproduced with the same op for identical ties.
    auto keep = std::get<0>(batched_nms(boxes, scores, idxs, o).sort());
    auto order = std::get<1>(scores.index_select(0, keep).sort(/*dim=*/0, /*descending=*/true));
    return keep.index_select(0, order);
  }
  if (boxes.numel() == 0) return torch::empty({0}, boxes.options().dtype(torch::kInt64));
  auto max_coordinate = boxes.max();
  auto offsets = idxs.to(boxes.dtype()) * (max_coordinate + 1);
  return nms(boxes + offsets.unsqueeze(1), scores, o);
}

}  // namespace ghmdet
