// DetectorConventions — every switch in which the three reference RetinaNets differ, in one place.
//
// Presets (DetectorConventions::preset):
//  * "legacy": the paper's code (mmdetection ~v0.6). +1 pixel widths, base anchors centred at
//    (s-1)/2 and rounded, octave-scale sizes, coder clamp ±|log(16/1000)| with the ±0.5 decode,
//    clip to img_shape - 1, per-level top-k by max class score then per-class NMS (strict
//    score > thr, CPU kernel suppresses IoU >= thr), 100 per image without a global sort unless
//    more than 100 survive, P6 from C5.
//  * "mmdet": mmdetection v2/v3. Pixel offset 0, base anchors centred at 0 and not rounded,
//    octave-scale sizes, symmetric clamp, clip to img_shape, same selection as legacy but the
//    result is sorted by score (batched NMS), IoU > thr suppresses, P6 from C5.
//  * "torchvision": retinanet_resnet50_fpn. Pixel offset 0, explicit sizes (32, 40, 50) ...
//    (512, 645, 812) computed with int(), zero-centred rounded base anchors, strides taken as
//    image_size // feature_size, clamp of dw/dh from above only at log(1000/16), per-level
//    score > thr on (anchor, class) pairs then top 1000, batched NMS 0.5 (IoU > thr), keep 300,
//    Matcher semantics (low-quality matches restored to the anchor's own best gt), P6 from P5
//    with ReLU before P7.
// The per-piece options (AnchorGeneratorOptions, MaxIoUAssignerOptions, DeltaBoxCoderOptions,
// PostProcessOptions) are derived from a DetectorConventions by their `from_conventions`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ghmdet {

// Where a level's base anchors are centred (base size = stride s).
enum class AnchorCenter {
  kPixelInclusive,  // (s - 1) / 2, legacy
  kHalfStride,      // s / 2 (mmdetection center_offset 0.5)
  kZero,            // 0: anchors centred on the grid point (mmdet v2+, torchvision)
};

// Test-time selection and ordering of detections.
enum class PostProcessStyle {
  kMmdet,        // per level top nms_pre anchors by max class score; per-class NMS on score > thr
  kTorchvision,  // per level score > thr on flattened (anchor, class), top nms_pre; batched NMS
};

// Assigner semantics.
enum class MatcherStyle {
  kMaxIoU,       // mmdetection MaxIoUAssigner: a gt's best anchors are assigned to that gt
  kTorchvision,  // torchvision Matcher: low-quality anchors get back their own argmax gt
};

struct DetectorConventions {
  std::string name;

  // Boxes and IoU: 1 = width x2 - x1 + 1 (legacy), 0 = continuous.
  double pixel_offset = 1.0;

  // Anchors.
  AnchorCenter anchor_center = AnchorCenter::kPixelInclusive;
  bool round_base_anchors = true;
  // false: sizes = stride * octave_base_scale * 2^(i / scales_per_octave);
  // true: torchvision's explicit per-level sizes (x, int(x * 2^(1/3)), int(x * 2^(2/3))).
  bool explicit_anchor_sizes = false;
  // torchvision derives each level's stride as image_size // feature_size (per axis), which is
  // not the nominal stride for P6/P7 when the image is not a multiple of 128.
  bool stride_from_image_size = false;
  // Anchors outside this image's pad_shape (the batch padding) get weight 0 (legacy/mmdet).
  bool use_valid_flags = true;

  // Box coder.
  double box_clamp = 4.135166556742356;  // |log(16/1000)|
  bool symmetric_clamp = true;           // false: clamp dw, dh from above only (torchvision)
  bool decode_half_pixel = true;         // x1 = cx - w/2 + 0.5, x2 = cx + w/2 - 0.5 (legacy)
  bool center_from_x1 = false;           // centre = x1 + 0.5 w (torchvision) vs (x1 + x2) / 2
  double clip_offset = 1.0;              // clip to img_shape - clip_offset

  // Assigner.
  MatcherStyle matcher = MatcherStyle::kMaxIoU;
  // A gt whose best IoU is 0 would otherwise claim every anchor it does not touch.
  bool skip_gt_with_zero_iou = true;

  // Test-time post-processing.
  PostProcessStyle post_process = PostProcessStyle::kMmdet;
  bool nms_suppress_equal = true;  // suppress IoU >= thr (legacy CPU kernel) vs > thr
  bool sort_detections = false;    // final list sorted by score (mmdet v2+, torchvision)
  int64_t nms_pre = 1000;
  double score_thr = 0.05;
  double nms_iou_thr = 0.5;
  int64_t max_per_img = 100;

  // FPN: P6 from P5 with ReLU before P7 (torchvision) vs P6 from C5 (legacy/mmdet).
  bool p6_from_p5_relu = false;

  // "legacy", "mmdet" or "torchvision"; anything else throws ghmdet::Error listing these.
  static DetectorConventions preset(const std::string& name);
  static std::vector<std::string> preset_names();
};

}  // namespace ghmdet
