// Crop pretraining — a backbone's "ImageNet" made from the detection set itself: the ResNet
// learns to classify the objects of the training scenes, cut out of the detector's own batches,
// before the detector trains on the scenes.
//
// Why: the paper's detectors start from an ImageNet-pretrained ResNet; a detector trained from
// scratch on a small set (the Fashion-MNIST demo) learns features far more slowly than it
// learns anything else (measured: the focal loss of a from-scratch ResNet-18 RetinaNet stays
// near its plateau for thousands of iterations, torchvision's model alike). A few hundred
// classification steps on object crops give the backbone features that separate the classes.
//
// One step: every ground-truth box of one batch from `source` (already transformed: resized,
// normalised, flipped) becomes a square crop around the box (side = longer box side x
// (1 + 2 * context), clipped to the image), bilinearly resized to crop_size x crop_size; the
// backbone's last output, averaged over space, goes through a temporary linear classifier;
// cross-entropy against the box label; SGD with momentum (or AdamW), linear warm-up then cosine
// decay.
// Batches without boxes are skipped. The classifier exists only during pretraining.
//
// The result is saved as a torchvision ResNet state dict (conv1.*, bn1.*, layer1..4.*, fc.*) in
// a GHMDet checkpoint file, so `model.pretrained` loads it like torchvision's ImageNet files.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

#include "ghmdet/data/batch_source.h"

namespace ghmdet {

struct CropPretrainingOptions {
  TORCH_ARG(int64_t, iterations) = 400;
  TORCH_ARG(int64_t, warmup_iters) = 40;
  TORCH_ARG(std::string, optimizer) = "sgd";  // "sgd" (momentum) or "adamw" (momentum = beta1)
  TORCH_ARG(double, lr) = 0.05;
  TORCH_ARG(double, momentum) = 0.9;
  TORCH_ARG(double, weight_decay) = 1e-4;
  TORCH_ARG(int64_t, crop_size) = 64;
  TORCH_ARG(double, context) = 0.1;      // margin on each side, as a fraction of the box's longer side
  TORCH_ARG(int64_t, log_interval) = 50;
  TORCH_ARG(torch::Device, device) = torch::kCPU;
};

struct CropPretrainingProgress {
  int64_t iteration = 0;   // finished iterations
  int64_t iterations = 0;  // planned
  double loss = 0.0;       // mean over the last log window
  double accuracy = 0.0;   // top-1 over the crops of the last log window
};

struct CropPretrainingResult {
  int64_t iterations = 0;
  int64_t crops = 0;
  double final_accuracy = 0.0;  // over the last log window
  double seconds = 0.0;
};

// The object crops of one batch: images [K, 3, crop, crop] and labels [K] (int64), on the
// batch's device. K = total number of boxes in the batch (0 gives empty tensors).
std::pair<torch::Tensor, torch::Tensor> object_crops(const Batch& batch, int64_t crop_size, double context);

// What is trained: the backbone module (its parameters that require gradients) and how to get
// its last feature map [N, channels, h, w] from images [N, 3, H, W]. A plain module and a
// function keep this loop free of any particular network (a ResNet: its forward().back()).
struct CropPretrainingBackbone {
  torch::nn::Module& module;
  std::function<torch::Tensor(const torch::Tensor&)> last_features;
  int64_t channels;
};

// Trains the backbone in place. `source` is cycled through epochs as needed.
CropPretrainingResult pretrain_on_crops(const CropPretrainingBackbone& backbone, int64_t num_classes,
                                        BatchSource& source,
                                        const CropPretrainingOptions& options,
                                        const std::function<void(const CropPretrainingProgress&)>& on_log = {});

// Writes the backbone (torchvision ResNet names; `fc` from the classifier is not kept) to
// `path` as a GHMDet checkpoint, atomically.
void save_backbone_weights(torch::nn::Module& backbone, const std::string& path,
                           const nlohmann::json& meta = nlohmann::json::object());

}  // namespace ghmdet
