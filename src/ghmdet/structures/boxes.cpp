#include "ghmdet/structures/boxes.h"

#include <algorithm>
#include <vector>

#include "ghmdet/core/error.h"
#include "ghmdet/core/parallel_for.h"

namespace ghmdet {

void check_boxes(const torch::Tensor& boxes, const std::string& what) {
  if (!boxes.defined()) throw Error(what + ": boxes tensor is undefined");
  if (boxes.dim() != 2 || boxes.size(1) != 4) {
    throw Error(what + ": boxes must have shape [N, 4], got " + c10::str(boxes.sizes()));
  }
  if (!boxes.is_floating_point()) {
    throw Error(what + ": boxes must be a floating dtype, got " + c10::str(boxes.scalar_type()));
  }
}

torch::Tensor box_area(const torch::Tensor& boxes, double pixel_offset) {
  check_boxes(boxes, "box_area");
  auto w = boxes.select(1, 2) - boxes.select(1, 0) + pixel_offset;
  auto h = boxes.select(1, 3) - boxes.select(1, 1) + pixel_offset;
  return w * h;
}

namespace {

// Pairwise overlap on the CPU in one pass: no [N, M, 2] temporaries (a 30 x 136k IoU matrix
// would otherwise allocate and page-fault several 32 MB tensors). Chunks of columns run in
// parallel: M (anchors) is large where N (ground-truth boxes) is often a handful.
template <typename T>
void overlap_cpu(const T* a, int64_t n, const T* b, int64_t m, T off, bool iof, T* out) {
  constexpr int64_t kColumnsPerChunk = 4096;
  parallel_for(0, m, kColumnsPerChunk, [=](int64_t begin, int64_t end) {
    // Locals, not the closure's members: the body runs through a pointer to the closure, and a
    // float member (`off`) could alias the float stores to `out`, which keeps GCC from
    // vectorising the inner loop (measured 3x slower).
    const T o = off;
    const bool f = iof;
    const int64_t w_chunk = end - begin, rows = n, stride = m;
    const T* A = a;
    const T* B = b;
    T* C = out;
    std::vector<T> bx1(w_chunk), by1(w_chunk), bx2(w_chunk), by2(w_chunk), area_b(w_chunk);
    for (int64_t j = 0; j < w_chunk; ++j) {
      const T* bj = B + 4 * (begin + j);
      bx1[j] = bj[0];
      by1[j] = bj[1];
      bx2[j] = bj[2];
      by2[j] = bj[3];
      area_b[j] = (bj[2] - bj[0] + o) * (bj[3] - bj[1] + o);
    }
    for (int64_t i = 0; i < rows; ++i) {
      const T ax1 = A[4 * i], ay1 = A[4 * i + 1], ax2 = A[4 * i + 2], ay2 = A[4 * i + 3];
      const T area_a = (ax2 - ax1 + o) * (ay2 - ay1 + o);
      T* row = C + i * stride + begin;
      for (int64_t j = 0; j < w_chunk; ++j) {
        const T w = std::max(T(0), std::min(ax2, bx2[j]) - std::max(ax1, bx1[j]) + o);
        const T h = std::max(T(0), std::min(ay2, by2[j]) - std::max(ay1, by1[j]) + o);
        const T inter = w * h;
        row[j] = f ? inter / area_a : inter / (area_a + area_b[j] - inter);
      }
    }
  });
}

torch::Tensor overlaps(const torch::Tensor& a_in, const torch::Tensor& b_in, double off, bool iof) {
  auto dtype = at::promote_types(a_in.scalar_type(), b_in.scalar_type());
  auto a = a_in.to(dtype), b = b_in.to(dtype);
  if (a.is_cpu() && b.is_cpu()) {
    a = a.contiguous();
    b = b.contiguous();
    auto out = torch::empty({a.size(0), b.size(0)}, a.options());
    AT_DISPATCH_FLOATING_TYPES(dtype, "ghmdet_box_overlaps", [&] {
      overlap_cpu<scalar_t>(a.data_ptr<scalar_t>(), a.size(0), b.data_ptr<scalar_t>(), b.size(0),
                            static_cast<scalar_t>(off), iof, out.data_ptr<scalar_t>());
    });
    return out;
  }
  return box_overlaps_tensor_ops(a, b, off, iof);
}

}  // namespace

torch::Tensor box_overlaps_tensor_ops(const torch::Tensor& a, const torch::Tensor& b, double off,
                                      bool iof) {
  // One [N, M] tensor per step, no [N, M, 2] temporaries.
  auto col = [](const torch::Tensor& t, int64_t k) { return t.select(1, k).unsqueeze(1); };
  auto row = [](const torch::Tensor& t, int64_t k) { return t.select(1, k).unsqueeze(0); };
  auto w = (torch::min(col(a, 2), row(b, 2)) - torch::max(col(a, 0), row(b, 0)) + off).clamp_min_(0);
  auto h = (torch::min(col(a, 3), row(b, 3)) - torch::max(col(a, 1), row(b, 1)) + off).clamp_min_(0);
  auto inter = w.mul_(h);
  auto area_a = box_area(a, off).unsqueeze(1);
  if (iof) return inter.div_(area_a);
  auto uni = (area_a + box_area(b, off).unsqueeze(0)).sub_(inter);
  return inter.div_(uni);
}

torch::Tensor box_iou(const torch::Tensor& a, const torch::Tensor& b, double pixel_offset) {
  check_boxes(a, "box_iou (first argument)");
  check_boxes(b, "box_iou (second argument)");
  return overlaps(a, b, pixel_offset, false);
}

torch::Tensor box_iof(const torch::Tensor& a, const torch::Tensor& b, double pixel_offset) {
  check_boxes(a, "box_iof (first argument)");
  check_boxes(b, "box_iof (second argument)");
  return overlaps(a, b, pixel_offset, true);
}

torch::Tensor clip_boxes(const torch::Tensor& boxes, int64_t height, int64_t width,
                         double pixel_offset) {
  check_boxes(boxes, "clip_boxes");
  const double max_x = static_cast<double>(width) - pixel_offset;
  const double max_y = static_cast<double>(height) - pixel_offset;
  auto x = boxes.index({torch::indexing::Slice(), torch::indexing::Slice(0, 4, 2)}).clamp(0, max_x);
  auto y = boxes.index({torch::indexing::Slice(), torch::indexing::Slice(1, 4, 2)}).clamp(0, max_y);
  return torch::stack({x.select(1, 0), y.select(1, 0), x.select(1, 1), y.select(1, 1)}, 1);
}

}  // namespace ghmdet
