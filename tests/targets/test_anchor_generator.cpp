// targets/anchor_generator: base anchors vs the spec's table and the fixtures, grid order,
// torchvision's strides, valid flags, cache.
#include <gtest/gtest.h>

#include "fixture_reader.h"
#include "ghmdet/core/error.h"
#include "ghmdet/targets/anchor_generator.h"

namespace ghmdet {
namespace {

using testing::json_tensor;
using testing::load_targets_fixture;

AnchorGenerator preset_generator(const std::string& name) {
  return AnchorGenerator(AnchorGeneratorOptions::from_conventions(DetectorConventions::preset(name)));
}

TEST(AnchorGenerator, LegacyBaseAnchorsMatchSpecTable) {
  auto gen = preset_generator("legacy");
  // ghm-spec 4.4, strides 8 and 128.
  auto s8 = torch::tensor({-19, -7, 26, 14, -25, -10, 32, 17, -32, -14, 39, 21,
                           -12, -12, 19, 19, -16, -16, 23, 23, -21, -21, 28, 28,
                           -7, -19, 14, 26, -10, -25, 17, 32, -14, -32, 21, 39}, torch::kFloat32)
                .view({9, 4});
  auto s128 = torch::tensor({-298, -117, 425, 244, -392, -164, 519, 291, -511, -223, 638, 350,
                             -192, -192, 319, 319, -259, -259, 386, 386, -342, -342, 469, 469,
                             -117, -298, 244, 425, -164, -392, 291, 519, -223, -511, 350, 638},
                            torch::kFloat32)
                  .view({9, 4});
  EXPECT_TRUE(torch::equal(gen.base_anchors(0), s8));
  EXPECT_TRUE(torch::equal(gen.base_anchors(4), s128));
  auto fx = load_targets_fixture("anchors.json");
  for (int l = 0; l < 5; ++l) {
    EXPECT_TRUE(torch::equal(gen.base_anchors(l), json_tensor(fx["legacy_base"][l]))) << l;
  }
}

// anchor_base_sizes: a stride-8 level with base size 16 has exactly the reference's stride-16
// base anchors (size and legacy centre both follow the base size), the grid still steps by 8.
TEST(AnchorGenerator, BaseSizesReplaceTheStrideAsBaseSize) {
  auto options = AnchorGeneratorOptions::from_conventions(DetectorConventions::preset("legacy"));
  options.base_sizes({16, 16, 32, 64, 128});
  AnchorGenerator gen(options);
  auto fx = load_targets_fixture("anchors.json");
  EXPECT_TRUE(torch::equal(gen.base_anchors(0), json_tensor(fx["legacy_base"][1])));
  EXPECT_TRUE(torch::equal(gen.base_anchors(1), json_tensor(fx["legacy_base"][1])));
  auto grid = gen.grid_anchors({{1, 2}, {1, 1}, {1, 1}, {1, 1}, {1, 1}}, {8, 16}, torch::kCPU);
  EXPECT_TRUE(torch::equal(grid[0].view({2, 9, 4})[1] - grid[0].view({2, 9, 4})[0],
                           torch::tensor({8.f, 0.f, 8.f, 0.f}).expand({9, 4})));
  EXPECT_THROW(AnchorGenerator(AnchorGeneratorOptions().base_sizes({8, 16})), Error);
}

TEST(AnchorGenerator, MmdetAndTorchvisionBaseAnchorsMatchFixtures) {
  auto fx = load_targets_fixture("anchors.json");
  auto mm = preset_generator("mmdet");
  auto tv = preset_generator("torchvision");
  for (int l = 0; l < 5; ++l) {
    EXPECT_TRUE(torch::equal(mm.base_anchors(l), json_tensor(fx["mmdet_base"][l]))) << l;
    EXPECT_TRUE(torch::equal(tv.base_anchors(l), json_tensor(fx["torchvision_base"][l]))) << l;
  }
}

TEST(AnchorGenerator, TorchvisionGridMatchesItsAnchorGenerator) {
  auto fx = load_targets_fixture("anchors.json");
  auto tv = preset_generator("torchvision");
  std::vector<Size2> sizes;
  for (const auto& s : fx["torchvision_feature_sizes"]) sizes.push_back({s[0], s[1]});
  Size2 image{fx["torchvision_image"][0], fx["torchvision_image"][1]};
  auto grids = tv.grid_anchors(sizes, image, torch::kCPU);
  // P6 on 96x128 with a 2x2 map: strides 48 and 64, not the nominal 64.
  EXPECT_EQ(tv.level_stride(3, sizes[3], image), (Size2{48, 64}));
  for (int l = 0; l < 5; ++l) {
    EXPECT_TRUE(torch::equal(grids[l], json_tensor(fx["torchvision_grid"][l]))) << l;
  }
}

TEST(AnchorGenerator, GridIndexIsYXA) {
  auto gen = preset_generator("legacy");
  auto grids = gen.grid_anchors({{3, 5}, {2, 3}, {1, 2}, {1, 1}, {1, 1}}, {24, 40}, torch::kCPU);
  ASSERT_EQ(grids[0].size(0), 3 * 5 * 9);
  const auto& base = gen.base_anchors(0);
  for (int64_t y = 0; y < 3; ++y) {
    for (int64_t x = 0; x < 5; ++x) {
      for (int64_t a = 0; a < 9; ++a) {
        auto expect = base[a] + torch::tensor({x * 8.f, y * 8.f, x * 8.f, y * 8.f});
        ASSERT_TRUE(torch::equal(grids[0][(y * 5 + x) * 9 + a], expect));
      }
    }
  }
  // Cached: the same storage comes back.
  auto again = gen.grid_anchors({{3, 5}, {2, 3}, {1, 2}, {1, 1}, {1, 1}}, {24, 40}, torch::kCPU);
  EXPECT_EQ(again[0].data_ptr(), grids[0].data_ptr());
}

TEST(AnchorGenerator, ValidFlagsFollowPadShape) {
  auto gen = preset_generator("legacy");
  // Batch tensor 64x96 → P3 8x12; this image padded to 40x64 → valid 5x8 at stride 8.
  std::vector<Size2> sizes{{8, 12}, {4, 6}, {2, 3}, {1, 2}, {1, 1}};
  auto flags = gen.valid_flags(sizes, {64, 96}, {40, 64}, torch::kCPU);
  auto f = flags[0].view({8, 12, 9});
  for (int64_t y = 0; y < 8; ++y) {
    for (int64_t x = 0; x < 12; ++x) {
      const bool expect = y < 5 && x < 8;
      EXPECT_EQ(f[y][x].all().item<bool>(), expect);
      EXPECT_EQ(f[y][x].any().item<bool>(), expect);
    }
  }
  // P5 (stride 32): ceil(40/32)=2 rows, ceil(64/32)=2 cols of 2x3.
  auto f5 = flags[2].view({2, 3, 9}).select(2, 0);
  EXPECT_TRUE(torch::equal(f5, torch::tensor({{true, true, false}, {true, true, false}})));
}

TEST(AnchorGenerator, BadInputThrows) {
  auto gen = preset_generator("legacy");
  EXPECT_THROW(gen.grid_anchors({{3, 5}}, {24, 40}, torch::kCPU), Error);
  EXPECT_THROW(AnchorGenerator(AnchorGeneratorOptions().strides({})), Error);
  EXPECT_THROW(AnchorGenerator(AnchorGeneratorOptions().sizes({{32, 40}})), Error);
}

}  // namespace
}  // namespace ghmdet
