#include "ghmdet/targets/anchor_generator.h"

#include <cmath>

#include "ghmdet/core/error.h"

namespace ghmdet {

AnchorGeneratorOptions AnchorGeneratorOptions::from_conventions(const DetectorConventions& c) {
  AnchorGeneratorOptions o;
  o.center(c.anchor_center).pixel_offset(c.pixel_offset).round(c.round_base_anchors);
  o.stride_from_image_size(c.stride_from_image_size);
  if (c.explicit_anchor_sizes) {
    std::vector<std::vector<double>> sizes;
    for (int64_t s : o.strides()) {
      const double x = static_cast<double>(s) * o.octave_base_scale();
      std::vector<double> level;
      for (int64_t i = 0; i < o.scales_per_octave(); ++i) {
        // Python's int() truncates: int(32 * 2 ** (1/3)) = 40.
        level.push_back(std::trunc(x * std::pow(2.0, static_cast<double>(i) /
                                                          static_cast<double>(o.scales_per_octave()))));
      }
      sizes.push_back(level);
    }
    o.sizes(sizes);
  }
  return o;
}

torch::Tensor make_base_anchors(double base_size, const std::vector<double>& ratios,
                                const std::vector<double>& scales_or_sizes, bool explicit_sizes,
                                AnchorCenter center, double pixel_offset, bool round) {
  // Every step in float32, in the references' order, so rounding matches bit for bit.
  auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  auto r = torch::tensor(ratios, torch::kFloat64).to(torch::kFloat32);
  auto scales = torch::tensor(scales_or_sizes, torch::kFloat64).to(torch::kFloat32);
  auto h_ratios = torch::sqrt(r);
  auto w_ratios = 1 / h_ratios;
  torch::Tensor ws, hs;
  if (explicit_sizes) {
    ws = (w_ratios.unsqueeze(1) * scales.unsqueeze(0)).reshape(-1);
    hs = (h_ratios.unsqueeze(1) * scales.unsqueeze(0)).reshape(-1);
  } else {
    ws = (base_size * w_ratios.unsqueeze(1) * scales.unsqueeze(0)).reshape(-1);
    hs = (base_size * h_ratios.unsqueeze(1) * scales.unsqueeze(0)).reshape(-1);
  }
  double ctr = 0.0;
  if (center == AnchorCenter::kPixelInclusive) ctr = 0.5 * (base_size - 1.0);
  if (center == AnchorCenter::kHalfStride) ctr = 0.5 * base_size;
  torch::Tensor anchors;
  if (center == AnchorCenter::kZero && pixel_offset == 0.0) {
    anchors = torch::stack({-ws, -hs, ws, hs}, 1) / 2;
  } else {
    auto hw = 0.5 * (ws - pixel_offset);
    auto hh = 0.5 * (hs - pixel_offset);
    anchors = torch::stack({ctr - hw, ctr - hh, ctr + hw, ctr + hh}, 1);
  }
  if (round) anchors = anchors.round();
  return anchors.to(f32);
}

AnchorGenerator::AnchorGenerator(AnchorGeneratorOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  if (o.strides().empty()) throw Error("anchor generator: 'anchor_strides' is empty");
  if (o.ratios().empty()) throw Error("anchor generator: 'anchor_ratios' is empty");
  if (!o.sizes().empty() && o.sizes().size() != o.strides().size()) {
    throw Error("anchor generator: 'anchor_sizes' has " + std::to_string(o.sizes().size()) +
                " levels but 'anchor_strides' has " + std::to_string(o.strides().size()));
  }
  if (!o.base_sizes().empty() && o.base_sizes().size() != o.strides().size()) {
    throw Error("anchor generator: 'anchor_base_sizes' has " + std::to_string(o.base_sizes().size()) +
                " levels but 'anchor_strides' has " + std::to_string(o.strides().size()));
  }
  std::vector<double> octave;
  for (int64_t i = 0; i < o.scales_per_octave(); ++i) {
    // float64 like numpy, then float32 inside make_base_anchors like torch.Tensor(scales).
    octave.push_back(std::pow(2.0, static_cast<double>(i) / o.scales_per_octave()) *
                     o.octave_base_scale());
  }
  for (size_t l = 0; l < o.strides().size(); ++l) {
    const bool explicit_sizes = !o.sizes().empty();
    const auto& scales = explicit_sizes ? o.sizes()[l] : octave;
    if (scales.empty()) {
      throw Error("anchor generator: 'anchor_sizes' level " + std::to_string(l) + " is empty");
    }
    const int64_t base = o.base_sizes().empty() ? o.strides()[l] : o.base_sizes()[l];
    base_anchors_.push_back(make_base_anchors(static_cast<double>(base), o.ratios(),
                                              scales, explicit_sizes, o.center(),
                                              o.pixel_offset(), o.round()));
    if (base_anchors_.back().size(0) != base_anchors_.front().size(0)) {
      throw Error("anchor generator: every level needs the same number of anchors ('anchor_sizes')");
    }
  }
}

Size2 AnchorGenerator::level_stride(int64_t level, Size2 feature_size, Size2 image_size) const {
  if (options_.stride_from_image_size()) {
    TORCH_CHECK(feature_size[0] > 0 && feature_size[1] > 0, "empty feature map");
    return {image_size[0] / feature_size[0], image_size[1] / feature_size[1]};
  }
  const int64_t s = options_.strides().at(level);
  return {s, s};
}

std::vector<torch::Tensor> AnchorGenerator::grid_anchors(const std::vector<Size2>& feature_sizes,
                                                         Size2 image_size,
                                                         torch::Device device) const {
  if (static_cast<int64_t>(feature_sizes.size()) != num_levels()) {
    throw Error("anchor generator: got " + std::to_string(feature_sizes.size()) +
                " feature maps for " + std::to_string(num_levels()) + " anchor levels");
  }
  std::vector<torch::Tensor> out;
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (cache_.size() > 256) cache_.clear();  // many input sizes (multi-scale): start over
  for (int64_t l = 0; l < num_levels(); ++l) {
    const auto [h, w] = feature_sizes[l];
    const auto stride = level_stride(l, feature_sizes[l], image_size);
    auto key = std::make_tuple(l, h, w, stride[0], stride[1], device.str());
    auto it = cache_.find(key);
    if (it == cache_.end()) {
      auto i64 = torch::TensorOptions().dtype(torch::kInt64).device(device);
      auto sx = torch::arange(w, i64) * stride[1];
      auto sy = torch::arange(h, i64) * stride[0];
      auto yy = sy.unsqueeze(1).expand({h, w}).reshape(-1);
      auto xx = sx.unsqueeze(0).expand({h, w}).reshape(-1);
      auto shifts = torch::stack({xx, yy, xx, yy}, 1);
      auto anchors = (shifts.view({-1, 1, 4}) + base_anchors_[l].to(device).view({1, -1, 4}))
                         .reshape({-1, 4})
                         .contiguous();
      it = cache_.emplace(key, anchors).first;
    }
    out.push_back(it->second);
  }
  return out;
}

std::vector<torch::Tensor> AnchorGenerator::valid_flags(const std::vector<Size2>& feature_sizes,
                                                        Size2 image_size, Size2 pad_shape,
                                                        torch::Device device) const {
  if (static_cast<int64_t>(feature_sizes.size()) != num_levels()) {
    throw Error("anchor generator: got " + std::to_string(feature_sizes.size()) +
                " feature maps for " + std::to_string(num_levels()) + " anchor levels");
  }
  const int64_t a = num_anchors_per_location();
  std::vector<torch::Tensor> out;
  for (int64_t l = 0; l < num_levels(); ++l) {
    const auto [h, w] = feature_sizes[l];
    const auto stride = level_stride(l, feature_sizes[l], image_size);
    const auto ceil_div = [](int64_t x, int64_t s) { return (x + s - 1) / s; };
    const int64_t vh = std::min(ceil_div(pad_shape[0], stride[0]), h);
    const int64_t vw = std::min(ceil_div(pad_shape[1], stride[1]), w);
    auto i64 = torch::TensorOptions().dtype(torch::kInt64).device(device);
    auto vy = torch::arange(h, i64) < vh;
    auto vx = torch::arange(w, i64) < vw;
    auto v = (vy.unsqueeze(1) & vx.unsqueeze(0)).reshape({-1, 1}).expand({h * w, a});
    out.push_back(v.reshape(-1));
  }
  return out;
}

}  // namespace ghmdet
