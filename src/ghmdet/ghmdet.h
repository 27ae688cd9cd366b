// GHMDet — the public API in one header: `#include <ghmdet/ghmdet.h>` after
// find_package(ghmdet CONFIG) and target_link_libraries(... ghmdet::ghmdet).
//
// Layers, in data-flow order (each header documents its own contract):
//   core/        Config (YAML, _base_, overrides), errors, thread/device setup
//   structures/  Batch, ImageMeta, Detections, box conventions
//   data/        COCO / VOC datasets, transforms, samplers, the threaded DataLoader, demo scenes
//   modeling/    ResNet, FPN, RetinaHead, RetinaNet and build_detector(config)
//   targets/     anchors, MaxIoUAssigner, DeltaBoxCoder, per-image anchor targets
//   losses/      GHMC, GHMR, FocalLoss, SmoothL1Loss and make_*_loss(type, params)
//   ops/         NMS and test-time post-processing
//   io/          PyTorch .pth reading (zip and legacy), state-dict loading, GHMDet checkpoints
//   engine/      Trainer, SGD, lr schedule, checkpoints, inference, distributed training
//   evaluation/  COCO bbox evaluation (COCOeval's 12 numbers), VOC mAP, results files, the
//                best-F1 operating point
//   viz/         SVG plots, the training report (report.html), detection pictures
//
// Tensors follow the device of their inputs: the same calls run on CPU and CUDA.
// Boxes are float (x1, y1, x2, y2) in pixels; the pixel-offset convention (+1 widths or not)
// is the detector's `conventions` preset (structures/conventions.h).
#pragma once

#include "ghmdet/core/config.h"
#include "ghmdet/core/error.h"
#include "ghmdet/core/runtime.h"

#include "ghmdet/structures/batch.h"
#include "ghmdet/structures/boxes.h"
#include "ghmdet/structures/conventions.h"
#include "ghmdet/structures/detections.h"
#include "ghmdet/structures/image_meta.h"

#include "ghmdet/data/build.h"
#include "ghmdet/data/coco_dataset.h"
#include "ghmdet/data/data_loader.h"
#include "ghmdet/data/fashion_mnist_scenes.h"
#include "ghmdet/data/voc_dataset.h"

#include "ghmdet/modeling/build.h"
#include "ghmdet/modeling/detector.h"
#include "ghmdet/modeling/retinanet.h"

#include "ghmdet/targets/anchor_generator.h"
#include "ghmdet/targets/anchor_targets.h"
#include "ghmdet/targets/delta_box_coder.h"
#include "ghmdet/targets/max_iou_assigner.h"

#include "ghmdet/losses/build.h"
#include "ghmdet/losses/focal_loss.h"
#include "ghmdet/losses/ghm_c.h"
#include "ghmdet/losses/ghm_r.h"
#include "ghmdet/losses/smooth_l1_loss.h"

#include "ghmdet/ops/nms.h"
#include "ghmdet/ops/post_processing.h"

#include "ghmdet/io/checkpoint.h"
#include "ghmdet/io/state_dict.h"
#include "ghmdet/io/weight_maps.h"

#include "ghmdet/engine/build.h"
#include "ghmdet/engine/distributed/distributed_training.h"
#include "ghmdet/engine/distributed/launch_env.h"
#include "ghmdet/engine/distributed/process_group.h"
#include "ghmdet/engine/inference.h"
#include "ghmdet/engine/trainer.h"

#include "ghmdet/evaluation/coco_eval.h"
#include "ghmdet/evaluation/operating_point.h"
#include "ghmdet/evaluation/results_io.h"
#include "ghmdet/evaluation/voc_eval.h"

#include "ghmdet/viz/detection_picture.h"
#include "ghmdet/viz/report.h"
