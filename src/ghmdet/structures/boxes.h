// Box geometry shared by the assigner, the box coder, NMS and evaluation.
//
// Boxes are float tensors [N, 4] as (x1, y1, x2, y2) in pixels, on any device; results follow
// the device and dtype of the inputs. `pixel_offset` is the width convention: 1 for the legacy
// "pixel-inclusive" boxes (width = x2 - x1 + 1, as mmdetection v1 and the paper's code), 0 for
// continuous coordinates (mmdetection v2+, torchvision). A box that is not [N, 4] or not a
// floating dtype throws ghmdet::Error naming `what`.
#pragma once

#include <torch/torch.h>

#include <string>

namespace ghmdet {

// Throws ghmdet::Error unless `boxes` is a defined floating tensor of shape [N, 4].
void check_boxes(const torch::Tensor& boxes, const std::string& what);

// Area per box: (x2 - x1 + offset) * (y2 - y1 + offset). [N] → same dtype.
torch::Tensor box_area(const torch::Tensor& boxes, double pixel_offset);

// Pairwise intersection over union, [N, 4] x [M, 4] → [N, M]. Overlap widths are
// min(x2) - max(x1) + offset clamped at 0.
torch::Tensor box_iou(const torch::Tensor& a, const torch::Tensor& b, double pixel_offset);

// Pairwise intersection over the area of the FIRST argument (mmdetection's "iof", used for ignore
// regions: how much of anchor i lies inside ignore box j). [N, 4] x [M, 4] → [N, M].
torch::Tensor box_iof(const torch::Tensor& a, const torch::Tensor& b, double pixel_offset);

// The device-generic tensor-op version of box_iou / box_iof (iof = true). box_iou and box_iof
// use it on non-CPU devices and a one-pass loop on the CPU; exposed so tests compare the two.
torch::Tensor box_overlaps_tensor_ops(const torch::Tensor& a, const torch::Tensor& b,
                                      double pixel_offset, bool iof);

// Clamps x to [0, width - pixel_offset] and y to [0, height - pixel_offset]
// (legacy clips to img_shape - 1, mmdet v2 / torchvision to img_shape). Returns a new tensor.
torch::Tensor clip_boxes(const torch::Tensor& boxes, int64_t height, int64_t width,
                         double pixel_offset);

}  // namespace ghmdet
