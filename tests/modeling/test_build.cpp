// Config → module options: defaults, the keys of each node, conventions defaults, errors.
#include <gtest/gtest.h>

#include "ghmdet/core/config.h"
#include "ghmdet/modeling/build.h"

namespace ghmdet {
namespace {

TEST(BuildOptions, ResNetFromConfig) {
  auto cfg = Config::from_string(
      "backbone: {type: ResNet, depth: 50, num_stages: 4, out_indices: [0, 1, 2, 3],"
      " frozen_stages: 1, norm_eval: true, style: pytorch}");
  auto o = build_resnet_options(cfg["backbone"]);
  EXPECT_EQ(o.depth(), 50);
  EXPECT_EQ(o.frozen_stages(), 1);
  EXPECT_EQ(o.out_indices(), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_TRUE(o.norm_eval());
}

TEST(BuildOptions, ResNetErrorsNameTheKey) {
  auto bad = [](const std::string& yaml, const std::string& needle) {
    try {
      build_resnet_options(Config::from_string(yaml)["backbone"]);
      ADD_FAILURE() << "no error for " << yaml;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  bad("backbone: {type: ResNet, depth: 42}", "depth");
  bad("backbone: {type: ResNeXt, depth: 50}", "ResNeXt");
  bad("backbone: {type: ResNet, depth: 50, style: caffe}", "caffe");
  bad("backbone: {type: ResNet, depth: 50, frozen_stage: 1}", "frozen_stages");
  bad("backbone: {type: ResNet, depth: 50, out_indices: [4]}", "out_indices");
}

TEST(BuildOptions, FPNExtraConvSources) {
  auto v1 = Config::from_string(
      "neck: {type: FPN, in_channels: [256, 512, 1024, 2048], out_channels: 256, start_level: 1,"
      " add_extra_convs: true, num_outs: 5}")["neck"];
  auto legacy = build_fpn_options(v1, false);
  EXPECT_EQ(legacy.extra_source(), ExtraConvSource::kInput);
  EXPECT_FALSE(legacy.relu_before_extra_convs());
  EXPECT_EQ(legacy.start_level(), 1);
  auto tv = build_fpn_options(v1, true);  // conventions default: P6 from P5, ReLU before P7
  EXPECT_EQ(tv.extra_source(), ExtraConvSource::kOutput);
  EXPECT_TRUE(tv.relu_before_extra_convs());

  auto explicit_cfg = Config::from_string(
      "neck: {type: FPN, in_channels: [8, 16], out_channels: 4, add_extra_convs: true,"
      " extra_convs_on_inputs: false, relu_before_extra_convs: false, num_outs: 4}")["neck"];
  auto e = build_fpn_options(explicit_cfg, false);
  EXPECT_EQ(e.extra_source(), ExtraConvSource::kOutput);
  EXPECT_FALSE(build_fpn_options(explicit_cfg, true).relu_before_extra_convs());

  auto v2 = Config::from_string(
      "neck: {type: FPN, in_channels: [8, 16], out_channels: 4, add_extra_convs: on_input, num_outs: 4}")["neck"];
  EXPECT_EQ(build_fpn_options(v2, true).extra_source(), ExtraConvSource::kInput);
  auto none = Config::from_string("neck: {type: FPN, in_channels: [8, 16], out_channels: 4, num_outs: 4}")["neck"];
  EXPECT_EQ(build_fpn_options(none, false).extra_source(), ExtraConvSource::kNone);
  EXPECT_THROW(build_fpn_options(Config::from_string(
                   "neck: {type: FPN, in_channels: [8], out_channels: 4, num_outs: 1, add_extra_convs: on_lateral}")["neck"],
                   false),
               Error);
  EXPECT_THROW(build_fpn_options(Config::from_string(
                   "neck: {type: FPN, in_channels: [8, 16], out_channels: 4, num_outs: 1}")["neck"], false),
               Error);
}

TEST(BuildOptions, RetinaHeadAnchorsPerPosition) {
  auto h = Config::from_string(
      "h: {type: RetinaHead, num_classes: 80, in_channels: 256, stacked_convs: 2, feat_channels: 64,"
      " octave_base_scale: 4, scales_per_octave: 3, anchor_ratios: [0.5, 1.0, 2.0]}")["h"];
  auto o = build_retina_head_options(h);
  EXPECT_EQ(o.num_classes(), 80);
  EXPECT_EQ(o.num_anchors(), 9);
  EXPECT_EQ(o.stacked_convs(), 2);
  EXPECT_EQ(o.feat_channels(), 64);
  auto tv = Config::from_string(
      "h: {type: RetinaHead, num_classes: 91, in_channels: 256, anchor_ratios: [1.0, 2.0],"
      " anchor_sizes: [[32, 40], [64, 80]]}")["h"];
  EXPECT_EQ(build_retina_head_options(tv).num_anchors(), 4);
  EXPECT_THROW(build_retina_head_options(Config::from_string(
                   "h: {type: RetinaHead, num_classes: 3, in_channels: 8, anchor_sizes: [[1, 2], [3]]}")["h"]),
               Error);
}

TEST(BuildOptions, RetinaHeadGroupNorm) {
  auto h = Config::from_string(
      "h: {type: RetinaHead, num_classes: 10, in_channels: 64, feat_channels: 64,"
      " norm_cfg: {type: GN, num_groups: 32, requires_grad: true}}")["h"];
  EXPECT_EQ(build_retina_head_options(h).norm_groups(), 32);
  EXPECT_EQ(build_retina_head_options(Config::from_string(
                "h: {type: RetinaHead, num_classes: 10, in_channels: 64}")["h"]).norm_groups(), 0);
  try {
    build_retina_head_options(Config::from_string(
        "h: {type: RetinaHead, num_classes: 10, in_channels: 64, feat_channels: 64,"
        " norm_cfg: {type: GN, num_groups: 24}}")["h"]);
    FAIL() << "24 groups of 64 channels accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("num_groups"), std::string::npos) << e.what();
  }
  EXPECT_THROW(build_retina_head_options(Config::from_string(
                   "h: {type: RetinaHead, num_classes: 10, in_channels: 64, norm_cfg: {type: BN}}")["h"]),
               Error);
}

}  // namespace
}  // namespace ghmdet
