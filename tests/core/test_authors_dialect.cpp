// The GHM authors' own configs (core/authors_dialect.h): the seed table's three rows written as
// their Python files are, in both of their forms, load to exactly the tree of the matching
// shipped YAML config; the seed's train_cfg keys select the losses; a v1 num_classes counts the
// background; disagreements are errors that name both places.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "config_files.h"
#include "ghmdet/core/authors_dialect.h"
#include "ghmdet/core/config.h"
#include "ghmdet/core/error.h"
#include "ghmdet_test_paths.h"

namespace ghmdet {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A scalar as its readers see it: a quoted one is a string, a plain one a bool, int, float or
// string by its text (YAML writes `type: GHMC` plain where Python writes 'GHMC' quoted).
std::string typed(const YAML::Node& node) {
  if (node.IsNull()) return "null";
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return "str:" + text;
  if (text == "true" || text == "false") return "bool:" + text;
  char* end = nullptr;
  errno = 0;
  const long long i = std::strtoll(text.c_str(), &end, 10);
  if (!text.empty() && *end == '\0' && errno == 0) return "int:" + std::to_string(i);
  const double d = std::strtod(text.c_str(), &end);
  if (!text.empty() && *end == '\0') {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return std::string("float:") + buf;
  }
  return "str:" + text;
}

// Every difference between two trees, by key path ("" when none). Maps compare key by key
// whatever their order, as Python dicts do.
std::string differences(const YAML::Node& a, const YAML::Node& b, const std::string& path) {
  const std::string at = path.empty() ? "<root>" : path;
  if (a.IsMap() != b.IsMap() || a.IsSequence() != b.IsSequence()) return at + ": map/list/scalar differ\n";
  std::string out;
  if (a.IsMap()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      const std::string key = it->first.Scalar();
      const std::string child = path.empty() ? key : path + "." + key;
      bool found = false;
      for (auto jt = b.begin(); jt != b.end(); ++jt) {
        if (jt->first.Scalar() != key) continue;
        found = true;
        out += differences(it->second, jt->second, child);
      }
      if (!found) out += child + ": only in the first\n";
    }
    for (auto jt = b.begin(); jt != b.end(); ++jt) {
      bool found = false;
      for (auto it = a.begin(); it != a.end(); ++it) found = found || it->first.Scalar() == jt->first.Scalar();
      if (!found) out += (path.empty() ? "" : path + ".") + jt->first.Scalar() + ": only in the second\n";
    }
  } else if (a.IsSequence()) {
    if (a.size() != b.size()) return at + ": lists of different lengths\n";
    for (size_t k = 0; k < a.size(); ++k) out += differences(a[k], b[k], path + "[" + std::to_string(k) + "]");
  } else if (typed(a) != typed(b)) {
    out += at + ": " + typed(a) + " vs " + typed(b) + "\n";
  }
  return out;
}

std::string fixture(const std::string& name) {
  return std::string(GHMDET_FIXTURES_DIR) + "/core/python_configs/" + name;
}
std::string shipped(const std::string& name) { return std::string(GHMDET_SOURCE_DIR) + "/configs/ghm/" + name; }

TEST(AuthorsConfigs, BothFormsOfEverySeedRowGiveTheShippedYamlTree) {
  for (const std::string row : {"fl_sl1", "ghmc_sl1", "ghmc_ghmr"}) {
    const Config yaml = Config::load(shipped("retinanet_" + row + "_r50_fpn_1x_coco.yaml"));
    for (const std::string form : {"early", "later"}) {
      const std::string file = "cfg_retinanet_" + row + "_r50_fpn_1x_" + form + ".py";
      const Config python = Config::load(fixture(file));
      EXPECT_EQ(differences(python.node(), yaml.node(), ""), "") << file;
      // The count the head is built with, not the file's 81.
      EXPECT_EQ(python["model"]["bbox_head"].get<int>("num_classes"), 80) << file;
      // The merged config a run saves reads back to the same tree.
      EXPECT_EQ(differences(Config::from_string(python.dump()).node(), yaml.node(), ""), "") << file;
    }
  }
}

