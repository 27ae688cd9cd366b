// ops/nms: torchvision.ops.nms / batched_nms fixtures (with score ties and duplicates) and a
// naive quadratic NMS written here for the +1 and ">=" switches.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "../targets/fixture_reader.h"
#include "ghmdet/core/error.h"
#include "ghmdet/ops/nms.h"

namespace ghmdet {
namespace {

using testing::json_tensor;
using testing::load_targets_fixture;

// Straightforward greedy NMS in double precision over a stable score order.
std::vector<int64_t> naive_nms(const torch::Tensor& boxes, const torch::Tensor& scores, double thr,
                               double off, bool ge) {
  const int64_t n = boxes.size(0);
  auto b = boxes.accessor<float, 2>();
  auto s = scores.accessor<float, 1>();
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return s[i] > s[j]; });
  std::vector<bool> dead(n, false);
  std::vector<int64_t> keep;
  for (int64_t a = 0; a < n; ++a) {
    const int64_t i = order[a];
    if (dead[i]) continue;
    keep.push_back(i);
    for (int64_t c = a + 1; c < n; ++c) {
      const int64_t j = order[c];
      const double w = std::max(0.0, std::min<double>(b[i][2], b[j][2]) - std::max<double>(b[i][0], b[j][0]) + off);
      const double h = std::max(0.0, std::min<double>(b[i][3], b[j][3]) - std::max<double>(b[i][1], b[j][1]) + off);
      const double inter = w * h;
      const double ai = (b[i][2] - b[i][0] + off) * (b[i][3] - b[i][1] + off);
      const double aj = (b[j][2] - b[j][0] + off) * (b[j][3] - b[j][1] + off);
      const double iou = inter / (ai + aj - inter);
      if (ge ? iou >= thr : iou > thr) dead[j] = true;
    }
  }
  return keep;
}

TEST(Nms, MatchesTorchvisionFixtures) {
  auto fx = load_targets_fixture("nms.json");
  for (const auto& c : fx["cases"]) {
    auto boxes = json_tensor(c["boxes"]);
    auto scores = json_tensor(c["scores"]);
    auto idxs = json_tensor(c["idxs"], torch::kInt64);
    EXPECT_TRUE(torch::equal(nms(boxes, scores, NmsOptions().iou_threshold(0.5)),
                             json_tensor(c["nms_05"], torch::kInt64)));
    EXPECT_TRUE(torch::equal(nms(boxes, scores, NmsOptions().iou_threshold(0.3)),
                             json_tensor(c["nms_03"], torch::kInt64)));
    auto expect = json_tensor(c["batched_05"], torch::kInt64);
    EXPECT_TRUE(torch::equal(batched_nms_torchvision(boxes, scores, idxs, 0.5), expect));
    // Exact per-class NMS keeps the same set (the offsets only move float rounding).
    auto per_class = batched_nms(boxes, scores, idxs, NmsOptions().iou_threshold(0.5));
    EXPECT_TRUE(torch::equal(std::get<0>(per_class.sort()), std::get<0>(expect.sort())));
  }
}

TEST(Nms, SwitchesMatchNaive) {
  torch::manual_seed(3);
  auto xy = torch::floor(torch::rand({300, 2}) * 100);
  auto wh = torch::floor(torch::rand({300, 2}) * 30) + 1;
  auto boxes = torch::cat({xy, xy + wh}, 1);
  auto scores = torch::floor(torch::rand({300}) * 10) / 10;  // ties
  for (double off : {0.0, 1.0}) {
    for (bool ge : {false, true}) {
      auto o = NmsOptions().iou_threshold(0.5).pixel_offset(off).suppress_equal(ge);
      auto got = nms(boxes, scores, o);
      auto want = naive_nms(boxes, scores, 0.5, off, ge);
      ASSERT_EQ(got.size(0), static_cast<int64_t>(want.size())) << off << ge;
      for (size_t k = 0; k < want.size(); ++k) ASSERT_EQ(got[k].item<int64_t>(), want[k]);
    }
  }
}

TEST(Nms, EqualIouSwitchByHand) {
  // +1 areas 100 each, overlap 4 x 10 = 40 → IoU exactly 40 / 160 = 0.25.
  auto boxes = torch::tensor({{0.f, 0.f, 9.f, 9.f}, {6.f, 0.f, 15.f, 9.f}});
  auto scores = torch::tensor({0.9f, 0.8f});
  auto o = NmsOptions().pixel_offset(1).iou_threshold(0.25);
  EXPECT_EQ(nms(boxes, scores, o.suppress_equal(true)).size(0), 1);
  EXPECT_EQ(nms(boxes, scores, o.suppress_equal(false)).size(0), 2);
}

TEST(Nms, BatchedKeepsOtherClassesAndEmptyInput) {
  auto boxes = torch::tensor({{0.f, 0.f, 10.f, 10.f}, {0.f, 0.f, 10.f, 10.f}, {0.f, 0.f, 10.f, 10.f}});
  auto scores = torch::tensor({0.5f, 0.9f, 0.7f});
  auto idxs = torch::tensor({0, 1, 0}, torch::kInt64);
  EXPECT_TRUE(torch::equal(batched_nms(boxes, scores, idxs), torch::tensor({1, 2}, torch::kInt64)));
  EXPECT_EQ(nms(torch::zeros({0, 4}), torch::zeros({0})).size(0), 0);
  EXPECT_THROW(nms(torch::zeros({3, 4}), torch::zeros({2})), Error);
  EXPECT_THROW(batched_nms(torch::zeros({3, 4}), torch::zeros({3}), torch::zeros({2})), Error);
}

}  // namespace
}  // namespace ghmdet
