// VOC mAP against hand-computed curves (mmdetection v1 eval_map rules, see voc_eval.h).
#include <gtest/gtest.h>

#include "ghmdet/evaluation/voc_eval.h"

namespace ghmdet {
namespace {

Detections dets(std::vector<std::array<float, 4>> boxes, std::vector<float> scores,
                std::vector<int64_t> labels) {
  Detections d;
  const int64_t n = static_cast<int64_t>(boxes.size());
  d.boxes = torch::empty({n, 4});
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < 4; ++j) d.boxes[i][j] = boxes[i][j];
  d.scores = torch::tensor(scores);
  d.labels = torch::tensor(labels, torch::kInt64);
  return d;
}

VocGroundTruth gts(std::vector<std::array<float, 4>> boxes, std::vector<int64_t> labels,
                   std::vector<bool> difficult = {}) {
  VocGroundTruth g;
  const int64_t n = static_cast<int64_t>(boxes.size());
  g.boxes = torch::empty({n, 4});
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < 4; ++j) g.boxes[i][j] = boxes[i][j];
  g.labels = torch::tensor(labels, torch::kInt64);
  g.difficult = torch::zeros({n}, torch::kBool);
  for (std::size_t i = 0; i < difficult.size(); ++i) g.difficult[i] = bool(difficult[i]);
  return g;
}

TEST(VocEval, IouUsesPlusOnePixels) {
  const float a[4] = {0, 0, 9, 9}, b[4] = {5, 0, 14, 9}, c[4] = {10, 0, 19, 9};
  EXPECT_FLOAT_EQ(voc_box_iou(a, b), 50.0f / 150.0f);
  // Adjacent 0-based pixel boxes do not overlap, but [0, 9] and [9, 18] share one column.
  EXPECT_EQ(voc_box_iou(a, c), 0.0f);
  const float d[4] = {9, 0, 18, 9};
  EXPECT_FLOAT_EQ(voc_box_iou(a, d), 10.0f / 190.0f);
}

// Image A: gts g1, g2; image B: g3. Sorted detections: TP (g1), FP (far), TP (g3), FP (IoU < .5
// with g2): recall 1/3, 1/3, 2/3, 2/3; precision 1, 1/2, 2/3, 1/2.
std::pair<std::vector<Detections>, std::vector<VocGroundTruth>> two_images() {
  std::vector<Detections> d = {
      dets({{0, 0, 9, 9}, {100, 100, 120, 120}, {50, 0, 55, 9}}, {0.9f, 0.8f, 0.6f}, {0, 0, 0}),
      dets({{20, 20, 39, 39}}, {0.7f}, {0})};
  std::vector<VocGroundTruth> g = {gts({{0, 0, 9, 9}, {50, 0, 69, 9}}, {0, 0}),
                                   gts({{20, 20, 39, 39}}, {0})};
  return {d, g};
}