TEST(AuthorsConfigs, TheFixturesDifferWhereTheRowsDiffer) {
  // The comparison above can fail: the three rows are three different trees.
  const Config fl = Config::load(fixture("cfg_retinanet_fl_sl1_r50_fpn_1x_early.py"));
  const Config ghm = Config::load(fixture("cfg_retinanet_ghmc_ghmr_r50_fpn_1x_early.py"));
  EXPECT_THAT(differences(fl.node(), ghm.node(), ""), HasSubstr("model.bbox_head.loss_cls.type: str:FocalLoss vs"));
  EXPECT_THAT(differences(fl.node(), ghm.node(), ""), HasSubstr("work_dir:"));
}

class AuthorsKeys : public ConfigFiles {};

TEST_F(AuthorsKeys, SeedKeysInYamlSelectTheLossesOverTheBase) {
  write("base.yaml",
        "model:\n"
        "  bbox_head:\n"
        "    num_classes: 80\n"
        "    loss_cls: {type: FocalLoss, use_sigmoid: true, gamma: 2.0, alpha: 0.25, loss_weight: 1.0}\n"
        "    loss_bbox: {type: SmoothL1Loss, beta: 0.11, loss_weight: 1.0}\n"
        "train_cfg: {allowed_border: -1}\n");
  const std::string top = write("top.yaml",
                                "_base_: base.yaml\n"
                                "train_cfg:\n"
                                "  ghmc: {bins: 10, momentum: 0.5}\n"
                                "  ghmr: {mu: 0.02, bins: 10, momentum: 0.7, loss_scale: 10.0}\n");
  const Config c = Config::load(top);
  const Config cls = c["model"]["bbox_head"]["loss_cls"];
  EXPECT_EQ(cls.keys(), (std::vector<std::string>{"type", "use_sigmoid", "bins", "momentum", "loss_weight"}));
  EXPECT_EQ(cls.get<std::string>("type"), "GHMC");
  EXPECT_TRUE(cls.get<bool>("use_sigmoid"));
  EXPECT_EQ(cls.get<int>("bins"), 10);
  EXPECT_DOUBLE_EQ(cls.get<double>("momentum"), 0.5);
  EXPECT_DOUBLE_EQ(cls.get<double>("loss_weight"), 1.0);
  const Config bbox = c["model"]["bbox_head"]["loss_bbox"];
  EXPECT_EQ(bbox.keys(), (std::vector<std::string>{"type", "mu", "bins", "momentum", "loss_weight"}));
  EXPECT_DOUBLE_EQ(bbox.get<double>("loss_weight"), 10.0);  // loss_scale
  EXPECT_EQ(c["train_cfg"].keys(), (std::vector<std::string>{"allowed_border"}));
  // The resolved loss reports where it was written.
  EXPECT_THAT(cls["bins"].where(), HasSubstr("top.yaml:3:9: model.bbox_head.loss_cls.bins"));
  // The saved config shows the resolved losses, and no seed key.
  EXPECT_THAT(c.dump(), HasSubstr("type: GHMC"));
  EXPECT_THAT(c.dump(), Not(HasSubstr("ghmc")));
}

TEST_F(AuthorsKeys, EarlyFocalKeysSelectFocalAndSmoothL1) {
  const Config c = Config::load(write("cfg.py",
                                      "model = dict(bbox_head=dict(num_classes=21))\n"
                                      "train_cfg = dict(smoothl1_beta=0.11, gamma=1.5, alpha=0.5, debug=False)\n"));
  const Config head = c["model"]["bbox_head"];
  EXPECT_EQ(head.get<int>("num_classes"), 20);  // VOC: 21 with the background
  EXPECT_EQ(head["loss_cls"].get<std::string>("type"), "FocalLoss");
  EXPECT_DOUBLE_EQ(head["loss_cls"].get<double>("gamma"), 1.5);
  EXPECT_DOUBLE_EQ(head["loss_cls"].get<double>("alpha"), 0.5);
  EXPECT_EQ(head["loss_bbox"].get<std::string>("type"), "SmoothL1Loss");
  EXPECT_DOUBLE_EQ(head["loss_bbox"].get<double>("beta"), 0.11);
  EXPECT_EQ(c["train_cfg"].keys(), (std::vector<std::string>{"debug"}));
}

