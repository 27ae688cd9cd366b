// targets/max_iou_assigner: the legacy loop (fixture oracle), torchvision's Matcher, and
// hand-made cases for ignore regions, the zero-IoU guard, valid flags and empty gts.
#include <gtest/gtest.h>

#include "fixture_reader.h"
#include "ghmdet/core/error.h"
#include "ghmdet/targets/max_iou_assigner.h"

namespace ghmdet {
namespace {

using testing::json_tensor;
using testing::load_targets_fixture;

MaxIoUAssigner preset_assigner(const std::string& name) {
  return MaxIoUAssigner(MaxIoUAssignerOptions::from_conventions(DetectorConventions::preset(name)));
}

TEST(MaxIoUAssigner, LegacyMatchesReferenceLoop) {
  auto fx = load_targets_fixture("assigner.json");
  auto anchors = json_tensor(fx["anchors"]);
  auto gts = json_tensor(fx["gts"]);
  auto labels = torch::arange(gts.size(0)) * 10;
  auto r = preset_assigner("legacy").assign(anchors, gts, labels);
  auto expect = json_tensor(fx["legacy_gt_inds"], torch::kInt64);
  EXPECT_TRUE(torch::equal(r.gt_inds, expect)) << r.gt_inds << expect;
  // Both identical anchors are claimed by the gt they tie on.
  EXPECT_EQ(r.gt_inds[64].item<int64_t>(), 3);
  EXPECT_EQ(r.gt_inds[65].item<int64_t>(), 3);
  auto lab_expect = torch::where(expect > 0, (expect - 1) * 10, torch::full_like(expect, -1));
  EXPECT_TRUE(torch::equal(r.labels, lab_expect));
}

TEST(MaxIoUAssigner, TorchvisionMatcherMatchesFixture) {
  auto fx = load_targets_fixture("assigner.json");
  auto r = preset_assigner("torchvision").assign(json_tensor(fx["anchors"]), json_tensor(fx["gts"]));
  auto m = json_tensor(fx["torchvision_matches"], torch::kInt64);
  // matches >= 0 → i + 1; BELOW_LOW (-1) → 0; BETWEEN (-2) → -1.
  auto expect = torch::where(m >= 0, m + 1, torch::where(m == -1, torch::zeros_like(m), -torch::ones_like(m)));
  EXPECT_TRUE(torch::equal(r.gt_inds, expect)) << r.gt_inds << m;
}

TEST(MaxIoUAssigner, IgnoreBandAndThresholdsByHand) {
  // Anchor widths 10 (+1 convention): IoU with gt [0,0,9,9] of anchors shifted by dx.
  // dx=0 → 1; dx=3 → 70/130 = 0.538 (pos); dx=4 → 60/140 = 0.43 (ignored band);
  // dx=6 → 40/160 = 0.25 (neg); dx=20 → 0 (neg).
  auto anchors = torch::tensor({{0.f, 0.f, 9.f, 9.f}, {3.f, 0.f, 12.f, 9.f}, {4.f, 0.f, 13.f, 9.f},
                                {6.f, 0.f, 15.f, 9.f}, {20.f, 0.f, 29.f, 9.f}});
  auto gts = torch::tensor({{0.f, 0.f, 9.f, 9.f}});
  auto r = preset_assigner("legacy").assign(anchors, gts);
  EXPECT_TRUE(torch::equal(r.gt_inds, torch::tensor({1, 1, -1, 0, 0}, torch::kInt64)));
}

TEST(MaxIoUAssigner, ZeroIouGtClaimsNothingWithGuard) {
  auto anchors = torch::tensor({{0.f, 0.f, 9.f, 9.f}, {50.f, 50.f, 59.f, 59.f}});
  auto gts = torch::tensor({{0.f, 0.f, 9.f, 9.f}, {200.f, 200.f, 209.f, 209.f}});
  auto guarded = preset_assigner("legacy").assign(anchors, gts);
  EXPECT_TRUE(torch::equal(guarded.gt_inds, torch::tensor({1, 0}, torch::kInt64)));
  // Without the guard (the reference's literal behaviour) gt 2 claims every anchor it has
  // IoU 0 with — both, overwriting gt 1's exact match because it comes later.
  auto o = MaxIoUAssignerOptions::from_conventions(DetectorConventions::preset("legacy"));
  auto raw = MaxIoUAssigner(o.skip_gt_with_zero_iou(false)).assign(anchors, gts);
  EXPECT_TRUE(torch::equal(raw.gt_inds, torch::tensor({2, 2}, torch::kInt64)));
}

TEST(MaxIoUAssigner, GtMaxAssignAllOffTakesOnlyArgmax) {
  auto anchors = torch::tensor({{0.f, 0.f, 19.f, 19.f}, {0.f, 0.f, 19.f, 19.f}});
  auto gts = torch::tensor({{0.f, 0.f, 7.f, 7.f}});  // IoU 64/400 = 0.16 with both
  auto o = MaxIoUAssignerOptions::from_conventions(DetectorConventions::preset("legacy"));
  auto all = MaxIoUAssigner(o).assign(anchors, gts);
  EXPECT_TRUE(torch::equal(all.gt_inds, torch::tensor({1, 1}, torch::kInt64)));
  auto one = MaxIoUAssigner(o.gt_max_assign_all(false)).assign(anchors, gts);
  EXPECT_EQ(one.gt_inds.eq(1).sum().item<int64_t>(), 1);
  EXPECT_EQ(one.gt_inds.eq(0).sum().item<int64_t>(), 1);
}

TEST(MaxIoUAssigner, IgnoreRegionsAndValidFlags) {
  auto anchors = torch::tensor({{0.f, 0.f, 9.f, 9.f}, {100.f, 100.f, 109.f, 109.f},
                                {300.f, 300.f, 309.f, 309.f}, {0.f, 0.f, 9.f, 9.f}});
  auto gts = torch::tensor({{0.f, 0.f, 9.f, 9.f}});
  auto ignore = torch::tensor({{95.f, 95.f, 120.f, 120.f}});
  auto o = MaxIoUAssignerOptions::from_conventions(DetectorConventions::preset("legacy"));
  auto valid = torch::tensor({true, true, true, false});
  auto off = MaxIoUAssigner(o).assign(anchors, gts, {}, ignore, valid);  // ignore_iof_thr -1: off
  EXPECT_TRUE(torch::equal(off.gt_inds, torch::tensor({1, 0, 0, -1}, torch::kInt64)));
  auto on = MaxIoUAssigner(o.ignore_iof_thr(0.5)).assign(anchors, gts, {}, ignore, valid);
  EXPECT_TRUE(torch::equal(on.gt_inds, torch::tensor({1, -1, 0, -1}, torch::kInt64)));
}

TEST(MaxIoUAssigner, NoGtsAllNegativeAndBadShapes) {
  auto anchors = torch::tensor({{0.f, 0.f, 9.f, 9.f}, {5.f, 5.f, 9.f, 9.f}});
  auto r = preset_assigner("legacy").assign(anchors, torch::zeros({0, 4}), torch::zeros({0}, torch::kInt64),
                                            {}, torch::tensor({true, false}));
  EXPECT_TRUE(torch::equal(r.gt_inds, torch::tensor({0, -1}, torch::kInt64)));
  EXPECT_THROW(preset_assigner("legacy").assign(anchors, torch::zeros({2, 3})), Error);
  EXPECT_THROW(preset_assigner("legacy").assign(anchors, torch::zeros({1, 4}),
                                                torch::zeros({2}, torch::kInt64)), Error);
}

}  // namespace
}  // namespace ghmdet

