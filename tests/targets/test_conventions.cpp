// structures/conventions: the three presets and the derived options.
#include <gtest/gtest.h>

#include <cmath>

#include "ghmdet/core/error.h"
#include "ghmdet/structures/conventions.h"
#include "ghmdet/targets/anchor_generator.h"

namespace ghmdet {
namespace {

TEST(Conventions, PresetsDiffer) {
  auto legacy = DetectorConventions::preset("legacy");
  auto mmdet = DetectorConventions::preset("mmdet");
  auto tv = DetectorConventions::preset("torchvision");
  EXPECT_EQ(legacy.pixel_offset, 1.0);
  EXPECT_EQ(mmdet.pixel_offset, 0.0);
  EXPECT_EQ(tv.pixel_offset, 0.0);
  EXPECT_NEAR(legacy.box_clamp, std::fabs(std::log(16.0 / 1000.0)), 1e-15);
  EXPECT_NEAR(tv.box_clamp, std::log(1000.0 / 16.0), 1e-15);
  EXPECT_FALSE(tv.symmetric_clamp);
  EXPECT_EQ(legacy.max_per_img, 100);
  EXPECT_EQ(tv.max_per_img, 300);
  EXPECT_FALSE(legacy.p6_from_p5_relu);
  EXPECT_FALSE(mmdet.p6_from_p5_relu);
  EXPECT_TRUE(tv.p6_from_p5_relu);
  EXPECT_EQ(legacy.post_process, PostProcessStyle::kMmdet);
  EXPECT_EQ(tv.post_process, PostProcessStyle::kTorchvision);
  EXPECT_TRUE(legacy.nms_suppress_equal);
  EXPECT_FALSE(mmdet.nms_suppress_equal);
}

TEST(Conventions, UnknownPresetListsValidNames) {
  try {
    DetectorConventions::preset("detectron");
    FAIL() << "no throw";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("detectron"), std::string::npos);
    EXPECT_NE(m.find("legacy"), std::string::npos);
    EXPECT_NE(m.find("mmdet"), std::string::npos);
    EXPECT_NE(m.find("torchvision"), std::string::npos);
  }
}

TEST(Conventions, TorchvisionAnchorSizesUseIntTruncation) {
  auto o = AnchorGeneratorOptions::from_conventions(DetectorConventions::preset("torchvision"));
  ASSERT_EQ(o.sizes().size(), 5u);
  // (32, 40, 50) ... (512, 645, 812), as int(x * 2 ** (i / 3)).
  EXPECT_EQ(o.sizes()[0], (std::vector<double>{32, 40, 50}));
  EXPECT_EQ(o.sizes()[4], (std::vector<double>{512, 645, 812}));
}

}  // namespace
}  // namespace ghmdet
