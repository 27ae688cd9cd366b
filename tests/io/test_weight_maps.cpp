// Weight-name maps against the key lists of real torchvision models (fixture written by
// make_io_fixtures.py, whose expected GHMDet names are spelled out by hand there).
#include <gtest/gtest.h>

#include "ghmdet/core/error.h"
#include "ghmdet/io/weight_maps.h"
#include "io_fixtures.h"

namespace ghmdet {
namespace {

using testing::io_fixture;

const nlohmann::json& retinanet_keys() {
  static const nlohmann::json j =
      nlohmann::json::parse(testing::read_file(io_fixture("torchvision_retinanet_keys.json")));
  return j;
}

StateDict fake_state_dict(const nlohmann::json& names_and_shapes) {
  StateDict sd;
  int64_t k = 0;
  for (const auto& entry : names_and_shapes) {
    sd.insert(entry.at(0).get<std::string>(), torch::full({1}, static_cast<float>(k++)));
  }
  return sd;
}

TEST(WeightMaps, TorchvisionRetinaNetBothLayoutsMapToGHMDetNames) {
  const auto expected = retinanet_keys().at("ghmdet").get<std::vector<std::string>>();
  for (const char* layout : {"v2", "v1"}) {
    SCOPED_TRACE(layout);
    const StateDict sd = fake_state_dict(retinanet_keys().at(layout));
    ASSERT_EQ(detect_weight_format(sd), WeightFormat::TorchvisionRetinaNet);
    const StateDict mapped = to_ghmdet_names(sd, WeightFormat::TorchvisionRetinaNet);
    EXPECT_EQ(mapped.keys(), expected);
    // Values travel with their keys.
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(mapped[expected[i]].item<float>(), static_cast<float>(i)) << expected[i];
    }
  }
}

TEST(WeightMaps, TorchvisionRetinaNetSpotChecks) {
  StateDict sd;
  for (const char* k : {"backbone.fpn.inner_blocks.2.0.weight", "backbone.fpn.extra_blocks.p7.bias",
                        "head.classification_head.conv.6.weight", "head.regression_head.bbox_reg.bias",
                        "head.classification_head.conv.0.1.weight", "anchor_generator.cell_anchors"}) {
    sd.insert(k, torch::zeros(1));
  }
  const auto mapped = to_ghmdet_names(sd, WeightFormat::TorchvisionRetinaNet).keys();
  EXPECT_EQ(mapped, (std::vector<std::string>{"neck.lateral_convs.2.conv.weight", "neck.fpn_convs.4.conv.bias",
                                              "bbox_head.cls_convs.3.conv.weight", "bbox_head.retina_reg.bias",
                                              // a GroupNorm head and unknown keys keep their names
                                              "head.classification_head.conv.0.1.weight",
                                              "anchor_generator.cell_anchors"}));
}

TEST(WeightMaps, ImagenetResNetDropsFcAndTakesAPrefix) {
  const StateDict sd = read_state_dict(io_fixture("resnet18_trunc_zip.pth"));
  ASSERT_EQ(detect_weight_format(sd), WeightFormat::TorchvisionResNet);
  const StateDict detector = to_ghmdet_names(sd, WeightFormat::TorchvisionResNet);
  EXPECT_EQ(detector.size(), sd.size() - 2);
  EXPECT_TRUE(detector.contains("backbone.layer1.0.conv2.weight"));
  EXPECT_TRUE(detector.contains("backbone.bn1.num_batches_tracked"));
  EXPECT_FALSE(detector.contains("backbone.fc.weight"));
  const StateDict bare = to_ghmdet_names(sd, WeightFormat::TorchvisionResNet, "");
  EXPECT_TRUE(bare.contains("conv1.weight"));
  EXPECT_TRUE(torch::equal(bare["conv1.weight"], detector["backbone.conv1.weight"]));
}

TEST(WeightMaps, MmdetectionIsIdentityAndUnknownIsRefused) {
  const StateDict mm = read_state_dict(io_fixture("mmdet_style_legacy.pth"));
  ASSERT_EQ(detect_weight_format(mm), WeightFormat::GHMDet);
  EXPECT_EQ(to_ghmdet_names(mm, WeightFormat::GHMDet).keys(), mm.keys());

  StateDict odd;
  odd.insert("encoder.weight", torch::zeros(1));
  EXPECT_EQ(detect_weight_format(odd), WeightFormat::Unknown);
  try {
    to_ghmdet_names(odd, WeightFormat::Unknown);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("encoder.weight"), std::string::npos) << e.what();
  }
}

TEST(WeightMaps, FormatNamesRoundTrip) {
  for (auto f : {WeightFormat::GHMDet, WeightFormat::TorchvisionResNet, WeightFormat::TorchvisionRetinaNet}) {
    EXPECT_EQ(parse_weight_format(weight_format_name(f), "load_from_format"), f);
  }
  EXPECT_EQ(parse_weight_format("mmdet", "x"), WeightFormat::GHMDet);
  EXPECT_EQ(parse_weight_format("auto", "x"), WeightFormat::Unknown);
  try {
    parse_weight_format("caffe", "model.weights_format");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.weights_format"), std::string::npos);
  }
}

}  // namespace
}  // namespace ghmdet
