#include "ghmdet/structures/conventions.h"

#include <cmath>

#include "ghmdet/core/error.h"

namespace ghmdet {

std::vector<std::string> DetectorConventions::preset_names() {
  return {"legacy", "mmdet", "torchvision"};
}

DetectorConventions DetectorConventions::preset(const std::string& name) {
  DetectorConventions c;  // the defaults are the legacy preset
  c.name = name;
  if (name == "legacy") return c;
  if (name == "mmdet") {
    c.pixel_offset = 0.0;
    c.anchor_center = AnchorCenter::kZero;
    c.round_base_anchors = false;
    c.decode_half_pixel = false;
    c.clip_offset = 0.0;
    c.nms_suppress_equal = false;
    c.sort_detections = true;
    return c;
  }
  if (name == "torchvision") {
    c.pixel_offset = 0.0;
    c.anchor_center = AnchorCenter::kZero;
    c.round_base_anchors = true;
    c.explicit_anchor_sizes = true;
    c.stride_from_image_size = true;
    c.use_valid_flags = false;
    c.box_clamp = std::log(1000.0 / 16.0);
    c.symmetric_clamp = false;
    c.decode_half_pixel = false;
    c.center_from_x1 = true;
    c.clip_offset = 0.0;
    c.matcher = MatcherStyle::kTorchvision;
    c.skip_gt_with_zero_iou = false;
    c.post_process = PostProcessStyle::kTorchvision;
    c.nms_suppress_equal = false;
    c.sort_detections = true;
    c.max_per_img = 300;
    c.p6_from_p5_relu = true;
    return c;
  }
  std::string valid;
  for (const auto& n : preset_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw Error("conventions: unknown preset '" + name + "' (valid: " + valid + ")");
}

}  // namespace ghmdet