namespace ghmdet {
namespace {

TEST(MaxIoUAssigner, CpuKernelsMatchTensorOps) {
  torch::manual_seed(9);
  auto xy = torch::floor(torch::rand({500, 2}) * 200);
  auto anchors = torch::cat({xy, xy + torch::floor(torch::rand({500, 2}) * 40) + 4}, 1);
  anchors = torch::cat({anchors, anchors.narrow(0, 0, 50)});  // exact ties
  auto gxy = torch::floor(torch::rand({12, 2}) * 200);
  auto gts = torch::cat({gxy, gxy + torch::floor(torch::rand({12, 2}) * 60) + 4}, 1);
  gts = torch::cat({gts, torch::tensor({{1000.f, 1000.f, 1010.f, 1010.f}})});  // zero-IoU gt
  auto valid = torch::rand({550}) > 0.1;
  for (const std::string name : {"legacy", "mmdet", "torchvision"}) {
    for (bool guard : {true, false}) {
      auto o = MaxIoUAssignerOptions::from_conventions(DetectorConventions::preset(name))
                   .skip_gt_with_zero_iou(guard);
      auto fast = MaxIoUAssigner(o).assign(anchors, gts, {}, {}, valid);
      auto slow = MaxIoUAssigner(o.cpu_kernels(false)).assign(anchors, gts, {}, {}, valid);
      EXPECT_TRUE(torch::equal(fast.gt_inds, slow.gt_inds)) << name << guard;
      EXPECT_TRUE(torch::equal(fast.max_overlaps, slow.max_overlaps)) << name;
    }
  }
}

}  // namespace
}  // namespace ghmdet
