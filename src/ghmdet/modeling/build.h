// Builders: the only modeling code that reads configs (mmdetection v1 key names, see
// docs/CONFIGS.md). Each checks its node for unknown keys (error names the key and the nearest
// valid one) and turns it into the modules' options.
//
//  model:      {type: RetinaNet, pretrained, conventions: legacy|mmdet|torchvision,
//               class_names (optional list), backbone, neck, bbox_head}
//  backbone:   {type: ResNet, depth, num_stages: 4, out_indices: [0,1,2,3], frozen_stages: -1,
//               norm_eval: true, style: pytorch}
//  neck:       {type: FPN, in_channels, out_channels, num_outs, start_level: 0,
//               add_extra_convs: false|true|on_input|on_output, extra_convs_on_inputs,
//               relu_before_extra_convs} — the last two default to the conventions preset
//               (legacy/mmdet: P6 from C5, no ReLU; torchvision: P6 from P5, ReLU before P7).
//  bbox_head:  {type: RetinaHead, num_classes (sigmoid outputs), in_channels, stacked_convs: 4,
//               feat_channels: 256, octave_base_scale: 4, scales_per_octave: 3, anchor_ratios,
//               anchor_strides, anchor_base_sizes (default: the strides), anchor_sizes (explicit
//               per-level sizes, torchvision), target_means,
//               target_stds, loss_cls {type, ...}, loss_bbox {type, ...}}
//  train_cfg:  {assigner {type: MaxIoUAssigner, pos_iou_thr, neg_iou_thr, min_pos_iou,
//               ignore_iof_thr}, allowed_border, pos_weight, debug}
//  test_cfg:   {nms_pre, min_bbox_size, score_thr, nms {type: nms, iou_thr}, max_per_img,
//               dtype: float32|bf16 (the inference dtype, core/inference_dtype.h)}
#pragma once

#include <memory>

#include "ghmdet/core/config.h"
#include "ghmdet/modeling/backbone/resnet.h"
#include "ghmdet/modeling/head/retina_head.h"
#include "ghmdet/modeling/neck/fpn.h"

namespace ghmdet {

struct RetinaNetImpl;

ResNetOptions build_resnet_options(const Config& backbone_cfg);
// `p6_from_p5_relu` is the conventions' default for where P6 comes from when the config does
// not say: false → P6 on C5 without ReLU (legacy, mmdet), true → P6 on P5, ReLU before P7.
FPNOptions build_fpn_options(const Config& neck_cfg, bool p6_from_p5_relu);
RetinaHeadOptions build_retina_head_options(const Config& head_cfg);

// The whole detector. train_cfg may be an empty Config (inference only); the pretrained backbone
// file (model.pretrained), when given, is loaded here.
std::shared_ptr<RetinaNetImpl> build_detector(const Config& model_cfg, const Config& train_cfg,
                                              const Config& test_cfg);
// What build_detector checks (every key, type and range, down to the losses), without reading
// model.pretrained: only that it names a file. For validating a config before any work.
void check_detector_config(const Config& model_cfg, const Config& train_cfg, const Config& test_cfg);

}  // namespace ghmdet
