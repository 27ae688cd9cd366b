// targets/delta_box_coder: torchvision BoxCoder fixtures, the naive +1 formulas, round trips.
#include <gtest/gtest.h>

#include "fixture_reader.h"
#include "ghmdet/core/error.h"
#include "ghmdet/targets/delta_box_coder.h"

namespace ghmdet {
namespace {

using testing::json_tensor;
using testing::load_targets_fixture;

DeltaBoxCoder preset_coder(const std::string& name) {
  return DeltaBoxCoder(DeltaBoxCoderOptions::from_conventions(DetectorConventions::preset(name)));
}

TEST(DeltaBoxCoder, TorchvisionMatchesBoxCoder) {
  auto fx = load_targets_fixture("coder.json");
  auto anchors = json_tensor(fx["anchors"]), gts = json_tensor(fx["gts"]);
  auto coder = preset_coder("torchvision");
  EXPECT_TRUE(torch::allclose(coder.encode(anchors, gts), json_tensor(fx["torchvision_encode"]),
                              1e-5, 1e-6));
  // Rows 0..3 have dw/dh beyond the clamp: torchvision clamps from above only.
  EXPECT_TRUE(torch::allclose(coder.decode(anchors, json_tensor(fx["deltas"])),
                              json_tensor(fx["torchvision_decode"]), 1e-5, 1e-3));
}

TEST(DeltaBoxCoder, LegacyMatchesPlusOneFormulas) {
  auto fx = load_targets_fixture("coder.json");
  auto anchors = json_tensor(fx["anchors"]), gts = json_tensor(fx["gts"]);
  auto coder = preset_coder("legacy");
  EXPECT_TRUE(torch::allclose(coder.encode(anchors, gts), json_tensor(fx["legacy_encode"]), 1e-5,
                              1e-5));
  std::array<int64_t, 2> shape{fx["legacy_img_shape"][0], fx["legacy_img_shape"][1]};
  auto dec = coder.decode(anchors, json_tensor(fx["deltas"]), shape);
  EXPECT_TRUE(torch::allclose(dec, json_tensor(fx["legacy_decode"]), 1e-5, 1e-3));
  EXPECT_LE(dec.select(1, 2).max().item<float>(), shape[1] - 1);
  EXPECT_LE(dec.select(1, 3).max().item<float>(), shape[0] - 1);
}

TEST(DeltaBoxCoder, RoundTripsEveryPresetAndNormalisation) {
  auto fx = load_targets_fixture("coder.json");
  auto anchors = json_tensor(fx["anchors"]), gts = json_tensor(fx["gts"]);
  for (const std::string name : {"legacy", "mmdet", "torchvision"}) {
    auto coder = preset_coder(name);
    auto back = coder.decode(anchors, coder.encode(anchors, gts));
    EXPECT_TRUE(torch::allclose(back, gts, 1e-5, 1e-3)) << name;
  }
  auto o = DeltaBoxCoderOptions::from_conventions(DetectorConventions::preset("legacy"));
  o.means({0.1, -0.1, 0.0, 0.2}).stds({0.1, 0.1, 0.2, 0.2});
  DeltaBoxCoder coder(o);
  auto plain = preset_coder("legacy").encode(anchors, gts);
  auto norm = coder.encode(anchors, gts);
  auto expect = (plain - torch::tensor({0.1f, -0.1f, 0.f, 0.2f})) / torch::tensor({0.1f, 0.1f, 0.2f, 0.2f});
  EXPECT_TRUE(torch::allclose(norm, expect, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(coder.decode(anchors, norm), gts, 1e-5, 1e-3));
}

TEST(DeltaBoxCoder, LegacyClampIsSymmetric) {
  auto anchors = torch::tensor({{0.f, 0.f, 9.f, 9.f}});
  auto coder = preset_coder("legacy");
  auto big = coder.decode(anchors, torch::tensor({{0.f, 0.f, 10.f, -10.f}}));
  // w = 10 * 1000/16 = 625, h = 10 * 16/1000 = 0.16, centre 4.5, with the ±0.5.
  EXPECT_NEAR(big[0][2].item<float>() - big[0][0].item<float>(), 625.0 - 1.0, 1e-3);
  EXPECT_NEAR(big[0][3].item<float>() - big[0][1].item<float>(), 0.16 - 1.0, 1e-4);
}

TEST(DeltaBoxCoder, BadInputThrows) {
  auto coder = preset_coder("legacy");
  EXPECT_THROW(coder.encode(torch::zeros({2, 4}), torch::zeros({3, 4})), Error);
  EXPECT_THROW(coder.decode(torch::zeros({2, 4}), torch::zeros({2, 8})), Error);
  EXPECT_THROW(DeltaBoxCoder(DeltaBoxCoderOptions().stds({1, 1, 0, 1})), Error);
}

}  // namespace
}  // namespace ghmdet
