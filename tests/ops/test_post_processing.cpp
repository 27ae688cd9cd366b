// ops/post_processing: torchvision's postprocess_detections + transform.postprocess, and the
// legacy get_bboxes + multiclass_nms re-derived with loops in the fixture script.
#include <gtest/gtest.h>

#include "../targets/fixture_reader.h"
#include "ghmdet/core/error.h"
#include "ghmdet/ops/post_processing.h"
#include "ghmdet/targets/anchor_generator.h"

namespace ghmdet {
namespace {

using testing::json_tensor;
using testing::load_targets_fixture;

struct Inputs {
  std::vector<torch::Tensor> cls, reg;
  std::vector<Size2> sizes;
};

Inputs read_inputs(const nlohmann::json& fx) {
  Inputs in;
  for (size_t l = 0; l < fx["cls_logits"].size(); ++l) {
    in.cls.push_back(json_tensor(fx["cls_logits"][l]));
    in.reg.push_back(json_tensor(fx["bbox_deltas"][l]));
    in.sizes.push_back({fx["feature_sizes"][l][0], fx["feature_sizes"][l][1]});
  }
  return in;
}

TEST(PostProcessing, TorchvisionMatchesPostprocessDetections) {
  auto fx = load_targets_fixture("post_processing.json");
  auto in = read_inputs(fx);
  auto conv = DetectorConventions::preset("torchvision");
  AnchorGenerator gen(AnchorGeneratorOptions::from_conventions(conv));
  auto anchors = gen.grid_anchors(in.sizes, {128, 160}, torch::kCPU);
  for (size_t l = 0; l < anchors.size(); ++l) {
    ASSERT_TRUE(torch::equal(anchors[l], json_tensor(fx["torchvision_anchors"][l]))) << l;
  }
  ImageMeta meta;
  meta.img_shape = {fx["torchvision_img_shape"][0], fx["torchvision_img_shape"][1]};
  meta.ori_shape = {fx["torchvision_ori_shape"][0], fx["torchvision_ori_shape"][1]};
  meta.scale_factor = 1.25;
  auto det = post_process_single(in.cls, in.reg, anchors, meta,
                                 DeltaBoxCoder(DeltaBoxCoderOptions::from_conventions(conv)),
                                 PostProcessOptions::from_conventions(conv));
  auto boxes = json_tensor(fx["torchvision_boxes"], torch::kFloat32, 4);
  ASSERT_EQ(det.size(), boxes.size(0));
  EXPECT_EQ(det.size(), 300);
  EXPECT_TRUE(torch::equal(det.labels, json_tensor(fx["torchvision_labels"], torch::kInt64)));
  EXPECT_TRUE(torch::allclose(det.scores, json_tensor(fx["torchvision_scores"]), 0, 1e-6));
  EXPECT_TRUE(torch::allclose(det.boxes, boxes, 0, 1e-4));
}

void expect_legacy(const nlohmann::json& fx, int64_t max_per_img, const std::string& prefix) {
  auto in = read_inputs(fx);
  auto conv = DetectorConventions::preset("legacy");
  AnchorGenerator gen(AnchorGeneratorOptions::from_conventions(conv));
  auto anchors = gen.grid_anchors(in.sizes, {128, 160}, torch::kCPU);
  for (size_t l = 0; l < anchors.size(); ++l) {
    ASSERT_TRUE(torch::equal(anchors[l], json_tensor(fx["legacy_anchors"][l]))) << l;
  }
  ImageMeta meta;
  meta.img_shape = {fx["legacy_img_shape"][0], fx["legacy_img_shape"][1]};
  meta.scale_factor = fx["legacy_scale"].get<double>();
  auto opts = PostProcessOptions::from_conventions(conv)
                  .nms_pre(fx["legacy_nms_pre"].get<int64_t>())
                  .max_per_img(max_per_img);
  auto det = post_process_single(in.cls, in.reg, anchors, meta,
                                 DeltaBoxCoder(DeltaBoxCoderOptions::from_conventions(conv)), opts);
  auto boxes = json_tensor(fx[prefix + "boxes"], torch::kFloat32, 4);
  ASSERT_EQ(det.size(), boxes.size(0));
  EXPECT_TRUE(torch::equal(det.labels, json_tensor(fx[prefix + "labels"], torch::kInt64)));
  EXPECT_TRUE(torch::allclose(det.scores, json_tensor(fx[prefix + "scores"]), 0, 1e-6));
  EXPECT_TRUE(torch::allclose(det.boxes, boxes, 0, 1e-4));
}

TEST(PostProcessing, LegacyCutToMaxPerImageIsScoreSorted) {
  auto fx = load_targets_fixture("post_processing.json");
  expect_legacy(fx, fx["legacy_max_per_img"].get<int64_t>(), "legacy_");
}

TEST(PostProcessing, LegacyBelowCapIsClassMajor) {
  auto fx = load_targets_fixture("post_processing.json");
  expect_legacy(fx, 100000, "legacy_uncut_");
}

TEST(PostProcessing, MmdetIsScoreSortedAndBadInputThrows) {
  auto fx = load_targets_fixture("post_processing.json");
  auto in = read_inputs(fx);
  auto conv = DetectorConventions::preset("mmdet");
  AnchorGenerator gen(AnchorGeneratorOptions::from_conventions(conv));
  auto anchors = gen.grid_anchors(in.sizes, {128, 160}, torch::kCPU);
  ImageMeta meta;
  meta.img_shape = {120, 150};
  meta.scale_factor = 1.0;
  DeltaBoxCoder coder(DeltaBoxCoderOptions::from_conventions(conv));
  auto det = post_process_single(in.cls, in.reg, anchors, meta, coder,
                                 PostProcessOptions::from_conventions(conv));
  ASSERT_EQ(det.size(), 100);
  EXPECT_TRUE(torch::equal(det.scores, std::get<0>(det.scores.sort(0, true))));
  EXPECT_GT(det.scores.min().item<float>(), 0.05f);
  EXPECT_LE(det.boxes.max().item<float>(), 150.f);
  auto bad = in.reg;
  bad[0] = bad[0].narrow(0, 0, 8);
  EXPECT_THROW(post_process_single(in.cls, bad, anchors, meta, coder,
                                   PostProcessOptions::from_conventions(conv)),
               Error);
}

}  // namespace
}  // namespace ghmdet

