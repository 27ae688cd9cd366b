#include "ghmdet/data/build.h"

#include <filesystem>

#include "ghmdet/core/error.h"
#include "ghmdet/data/coco_dataset.h"
#include "ghmdet/data/shard_sampler.h"
#include "ghmdet/data/voc_dataset.h"

namespace ghmdet {
namespace {

std::vector<std::string> string_or_list(const Config& node, const std::string& key) {
  const Config v = node[key];
  if (v.is_sequence()) return v.as<std::vector<std::string>>();
  return {v.as<std::string>()};
}

std::pair<int64_t, int64_t> scale_pair(const Config& v) {
  const auto s = v.as<std::vector<int64_t>>();
  if (s.size() != 2 || s[0] <= 0 || s[1] <= 0) throw v.error("expected [long, short] of two positive integers");
  return {s[0], s[1]};
}

}  // namespace

DatasetOptions dataset_options_from_config(const Config& node) {
  node.check_keys({"type", "ann_file", "img_prefix", "img_scale", "multiscale_mode", "img_norm_cfg",
                   "size_divisor", "flip_ratio", "with_mask", "with_crowd", "with_label", "test_mode",
                   "resize_keep_ratio", "min_size", "seed", "classes", "max_image_pixels", "skip_corrupt_images"});
  DatasetOptions o;
  o.ann_files = string_or_list(node, "ann_file");
  o.img_prefixes = string_or_list(node, "img_prefix");
  if (o.ann_files.size() != o.img_prefixes.size())
    throw node["img_prefix"].error("has " + std::to_string(o.img_prefixes.size()) +
                                   " entries but ann_file has " + std::to_string(o.ann_files.size()));
  if (node.has("img_scale")) {
    const Config s = node["img_scale"];
    o.transform.img_scales.clear();
    if (s.size() > 0 && s.at(0).is_sequence()) {
      for (size_t k = 0; k < s.size(); ++k) o.transform.img_scales.push_back(scale_pair(s.at(k)));
    } else {
      o.transform.img_scales.push_back(scale_pair(s));
    }
  }
  o.transform.multiscale_mode = node.get<std::string>("multiscale_mode", "value");
  if (o.transform.multiscale_mode != "value" && o.transform.multiscale_mode != "range")
    throw node["multiscale_mode"].error("must be 'value' or 'range'");
  if (node.has("img_norm_cfg")) {
    const Config n = node["img_norm_cfg"];
    n.check_keys({"mean", "std", "to_rgb"});
    const auto mean = n.get<std::vector<float>>("mean");
    const auto std = n.get<std::vector<float>>("std");
    if (mean.size() != 3) throw n["mean"].error("expected 3 numbers");
    if (std.size() != 3) throw n["std"].error("expected 3 numbers");
    for (int c = 0; c < 3; ++c) {
      if (!(std[c] > 0)) throw n["std"].error("must be positive");
      o.transform.normalize.mean[c] = mean[c];
      o.transform.normalize.std[c] = std[c];
    }
    o.transform.normalize.to_rgb = n.get<bool>("to_rgb", true);
  }
  o.transform.size_divisor = node.get<int64_t>("size_divisor", 32);
  o.transform.flip_ratio = node.get<double>("flip_ratio", 0.5);
  if (o.transform.flip_ratio < 0 || o.transform.flip_ratio > 1) throw node["flip_ratio"].error("must be in [0, 1]");
  if (node.get<bool>("with_mask", false)) throw node["with_mask"].error("masks are not supported");
  if (!node.get<bool>("resize_keep_ratio", true))
    throw node["resize_keep_ratio"].error("only keep-ratio resizing is supported");
  o.with_crowd = node.get<bool>("with_crowd", false);
  o.test_mode = node.get<bool>("test_mode", false);
  o.min_size = node.get<int64_t>("min_size", 32);
  o.seed = static_cast<uint64_t>(node.get<int64_t>("seed", 0));
  o.classes = node.get<std::vector<std::string>>("classes", {});
  o.max_image_pixels = node.get<int64_t>("max_image_pixels", o.max_image_pixels);
  if (o.max_image_pixels < 1) throw node["max_image_pixels"].error("must be at least 1");
  o.skip_corrupt_images = node.get<bool>("skip_corrupt_images", false);
  if (o.skip_corrupt_images && o.test_mode)
    throw node["skip_corrupt_images"].error("is for training sets (test_mode: false): an evaluation must read every image");
  return o;
}

void check_dataset_config(const Config& node, bool files) {
  const std::string type = node.get<std::string>("type");
  if (type != "CocoDataset" && type != "VOCDataset")
    throw node["type"].error("unknown dataset type '" + type + "' (known: CocoDataset, VOCDataset)");
  const DatasetOptions o = dataset_options_from_config(node);
  if (!files) return;
  const auto entry = [&](const std::string& key, size_t k) {
    const Config v = node[key];
    return v.is_sequence() ? v.at(k) : v;
  };
  for (size_t k = 0; k < o.ann_files.size(); ++k) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(o.ann_files[k], ec))
      throw entry("ann_file", k).error(o.ann_files[k] + ": annotation file not found");
    if (!o.img_prefixes[k].empty() && !std::filesystem::is_directory(o.img_prefixes[k], ec))
      throw entry("img_prefix", k).error(o.img_prefixes[k] + ": image folder not found");
  }
}

void check_data_config(const Config& data) {
  data.check_keys({"imgs_per_gpu", "workers_per_gpu", "train", "val", "test"});
  if (data.get<int64_t>("imgs_per_gpu", 2) < 1) throw data["imgs_per_gpu"].error("must be at least 1");
  if (data.get<int64_t>("workers_per_gpu", 2) < 0) throw data["workers_per_gpu"].error("must not be negative");
}

std::shared_ptr<DetectionDataset> make_dataset(const std::string& type, const DatasetOptions& options) {
  if (type == "CocoDataset") return std::make_shared<CocoDataset>(options);
  if (type == "VOCDataset") return std::make_shared<VOCDataset>(options);
  throw Error("unknown dataset type '" + type + "' (known: CocoDataset, VOCDataset)");
}

std::shared_ptr<DetectionDataset> make_dataset(const Config& node) {
  const std::string type = node.get<std::string>("type");
  if (type != "CocoDataset" && type != "VOCDataset")
    throw node["type"].error("unknown dataset type '" + type + "' (known: CocoDataset, VOCDataset)");
  return make_dataset(type, dataset_options_from_config(node));
}

std::unique_ptr<DataLoader> make_data_loader(std::shared_ptr<const Dataset> dataset, const Config& data,
                                             const LoaderSetup& setup) {
  DataLoaderOptions o;
  o.num_workers = data.get<int64_t>("workers_per_gpu", 2);
  o.device = setup.device;
  std::shared_ptr<const Sampler> sampler;
  if (setup.train) {
    o.batch_size = data.get<int64_t>("imgs_per_gpu", 2);
    GroupSamplerOptions s;
    s.samples_per_gpu = o.batch_size;
    s.num_replicas = setup.world_size;
    s.rank = setup.rank;
    s.seed = setup.seed;
    sampler = std::make_shared<GroupSampler>(*dataset, s);
  } else {
    o.batch_size = 1;
    // Several processes evaluate one shard each (rank 0 gathers the results).
    if (setup.world_size > 1) {
      sampler = std::make_shared<ShardSampler>(dataset->size(), setup.world_size, setup.rank);
    } else {
      sampler = std::make_shared<SequentialSampler>(dataset->size());
    }
  }
  return std::make_unique<DataLoader>(std::move(dataset), std::move(sampler), o);
}

}  // namespace ghmdet
