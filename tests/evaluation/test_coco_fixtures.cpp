// The evaluator against an independent numpy statement of COCOeval's rules on random sets
// (scripts/fixtures/make_eval_fixtures.py): crowds, area fields unlike the boxes, score ties,
// more than 100 detections in an image, a category without gts, unsorted image ids. The oracle
// takes its means with np.mean like pycocotools, and so do we: the numbers agree bit for bit.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "ghmdet/data/coco_json.h"
#include "ghmdet/evaluation/coco_eval.h"
#include "ghmdet/evaluation/results_io.h"
#include "ghmdet_test_paths.h"

namespace ghmdet {
namespace {

class CocoFixture : public ::testing::TestWithParam<int> {};

TEST_P(CocoFixture, MatchesTheNumpyOracle) {
  const std::string base =
      std::string(GHMDET_FIXTURES_DIR) + "/evaluation/coco_case" + std::to_string(GetParam());
  const CocoJson gt = read_coco_json(base + "_gt.json");
  const auto results = read_coco_results(base + "_results.json");
  validate_coco_results(results, gt, base + "_results.json");
  nlohmann::json expected;
  std::ifstream(base + "_expected.json") >> expected;

  const auto r = evaluate_coco_bbox(gt, results);
  for (int i = 0; i < 12; ++i)
    EXPECT_EQ(r.stats[i], expected["stats"][i].get<double>()) << coco_stat_names()[i];
  ASSERT_EQ(r.category_ids, expected["category_ids"].get<std::vector<int64_t>>());
  const auto per_class = expected["per_class_ap"].get<std::vector<double>>();
  ASSERT_EQ(r.per_class_ap.size(), per_class.size());
  for (std::size_t k = 0; k < per_class.size(); ++k)
    EXPECT_EQ(r.per_class_ap[k], per_class[k]) << "category " << r.category_ids[k];
  EXPECT_NEAR(r.precision.sum().item<double>(), expected["precision_sum"].get<double>(), 1e-9);
  EXPECT_NEAR(r.recall.sum().item<double>(), expected["recall_sum"].get<double>(), 1e-9);
}

INSTANTIATE_TEST_SUITE_P(Cases, CocoFixture, ::testing::Values(1, 2, 3));

}  // namespace
}  // namespace ghmdet
