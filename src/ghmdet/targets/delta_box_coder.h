// DeltaBoxCoder — (dx, dy, dw, dh) regression targets of boxes relative to anchors.
//
// encode(anchors [N, 4], gt [N, 4]) → deltas [N, 4]; decode(anchors [N, 4], deltas [N, 4]) →
// boxes [N, 4]; float tensors, any device, output follows the inputs. With pixel offset o
// (1 legacy, 0 otherwise): p_w = x2 - x1 + o, centre (x1 + x2) / 2 (torchvision: x1 + 0.5 w),
// dx = (g_x - p_x) / p_w, dw = log(g_w / p_w), then (d - mean) / std. Decode: d * std + mean,
// dw and dh clamped (to ±clamp, or from above only for torchvision), g_w = p_w e^{dw},
// x1 = g_x - g_w / 2 (+ 0.5 in legacy), x2 = g_x + g_w / 2 (- 0.5 in legacy), and when a shape
// (h, w) is given, x clipped to [0, w - clip_offset] and y to [0, h - clip_offset].
#pragma once

#include <torch/torch.h>

#include <array>
#include <optional>
#include <vector>

#include "ghmdet/structures/conventions.h"

namespace ghmdet {

struct DeltaBoxCoderOptions {
  static DeltaBoxCoderOptions from_conventions(const DetectorConventions& c);

  TORCH_ARG(std::vector<double>, means) = std::vector<double>{0, 0, 0, 0};
  TORCH_ARG(std::vector<double>, stds) = std::vector<double>{1, 1, 1, 1};
  TORCH_ARG(double, pixel_offset) = 1.0;
  TORCH_ARG(double, clamp) = 4.135166556742356;
  TORCH_ARG(bool, symmetric_clamp) = true;
  TORCH_ARG(bool, decode_half_pixel) = true;
  TORCH_ARG(bool, center_from_x1) = false;
  TORCH_ARG(double, clip_offset) = 1.0;
};

class DeltaBoxCoder {
 public:
  explicit DeltaBoxCoder(DeltaBoxCoderOptions options = {});
  const DeltaBoxCoderOptions& options() const { return options_; }

  torch::Tensor encode(const torch::Tensor& anchors, const torch::Tensor& gt_boxes) const;
  // max_shape: (height, width) of the resized, unpadded image (img_shape) to clip to.
  torch::Tensor decode(const torch::Tensor& anchors, const torch::Tensor& deltas,
                       std::optional<std::array<int64_t, 2>> max_shape = std::nullopt) const;

 private:
  DeltaBoxCoderOptions options_;
  bool identity_norm_ = true;
};

}  // namespace ghmdet
