// Builders from the YAML config: a dataset from a `data.train|val|test` node, chosen by its
// `type` ("CocoDataset" or "VOCDataset"), and a loader from the `data` node.
//
// Dataset keys (mmdetection v1 names): type, ann_file and img_prefix (a string, or lists of the
// same length to concatenate), img_scale ([long, short], or a list of them for multi-scale),
// multiscale_mode ("value" | "range"), img_norm_cfg {mean, std, to_rgb}, size_divisor,
// flip_ratio, with_crowd, test_mode, min_size, seed, classes (VOC-style XML with other class
// names), max_image_pixels, skip_corrupt_images (detection_dataset.h); with_mask / with_label /
// resize_keep_ratio
// are accepted for compatibility (masks are not supported: with_mask must be false). Unknown
// keys are errors naming the file, line and key.
#pragma once

#include <memory>
#include <string>

#include "ghmdet/core/config.h"
#include "ghmdet/data/data_loader.h"
#include "ghmdet/data/detection_dataset.h"

namespace ghmdet {

DatasetOptions dataset_options_from_config(const Config& node);
// Everything make_dataset(node) checks without reading the annotations: type, keys, values, and
// (with `files`) that every ann_file is a file and every img_prefix a folder.
void check_dataset_config(const Config& node, bool files);
// The `data` node's own keys: imgs_per_gpu (>= 1), workers_per_gpu (>= 0), train, val, test.
void check_data_config(const Config& data);
std::shared_ptr<DetectionDataset> make_dataset(const std::string& type, const DatasetOptions& options);
std::shared_ptr<DetectionDataset> make_dataset(const Config& node);

struct LoaderSetup {
  bool train = true;       // GroupSampler (shuffled, grouped) vs SequentialSampler, 1 image per batch
                           // (ShardSampler, this rank's share, when world_size > 1)
  int64_t rank = 0;
  int64_t world_size = 1;
  uint64_t seed = 0;
  torch::Device device = torch::kCPU;
};
// `data` is the config's `data` node (imgs_per_gpu, workers_per_gpu).
std::unique_ptr<DataLoader> make_data_loader(std::shared_ptr<const Dataset> dataset, const Config& data,
                                             const LoaderSetup& setup);

}  // namespace ghmdet
