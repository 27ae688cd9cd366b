// Renaming the keys of weight files users have to GHMDet's module names.
//
// GHMDet's names are mmdetection's (v1 and v2 alike), so mmdetection checkpoints map 1:1:
//   backbone.{conv1,bn1,layer{1..4}.{i}.{conv,bn}{1,2,3},layer*.{i}.downsample.{0,1}}.*
//   neck.lateral_convs.{i}.conv.*  neck.fpn_convs.{i}.conv.*  (i = 0..2: P3..P5, 3: P6, 4: P7)
//   bbox_head.{cls,reg}_convs.{k}.conv.*  bbox_head.retina_{cls,reg}.*
//   bbox_head.loss_{cls,bbox}.{edges,acc_sum}
// Sources understood:
//  * TorchvisionResNet — an ImageNet classifier (conv1.weight, layer1.0...): fc.* is dropped,
//    the rest gets `backbone_prefix` ("backbone." for a detector, "" for a bare backbone);
//  * TorchvisionRetinaNet — retinanet_resnet50_fpn (torchvision 0.14 names, FPN
//    `inner_blocks.{i}.0.*` and the older `inner_blocks.{i}.*`, head `conv.{k}.0.*` and the older
//    `conv.{2k}.*`, extra_blocks.p6/p7); keys it does not know (a GroupNorm head, say) keep their
//    name so load_state_dict reports them as unexpected;
//  * GHMDet — our own and mmdetection files: unchanged.
// detect_weight_format() guesses the source from the key names.
#pragma once

#include <string>

#include "ghmdet/io/state_dict.h"

namespace ghmdet {

enum class WeightFormat { Unknown, GHMDet, TorchvisionResNet, TorchvisionRetinaNet };

WeightFormat detect_weight_format(const StateDict& sd);

// Throws ghmdet::Error for WeightFormat::Unknown (naming a few of the keys it saw).
StateDict to_ghmdet_names(const StateDict& sd, WeightFormat format,
                          const std::string& backbone_prefix = "backbone.");

// "auto", "ghmdet" (alias "mmdet"), "torchvision_resnet", "torchvision_retinanet" → format
// (auto → Unknown, meaning "detect"); throws ghmdet::Error naming `what` on anything else.
WeightFormat parse_weight_format(const std::string& text, const std::string& what);
const char* weight_format_name(WeightFormat format);

}  // namespace ghmdet
