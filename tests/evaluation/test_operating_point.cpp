// The best-F1 operating point on hand-computed cases, and against COCOeval's recall at IoU 0.5
// (an independent count of hits) on a random set.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <set>

#include "coco_builder.h"
#include "ghmdet/core/error.h"
#include "ghmdet/evaluation/coco_eval.h"
#include "ghmdet/evaluation/operating_point.h"

namespace ghmdet {
namespace {

using testing::CocoBuilder;

TEST(OperatingPoint, HandComputedBestF1) {
  // Three gts: A and B in image 1, C in image 2 (all category 1).
  CocoBuilder b;
  b.image(1).image(2).category(1).category(2);
  b.box(1, 1, {0, 0, 10, 10}).box(1, 1, {20, 20, 10, 10}).box(2, 1, {0, 0, 10, 10});
  b.det(1, 1, {0, 0, 10, 10}, 0.9)    // hit A
      .det(1, 1, {0, 0, 10, 10}, 0.8)  // duplicate of A: false alarm
      .det(2, 1, {0, 0, 10, 10}, 0.7)  // hit C
      .det(1, 1, {20, 20, 10, 5}, 0.6) // half of B: IoU 50 / 100 = 0.5 exactly, a hit (>=)
      .det(2, 2, {0, 0, 10, 10}, 0.5)  // on C but the wrong class: false alarm
      .det(2, 1, {5, 0, 10, 10}, 0.4); // IoU 1/3 with C (already taken anyway): false alarm
  // F1 = 2 tp / (tp + fp + 3) at each threshold:
  //   0.9: tp 1 fp 0 -> 2/4 = 0.5      0.8: tp 1 fp 1 -> 2/5 = 0.4
  //   0.7: tp 2 fp 1 -> 4/6 = 0.667    0.6: tp 3 fp 1 -> 6/7 = 0.857  <- best
  //   0.5: tp 3 fp 2 -> 6/8 = 0.75     0.4: tp 3 fp 3 -> 6/9 = 0.667
  const auto op = best_f1_operating_point(b.gt, b.dets);
  ASSERT_TRUE(op.found);
  EXPECT_EQ(op.score_thr, 0.6);
  EXPECT_EQ(op.true_positives, 3);
  EXPECT_EQ(op.false_positives, 1);
  EXPECT_EQ(op.kept, 4);
  EXPECT_EQ(op.num_gts, 3);
  EXPECT_DOUBLE_EQ(op.precision, 0.75);
  EXPECT_DOUBLE_EQ(op.recall, 1.0);
  EXPECT_DOUBLE_EQ(op.f1, 6.0 / 7.0);
}

TEST(OperatingPoint, EqualScoresAreKeptOrDroppedTogether) {
  CocoBuilder b;
  b.image(1).category(1);
  b.box(1, 1, {0, 0, 10, 10}).box(1, 1, {50, 50, 10, 10});
  b.det(1, 1, {0, 0, 10, 10}, 0.9)       // hit
      .det(1, 1, {90, 90, 10, 10}, 0.5)  // false alarm, first of the tie in file order
      .det(1, 1, {50, 50, 10, 10}, 0.5); // hit
  // 0.9: tp 1 fp 0 -> 2/3 = 0.667; 0.5 (both): tp 2 fp 1 -> 4/5 = 0.8. Splitting the tie after
  // the hit would give 4/4 = 1, which no threshold can select.
  const auto op = best_f1_operating_point(b.gt, b.dets);
  ASSERT_TRUE(op.found);
  EXPECT_EQ(op.score_thr, 0.5);
  EXPECT_EQ(op.kept, 3);
  EXPECT_DOUBLE_EQ(op.f1, 0.8);
  EXPECT_DOUBLE_EQ(op.precision, 2.0 / 3.0);
}

TEST(OperatingPoint, EqualF1KeepsTheHigherThreshold) {
  CocoBuilder b;
  b.image(1).category(1);
  b.box(1, 1, {0, 0, 10, 10}).box(1, 1, {50, 50, 10, 10});
  b.det(1, 1, {0, 0, 10, 10}, 0.9)       // 2/(1+0+2) = 2/3
      .det(1, 1, {90, 90, 10, 10}, 0.8)  // 2/(1+1+2) = 1/2
      .det(1, 1, {70, 0, 10, 10}, 0.7)   // 2/(1+2+2) = 2/5
      .det(1, 1, {50, 50, 10, 10}, 0.6); // 4/(2+2+2) = 2/3, as at 0.9
  const auto op = best_f1_operating_point(b.gt, b.dets);
  ASSERT_TRUE(op.found);
  EXPECT_EQ(op.score_thr, 0.9);
  EXPECT_EQ(op.kept, 1);
  EXPECT_DOUBLE_EQ(op.f1, 2.0 / 3.0);
}

TEST(OperatingPoint, CrowdMatchesAreNeitherHitsNorFalseAlarms) {
  CocoBuilder b;
  b.image(1).category(1);
  b.box(1, 1, {0, 0, 10, 10}).box(1, 1, {100, 100, 50, 50}, -1, /*crowd=*/true);
  b.det(1, 1, {100, 100, 10, 10}, 0.95)  // inside the crowd region: ignored
      .det(1, 1, {110, 110, 10, 10}, 0.9) // the crowd absorbs any number of them
      .det(1, 1, {0, 0, 10, 10}, 0.3);    // hit
  // One counted gt. 0.95 and 0.9 keep no hit; 0.3: tp 1 fp 0 -> F1 1.
  const auto op = best_f1_operating_point(b.gt, b.dets);
  ASSERT_TRUE(op.found);
  EXPECT_EQ(op.num_gts, 1);
  EXPECT_EQ(op.score_thr, 0.3);
  EXPECT_EQ(op.false_positives, 0);
  EXPECT_EQ(op.kept, 3);
  EXPECT_DOUBLE_EQ(op.f1, 1.0);
}

TEST(OperatingPoint, NoDetectionsDrawsNothing) {
  CocoBuilder b;
  b.image(1).category(1).box(1, 1, {0, 0, 10, 10});
  const auto op = best_f1_operating_point(b.gt, b.dets);
  EXPECT_FALSE(op.found);
  EXPECT_EQ(op.score_thr, std::numeric_limits<double>::infinity());
  EXPECT_EQ(op.num_gts, 1);
  EXPECT_EQ(op.kept, 0);
  EXPECT_EQ(op.f1, 0.0);
}

TEST(OperatingPoint, NoGroundTruthDrawsNothing) {
  CocoBuilder b;
  b.image(1).category(1);
  b.det(1, 1, {0, 0, 10, 10}, 0.9).det(1, 1, {5, 5, 10, 10}, 0.4);
  const auto op = best_f1_operating_point(b.gt, b.dets);
  EXPECT_FALSE(op.found);
  EXPECT_EQ(op.num_gts, 0);
  EXPECT_EQ(op.score_thr, std::numeric_limits<double>::infinity());
  EXPECT_EQ(op.kept, 0);
}

TEST(OperatingPoint, UnknownImageOrNanScoreIsAnError) {
  CocoBuilder b;
  b.image(1).category(1).box(1, 1, {0, 0, 10, 10});
  b.det(7, 1, {0, 0, 10, 10}, 0.9);
  EXPECT_THROW(best_f1_operating_point(b.gt, b.dets), Error);
  b.dets = {CocoDetection{1, 1, {0, 0, 10, 10}, std::nan("")}};
  EXPECT_THROW(best_f1_operating_point(b.gt, b.dets), Error);
}

// Random boxes in a few images and classes (no crowds, < 100 detections per image and class, so
// COCOeval's maxDets does not cut). At every candidate threshold, COCOeval on the kept detections
// gives the hits as sum_k recall_k * gts_k (IoU 0.5, area all, 100 dets); the operating point must
// have the highest F1 of them, at the highest such threshold.
TEST(OperatingPoint, MatchesCocoEvalHitCountsOnRandomSets) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> pos(0, 60), size(8, 30), score(0, 1);
  CocoBuilder b;
  for (int64_t im = 1; im <= 4; ++im) b.image(im);
  b.category(1).category(2);
  for (int64_t im = 1; im <= 4; ++im)
    for (int k = 0; k < 5; ++k) {
      const std::array<double, 4> box{pos(rng), pos(rng), size(rng), size(rng)};
      const int64_t cat = 1 + k % 2;
      b.box(im, cat, box);
      // Near copies (hits or duplicates) and random boxes (false alarms), scores rounded so that ties occur.
      for (int j = 0; j < 3; ++j) {
        std::array<double, 4> d = box;
        d[0] += size(rng) / 6 - 2.5;
        d[1] += size(rng) / 6 - 2.5;
        b.det(im, j == 2 ? 3 - cat : cat, d, std::round(score(rng) * 20) / 20);
      }
      b.det(im, cat, {pos(rng), pos(rng), size(rng), size(rng)}, std::round(score(rng) * 20) / 20);
    }
  const auto op = best_f1_operating_point(b.gt, b.dets);
  ASSERT_TRUE(op.found);

  std::set<double> thresholds;
  for (const auto& d : b.dets) thresholds.insert(d.score);
  std::array<double, 2> gts_per_class{0, 0};
  for (const auto& a : b.gt.annotations) gts_per_class[a.category_id - 1] += 1;
  double best_f1 = -1, best_thr = 0;
  for (auto it = thresholds.rbegin(); it != thresholds.rend(); ++it) {
    std::vector<CocoDetection> kept;
    for (const auto& d : b.dets)
      if (d.score >= *it) kept.push_back(d);
    const auto r = evaluate_coco_bbox(b.gt, kept, CocoEvalOptions{1});
    double hits = 0;
    for (int64_t k = 0; k < 2; ++k) hits += r.recall[0][k][0][2].item<double>() * gts_per_class[k];
    const double tp = std::round(hits);
    const double f1 = 2 * tp / (static_cast<double>(kept.size()) + gts_per_class[0] + gts_per_class[1]);
    if (f1 > best_f1 + 1e-12) {
      best_f1 = f1;
      best_thr = *it;
    }
  }
  EXPECT_EQ(op.score_thr, best_thr);
  EXPECT_NEAR(op.f1, best_f1, 1e-12);
}

}  // namespace
}  // namespace ghmdet
