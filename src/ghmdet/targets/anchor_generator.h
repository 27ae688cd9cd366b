// AnchorGenerator — RetinaNet's anchors: base anchors per FPN level, the dense grid over a
// feature map, and per-image valid flags.
//
// Base anchors of level l are float32 [A, 4] (A = ratios x scales), ratio-major:
// index = ratio_idx * num_scales + scale_idx; ratio = h / w (h = sqrt(r), w = 1 / sqrt(r)).
// Grid anchors of a level with feature size (H, W) are float32 [H * W * A, 4] with row
// ((y * W + x) * A + a) = base anchor a shifted by (x * stride_x, y * stride_y), on the
// requested device. Grid anchors are cached per (level, H, W, stride, device): they are the same
// every iteration for a fixed input size. The cache is internal and thread-safe; returned
// tensors are shared, never modify them in place.
#pragma once

#include <torch/torch.h>

#include <array>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include "ghmdet/structures/conventions.h"

namespace ghmdet {

struct AnchorGeneratorOptions {
  // Options of the conventions preset; with explicit sizes they are torchvision's
  // (x, int(x * 2^(1/3)), int(x * 2^(2/3))) for x = stride * octave_base_scale.
  static AnchorGeneratorOptions from_conventions(const DetectorConventions& c);

  // Nominal stride per level, P3..P7.
  TORCH_ARG(std::vector<int64_t>, strides) = std::vector<int64_t>{8, 16, 32, 64, 128};
  // Base size per level (mmdetection's anchor_base_sizes: the octave scales multiply it and the
  // legacy centre is (base - 1) / 2); empty = the strides.
  TORCH_ARG(std::vector<int64_t>, base_sizes) = {};
  TORCH_ARG(std::vector<double>, ratios) = std::vector<double>{0.5, 1.0, 2.0};
  // Octave scales: stride * octave_base_scale * 2^(i / scales_per_octave).
  TORCH_ARG(double, octave_base_scale) = 4.0;
  TORCH_ARG(int64_t, scales_per_octave) = 3;
  // Explicit anchor sizes per level (torchvision); when non-empty it replaces the octave scales.
  TORCH_ARG(std::vector<std::vector<double>>, sizes) = {};
  TORCH_ARG(AnchorCenter, center) = AnchorCenter::kPixelInclusive;
  TORCH_ARG(double, pixel_offset) = 1.0;
  TORCH_ARG(bool, round) = true;
  TORCH_ARG(bool, stride_from_image_size) = false;
};

// (height, width)
using Size2 = std::array<int64_t, 2>;

class AnchorGenerator {
 public:
  explicit AnchorGenerator(AnchorGeneratorOptions options = {});

  const AnchorGeneratorOptions& options() const { return options_; }
  int64_t num_levels() const { return static_cast<int64_t>(base_anchors_.size()); }
  int64_t num_anchors_per_location() const { return base_anchors_.at(0).size(0); }
  // float32 [A, 4] on the CPU.
  const torch::Tensor& base_anchors(int64_t level) const { return base_anchors_.at(level); }

  // The (stride_h, stride_w) a level uses for a feature map of `feature_size` on an input of
  // `image_size` (the batch-padded tensor): nominal, or image_size // feature_size.
  Size2 level_stride(int64_t level, Size2 feature_size, Size2 image_size) const;

  // One float32 tensor [H_l * W_l * A, 4] per level. `image_size` is the batch-padded input
  // size; it only matters with stride_from_image_size.
  std::vector<torch::Tensor> grid_anchors(const std::vector<Size2>& feature_sizes,
                                          Size2 image_size, torch::Device device) const;

  // One bool tensor [H_l * W_l * A] per level: the anchor's grid position lies inside
  // min(ceil(pad_shape / stride), feature size) of this image.
  std::vector<torch::Tensor> valid_flags(const std::vector<Size2>& feature_sizes,
                                         Size2 image_size, Size2 pad_shape,
                                         torch::Device device) const;

 private:
  AnchorGeneratorOptions options_;
  std::vector<torch::Tensor> base_anchors_;
  mutable std::mutex cache_mutex_;
  mutable std::map<std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, std::string>,
                   torch::Tensor>
      cache_;
};

// Base anchors of one level, exactly as the references compute them in float32 (exposed for
// tests). `sizes` empty → octave scales of `base_size`.
torch::Tensor make_base_anchors(double base_size, const std::vector<double>& ratios,
                                const std::vector<double>& scales_or_sizes, bool explicit_sizes,
                                AnchorCenter center, double pixel_offset, bool round);

}  // namespace ghmdet
