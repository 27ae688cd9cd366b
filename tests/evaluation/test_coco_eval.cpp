// COCOeval rules checked on hand-computed cases (pycocotools semantics, see coco_eval.h).
#include <gtest/gtest.h>

#include <cmath>

#include "coco_builder.h"
#include "ghmdet/core/error.h"
#include "ghmdet/evaluation/coco_eval.h"

namespace ghmdet {
namespace {

using testing::CocoBuilder;
// Precision is tp / (tp + fp + eps) as in pycocotools, so "perfect" is 1 - 2^-52, not 1.
constexpr double kEps = 2.220446049250313e-16;

CocoEvalResult run(const CocoBuilder& b, int threads = 2) {
  return evaluate_coco_bbox(b.gt, b.dets, CocoEvalOptions{threads});
}

TEST(CocoEval, ThresholdsAreNumpyLinspace) {
  const auto t = coco_iou_thresholds();
  ASSERT_EQ(t.size(), 10u);
  EXPECT_EQ(t[0], 0.5);
  EXPECT_EQ(t[5], 0.75);  // pycocotools finds AP75 by exact equality
  EXPECT_EQ(t[9], 0.95);
  const auto r = coco_recall_thresholds();
  ASSERT_EQ(r.size(), 101u);
  EXPECT_EQ(r[0], 0.0);
  EXPECT_EQ(r[100], 1.0);
  EXPECT_EQ(r[7], 7 * 0.01);  // i * step, not i / 100
}

TEST(CocoEval, BoxIouIsMaskApiBbIou) {
  EXPECT_DOUBLE_EQ(coco_box_iou({0, 0, 10, 10}, {5, 0, 10, 10}, false), 50.0 / 150.0);
  EXPECT_EQ(coco_box_iou({0, 0, 10, 10}, {10, 0, 10, 10}, false), 0.0);  // touching, no +1
  // A crowd gt divides by the detection's area only.
  EXPECT_DOUBLE_EQ(coco_box_iou({0, 0, 10, 10}, {5, 0, 100, 100}, true), 0.5);
  EXPECT_DOUBLE_EQ(coco_box_iou({2, 2, 4, 4}, {0, 0, 100, 100}, true), 1.0);
}

TEST(CocoEval, PerfectDetectionsScoreOne) {
  CocoBuilder b;
  b.image(1).image(2).image(3).category(1).category(2);
  b.box(1, 1, {10, 10, 10, 10}).det(1, 1, {10, 10, 10, 10}, 0.9);      // small
  b.box(2, 1, {50, 50, 40, 40}).det(2, 1, {50, 50, 40, 40}, 0.8);      // medium
  b.box(3, 2, {0, 0, 100, 120}).det(3, 2, {0, 0, 100, 120}, 0.7);      // large
  const auto r = run(b);
  for (int i = 0; i < 12; ++i) EXPECT_NEAR(r.stats[i], 1.0, 1e-15) << "stat " << i;
  ASSERT_EQ(r.per_class_ap.size(), 2u);
  EXPECT_NEAR(r.per_class_ap[0], 1.0, 1e-15);
  EXPECT_EQ(r.precision.sizes(), (std::vector<int64_t>{10, 101, 2, 4, 3}));
  EXPECT_EQ(r.recall.sizes(), (std::vector<int64_t>{10, 2, 4, 3}));
}

TEST(CocoEval, NoDetectionsGiveZeroAndMinusOneWhereNoGt) {
  CocoBuilder b;
  b.image(1).category(1).category(2);
  b.box(1, 1, {0, 0, 10, 10});  // small only, category 2 has no gt
  const auto r = run(b);
  EXPECT_EQ(r.stats[kAP], 0.0);
  EXPECT_EQ(r.stats[kAP50], 0.0);
  EXPECT_EQ(r.stats[kAPSmall], 0.0);
  EXPECT_EQ(r.stats[kAPMedium], -1.0);
  EXPECT_EQ(r.stats[kAPLarge], -1.0);
  EXPECT_EQ(r.stats[kAR100], 0.0);
  EXPECT_EQ(r.stats[kARSmall], 0.0);
  EXPECT_EQ(r.stats[kARLarge], -1.0);
  EXPECT_EQ(r.per_class_ap[0], 0.0);
  EXPECT_EQ(r.per_class_ap[1], -1.0);
  EXPECT_EQ(r.precision.index({0, 0, 1, 0, 2}).item<double>(), -1.0);
}

TEST(CocoEval, NoGroundTruthGivesMinusOneEverywhere) {
  CocoBuilder b;
  b.image(1).category(1).det(1, 1, {0, 0, 10, 10}, 0.5);
  const auto r = run(b);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(r.stats[i], -1.0) << "stat " << i;
}

TEST(CocoEval, CrowdRegionsAbsorbDetections) {
  // Two small detections inside a crowd box: matched to the crowd (IoU = inter / det area = 1),
  // hence ignored; the only counted gt is found -> AP 1.
  CocoBuilder crowd;
  crowd.image(1).category(1);
  crowd.box(1, 1, {0, 0, 200, 200}, -1, /*crowd=*/true);
  crowd.box(1, 1, {300, 300, 50, 50});
  crowd.det(1, 1, {10, 10, 20, 20}, 0.9).det(1, 1, {60, 60, 20, 20}, 0.8);
  crowd.det(1, 1, {300, 300, 50, 50}, 0.5);
  const auto r = run(crowd);
  EXPECT_NEAR(r.stats[kAP], 1.0, 1e-15);
  EXPECT_NEAR(r.stats[kAR100], 1.0, 1e-15);

  // The same boxes without the crowd flag: two false positives ahead of the hit. Precision at
  // recall 1 is 1 / (3 + eps); the 200x200 gt is never found (recall 1/2 at every threshold).
  CocoBuilder plain = crowd;
  plain.gt.annotations[0].iscrowd = false;
  const auto p = run(plain);
  const double third = 1.0 / (3.0 + kEps);
  // Recall thresholds 0..0.5 (51 of 101) read precision 1/3, the rest 0.
  EXPECT_NEAR(p.stats[kAP], third * 51.0 / 101.0, 1e-15);
  EXPECT_NEAR(p.stats[kAR100], 0.5, 1e-15);
}

TEST(CocoEval, GtIgnoreFieldHasNoEffectLikePycocotools) {
  CocoBuilder b;
  b.image(1).category(1);
  b.box(1, 1, {0, 0, 50, 50}, -1, false, /*ignore=*/true);
  const auto r = run(b);
  EXPECT_EQ(r.stats[kAP], 0.0);  // still counted: pycocotools overwrites ignore with iscrowd
}

TEST(CocoEval, AreaRangesUseTheAnnotationAreaField) {
  // A 100x100 box whose `area` field says 500 is "small"; the matching detection is 100x100
  // (large by its own w*h) but, being matched, counts in the small range.
  CocoBuilder b;
  b.image(1).category(1);
  b.box(1, 1, {0, 0, 100, 100}, /*area=*/500);
  b.det(1, 1, {0, 0, 100, 100}, 0.5);
  // An unmatched large false positive above it: ignored in "small" (det area out of range),
  // counted in "all".
  b.det(1, 1, {300, 300, 100, 100}, 0.9);
  const auto r = run(b);
  EXPECT_NEAR(r.stats[kAPSmall], 1.0, 1e-15);
  EXPECT_EQ(r.stats[kAPMedium], -1.0);
  EXPECT_EQ(r.stats[kAPLarge], -1.0);
  EXPECT_NEAR(r.stats[kAP], 1.0 / (2.0 + kEps), 1e-15);
  EXPECT_NEAR(r.stats[kARSmall], 1.0, 1e-15);
}

TEST(CocoEval, ScoreTiesKeepFileOrderWithinAnImage) {
  CocoBuilder fp_first;
  fp_first.image(1).category(1).box(1, 1, {0, 0, 50, 50});
  fp_first.det(1, 1, {200, 200, 50, 50}, 0.7).det(1, 1, {0, 0, 50, 50}, 0.7);
  EXPECT_NEAR(run(fp_first).stats[kAP], 1.0 / (2.0 + kEps), 1e-15);

  CocoBuilder tp_first;
  tp_first.image(1).category(1).box(1, 1, {0, 0, 50, 50});
  tp_first.det(1, 1, {0, 0, 50, 50}, 0.7).det(1, 1, {200, 200, 50, 50}, 0.7);
  EXPECT_NEAR(run(tp_first).stats[kAP], 1.0, 1e-15);
}

TEST(CocoEval, ScoreTiesAcrossImagesFollowImageIdOrder) {
  // Images listed 9 then 5: pooling follows sorted ids (5 first), not the file.
  for (bool fp_in_low_id : {true, false}) {
    CocoBuilder b;
    b.image(9).image(5).category(1);
    const int64_t fp_image = fp_in_low_id ? 5 : 9, tp_image = fp_in_low_id ? 9 : 5;
    b.box(tp_image, 1, {0, 0, 50, 50});
    b.det(tp_image, 1, {0, 0, 50, 50}, 0.7);
    b.det(fp_image, 1, {0, 0, 50, 50}, 0.7);
    const double ap = run(b).stats[kAP];
    if (fp_in_low_id) {
      EXPECT_NEAR(ap, 1.0 / (2.0 + kEps), 1e-15);
    } else {
      EXPECT_NEAR(ap, 1.0, 1e-15);
    }
  }
}

TEST(CocoEval, MaxDetsCutOffs) {
  CocoBuilder b;
  b.image(1).category(1).box(1, 1, {0, 0, 50, 50});
  b.det(1, 1, {100, 100, 50, 50}, 0.9).det(1, 1, {200, 200, 50, 50}, 0.8);
  b.det(1, 1, {0, 0, 50, 50}, 0.7);
  const auto r = run(b);
  EXPECT_EQ(r.stats[kAR1], 0.0);
  EXPECT_NEAR(r.stats[kAR10], 1.0, 1e-15);
  EXPECT_NEAR(r.stats[kAP], 1.0 / (3.0 + kEps), 1e-15);

  // Only the 100 best detections per image and category are evaluated.
  CocoBuilder many;
  many.image(1).category(1).category(2).box(1, 1, {0, 0, 50, 50});
  for (int i = 0; i < 100; ++i) many.det(1, 1, {300.0 + i, 300, 20, 20}, 0.9);
  many.det(1, 1, {0, 0, 50, 50}, 0.1);
  const auto cut = run(many);
  EXPECT_EQ(cut.stats[kAP], 0.0);
  EXPECT_EQ(cut.stats[kAR100], 0.0);
  // ... per category: the same hit under another category id does not push it out.
  CocoBuilder other = many;
  for (auto& d : other.dets)
    if (d.score == 0.9) d.category_id = 2;
  EXPECT_NEAR(run(other).stats[kAP], 1.0, 1e-15);
}

TEST(CocoEval, IouThresholdsCountSeparately) {
  // IoU 0.62 matches at 0.50, 0.55 and 0.60 only.
  CocoBuilder b;
  b.image(1).category(1).box(1, 1, {0, 0, 10, 100}).det(1, 1, {0, 0, 6.2, 100}, 0.5);
  const auto r = run(b);
  EXPECT_NEAR(r.stats[kAP50], 1.0, 1e-15);
  EXPECT_EQ(r.stats[kAP75], 0.0);
  EXPECT_NEAR(r.stats[kAP], 0.3, 1e-15);
  EXPECT_NEAR(r.stats[kAR100], 0.3, 1e-15);
}

TEST(CocoEval, NonCrowdGtMatchesOnceAndBestIouWins) {
  // Two gts; the first detection overlaps both and takes the better one (gt B); the second
  // detection, identical to A, then gets A.
  CocoBuilder b;
  b.image(1).category(1);
  b.box(1, 1, {0, 0, 100, 100});   // A
  b.box(1, 1, {10, 0, 100, 100});  // B
  b.det(1, 1, {10, 0, 100, 100}, 0.9).det(1, 1, {0, 0, 100, 100}, 0.8);
  b.det(1, 1, {0, 0, 100, 100}, 0.7);  // duplicate: a false positive at every threshold
  const auto r = run(b);
  EXPECT_NEAR(r.stats[kAP50], 1.0, 1e-15);
  EXPECT_NEAR(r.stats[kAR100], 1.0, 1e-15);
  EXPECT_NEAR(r.stats[kAP], 1.0, 1e-15);
}

TEST(CocoEval, ThreadCountDoesNotChangeResults) {
  CocoBuilder b;
  for (int i = 1; i <= 20; ++i) b.image(i);
  for (int c = 1; c <= 5; ++c) b.category(c);
  for (int i = 1; i <= 20; ++i)
    for (int c = 1; c <= 5; ++c) {
      b.box(i, c, {double(i * 3), double(c * 7), 20.0 + i, 30.0 + c});
      b.det(i, c, {double(i * 3) + c, double(c * 7), 20.0 + i, 30.0}, 0.1 * ((i + c) % 9));
    }
  const auto one = run(b, 1), many = run(b, 4);
  EXPECT_EQ(one.stats, many.stats);
  EXPECT_TRUE(torch::equal(one.precision, many.precision));
}

TEST(CocoEval, UnknownImageIsAnError) {
  CocoBuilder b;
  b.image(1).category(1).box(1, 1, {0, 0, 10, 10}).det(7, 1, {0, 0, 10, 10}, 0.5);
  b.gt.path = "ann.json";
  try {
    run(b);
    FAIL() << "expected ghmdet::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("image_id 7"), std::string::npos) << e.what();
  }
}

TEST(CocoEval, AnnotationIdZeroReadsAsUnmatchedLikePycocotools) {
  // pycocotools stores the matched gt's id and later tests it for truth: a perfect hit on a gt
  // with id 0 counts as a false positive (and that gt is still taken).
  CocoBuilder b;
  b.image(1).category(1).box(1, 1, {0, 0, 50, 50}).det(1, 1, {0, 0, 50, 50}, 0.9);
  b.gt.annotations[0].id = 0;
  const auto r = run(b);
  EXPECT_EQ(r.stats[kAP], 0.0);
  EXPECT_EQ(r.stats[kAR100], 0.0);
}

TEST(CocoEval, NanScoreIsAnError) {
  CocoBuilder b;
  b.image(1).category(1).box(1, 1, {0, 0, 10, 10}).det(1, 1, {0, 0, 10, 10}, std::nan(""));
  EXPECT_THROW(run(b), Error);
}

TEST(CocoEval, SummaryHasPycocotoolsFormat) {
  std::array<double, 12> stats{};
  for (int i = 0; i < 12; ++i) stats[i] = 0.1 * i;
  stats[kAPMedium] = -1;
  const std::string s = format_coco_summary(stats);
  const std::string expected =
      " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.000\n"
      " Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.100\n"
      " Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.200\n"
      " Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.300\n"
      " Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = -1.000\n"
      " Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.500\n"
      " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.600\n"
      " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ] = 0.700\n"
      " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.800\n"
      " Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.900\n"
      " Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 1.000\n"
      " Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 1.100\n";
  EXPECT_EQ(s, expected);
}

}  // namespace
}  // namespace ghmdet
