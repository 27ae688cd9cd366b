// VOC mAP against an independent numpy statement of mmdetection v1's eval_map on a random set
// (scripts/fixtures/make_eval_fixtures.py): difficult gts, duplicates, wrong-class detections,
// images without gts, a class that never has a gt.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "ghmdet/evaluation/voc_eval.h"
#include "ghmdet_test_paths.h"

namespace ghmdet {
namespace {

torch::Tensor boxes_of(const nlohmann::json& rows) {
  auto t = torch::zeros({static_cast<int64_t>(rows.size()), 4});
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (int j = 0; j < 4; ++j) t[i][j] = rows[i][j].get<float>();
  return t;
}

TEST(VocFixture, MatchesTheNumpyOracle) {
  nlohmann::json fx;
  std::ifstream(std::string(GHMDET_FIXTURES_DIR) + "/evaluation/voc_case.json") >> fx;
  std::vector<Detections> dets;
  std::vector<VocGroundTruth> gts;
  for (const auto& im : fx["images"]) {
    Detections d;
    d.boxes = boxes_of(im["det_boxes"]);
    d.scores = torch::tensor(im["det_scores"].get<std::vector<float>>());
    d.labels = torch::tensor(im["det_labels"].get<std::vector<int64_t>>(), torch::kInt64);
    dets.push_back(d);
    VocGroundTruth g;
    g.boxes = boxes_of(im["gt_boxes"]);
    g.labels = torch::tensor(im["gt_labels"].get<std::vector<int64_t>>(), torch::kInt64);
    const auto difficult = im["gt_difficult"].get<std::vector<bool>>();
    g.difficult = torch::zeros({static_cast<int64_t>(difficult.size())}, torch::kBool);
    for (std::size_t i = 0; i < difficult.size(); ++i) g.difficult[i] = bool(difficult[i]);
    gts.push_back(g);
  }
  const int64_t num_classes = fx["num_classes"].get<int64_t>();
  for (const auto& [name, mode] : {std::pair{"area", VocApMode::kArea},
                                   std::pair{"11points", VocApMode::kElevenPoints}}) {
    const auto& e = fx["expected"][name];
    const auto r = evaluate_voc(dets, gts, num_classes, {mode, 0.5});
    for (int64_t c = 0; c < num_classes; ++c) {
      EXPECT_EQ(r.classes[c].num_gts, e["num_gts"][c].get<int64_t>()) << name << " class " << c;
      if (r.classes[c].num_gts > 0)
        EXPECT_EQ(static_cast<float>(r.classes[c].ap), e["ap"][c].get<float>()) << name << " class " << c;
    }
    EXPECT_EQ(static_cast<float>(r.mean_ap), e["mean_ap"].get<float>()) << name;  // same float32 arithmetic
  }
}

}  // namespace
}  // namespace ghmdet