TEST(VocEval, AreaMetric) {
  auto [d, g] = two_images();
  const auto r = evaluate_voc(d, g, 1, {VocApMode::kArea, 0.5});
  ASSERT_EQ(r.classes.size(), 1u);
  const auto& c = r.classes[0];
  EXPECT_EQ(c.num_gts, 3);
  EXPECT_EQ(c.num_dets, 4);
  ASSERT_EQ(c.recall.size(), 4u);
  EXPECT_DOUBLE_EQ(c.recall[1], 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(c.recall[2], 2.0 / 3.0);
  EXPECT_FLOAT_EQ(c.precision[1], 0.5f);
  EXPECT_FLOAT_EQ(c.precision[2], 2.0f / 3.0f);
  // 1/3 * 1 + 1/3 * 2/3 + 1/3 * 0
  EXPECT_NEAR(c.ap, 5.0 / 9.0, 1e-6);
  EXPECT_NEAR(r.mean_ap, 5.0 / 9.0, 1e-6);
}

TEST(VocEval, ElevenPointMetric) {
  auto [d, g] = two_images();
  const auto r = evaluate_voc(d, g, 1, {VocApMode::kElevenPoints, 0.5});
  // t = 0 .. 0.3: 1; t = 0.4 .. 0.6: 2/3; t >= 0.7: nothing reaches it.
  EXPECT_NEAR(r.classes[0].ap, (4 + 3 * 2.0 / 3.0) / 11.0, 1e-6);
}

TEST(VocEval, ElevenPointThresholdsAreMultiplesOfPointOne) {
  // Recall 3/10 = 0.3 is below 3 * 0.1 = 0.30000000000000004 (np.arange): 3 points, not 4.
  std::vector<std::array<float, 4>> boxes;
  std::vector<int64_t> labels;
  for (int i = 0; i < 10; ++i) {
    boxes.push_back({float(20 * i), 0, float(20 * i + 9), 9});
    labels.push_back(0);
  }
  std::vector<Detections> d = {
      dets({boxes[0], boxes[1], boxes[2]}, {0.9f, 0.8f, 0.7f}, {0, 0, 0})};
  std::vector<VocGroundTruth> g = {gts(boxes, labels)};
  EXPECT_NEAR(evaluate_voc(d, g, 1, {VocApMode::kElevenPoints, 0.5}).classes[0].ap, 3.0 / 11.0,
              1e-6);
}

TEST(VocEval, DifficultAndCoveredGts) {
  // Best match on a difficult gt: neither TP nor FP. Second hit on a covered gt: FP.
  std::vector<Detections> d = {dets({{0, 0, 9, 9}, {50, 50, 69, 69}, {50, 50, 69, 69}},
                                    {0.9f, 0.8f, 0.7f}, {0, 0, 0})};
  std::vector<VocGroundTruth> g = {gts({{0, 0, 9, 9}, {50, 50, 69, 69}}, {0, 0}, {true, false})};
  const auto r = evaluate_voc(d, g, 1, {VocApMode::kArea, 0.5});
  const auto& c = r.classes[0];
  EXPECT_EQ(c.num_gts, 1);
  // Rows: ignored (0/eps = 0), TP (1), FP (1/2).
  EXPECT_EQ(c.precision[0], 0.0);
  EXPECT_EQ(c.recall[0], 0.0);
  EXPECT_EQ(c.precision[1], 1.0);
  EXPECT_FLOAT_EQ(c.precision[2], 0.5f);
  EXPECT_NEAR(c.ap, 1.0, 1e-7);
}

TEST(VocEval, ClassesWithoutGtAreOutOfTheMean) {
  // Class 0: perfect. Class 1: one gt, no detection (AP 0, counted). Class 2: only a false
  // positive and no gt (not counted).
  std::vector<Detections> d = {dets({{0, 0, 9, 9}, {40, 40, 49, 49}}, {0.9f, 0.5f}, {0, 2})};
  std::vector<VocGroundTruth> g = {gts({{0, 0, 9, 9}, {20, 20, 29, 29}}, {0, 1})};
  const auto r = evaluate_voc(d, g, 3, {VocApMode::kArea, 0.5});
  EXPECT_NEAR(r.classes[0].ap, 1.0, 1e-7);
  EXPECT_EQ(r.classes[1].ap, 0.0);
  EXPECT_EQ(r.classes[2].num_gts, 0);
  EXPECT_NEAR(r.mean_ap, 0.5, 1e-7);
}

TEST(VocEval, DetectionsInImagesWithoutGtOfTheClassAreFalsePositives) {
  std::vector<Detections> d = {dets({{0, 0, 9, 9}}, {0.9f}, {0}), dets({{0, 0, 9, 9}}, {0.8f}, {0})};
  std::vector<VocGroundTruth> g = {gts({}, {}), gts({{0, 0, 9, 9}}, {0})};
  const auto r = evaluate_voc(d, g, 1, {VocApMode::kArea, 0.5});
  EXPECT_FLOAT_EQ(r.classes[0].precision[1], 0.5f);
  EXPECT_NEAR(r.classes[0].ap, 0.5, 1e-7);
}

}  // namespace
}  // namespace ghmdet
