// targets/anchor_targets: per-image targets against a per-anchor loop written here, and the
// images_to_levels layout.
#include <gtest/gtest.h>

#include "ghmdet/core/error.h"
#include "ghmdet/structures/boxes.h"
#include "ghmdet/targets/anchor_generator.h"
#include "ghmdet/targets/anchor_targets.h"

namespace ghmdet {
namespace {

TEST(AnchorTargets, MatchesPerAnchorLoop) {
  auto conv = DetectorConventions::preset("legacy");
  AnchorGenerator gen(AnchorGeneratorOptions::from_conventions(conv));
  MaxIoUAssigner assigner(MaxIoUAssignerOptions::from_conventions(conv));
  DeltaBoxCoder coder(DeltaBoxCoderOptions::from_conventions(conv));
  std::vector<Size2> sizes{{8, 8}, {4, 4}, {2, 2}, {1, 1}, {1, 1}};
  auto anchors = torch::cat(gen.grid_anchors(sizes, {64, 64}, torch::kCPU));
  auto valid = torch::cat(gen.valid_flags(sizes, {64, 64}, {32, 64}, torch::kCPU));
  auto gts = torch::tensor({{4.f, 6.f, 40.f, 30.f}, {30.f, 2.f, 50.f, 28.f}});
  auto labels = torch::tensor({3, 0}, torch::kInt64);
  const int64_t C = 5;
  auto t = anchor_targets_single(anchors, valid, gts, labels, {}, C, assigner, coder);
  const int64_t n = anchors.size(0);
  ASSERT_EQ(t.labels.sizes(), (std::vector<int64_t>{n}));
  ASSERT_EQ(t.bbox_targets.sizes(), (std::vector<int64_t>{n, 4}));
  auto assign = assigner.assign(anchors, gts, labels, {}, valid);
  int64_t pos = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t g = assign.gt_inds[i].item<int64_t>();
    const bool v = valid[i].item<bool>();
    if (!v) {
      EXPECT_EQ(t.label_weights[i].item<float>(), 0.f);
      EXPECT_EQ(t.labels[i].item<int64_t>(), C);
    } else if (g > 0) {
      ++pos;
      EXPECT_EQ(t.labels[i].item<int64_t>(), labels[g - 1].item<int64_t>());
      EXPECT_EQ(t.label_weights[i].item<float>(), 1.f);
      EXPECT_TRUE(torch::equal(t.bbox_weights[i], torch::ones({4})));
      auto d = coder.encode(anchors[i].unsqueeze(0), gts[g - 1].unsqueeze(0))[0];
      EXPECT_TRUE(torch::allclose(t.bbox_targets[i], d));
    } else {
      EXPECT_EQ(t.labels[i].item<int64_t>(), C);
      EXPECT_EQ(t.label_weights[i].item<float>(), g == 0 ? 1.f : 0.f);
      EXPECT_TRUE(torch::equal(t.bbox_targets[i], torch::zeros({4})));
      EXPECT_TRUE(torch::equal(t.bbox_weights[i], torch::zeros({4})));
    }
  }
  EXPECT_GT(pos, 0);
  EXPECT_EQ(t.num_pos.item<int64_t>(), pos);
  EXPECT_EQ(t.num_neg.item<int64_t>(), assign.gt_inds.eq(0).sum().item<int64_t>());
}

TEST(AnchorTargets, ImagesToLevelsIsImageMajor) {
  // Two images, levels of 3 and 2 rows; value = 100 * image + row.
  auto a = torch::tensor({0, 1, 2, 3, 4});
  auto b = torch::tensor({100, 101, 102, 103, 104});
  auto levels = images_to_levels({a, b}, {3, 2});
  ASSERT_EQ(levels.size(), 2u);
  EXPECT_TRUE(torch::equal(levels[0], torch::tensor({0, 1, 2, 100, 101, 102})));
  EXPECT_TRUE(torch::equal(levels[1], torch::tensor({3, 4, 103, 104})));
  auto boxes = images_to_levels({torch::zeros({5, 4}), torch::ones({5, 4})}, {3, 2});
  EXPECT_EQ(boxes[1].sizes(), (std::vector<int64_t>{4, 4}));
  EXPECT_THROW(images_to_levels({a, torch::zeros({4})}, {3, 2}), Error);
}

TEST(AnchorTargets, NoGtsGivesAllNegatives) {
  auto conv = DetectorConventions::preset("mmdet");
  MaxIoUAssigner assigner(MaxIoUAssignerOptions::from_conventions(conv));
  DeltaBoxCoder coder(DeltaBoxCoderOptions::from_conventions(conv));
  auto anchors = torch::tensor({{0.f, 0.f, 9.f, 9.f}, {5.f, 5.f, 15.f, 15.f}});
  auto t = anchor_targets_single(anchors, {}, torch::zeros({0, 4}), torch::zeros({0}, torch::kInt64),
                                 {}, 3, assigner, coder);
  EXPECT_TRUE(torch::equal(t.labels, torch::tensor({3, 3}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(t.label_weights, torch::ones({2})));
  EXPECT_EQ(t.num_pos.item<int64_t>(), 0);
}

}  // namespace
}  // namespace ghmdet
