// Dataset — a detection dataset as the samplers, the loader and the evaluators see it.
//
// Index i in [0, size()) names one image. info(i) is cheap (no decoding) and is what samplers
// group by. annotations(i) are the ground truth in the ORIGINAL image's pixels, legacy
// inclusive-corner convention ([x, y, x + w - 1, y + h - 1]); labels contiguous 0..C-1 in the
// order of class_names(); ignored boxes (COCO crowd, VOC difficult) kept apart. get(i, epoch)
// decodes and transforms one image for the network (see transforms.h); its randomness (flip,
// multi-scale, replacement of images without boxes at training time) is a pure function of the
// dataset's seed, `epoch` and `i`, so any worker thread may call it in any order (thread-safe).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ghmdet/structures/image_meta.h"

namespace ghmdet {

struct ImageInfo {
  std::string file;      // full path of the image
  int64_t image_id = 0;  // COCO image id; VOC: position in the dataset
  int64_t width = 0;     // as the annotation file states
  int64_t height = 0;
  // The reference's aspect-ratio group: 1 if width / height > 1, else 0.
  int aspect_group() const { return width > height ? 1 : 0; }
};

struct Annotations {
  torch::Tensor boxes;         // float32 [K, 4] original pixels, inclusive corners
  torch::Tensor labels;        // int64 [K], 0..C-1
  torch::Tensor boxes_ignore;  // float32 [G, 4] crowd / difficult regions
  torch::Tensor labels_ignore; // int64 [G], labels of the ignored boxes (for VOC evaluation)
};

// One transformed image and its targets in the network input's coordinates.
struct Sample {
  torch::Tensor image;            // float32 [3, pad_h, pad_w], normalised, zero padding
  ImageMeta meta;
  torch::Tensor gt_boxes;         // float32 [K, 4]
  torch::Tensor gt_labels;        // int64 [K]
  torch::Tensor gt_boxes_ignore;  // float32 [G, 4] (empty unless the dataset keeps crowd boxes)
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  virtual const std::vector<std::string>& class_names() const = 0;
  virtual const ImageInfo& info(int64_t index) const = 0;
  virtual const Annotations& annotations(int64_t index) const = 0;
  virtual Sample get(int64_t index, int64_t epoch = 0) const = 0;
  virtual bool test_mode() const = 0;
};

}  // namespace ghmdet
