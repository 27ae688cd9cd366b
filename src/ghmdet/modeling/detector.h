// Detector — the interface the engine trains and tests, whatever the architecture.
//
// A detector is a torch::nn::Module whose named_parameters()/named_buffers() are its checkpoint
// (names as mmdetection's: backbone.*, neck.*, bbox_head.*). It never reads configs itself.
//  * loss(batch): the training losses, each a float32 scalar on the batch's device, keyed by the
//    name that is logged ("loss_cls", "loss_bbox"); the engine sums them in key order.
//  * predict(batch): one Detections per image, boxes in original-image pixels (meta.scale_factor
//    undone), in the model's class indices.
//  * class_names(): the label names, index = class index (may be empty when unknown).
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "ghmdet/structures/batch.h"
#include "ghmdet/structures/detections.h"

namespace ghmdet {

struct DetectorImpl : torch::nn::Module {
  virtual std::map<std::string, torch::Tensor> loss(const Batch& batch) = 0;
  virtual std::vector<Detections> predict(const Batch& batch) = 0;
  virtual int64_t num_classes() const = 0;
};

}  // namespace ghmdet
