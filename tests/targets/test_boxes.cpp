// structures/boxes: IoU / IoF against a scalar loop, clip and area by hand, bad shapes.
#include <gtest/gtest.h>

#include <algorithm>

#include "ghmdet/core/error.h"
#include "ghmdet/structures/boxes.h"

namespace ghmdet {
namespace {

double naive_overlap(const float* a, const float* b, double off, bool iof) {
  const double w = std::max(0.0, std::min<double>(a[2], b[2]) - std::max<double>(a[0], b[0]) + off);
  const double h = std::max(0.0, std::min<double>(a[3], b[3]) - std::max<double>(a[1], b[1]) + off);
  const double inter = w * h;
  const double aa = (a[2] - a[0] + off) * (a[3] - a[1] + off);
  const double ab = (b[2] - b[0] + off) * (b[3] - b[1] + off);
  return iof ? inter / aa : inter / (aa + ab - inter);
}

torch::Tensor random_boxes(int64_t n, int64_t seed) {
  torch::manual_seed(seed);
  auto xy = torch::rand({n, 2}) * 50;
  auto wh = torch::rand({n, 2}) * 30 + 1;
  return torch::cat({xy, xy + wh}, 1);
}

TEST(Boxes, IouAndIofMatchScalarLoop) {
  auto a = random_boxes(17, 1), b = random_boxes(23, 2);
  for (double off : {0.0, 1.0}) {
    auto iou = box_iou(a, b, off), iof = box_iof(a, b, off);
    ASSERT_EQ(iou.sizes(), (std::vector<int64_t>{17, 23}));
    for (int64_t i = 0; i < 17; ++i) {
      for (int64_t j = 0; j < 23; ++j) {
        const float* pa = a[i].data_ptr<float>();
        const float* pb = b[j].data_ptr<float>();
        EXPECT_NEAR(iou[i][j].item<float>(), naive_overlap(pa, pb, off, false), 1e-6);
        EXPECT_NEAR(iof[i][j].item<float>(), naive_overlap(pa, pb, off, true), 1e-6);
      }
    }
  }
}

// Many columns: the CPU kernel splits them into chunks that run in parallel; the result must
// not depend on the chunking or the thread count (the tensor-op version is the oracle).
TEST(Boxes, ManyColumnsMatchTensorOpsWithOneAndTwoThreads) {
  auto a = random_boxes(7, 3), b = random_boxes(10001, 4);
  const int saved = torch::get_num_threads();
  for (int threads : {1, 2}) {
    torch::set_num_threads(threads);
    for (bool iof : {false, true}) {
      auto fast = iof ? box_iof(a, b, 1.0) : box_iou(a, b, 1.0);
      auto oracle = box_overlaps_tensor_ops(a, b, 1.0, iof);
      EXPECT_TRUE(torch::allclose(fast, oracle, 1e-6, 1e-7)) << threads << " threads, iof " << iof;
    }
  }
  torch::set_num_threads(saved);
}

TEST(Boxes, PlusOneConventionByHand) {
  auto a = torch::tensor({{0.f, 0.f, 9.f, 9.f}});
  auto b = torch::tensor({{5.f, 0.f, 14.f, 9.f}});
  // +1: each 10x10 = 100, overlap 5x10 = 50 → 50 / 150.
  EXPECT_NEAR(box_iou(a, b, 1).item<float>(), 50.0 / 150.0, 1e-7);
  // continuous: 9x9 = 81 each, overlap 4x9 = 36 → 36 / 126.
  EXPECT_NEAR(box_iou(a, b, 0).item<float>(), 36.0 / 126.0, 1e-7);
  EXPECT_FLOAT_EQ(box_area(a, 1).item<float>(), 100.f);
  // Touching boxes overlap by one pixel column under +1, not at all otherwise.
  auto c = torch::tensor({{9.f, 0.f, 18.f, 9.f}});
  EXPECT_GT(box_iou(a, c, 1).item<float>(), 0.f);
  EXPECT_EQ(box_iou(a, c, 0).item<float>(), 0.f);
}

TEST(Boxes, ClipUsesOffset) {
  auto b = torch::tensor({{-5.f, -1.f, 120.f, 90.f}});
  auto legacy = clip_boxes(b, 80, 100, 1);
  auto cont = clip_boxes(b, 80, 100, 0);
  EXPECT_TRUE(torch::equal(legacy, torch::tensor({{0.f, 0.f, 99.f, 79.f}})));
  EXPECT_TRUE(torch::equal(cont, torch::tensor({{0.f, 0.f, 100.f, 80.f}})));
}

TEST(Boxes, BadShapesThrow) {
  EXPECT_THROW(box_iou(torch::zeros({3, 5}), torch::zeros({2, 4}), 0), Error);
  EXPECT_THROW(box_area(torch::zeros({3, 4}, torch::kInt64), 0), Error);
  EXPECT_THROW(box_iof(torch::Tensor(), torch::zeros({2, 4}), 0), Error);
  EXPECT_EQ(box_iou(torch::zeros({0, 4}), torch::zeros({2, 4}), 0).sizes(),
            (std::vector<int64_t>{0, 2}));
}

}  // namespace
}  // namespace ghmdet

namespace ghmdet {
namespace {

TEST(Boxes, CpuLoopMatchesTensorOps) {
  auto a = random_boxes(40, 5), b = random_boxes(333, 6);
  for (double off : {0.0, 1.0}) {
    for (bool iof : {false, true}) {
      auto fast = iof ? box_iof(a, b, off) : box_iou(a, b, off);
      EXPECT_TRUE(torch::allclose(fast, box_overlaps_tensor_ops(a, b, off, iof), 1e-6, 1e-7));
    }
  }
  auto d = box_iou(a.to(torch::kFloat64), b.to(torch::kFloat64), 1);
  EXPECT_EQ(d.scalar_type(), torch::kFloat64);
}

}  // namespace
}  // namespace ghmdet