namespace ghmdet {
namespace {

TEST(PostProcessing, NothingAboveThresholdGivesEmptyDetections) {
  std::vector<Size2> sizes{{4, 4}, {2, 2}, {1, 1}, {1, 1}, {1, 1}};
  for (const std::string name : {"legacy", "mmdet", "torchvision"}) {
    auto conv = DetectorConventions::preset(name);
    AnchorGenerator gen(AnchorGeneratorOptions::from_conventions(conv));
    auto anchors = gen.grid_anchors(sizes, {32, 32}, torch::kCPU);
    std::vector<torch::Tensor> cls, reg;
    for (auto [h, w] : sizes) {
      cls.push_back(torch::full({9 * 3, h, w}, -10.f));
      reg.push_back(torch::zeros({9 * 4, h, w}));
    }
    ImageMeta meta;
    meta.img_shape = {32, 32};
    meta.ori_shape = {32, 32};
    auto det = post_process_single(cls, reg, anchors, meta,
                                   DeltaBoxCoder(DeltaBoxCoderOptions::from_conventions(conv)),
                                   PostProcessOptions::from_conventions(conv));
    EXPECT_EQ(det.size(), 0) << name;
    EXPECT_EQ(det.boxes.sizes(), (std::vector<int64_t>{0, 4})) << name;
  }
}

}  // namespace
}  // namespace ghmdet
