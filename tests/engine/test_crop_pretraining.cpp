// Crop pretraining: the crops cut from a batch (hand-computed geometry), and the saved backbone
// read back as a torchvision ResNet file.
#include <gtest/gtest.h>

#include <filesystem>

#include "ghmdet/engine/crop_pretraining.h"
#include "ghmdet/io/state_dict.h"
#include "ghmdet/io/weight_maps.h"
#include "ghmdet/modeling/backbone/resnet.h"

namespace ghmdet {
namespace {

Batch ramp_batch() {
  // Channel 0 holds x, channel 1 holds y, so a crop shows where it was cut.
  Batch b;
  auto xs = torch::arange(64, torch::kFloat32).view({1, 64}).expand({48, 64});
  auto ys = torch::arange(48, torch::kFloat32).view({48, 1}).expand({48, 64});
  b.images = torch::stack({xs, ys, torch::zeros({48, 64})}).unsqueeze(0).repeat({2, 1, 1, 1});
  ImageMeta m;
  m.img_shape = {48, 64};
  b.metas = {m, m};
  b.gt_boxes = {torch::tensor({{10.f, 10.f, 30.f, 20.f}}), torch::zeros({0, 4})};
  b.gt_labels = {torch::tensor({3}, torch::kLong), torch::zeros({0}, torch::kLong)};
  return b;
}

TEST(CropPretraining, SquareCropAroundTheBoxClippedToTheImage) {
  // Box 20x10 centred at (20, 15), no context: a 20x20 square x in [10, 30), y in [5, 25);
  // cut at its own size, so the bilinear resize is the identity.
  auto [crops, labels] = object_crops(ramp_batch(), 20, 0.0);
  ASSERT_EQ(crops.sizes(), (std::vector<int64_t>{1, 3, 20, 20}));
  EXPECT_EQ(labels.item<int64_t>(), 3);
  EXPECT_FLOAT_EQ(crops[0][0][0][0].item<float>(), 10.f);
  EXPECT_FLOAT_EQ(crops[0][0][0][19].item<float>(), 29.f);
  EXPECT_FLOAT_EQ(crops[0][1][0][0].item<float>(), 5.f);
  EXPECT_FLOAT_EQ(crops[0][1][19][0].item<float>(), 24.f);
  // Context 1.0 asks for a 60x60 square: clipped to the image, x in [0, 50), y in [0, 45).
  auto [wide, unused] = object_crops(ramp_batch(), 10, 1.0);
  EXPECT_LT(wide[0][0].min().item<float>(), 3.f);
  EXPECT_GT(wide[0][1].max().item<float>(), 40.f);
}

TEST(CropPretraining, BatchWithoutBoxesGivesNoCrops) {
  Batch b = ramp_batch();
  b.gt_boxes[0] = torch::zeros({0, 4});
  b.gt_labels[0] = torch::zeros({0}, torch::kLong);
  auto [crops, labels] = object_crops(b, 16, 0.1);
  EXPECT_EQ(crops.size(0), 0);
  EXPECT_EQ(labels.size(0), 0);
}

TEST(CropPretraining, SavedBackboneReadsAsTorchvisionResNet) {
  ResNet backbone(ResNetOptions().depth(18).base_channels(8));
  const auto path = (std::filesystem::path(::testing::TempDir()) / "crop_backbone.pth").string();
  save_backbone_weights(*backbone, path);
  const auto sd = read_state_dict(path);
  EXPECT_EQ(detect_weight_format(sd), WeightFormat::TorchvisionResNet);
  ASSERT_TRUE(sd.contains("layer4.1.bn2.running_var"));
  EXPECT_TRUE(torch::equal(sd["conv1.weight"], backbone->named_parameters()["conv1.weight"].contiguous()));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace ghmdet