TEST_F(AuthorsKeys, DisagreeingWithTheHeadInTheSameFileNamesBoth) {
  const std::string message = error_of([&] {
    Config::load(write("cfg.py",
                       "model = dict(bbox_head=dict(\n"
                       "    loss_cls=dict(type='FocalLoss', gamma=2.0)))\n"
                       "train_cfg = dict(ghmc=dict(bins=30, momentum=0.75))\n"));
  });
  EXPECT_THAT(message, HasSubstr("cfg.py:3:18: train_cfg.ghmc: selects GHMC with bins 30, momentum 0.75, but "));
  EXPECT_THAT(message, HasSubstr("cfg.py:2:5: model.bbox_head.loss_cls disagrees (it is FocalLoss)"));
  const std::string values = error_of([&] {
    Config::load(write("cfg2.yaml",
                       "model: {bbox_head: {loss_bbox: {type: GHMR, mu: 0.02, bins: 10, loss_weight: 1.0}}}\n"
                       "train_cfg: {ghmr: {mu: 0.02, bins: 10, loss_scale: 10.0}}\n"));
  });
  EXPECT_THAT(values, HasSubstr("train_cfg.ghmr: selects GHMR with mu 0.02, bins 10, loss_weight 10.0, but"));
  EXPECT_THAT(values, HasSubstr("cfg2.yaml:1:32: model.bbox_head.loss_bbox disagrees (its loss_weight is 1.0)"));
  // Saying the same thing twice is fine.
  const Config same = Config::load(write("cfg3.py",
                                         "model = dict(bbox_head=dict(loss_cls=dict(\n"
                                         "    type='GHMC', use_sigmoid=True, bins=30, momentum=0.75, loss_weight=1.0)))\n"
                                         "train_cfg = dict(ghmc=dict(bins=30, momentum=0.75))\n"));
  EXPECT_EQ(same["model"]["bbox_head"]["loss_cls"].get<int>("bins"), 30);
  EXPECT_FALSE(same["train_cfg"].has("ghmc"));
}

TEST_F(AuthorsKeys, TheCommandLineWinsOverFiles) {
  const std::string path = write("cfg.yaml",
                                 "model: {bbox_head: {loss_cls: {type: FocalLoss, gamma: 2.0}}}\n"
                                 "train_cfg: {debug: false}\n");
  const Config c = Config::load(path, {"train_cfg.ghmc={bins: 20, momentum: 0.9}"});
  EXPECT_EQ(c["model"]["bbox_head"]["loss_cls"].get<std::string>("type"), "GHMC");
  EXPECT_EQ(c["model"]["bbox_head"]["loss_cls"].get<int>("bins"), 20);
  EXPECT_FALSE(c["model"]["bbox_head"]["loss_cls"].has("gamma"));
  EXPECT_FALSE(c["train_cfg"].has("ghmc"));
  // Both on the command line: they must agree.
  EXPECT_THAT(error_of([&] {
                Config::load(path, {"train_cfg.ghmc={bins: 20}",
                                    "model.bbox_head.loss_cls={_delete_: true, type: GHMC, bins: 30}"});
              }),
              HasSubstr("--cfg-options: model.bbox_head.loss_cls disagrees (its bins is 30)"));
}

TEST_F(AuthorsKeys, BadSeedKeysAreErrorsNamingThem) {
  EXPECT_THAT(error_of([&] { Config::load(write("a.py", "train_cfg = dict(ghmc=dict(bin=10))\n")); }),
              HasSubstr("a.py:1:28: unknown key 'bin' in train_cfg.ghmc; did you mean 'bins'?"));
  EXPECT_THAT(error_of([&] { Config::load(write("b.py", "train_cfg = dict(ghmr=dict(mu='small'))\n")); }),
              HasSubstr("b.py:1:28: train_cfg.ghmr.mu: expected a number, found the string \"small\""));
  EXPECT_THAT(error_of([&] { Config::load(write("c.py", "train_cfg = dict(ghmc=30)\n")); }),
              HasSubstr("c.py:1:18: train_cfg.ghmc: expected a map"));
  EXPECT_THAT(error_of([&] { Config::load(write("d.py", "train_cfg = dict(gamma=True)\n")); }),
              HasSubstr("train_cfg.gamma: expected a number"));
}

