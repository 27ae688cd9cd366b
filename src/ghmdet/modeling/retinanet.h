// RetinaNet (Lin et al. 2017) — ResNet backbone, FPN neck and RetinaHead, the detector GHM was
// published with. Implements DetectorImpl: module names backbone.*, neck.*, bbox_head.* are
// mmdetection's, so its checkpoints (and torchvision's, after io/weight_maps renaming) load.
//
// forward(images [N, 3, H, W] float, normalised, H and W multiples of 32 — more exactly of the
// coarsest stride used by the anchors) → HeadOutputs, one entry per FPN level (P3 first).
// loss(batch): targets per image on the anchors of the batch-padded size, valid flags from each
// image's pad_shape, sliced per level; one call of the shared loss objects per level (ghm-spec 3).
// predict(batch): the post-processing style of the conventions preset, per image, boxes in
// original-image pixels.
//
// Memory format: with channels_last (default) the input and the conv weights are kept NHWC,
// which oneDNN runs faster on CPU; outputs are then NHWC too, which makes the [N*H*W*A, C]
// flattening of the head outputs a view. Results do not depend on it.
//
// Inference dtype: in eval mode, forward() runs the backbone, neck and head in
// options.inference_dtype() (float32 or bf16, core/inference_dtype.h; bf16 becomes float32 where
// usable_inference_dtype() says the device cannot run it) and returns float32 head outputs, so
// anchors, box decoding, thresholds and NMS are always float32. Training always runs float32.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "ghmdet/losses/loss.h"
#include "ghmdet/modeling/backbone/resnet.h"
#include "ghmdet/modeling/detector.h"
#include "ghmdet/modeling/head/retina_head.h"
#include "ghmdet/modeling/neck/fpn.h"
#include "ghmdet/modeling/retinanet_targets.h"

namespace ghmdet {

struct RetinaNetOptions {
  RetinaNetOptions(ResNetOptions backbone, FPNOptions neck, RetinaHeadOptions head, DenseHeadSettings dense)
      : backbone_(std::move(backbone)), neck_(std::move(neck)), head_(std::move(head)), dense_(std::move(dense)) {}
  TORCH_ARG(ResNetOptions, backbone);
  TORCH_ARG(FPNOptions, neck);
  TORCH_ARG(RetinaHeadOptions, head);
  // Anchors, assigner, box coder and post-processing (targets/ and ops/ settings).
  TORCH_ARG(DenseHeadSettings, dense);
  TORCH_ARG(std::vector<std::string>, class_names) = std::vector<std::string>{};
  TORCH_ARG(bool, channels_last) = true;
  // kFloat or kBFloat16 (test_cfg.dtype, `--dtype`); used in eval mode only.
  TORCH_ARG(torch::ScalarType, inference_dtype) = torch::kFloat;
};

struct RetinaNetImpl : DetectorImpl {
  // The losses become bbox_head.loss_cls / bbox_head.loss_bbox; null ones are allowed for an
  // inference-only model (loss() then throws).
  RetinaNetImpl(const RetinaNetOptions& options, std::shared_ptr<ClassificationLossImpl> loss_cls,
                std::shared_ptr<RegressionLossImpl> loss_bbox);

  HeadOutputs forward(const torch::Tensor& images);
  std::map<std::string, torch::Tensor> loss(const Batch& batch) override;
  std::vector<Detections> predict(const Batch& batch) override;
  int64_t num_classes() const override { return options.head().num_classes(); }
  const std::vector<std::string>& class_names() const { return options.class_names(); }

  // Loads an ImageNet ResNet file (torchvision's, e.g. resnet50-19c8e357.pth) into the backbone,
  // or the backbone.* part of a whole detector's checkpoint (mmdetection's, ours, torchvision's
  // RetinaNet; its neck and head are left out); returns the io report. Throws ghmdet::Error
  // naming the file if a backbone weight is missing or has the wrong shape.
  std::string load_pretrained_backbone(const std::string& path);

  RetinaNetOptions options;
  ResNet backbone{nullptr};
  FPN neck{nullptr};
  RetinaHead bbox_head{nullptr};

 private:
  DenseHeadTargets dense_;
};
TORCH_MODULE(RetinaNet);

}  // namespace ghmdet
