// The reference's image and box transforms (mmdetection v1 + mmcv), done in one pass.
//
// Train: keep-ratio rescale to fit img_scale = (long, short) edges, s = min(long / max(h, w),
// short / min(h, w)), new size (int(w·s + 0.5), int(h·s + 0.5)), bilinear (cv::INTER_LINEAR);
// normalise (v - mean) / std per channel, BGR -> RGB when to_rgb; optional horizontal flip;
// zero padding bottom/right to a multiple of size_divisor; HWC -> CHW. After cv::resize, ONE loop
// converts uint8 BGR to the normalised, flipped, channel-first float image directly in the final
// padded buffer. Boxes: ×s, flipped as x1' = W - x2 - 1, x2' = W - x1 - 1 (W = rescaled width),
// clipped to [0, W-1] × [0, H-1].
#pragma once

#include <opencv2/core.hpp>
#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ghmdet/structures/image_meta.h"

namespace ghmdet {

struct NormalizeOptions {
  std::array<float, 3> mean{123.675f, 116.28f, 103.53f};  // in the output channel order (RGB)
  std::array<float, 3> std{58.395f, 57.12f, 57.375f};
  bool to_rgb = true;
};

struct TransformOptions {
  // (long edge, short edge) targets; more than one enables multi-scale training.
  std::vector<std::pair<int64_t, int64_t>> img_scales{{1333, 800}};
  std::string multiscale_mode = "value";  // "value": pick one; "range": sample each edge
  NormalizeOptions normalize;
  int64_t size_divisor = 32;
  double flip_ratio = 0.5;
};

// mmcv's imrescale arithmetic: returns (new_w, new_h) and the scale factor.
struct RescaleResult {
  int64_t width = 0;
  int64_t height = 0;
  double scale = 1.0;
};
RescaleResult keep_ratio_size(int64_t width, int64_t height, int64_t long_edge, int64_t short_edge);

// The (long, short) scale to use for one image: img_scales[0] when there is one; otherwise
// chosen by `mode` with u1, u2 uniform draws in [0, 1).
std::pair<int64_t, int64_t> choose_scale(const TransformOptions& options, double u1, double u2);

// Rescales `bgr` (CV_8UC3) to `scale`, normalises, flips and pads. Fills meta's shapes, scale
// factor and flip (file and image_id untouched). Returns float32 [3, pad_h, pad_w].
torch::Tensor transform_image(const cv::Mat& bgr, std::pair<int64_t, int64_t> scale, bool flip,
                              const TransformOptions& options, ImageMeta& meta);

// Boxes [K, 4] in original pixels -> network input pixels for `meta` (scale, flip, clip).
torch::Tensor transform_boxes(const torch::Tensor& boxes, const ImageMeta& meta);

}  // namespace ghmdet
