#include "ghmdet/data/transforms.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "ghmdet/core/error.h"

namespace ghmdet {

RescaleResult keep_ratio_size(int64_t width, int64_t height, int64_t long_edge, int64_t short_edge) {
  const double max_long = static_cast<double>(std::max(long_edge, short_edge));
  const double max_short = static_cast<double>(std::min(long_edge, short_edge));
  const double s = std::min(max_long / static_cast<double>(std::max(width, height)),
                            max_short / static_cast<double>(std::min(width, height)));
  // Python's int() truncates toward zero; the operands are positive, so floor is the same.
  RescaleResult r;
  r.scale = s;
  r.width = static_cast<int64_t>(static_cast<double>(width) * s + 0.5);
  r.height = static_cast<int64_t>(static_cast<double>(height) * s + 0.5);
  return r;
}

std::pair<int64_t, int64_t> choose_scale(const TransformOptions& options, double u1, double u2) {
  const auto& scales = options.img_scales;
  TORCH_CHECK(!scales.empty(), "TransformOptions.img_scales is empty");
  if (scales.size() == 1) return scales[0];
  if (options.multiscale_mode == "value") {
    const size_t k = std::min(scales.size() - 1, static_cast<size_t>(u1 * static_cast<double>(scales.size())));
    return scales[k];
  }
  // "range": every long edge in [min long, max long] and short edge in [min short, max short]
  // equally likely (inclusive, as np.random.randint(lo, hi + 1)).
  int64_t lo_long = INT64_MAX, hi_long = 0, lo_short = INT64_MAX, hi_short = 0;
  for (const auto& [a, b] : scales) {
    const int64_t l = std::max(a, b), s = std::min(a, b);
    lo_long = std::min(lo_long, l), hi_long = std::max(hi_long, l);
    lo_short = std::min(lo_short, s), hi_short = std::max(hi_short, s);
  }
  auto pick = [](int64_t lo, int64_t hi, double u) {
    return std::min(hi, lo + static_cast<int64_t>(u * static_cast<double>(hi - lo + 1)));
  };
  return {pick(lo_long, hi_long, u1), pick(lo_short, hi_short, u2)};
}

torch::Tensor transform_image(const cv::Mat& bgr, std::pair<int64_t, int64_t> scale, bool flip,
                              const TransformOptions& options, ImageMeta& meta) {
  TORCH_CHECK(bgr.type() == CV_8UC3, "transform_image expects an 8-bit, 3-channel image");
  const RescaleResult r = keep_ratio_size(bgr.cols, bgr.rows, scale.first, scale.second);
  cv::Mat resized;
  if (r.width == bgr.cols && r.height == bgr.rows) {
    resized = bgr;
  } else {
    cv::resize(bgr, resized, cv::Size(static_cast<int>(r.width), static_cast<int>(r.height)), 0, 0,
               cv::INTER_LINEAR);
  }
  const int64_t h = r.height, w = r.width;
  const int64_t div = options.size_divisor;
  const int64_t ph = div > 0 ? (h + div - 1) / div * div : h;
  const int64_t pw = div > 0 ? (w + div - 1) / div * div : w;

  meta.ori_shape = {bgr.rows, bgr.cols};
  meta.img_shape = {h, w};
  meta.pad_shape = {ph, pw};
  meta.scale_factor = r.scale;
  meta.flip = flip;

  torch::Tensor out = torch::empty({3, ph, pw}, torch::kFloat32);
  float* planes[3];
  for (int c = 0; c < 3; ++c) planes[c] = out.data_ptr<float>() + c * ph * pw;
  // Output channel c reads source channel src_of[c]. (v - mean) / std in float32, as mmcv does
  // it (a multiply by 1/std would differ in the last bit).
  const auto& norm = options.normalize;
  const int src_of[3] = {norm.to_rgb ? 2 : 0, 1, norm.to_rgb ? 0 : 2};
  for (int64_t y = 0; y < h; ++y) {
    const uint8_t* src = resized.ptr<uint8_t>(static_cast<int>(y));
    for (int c = 0; c < 3; ++c) {
      float* dst = planes[c] + y * pw;
      const int sc = src_of[c];
      const float m = norm.mean[c], sd = norm.std[c];
      if (flip) {
        for (int64_t x = 0; x < w; ++x) dst[w - 1 - x] = (static_cast<float>(src[3 * x + sc]) - m) / sd;
      } else {
        for (int64_t x = 0; x < w; ++x) dst[x] = (static_cast<float>(src[3 * x + sc]) - m) / sd;
      }
      std::fill(dst + w, dst + pw, 0.0f);
    }
  }
  for (int c = 0; c < 3; ++c) std::fill(planes[c] + h * pw, planes[c] + ph * pw, 0.0f);
  return out;
}

torch::Tensor transform_boxes(const torch::Tensor& boxes, const ImageMeta& meta) {
  if (boxes.numel() == 0) return boxes.to(torch::kFloat32).reshape({0, 4});
  torch::Tensor b = boxes.to(torch::kFloat32) * static_cast<float>(meta.scale_factor);
  const double w = static_cast<double>(meta.img_shape[1]), h = static_cast<double>(meta.img_shape[0]);
  if (meta.flip) {
    auto x1 = w - b.select(1, 2) - 1, x2 = w - b.select(1, 0) - 1;
    b = torch::stack({x1, b.select(1, 1), x2, b.select(1, 3)}, 1);
  }
  auto xs = b.index({torch::indexing::Slice(), torch::indexing::Slice(0, 4, 2)}).clamp(0, w - 1);
  auto ys = b.index({torch::indexing::Slice(), torch::indexing::Slice(1, 4, 2)}).clamp(0, h - 1);
  return torch::stack({xs.select(1, 0), ys.select(1, 0), xs.select(1, 1), ys.select(1, 1)}, 1);
}

}  // namespace ghmdet
