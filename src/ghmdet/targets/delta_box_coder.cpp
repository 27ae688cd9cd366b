#include "ghmdet/targets/delta_box_coder.h"

#include "ghmdet/core/error.h"
#include "ghmdet/structures/boxes.h"

namespace ghmdet {

DeltaBoxCoderOptions DeltaBoxCoderOptions::from_conventions(const DetectorConventions& c) {
  DeltaBoxCoderOptions o;
  o.pixel_offset(c.pixel_offset).clamp(c.box_clamp).symmetric_clamp(c.symmetric_clamp);
  o.decode_half_pixel(c.decode_half_pixel).center_from_x1(c.center_from_x1);
  o.clip_offset(c.clip_offset);
  return o;
}

DeltaBoxCoder::DeltaBoxCoder(DeltaBoxCoderOptions options) : options_(std::move(options)) {
  if (options_.means().size() != 4) throw Error("box coder: 'target_means' needs 4 values");
  if (options_.stds().size() != 4) throw Error("box coder: 'target_stds' needs 4 values");
  for (int i = 0; i < 4; ++i) {
    if (options_.stds()[i] == 0) throw Error("box coder: 'target_stds' must not be 0");
    identity_norm_ = identity_norm_ && options_.means()[i] == 0 && options_.stds()[i] == 1;
  }
}

namespace {

struct CentreSize {
  torch::Tensor cx, cy, w, h;
};

CentreSize centre_size(const torch::Tensor& b, double offset, bool from_x1) {
  auto x1 = b.select(1, 0), y1 = b.select(1, 1), x2 = b.select(1, 2), y2 = b.select(1, 3);
  CentreSize c;
  c.w = x2 - x1 + offset;
  c.h = y2 - y1 + offset;
  if (from_x1) {
    c.cx = x1 + 0.5 * c.w;
    c.cy = y1 + 0.5 * c.h;
  } else {
    c.cx = (x1 + x2) * 0.5;
    c.cy = (y1 + y2) * 0.5;
  }
  return c;
}

}  // namespace

torch::Tensor DeltaBoxCoder::encode(const torch::Tensor& anchors,
                                    const torch::Tensor& gt_boxes) const {
  check_boxes(anchors, "box coder encode (anchors)");
  check_boxes(gt_boxes, "box coder encode (gt boxes)");
  if (anchors.size(0) != gt_boxes.size(0)) {
    throw Error("box coder encode: " + std::to_string(anchors.size(0)) + " anchors but " +
                std::to_string(gt_boxes.size(0)) + " gt boxes");
  }
  const auto& o = options_;
  auto p = centre_size(anchors, o.pixel_offset(), o.center_from_x1());
  auto g = centre_size(gt_boxes.to(anchors.dtype()), o.pixel_offset(), o.center_from_x1());
  auto deltas = torch::stack({(g.cx - p.cx) / p.w, (g.cy - p.cy) / p.h, torch::log(g.w / p.w),
                              torch::log(g.h / p.h)},
                             1);
  if (!identity_norm_) {
    auto means = torch::tensor(o.means(), deltas.options());
    auto stds = torch::tensor(o.stds(), deltas.options());
    deltas = (deltas - means) / stds;
  }
  return deltas;
}

torch::Tensor DeltaBoxCoder::decode(const torch::Tensor& anchors, const torch::Tensor& deltas,
                                    std::optional<std::array<int64_t, 2>> max_shape) const {
  check_boxes(anchors, "box coder decode (anchors)");
  if (!deltas.defined() || deltas.dim() != 2 || deltas.size(1) != 4 ||
      deltas.size(0) != anchors.size(0)) {
    throw Error("box coder decode: deltas must have shape [" + std::to_string(anchors.size(0)) +
                ", 4], got " + (deltas.defined() ? c10::str(deltas.sizes()) : "undefined"));
  }
  const auto& o = options_;
  auto d = deltas.to(anchors.dtype());
  if (!identity_norm_) {
    d = d * torch::tensor(o.stds(), d.options()) + torch::tensor(o.means(), d.options());
  }
  auto dx = d.select(1, 0), dy = d.select(1, 1), dw = d.select(1, 2), dh = d.select(1, 3);
  if (o.symmetric_clamp()) {
    dw = dw.clamp(-o.clamp(), o.clamp());
    dh = dh.clamp(-o.clamp(), o.clamp());
  } else {
    dw = dw.clamp_max(o.clamp());
    dh = dh.clamp_max(o.clamp());
  }
  auto p = centre_size(anchors, o.pixel_offset(), o.center_from_x1());
  torch::Tensor gx, gy;
  if (o.center_from_x1()) {
    gx = dx * p.w + p.cx;  // torchvision's operand order
    gy = dy * p.h + p.cy;
  } else {
    gx = p.cx + p.w * dx;
    gy = p.cy + p.h * dy;
  }
  auto half_w = 0.5 * (p.w * dw.exp());
  auto half_h = 0.5 * (p.h * dh.exp());
  torch::Tensor x1 = gx - half_w, y1 = gy - half_h, x2 = gx + half_w, y2 = gy + half_h;
  if (o.decode_half_pixel()) {
    x1 = x1 + 0.5;
    y1 = y1 + 0.5;
    x2 = x2 - 0.5;
    y2 = y2 - 0.5;
  }
  if (max_shape) {
    const double mx = static_cast<double>((*max_shape)[1]) - o.clip_offset();
    const double my = static_cast<double>((*max_shape)[0]) - o.clip_offset();
    x1 = x1.clamp(0, mx);
    x2 = x2.clamp(0, mx);
    y1 = y1.clamp(0, my);
    y2 = y2.clamp(0, my);
  }
  return torch::stack({x1, y1, x2, y2}, 1);
}

}  // namespace ghmdet