TEST_F(AuthorsKeys, DatatypeNamesTheDatasetType) {
  const Config c = Config::load(write("cfg.py",
                                      "datatype = 'voc'\n"
                                      "data = dict(train=dict(ann_file='a'), test=dict(type='CocoDataset'))\n"));
  EXPECT_EQ(c.get<std::string>("dataset_type"), "VOCDataset");
  EXPECT_EQ(c["data"]["train"].get<std::string>("type"), "VOCDataset");
  EXPECT_EQ(c["data"]["test"].get<std::string>("type"), "CocoDataset");  // its own type stays
  EXPECT_FALSE(c.has("datatype"));
  EXPECT_THAT(error_of([&] { Config::load(write("a.py", "datatype = 'cityscapes'\n")); }),
              HasSubstr("a.py:1:1: datatype: unknown dataset 'cityscapes' (known: coco, voc, CocoDataset, VOCDataset)"));
  EXPECT_THAT(error_of([&] {
                Config::load(write("b.py", "dataset_type = 'CocoDataset'\ndatatype = 'voc'\n"));
              }),
              HasSubstr("b.py:2:1: datatype: names VOCDataset, but "));
}

TEST_F(AuthorsKeys, ModelZooNamesAreTheTorchvisionFilesInCheckpoints) {
  auto pretrained = [&](const std::string& name) {
    return Config::load(write("cfg.py", "model = dict(pretrained='" + name + "')\n"))["model"].get<std::string>(
        "pretrained");
  };
  EXPECT_EQ(pretrained("modelzoo://resnet50"), "checkpoints/resnet50-19c8e357.pth");
  EXPECT_EQ(pretrained("torchvision://resnet101"), "checkpoints/resnet101-5d3b4d8f.pth");
  EXPECT_EQ(pretrained("my/weights.pth"), "my/weights.pth");
  EXPECT_THAT(error_of([&] { pretrained("open-mmlab://resnet50_caffe"); }),
              HasSubstr("cfg.py:1:14: model.pretrained: no local file for 'open-mmlab://resnet50_caffe'"));
}

TEST_F(AuthorsKeys, NumClassesFollowsEachFilesOwnMeaning) {
  const std::string head = "model = dict(bbox_head=dict(num_classes=81))\n";
  // mmdetection v1 (and the authors'): 81 includes the background.
  EXPECT_EQ(Config::load(write("v1.py", head))["model"]["bbox_head"].get<int>("num_classes"), 80);
  // mmdetection v2 structure anywhere in the file: counted as written.
  for (const std::string v2 : {"data = dict(samples_per_gpu=2)\n",
                               "model = dict(bbox_head=dict(num_classes=81, anchor_generator=dict()))\n",
                               "model = dict(bbox_head=dict(num_classes=81, bbox_coder=dict()))\n",
                               "model = dict(bbox_head=dict(num_classes=81), train_cfg=dict())\n"}) {
    EXPECT_EQ(Config::load(write("v2.py", head + v2))["model"]["bbox_head"].get<int>("num_classes"), 81) << v2;
  }
  // mmdetection v1.0's pipelines still count the background.
  EXPECT_EQ(Config::load(write("v1p.py", head + "train_pipeline = [dict(type='LoadImageFromFile')]\n"))["model"]
                ["bbox_head"].get<int>("num_classes"),
            80);
  // A file with _base_ (mmdetection v2's inheritance) too.
  write("base.yaml", "total_epochs: 12\n");
  EXPECT_EQ(Config::load(write("child.py", "_base_ = ['base.yaml']\n" + head))["model"]["bbox_head"].get<int>(
                "num_classes"),
            81);
  // YAML files count object classes only.
  EXPECT_EQ(Config::load(write("c.yaml", "model: {bbox_head: {num_classes: 81}}\n"))["model"]["bbox_head"].get<int>(
                "num_classes"),
            81);
  EXPECT_THAT(error_of([&] { Config::load(write("one.py", "model = dict(bbox_head=dict(num_classes=1))\n")); }),
              HasSubstr("one.py:1:29: model.bbox_head.num_classes: an mmdetection v1 config counts the background"));
  // A v1 file as a base keeps its meaning under a YAML child.
  write("v1base.py", head);
  EXPECT_EQ(Config::load(write("top.yaml", "_base_: v1base.py\n"))["model"]["bbox_head"].get<int>("num_classes"), 80);
}

}  // namespace
}  // namespace ghmdet
