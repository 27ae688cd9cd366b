// Builders from YAML: dataset options, type dispatch and errors that point into the config.
#include <gtest/gtest.h>

#include "ghmdet/core/config.h"
#include "ghmdet/data/build.h"
#include "ghmdet/data/coco_dataset.h"
#include "tiny_dataset.h"

namespace ghmdet {
namespace {

using testing::TempDir;

TEST(DataBuild, DatasetAndLoaderFromConfig) {
  TempDir dir;
  const std::string ann = testing::write_tiny_coco(dir);
  const Config cfg = Config::from_string(
      "data:\n  imgs_per_gpu: 2\n  workers_per_gpu: 1\n  train:\n    type: CocoDataset\n    ann_file: " + ann +
      "\n    img_prefix: " + dir.file("img") +
      "\n    img_scale: [[128, 64], [128, 96]]\n    multiscale_mode: range\n"
      "    img_norm_cfg: {mean: [1, 2, 3], std: [4, 5, 6], to_rgb: false}\n    size_divisor: 16\n"
      "    flip_ratio: 0.25\n    with_mask: false\n    with_crowd: true\n    with_label: true\n");
  const DatasetOptions o = dataset_options_from_config(cfg["data"]["train"]);
  EXPECT_EQ(o.transform.img_scales.size(), 2u);
  EXPECT_EQ(o.transform.img_scales[1], (std::pair<int64_t, int64_t>{128, 96}));
  EXPECT_EQ(o.transform.multiscale_mode, "range");
  EXPECT_EQ(o.transform.normalize.std[2], 6.0f);
  EXPECT_FALSE(o.transform.normalize.to_rgb);
  EXPECT_EQ(o.transform.size_divisor, 16);
  EXPECT_DOUBLE_EQ(o.transform.flip_ratio, 0.25);
  EXPECT_TRUE(o.with_crowd);
  auto ds = make_dataset(cfg["data"]["train"]);
  ASSERT_NE(dynamic_cast<CocoDataset*>(ds.get()), nullptr);
  EXPECT_EQ(ds->size(), 3);
  auto loader = make_data_loader(ds, cfg["data"], {});
  // Groups: landscape {0, 2}, portrait {1} -> padded to 2 + 2 -> 2 batches.
  EXPECT_EQ(loader->batches_per_epoch(), 2);
}

TEST(DataBuild, ErrorsPointIntoTheConfig) {
  const auto error_of = [](const std::string& yaml) -> std::string {
    try {
      make_dataset(Config::from_string(yaml, "cfg.yaml"));
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(error_of("type: CocoDatset\nann_file: a\nimg_prefix: b\n").find("cfg.yaml:1:7: type: unknown dataset type 'CocoDatset'"),
            std::string::npos) << error_of("type: CocoDatset\nann_file: a\nimg_prefix: b\n");
  EXPECT_NE(error_of("type: CocoDataset\nann_file: a\nimg_prefix: b\nflip: 0.5\n").find("unknown key 'flip'"),
            std::string::npos);
  EXPECT_NE(error_of("type: CocoDataset\nann_file: a\nimg_prefix: b\nimg_scale: [1333]\n").find("img_scale"),
            std::string::npos);
  EXPECT_NE(error_of("type: VOCDataset\nann_file: [a, b]\nimg_prefix: c\n").find("img_prefix"), std::string::npos);
  EXPECT_NE(error_of("type: CocoDataset\nann_file: missing.json\nimg_prefix: b\n").find("missing.json: cannot read"),
            std::string::npos);
}

// check_dataset_config reads no annotations: it checks keys and values, and with `files` that
// the annotation files and image folders exist, naming the key.
TEST(DataBuild, CheckDatasetConfigNamesMissingFiles) {
  TempDir dir;
  const std::string ann = testing::write_tiny_coco(dir);
  const auto split = [&](const std::string& ann_file, const std::string& img_prefix) {
    return Config::from_string("train:\n  type: CocoDataset\n  ann_file: " + ann_file + "\n  img_prefix: " + img_prefix +
                                   "\n  img_scale: [128, 64]\n",
                               "split.yaml")["train"];
  };
  const auto message = [](const Config& node, bool files) {
    try {
      check_dataset_config(node, files);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  EXPECT_EQ(message(split(ann, dir.file("img")), true), "<no error>");
  EXPECT_EQ(message(split(dir.file("none.json"), dir.file("nowhere")), false), "<no error>");
  EXPECT_NE(message(split(dir.file("none.json"), dir.file("img")), true)
                .find("split.yaml:3:13: train.ann_file: " + dir.file("none.json") + ": annotation file not found"),
            std::string::npos)
      << message(split(dir.file("none.json"), dir.file("img")), true);
  EXPECT_NE(message(split(ann, dir.file("nowhere")), true).find("train.img_prefix: " + dir.file("nowhere") +
                                                                  ": image folder not found"),
            std::string::npos);
}

TEST(DataBuild, CheckDataConfigKeysAndRanges) {
  const auto message = [](const std::string& yaml) {
    try {
      check_data_config(Config::from_string(yaml, "d.yaml")["data"]);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  EXPECT_EQ(message("data: {imgs_per_gpu: 2, workers_per_gpu: 0}"), "<no error>");
  EXPECT_NE(message("data: {imgs_per_gpu: 0}").find("data.imgs_per_gpu: must be at least 1"), std::string::npos);
  EXPECT_NE(message("data: {workers_per_gpu: -1}").find("data.workers_per_gpu: must not be negative"),
            std::string::npos);
  EXPECT_NE(message("data: {imgs_per_gpus: 2}").find("did you mean 'imgs_per_gpu'"), std::string::npos);
}

}  // namespace
}  // namespace ghmdet
