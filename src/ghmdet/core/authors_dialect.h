// The GHM authors' and mmdetection v1's own config keys, translated into GHMDet's while a config
// is loaded (core/config.h), so that their files run as they are and everything downstream
// reads one schema:
//  * train_cfg.ghmc {bins, momentum} selects GHM-C as model.bbox_head.loss_cls, and
//    train_cfg.ghmr {mu, bins, momentum, loss_scale} GHM-R as loss_bbox (loss_scale is the loss
//    weight); failing those, the early focal keys train_cfg.gamma / alpha select the focal loss
//    and train_cfg.smoothl1_beta the smooth L1 loss (with GHM-C or GHM-R they are unused, as in
//    the authors' code). The resolved loss is {type, use_sigmoid: true (classification), the
//    keys given, loss_weight: 1.0 (or loss_scale)} and replaces the loss of the files below;
//    the train_cfg keys are removed.
//  * datatype ('coco', 'voc', 'CocoDataset' or 'VOCDataset') sets dataset_type and the `type`
//    of every data split that has none; datatype is removed.
//  * model.pretrained 'modelzoo://resnet50' (mmdetection v1) or 'torchvision://resnet50' (v2)
//    names torchvision's ImageNet weights, found in checkpoints/ under torchvision's file name
//    (resnet50-19c8e357.pth; also resnet18, 34 and 101); any other "scheme://" is an error.
//  * In a Python file read as mmdetection v1 (see below), model.bbox_head.num_classes counts
//    the background: 81 for COCO becomes 80, the object classes GHMDet counts.
// A loss or dataset type given both ways by the same source (one file, or the command line)
// must agree, else it is an Error naming both places; given by different sources, the later
// one wins, as for any key (the including file over its bases, --cfg-options over files).
//
// A Python file is read as mmdetection v1 unless it has `_base_` or any structure that only
// mmdetection v2 and later write: data.samples_per_gpu, model.train_cfg / model.test_cfg,
// model.bbox_head.anchor_generator / bbox_coder. YAML files always count object classes only.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "ghmdet/core/config.h"

namespace ghmdet {

// One change to a loaded tree, applied by the loader.
struct ConfigEdit {
  std::string path;    // dotted key path of the map entry to set or remove
  YAML::Node value;    // the new value (set)
  bool remove = false;
  std::string source;  // key path whose file and line:column the new value reports (set)
};

// The edits that translate `root` (one file's own tree before its bases are merged, or the
// merged tree after --cfg-options). `python_v1_rules`: `root` is a whole Python file, to which
// the num_classes rule applies when it reads as mmdetection v1. Sets come before removals.
// Throws ghmdet::Error for bad values and for disagreements.
std::vector<ConfigEdit> authors_dialect_edits(const Config& root, bool python_v1_rules);

}  // namespace ghmdet
