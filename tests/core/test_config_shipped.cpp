// Every config shipped in configs/ loads (so a broken _base_ reference or a typo in a key fails
// here), follows the documented schema (docs/CONFIGS.md) and resolves to the values the paper's
// table, the VOC schedule and the demo need.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "ghmdet/core/config.h"
#include "ghmdet/core/error.h"
#include "ghmdet_test_paths.h"

namespace ghmdet {
namespace {

namespace fs = std::filesystem;
using Keys = std::vector<std::string>;

const fs::path kConfigs = fs::path(GHMDET_SOURCE_DIR) / "configs";

Config load(const std::string& relative) { return Config::load((kConfigs / relative).string()); }

std::vector<fs::path> all_configs() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(kConfigs)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The documented schema, written out independently of the builders in the other layers.
const Keys kLossKeys = {"type", "use_sigmoid", "bins", "momentum", "loss_weight", "mu",
                        "gamma", "alpha", "beta"};
const Keys kDatasetKeys = {"type", "ann_file", "img_prefix", "img_scale", "img_norm_cfg",
                           "size_divisor", "flip_ratio", "with_mask", "with_crowd",
                           "with_label", "test_mode"};

void check_schema(const Config& c) {
  c.check_keys({"model", "train_cfg", "test_cfg", "dataset_type", "data_root", "img_norm_cfg",
                "data", "optimizer", "optimizer_config", "lr_config", "checkpoint_config",
                "log_config", "evaluation", "total_epochs", "log_level", "work_dir", "load_from",
                "resume_from", "workflow", "dist_params", "backbone_pretraining"});
  if (c.has("backbone_pretraining")) {
    c["backbone_pretraining"].check_keys({"iterations", "optimizer", "lr", "weight_decay", "imgs_per_gpu", "crop_size"});
  }
  if (c.has("dist_params")) {
    c["dist_params"].check_keys({"backend", "timeout", "bucket_size_mb", "overlap", "ghm_stats"});
  }
  if (c.has("model")) {
    const Config m = c["model"];
    m.check_keys({"type", "pretrained", "conventions", "class_names", "backbone", "neck",
                  "bbox_head"});
    const std::string conventions = m.get<std::string>("conventions", "legacy");
    EXPECT_TRUE(conventions == "legacy" || conventions == "mmdet" || conventions == "torchvision")
        << m.where();
    if (m.has("backbone")) {
      m["backbone"].check_keys({"type", "depth", "num_stages", "out_indices", "frozen_stages",
                                "norm_eval", "style", "norm_cfg"});
    }
    if (m.has("neck")) {
      m["neck"].check_keys({"type", "in_channels", "out_channels", "start_level",
                            "add_extra_convs", "extra_convs_on_inputs",
                            "relu_before_extra_convs", "num_outs"});
    }
    if (m.has("bbox_head")) {
      const Config h = m["bbox_head"];
      h.check_keys({"type", "num_classes", "in_channels", "stacked_convs", "feat_channels",
                    "octave_base_scale", "scales_per_octave", "anchor_ratios", "anchor_strides",
                    "anchor_sizes", "anchor_base_sizes", "target_means", "target_stds", "loss_cls", "loss_bbox",
                    "norm_cfg"});
      if (h.has("loss_cls")) h["loss_cls"].check_keys(kLossKeys);
      if (h.has("loss_bbox")) h["loss_bbox"].check_keys(kLossKeys);
    }
  }
  if (c.has("train_cfg")) {
    c["train_cfg"].check_keys({"assigner", "allowed_border", "pos_weight", "debug"});
    c["train_cfg"]["assigner"].check_keys(
        {"type", "pos_iou_thr", "neg_iou_thr", "min_pos_iou", "ignore_iof_thr"});
  }
  if (c.has("test_cfg")) {
    c["test_cfg"].check_keys({"nms_pre", "min_bbox_size", "score_thr", "nms", "max_per_img"});
    c["test_cfg"]["nms"].check_keys({"type", "iou_thr"});
  }
  if (c.has("data")) {
    c["data"].check_keys({"imgs_per_gpu", "workers_per_gpu", "train", "val", "test"});
    for (const char* split : {"train", "val", "test"}) {
      if (c["data"].has(split)) c["data"][split].check_keys(kDatasetKeys);
    }
  }
  if (c.has("optimizer")) c["optimizer"].check_keys({"type", "lr", "momentum", "weight_decay"});
  if (c.has("optimizer_config")) {
    c["optimizer_config"].check_keys({"grad_clip"});
    c["optimizer_config"]["grad_clip"].check_keys({"max_norm", "norm_type"});
  }
  if (c.has("lr_config")) {
    c["lr_config"].check_keys({"policy", "warmup", "warmup_iters", "warmup_ratio", "step",
                               "gamma"});
  }
  if (c.has("checkpoint_config")) c["checkpoint_config"].check_keys({"interval"});
  if (c.has("log_config")) c["log_config"].check_keys({"interval"});
  if (c.has("evaluation")) c["evaluation"].check_keys({"interval", "metric"});
}

TEST(ShippedConfigs, EveryConfigLoadsAndFollowsTheSchema) {
  const auto files = all_configs();
  ASSERT_GE(files.size(), 20u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    Config c;
    ASSERT_NO_THROW(c = Config::load(file.string()));
    EXPECT_FALSE(c.has("_base_"));
    EXPECT_EQ(c.dump().find("_delete_"), std::string::npos);
    EXPECT_NO_THROW(check_schema(c));
    // The dump is what checkpoints store: it must load back to the same tree.
    EXPECT_EQ(Config::from_string(c.dump()).dump(), c.dump());
  }
}

// A full training config (not a _base_ piece, not the inference-only torchvision one).
TEST(ShippedConfigs, TrainingConfigsAreCompleteAndNamedAfterTheirWorkDir) {
  size_t count = 0;
  for (const auto& file : all_configs()) {
    const std::string dir = file.parent_path().filename().string();
    if (dir != "ghm" && dir != "demo") continue;
    SCOPED_TRACE(file.string());
    ++count;
    const Config c = Config::load(file.string());
    for (const char* key : {"model", "train_cfg", "test_cfg", "data", "optimizer", "lr_config",
                            "total_epochs", "checkpoint_config", "log_config", "work_dir"}) {
      EXPECT_TRUE(c.has(key)) << key;
    }
    EXPECT_EQ(c.get<std::string>("work_dir"), "./work_dirs/" + file.stem().string());
    const Config head = c["model"]["bbox_head"];
    EXPECT_EQ(head.get<int>("in_channels"), c["model"]["neck"].get<int>("out_channels"));
    EXPECT_EQ(c["model"]["neck"].get<std::vector<int>>("in_channels").size(), 4u);
    for (const char* split : {"train", "val", "test"}) {
      EXPECT_EQ(c["data"][split].get<std::string>("type"), c.get<std::string>("dataset_type"));
    }
  }
  EXPECT_EQ(count, 13u);  // 9 paper configs, 4 demo configs
}

void expect_ghmc(const Config& loss) {
  EXPECT_EQ(loss.keys(), (Keys{"type", "use_sigmoid", "bins", "momentum", "loss_weight"}));
  EXPECT_EQ(loss.get<std::string>("type"), "GHMC");
  EXPECT_TRUE(loss.get<bool>("use_sigmoid"));
  EXPECT_EQ(loss.get<int>("bins"), 30);
  EXPECT_DOUBLE_EQ(loss.get<double>("momentum"), 0.75);
  EXPECT_DOUBLE_EQ(loss.get<double>("loss_weight"), 1.0);
}
void expect_ghmr(const Config& loss) {
  EXPECT_EQ(loss.keys(), (Keys{"type", "mu", "bins", "momentum", "loss_weight"}));
  EXPECT_EQ(loss.get<std::string>("type"), "GHMR");
  EXPECT_DOUBLE_EQ(loss.get<double>("mu"), 0.02);
  EXPECT_EQ(loss.get<int>("bins"), 10);
  EXPECT_DOUBLE_EQ(loss.get<double>("momentum"), 0.7);
  EXPECT_DOUBLE_EQ(loss.get<double>("loss_weight"), 10.0);
}
void expect_focal(const Config& loss) {
  EXPECT_EQ(loss.get<std::string>("type"), "FocalLoss");
  EXPECT_DOUBLE_EQ(loss.get<double>("gamma"), 2.0);
  EXPECT_DOUBLE_EQ(loss.get<double>("alpha"), 0.25);
  EXPECT_DOUBLE_EQ(loss.get<double>("loss_weight"), 1.0);
  EXPECT_FALSE(loss.has("bins"));
}
void expect_smooth_l1(const Config& loss) {
  EXPECT_EQ(loss.keys(), (Keys{"type", "beta", "loss_weight"}));
  EXPECT_EQ(loss.get<std::string>("type"), "SmoothL1Loss");
  EXPECT_DOUBLE_EQ(loss.get<double>("beta"), 0.11);
  EXPECT_DOUBLE_EQ(loss.get<double>("loss_weight"), 1.0);
}

TEST(ShippedConfigs, PaperTableOnCoco) {
  const Config fl = load("ghm/retinanet_fl_sl1_r50_fpn_1x_coco.yaml");
  expect_focal(fl["model"]["bbox_head"]["loss_cls"]);
  expect_smooth_l1(fl["model"]["bbox_head"]["loss_bbox"]);
  const Config ghmc = load("ghm/retinanet_ghmc_sl1_r50_fpn_1x_coco.yaml");
  expect_ghmc(ghmc["model"]["bbox_head"]["loss_cls"]);
  expect_smooth_l1(ghmc["model"]["bbox_head"]["loss_bbox"]);
  const Config c = load("ghm/retinanet_ghmc_ghmr_r50_fpn_1x_coco.yaml");
  const Config head = c["model"]["bbox_head"];
  expect_ghmc(head["loss_cls"]);
  expect_ghmr(head["loss_bbox"]);
  // The rest is the fork's RetinaNet R50-FPN 1x.
  EXPECT_EQ(c["model"].get<std::string>("conventions"), "legacy");
  EXPECT_EQ(c["model"].get<std::string>("pretrained"), "checkpoints/resnet50-19c8e357.pth");
  EXPECT_EQ(c["model"]["backbone"].get<int>("depth"), 50);
  EXPECT_EQ(c["model"]["backbone"].get<int>("frozen_stages"), 1);
  EXPECT_TRUE(c["model"]["neck"].get<bool>("extra_convs_on_inputs"));
  EXPECT_EQ(head.get<int>("num_classes"), 80);
  EXPECT_EQ(head.get<int>("octave_base_scale"), 4);
  EXPECT_EQ(head.get<std::vector<int>>("anchor_strides"), (std::vector<int>{8, 16, 32, 64, 128}));
  EXPECT_DOUBLE_EQ(c["train_cfg"]["assigner"].get<double>("neg_iou_thr"), 0.4);
  EXPECT_EQ(c["test_cfg"].get<int>("max_per_img"), 100);
  EXPECT_EQ(c["data"].get<int>("imgs_per_gpu"), 2);
  EXPECT_EQ(c["data"]["train"].get<std::string>("ann_file"),
            "data/coco/annotations/instances_train2017.json");
  EXPECT_EQ(c["data"]["test"].get<std::string>("img_prefix"), "data/coco/val2017/");
  EXPECT_EQ(c["data"]["train"].get<std::vector<int>>("img_scale"), (std::vector<int>{1333, 800}));
  EXPECT_DOUBLE_EQ(c["data"]["train"].get<double>("flip_ratio"), 0.5);
  EXPECT_EQ(c["data"]["val"]["img_norm_cfg"].get<std::vector<double>>("std"),
            (std::vector<double>{58.395, 57.12, 57.375}));
  EXPECT_DOUBLE_EQ(c["optimizer"].get<double>("lr"), 0.01);
  EXPECT_DOUBLE_EQ(c["optimizer"].get<double>("weight_decay"), 1e-4);
  EXPECT_DOUBLE_EQ(c["optimizer_config"]["grad_clip"].get<double>("max_norm"), 35.0);
  EXPECT_EQ(c["lr_config"].get<int>("warmup_iters"), 500);
  EXPECT_DOUBLE_EQ(c["lr_config"].get<double>("warmup_ratio"), 1.0 / 3.0);
  EXPECT_EQ(c["lr_config"].get<std::vector<int>>("step"), (std::vector<int>{8, 11}));
  EXPECT_EQ(c.get<int>("total_epochs"), 12);
  EXPECT_TRUE(c["resume_from"].is_null());
  EXPECT_EQ(c["workflow"].at(0).at(0).as<std::string>(), "train");

  const Config r101 = load("ghm/retinanet_ghmc_ghmr_r101_fpn_1x_coco.yaml");
  EXPECT_EQ(r101["model"]["backbone"].get<int>("depth"), 101);
  EXPECT_EQ(r101["model"].get<std::string>("pretrained"), "checkpoints/resnet101-5d3b4d8f.pth");
  expect_ghmr(r101["model"]["bbox_head"]["loss_bbox"]);
  const Config fl101 = load("ghm/retinanet_fl_sl1_r101_fpn_1x_coco.yaml");
  EXPECT_EQ(fl101["model"]["backbone"].get<int>("depth"), 101);
  expect_focal(fl101["model"]["bbox_head"]["loss_cls"]);
}

TEST(ShippedConfigs, MmdetConventionsVariant) {
  const Config c = load("ghm/retinanet_ghmc_ghmr_r50_fpn_1x_coco_mmdet.yaml");
  EXPECT_EQ(c["model"].get<std::string>("conventions"), "mmdet");
  EXPECT_EQ(c["model"]["neck"].get<std::string>("add_extra_convs"), "on_input");
  EXPECT_FALSE(c["model"]["neck"].has("extra_convs_on_inputs"));
  EXPECT_DOUBLE_EQ(c["lr_config"].get<double>("warmup_ratio"), 0.001);
  expect_ghmc(c["model"]["bbox_head"]["loss_cls"]);
  expect_ghmr(c["model"]["bbox_head"]["loss_bbox"]);
}

TEST(ShippedConfigs, PaperTableOnVoc) {
  for (const char* row : {"fl_sl1", "ghmc_sl1", "ghmc_ghmr"}) {
    SCOPED_TRACE(row);
    const Config c = load(std::string("ghm/retinanet_") + row + "_r50_fpn_1x_voc0712.yaml");
    const Config head = c["model"]["bbox_head"];
    EXPECT_EQ(head.get<int>("num_classes"), 20);
    if (std::string(row) == "fl_sl1") expect_focal(head["loss_cls"]); else expect_ghmc(head["loss_cls"]);
    if (std::string(row) == "ghmc_ghmr") expect_ghmr(head["loss_bbox"]); else expect_smooth_l1(head["loss_bbox"]);
    EXPECT_EQ(c.get<std::string>("dataset_type"), "VOCDataset");
    const Config train = c["data"]["train"];
    EXPECT_EQ(train.get<std::vector<std::string>>("ann_file"),
              (Keys{"data/VOCdevkit/VOC2007/ImageSets/Main/trainval.txt",
                    "data/VOCdevkit/VOC2012/ImageSets/Main/trainval.txt"}));
    EXPECT_EQ(train.get<std::vector<std::string>>("img_prefix").size(), 2u);
    EXPECT_EQ(train.get<std::vector<int>>("img_scale"), (std::vector<int>{1000, 600}));
    EXPECT_EQ(c["data"]["test"].get<std::string>("ann_file"),
              "data/VOCdevkit/VOC2007/ImageSets/Main/test.txt");
    EXPECT_GE(c["lr_config"].get<int>("warmup_iters"), 2000);
    EXPECT_EQ(c["lr_config"].get<std::vector<int>>("step"), std::vector<int>{9});
    EXPECT_EQ(c.get<int>("total_epochs"), 12);
    EXPECT_EQ(c["evaluation"].get<std::string>("metric"), "mAP");
  }
}

TEST(ShippedConfigs, DemoConfigsDifferOnlyInTheLosses) {
  const Config ghm = load("demo/fashion_mnist_ghm.yaml");
  const Config fl = load("demo/fashion_mnist_fl.yaml");
  const Config m = ghm["model"];
  EXPECT_TRUE(m["pretrained"].is_null());
  EXPECT_EQ(m["backbone"].get<int>("depth"), 18);
  EXPECT_EQ(m["backbone"].get<int>("frozen_stages"), -1);
  EXPECT_FALSE(m["backbone"].get<bool>("norm_eval"));
  EXPECT_EQ(m["neck"].get<std::vector<int>>("in_channels"), (std::vector<int>{64, 128, 256, 512}));
  EXPECT_EQ(m["bbox_head"].get<int>("num_classes"), 10);
  EXPECT_EQ(m["bbox_head"].get<int>("feat_channels"), 64);
  EXPECT_EQ(m["bbox_head"].get<int>("stacked_convs"), 2);
  EXPECT_EQ(m["bbox_head"]["norm_cfg"].get<std::string>("type"), "GN");
  EXPECT_EQ(fl["model"]["bbox_head"]["norm_cfg"].get<int>("num_groups"), 32);
  expect_ghmc(m["bbox_head"]["loss_cls"]);
  expect_ghmr(m["bbox_head"]["loss_bbox"]);
  expect_focal(fl["model"]["bbox_head"]["loss_cls"]);
  expect_smooth_l1(fl["model"]["bbox_head"]["loss_bbox"]);
  EXPECT_EQ(ghm["data"].get<int>("imgs_per_gpu"), 8);
  EXPECT_EQ(ghm["data"]["train"].get<std::string>("ann_file"),
            "data/fashion_mnist_scenes/annotations/instances_train.json");
  EXPECT_EQ(ghm["data"]["val"].get<std::string>("img_prefix"), "data/fashion_mnist_scenes/val/");
  const double lr = ghm["optimizer"].get<double>("lr");
  EXPECT_TRUE(lr >= 0.01 && lr <= 0.02) << lr;
  // Replacing the two losses and the work_dir in the GHM config gives the FL config exactly.
  const Config swapped = Config::load(
      (kConfigs / "demo/fashion_mnist_ghm.yaml").string(),
      {"model.bbox_head.loss_cls={_delete_: true, type: FocalLoss, use_sigmoid: true, gamma: 2.0, "
       "alpha: 0.25, loss_weight: 1.0}",
       "model.bbox_head.loss_bbox={_delete_: true, type: SmoothL1Loss, beta: 0.11, loss_weight: 1.0}",
       "work_dir=./work_dirs/fashion_mnist_fl"});
  EXPECT_EQ(swapped.dump(), fl.dump());
}

// The other rows of `ghmdet demo --table`: GHM-C + SL1 swaps only the box loss, and the 4x row
// only the batch, with lr and warm-up scaled to it (same images seen).
TEST(ShippedConfigs, DemoTableConfigsDifferOnlyWhereTheirRowSays) {
  const Config ghmc_sl1 = load("demo/fashion_mnist_ghmc_sl1.yaml");
  const Config from_ghm = Config::load(
      (kConfigs / "demo/fashion_mnist_ghm.yaml").string(),
      {"model.bbox_head.loss_bbox={_delete_: true, type: SmoothL1Loss, beta: 0.11, loss_weight: 1.0}",
       "work_dir=./work_dirs/fashion_mnist_ghmc_sl1"});
  EXPECT_EQ(ghmc_sl1.dump(), from_ghm.dump());
  expect_ghmc(ghmc_sl1["model"]["bbox_head"]["loss_cls"]);

  const Config ghm = load("demo/fashion_mnist_ghm.yaml");
  const Config x4 = load("demo/fashion_mnist_ghm_4x.yaml");
  EXPECT_EQ(x4["data"].get<int>("imgs_per_gpu"), 4 * ghm["data"].get<int>("imgs_per_gpu"));
  EXPECT_DOUBLE_EQ(x4["optimizer"].get<double>("lr"), 4 * ghm["optimizer"].get<double>("lr"));
  EXPECT_EQ(4 * x4["lr_config"].get<int>("warmup_iters"), ghm["lr_config"].get<int>("warmup_iters"));
  EXPECT_EQ(x4.get<int>("total_epochs"), ghm.get<int>("total_epochs"));
  EXPECT_EQ(x4["backbone_pretraining"].dump(), ghm["backbone_pretraining"].dump());
  const Config scaled = Config::load(
      (kConfigs / "demo/fashion_mnist_ghm.yaml").string(),
      {"data.imgs_per_gpu=32", "optimizer.lr=0.04", "lr_config.warmup_iters=25", "log_config.interval=10",
       "work_dir=./work_dirs/fashion_mnist_ghm_4x"});
  EXPECT_EQ(x4.dump(), scaled.dump());
}

}  // namespace
}  // namespace ghmdet
