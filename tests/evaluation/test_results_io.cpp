// COCO results files: conversion from Detections, round trip, and located errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ghmdet/core/error.h"
#include "ghmdet/evaluation/results_io.h"

namespace ghmdet {
namespace {

namespace fs = std::filesystem;

class ResultsIo : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ghmdet_results_io_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const auto p = (dir_ / name).string();
    std::ofstream(p) << text;
    return p;
  }
  std::string expect_error(const std::string& path) {
    try {
      read_coco_results(path);
    } catch (const Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "no ghmdet::Error for " << path;
    return "";
  }
  fs::path dir_;
};

Detections two_labels() {
  Detections d;
  d.boxes = torch::tensor({{10.f, 20.f, 30.5f, 60.f}, {0.f, 0.f, 9.f, 9.f}, {1.f, 2.f, 3.f, 4.f}});
  d.scores = torch::tensor({0.5f, 0.9f, 0.25f});
  d.labels = torch::tensor({2, 0, 2}, torch::kInt64);
  return d;
}

TEST_F(ResultsIo, DetectionsToCocoGroupsByLabelAndMapsCategories) {
  const auto out = detections_to_coco({two_labels()}, {42}, {1, 3, 7});
  ASSERT_EQ(out.size(), 3u);
  // Label 0 first, then label 2 keeping the detector's row order.
  EXPECT_EQ(out[0].category_id, 1);
  EXPECT_EQ(out[0].score, 0.9f);
  EXPECT_EQ(out[1].category_id, 7);
  EXPECT_EQ(out[1].bbox, (std::array<double, 4>{10, 20, 20.5, 40}));
  EXPECT_EQ(out[2].bbox, (std::array<double, 4>{1, 2, 2, 2}));
  EXPECT_EQ(out[2].image_id, 42);

  const auto legacy = detections_to_coco({two_labels()}, {42}, {1, 3, 7}, {true});
  EXPECT_EQ(legacy[1].bbox, (std::array<double, 4>{10, 20, 21.5, 41}));
  // Float32 coordinates widen to double before the subtraction (mmdetection's float(...)).
  Detections odd;
  odd.boxes = torch::tensor({{0.1f, 0.f, 0.3f, 1.f}});
  odd.scores = torch::tensor({0.3f});
  odd.labels = torch::tensor({0}, torch::kInt64);
  const auto w = detections_to_coco({odd}, {1}, {1})[0].bbox[2];
  EXPECT_EQ(w, double(0.3f) - double(0.1f));
}

TEST_F(ResultsIo, UnknownLabelIsAnError) {
  EXPECT_THROW(detections_to_coco({two_labels()}, {1}, {1, 3}), Error);
}

TEST_F(ResultsIo, WriteReadRoundTripIsExact) {
  std::vector<CocoDetection> dets = {
      {1, 3, {0.1, 2.0000001, 1e-7, 123456.789}, 0.123456789012345},
      {99, 7, {1, 2, 3, 4}, 1.0},
  };
  const auto path = (dir_ / "r.json").string();
  write_coco_results(path, dets);
  const auto back = read_coco_results(path);
  ASSERT_EQ(back.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(back[i].image_id, dets[i].image_id);
    EXPECT_EQ(back[i].category_id, dets[i].category_id);
    EXPECT_EQ(back[i].bbox, dets[i].bbox);
    EXPECT_EQ(back[i].score, dets[i].score);
  }
  write_coco_results(path, {});
  EXPECT_TRUE(read_coco_results(path).empty());
}

TEST_F(ResultsIo, NonFiniteScoreIsAnError) {
  std::vector<CocoDetection> dets = {{1, 1, {0, 0, 1, 1}, std::nan("")}};
  EXPECT_THROW(write_coco_results((dir_ / "nan.json").string(), dets), Error);
}

TEST_F(ResultsIo, MalformedFilesNameTheFileAndEntry) {
  EXPECT_NE(expect_error((dir_ / "missing.json").string()).find("missing.json"), std::string::npos);
  EXPECT_NE(expect_error(write("obj.json", "{\"a\": 1}")).find("array"), std::string::npos);
  EXPECT_NE(expect_error(write("bad.json", "[{\"image_id\": 1,")).find("bad.json"),
            std::string::npos);
  const std::string ok = R"({"image_id": 1, "category_id": 2, "bbox": [1, 2, 3, 4], "score": 0.5})";
  auto msg = expect_error(write("nobbox.json", "[" + ok + R"(, {"image_id": 1, "category_id": 2, "score": 0.5}])"));
  EXPECT_NE(msg.find("nobbox.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("entry 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bbox"), std::string::npos) << msg;
  msg = expect_error(write("short.json", R"([{"image_id": 1, "category_id": 2, "bbox": [1, 2, 3], "score": 0.5}])"));
  EXPECT_NE(msg.find("entry 0"), std::string::npos) << msg;
  msg = expect_error(write("score.json", R"([{"image_id": 1, "category_id": 2, "bbox": [1, 2, 3, 4], "score": "high"}])"));
  EXPECT_NE(msg.find("score"), std::string::npos) << msg;
  msg = expect_error(write("id.json", R"([{"image_id": "a", "category_id": 2, "bbox": [1, 2, 3, 4], "score": 1}])"));
  EXPECT_NE(msg.find("image_id"), std::string::npos) << msg;
}

TEST_F(ResultsIo, ValidationRejectsUnknownIds) {
  CocoJson gt;
  gt.path = "ann.json";
  gt.images.push_back(CocoImage{5, "a.jpg", 10, 10});
  gt.categories.push_back(CocoCategory{3, "cat", ""});
  std::vector<CocoDetection> good = {{5, 3, {0, 0, 1, 1}, 0.5}};
  EXPECT_NO_THROW(validate_coco_results(good, gt, "r.json"));
  std::vector<CocoDetection> bad_image = {good[0], {6, 3, {0, 0, 1, 1}, 0.5}};
  try {
    validate_coco_results(bad_image, gt, "r.json");
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("entry 1"), std::string::npos) << m;
    EXPECT_NE(m.find("image_id 6"), std::string::npos) << m;
  }
  std::vector<CocoDetection> bad_cat = {{5, 4, {0, 0, 1, 1}, 0.5}};
  try {
    validate_coco_results(bad_cat, gt, "r.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("category_id 4"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ghmdet
