// TrainingLog: ETA text, plain lines and metrics.jsonl entries.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ghmdet/engine/training_log.h"

namespace ghmdet {
namespace {

TEST(TrainingLog, EtaFormatsLikePythonTimedelta) {
  EXPECT_EQ(format_eta(307.9), "0:05:07");
  EXPECT_EQ(format_eta(93784), "1 day, 2:03:04");
  EXPECT_EQ(format_eta(2 * 86400 + 5), "2 days, 0:00:05");
}

TEST(TrainingLog, RecordWritesTextAndJsonLines) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "ghmdet_engine_log";
  std::filesystem::remove_all(dir);
  {
    TrainingLog log({dir.string(), true, ProgressBar::kOff});
    IterationRecord r;
    r.epoch = 2;
    r.iter = 50;
    r.epoch_length = 7330;
    r.global_iter = 7380;
    r.lr = 0.01;
    r.time = 0.5;
    r.data_time = 0.01;
    r.memory_mib = 3600;
    r.eta_seconds = 93784;
    r.values = {{"loss_cls", 0.8}, {"loss_bbox", 0.5}, {"loss", 1.3}};
    log.record(r);
    log.append_metrics({{"mode", "val"}, {"epoch", 2}, {"bbox_mAP", 0.25}});
  }
  {
    TrainingLog silent({dir.string(), false, ProgressBar::kOff});  // another rank
    silent.info("must not appear");
  }
  std::ifstream text(dir / "train.log");
  std::string line;
  std::getline(text, line);
  EXPECT_NE(line.find("Epoch [2][50/7330]\tlr: 0.01000, eta: 1 day, 2:03:04, time: 0.500, "
                      "data_time: 0.010, memory: 3600, loss_cls: 0.8000, loss_bbox: 0.5000, "
                      "loss: 1.3000"),
            std::string::npos)
      << line;
  EXPECT_FALSE(std::getline(text, line));
  std::ifstream metrics(dir / "metrics.jsonl");
  std::getline(metrics, line);
  const auto first = nlohmann::json::parse(line);
  EXPECT_EQ(first["mode"], "train");
  EXPECT_EQ(first["epoch"], 2);
  EXPECT_EQ(first["iter"], 50);
  EXPECT_EQ(first["global_iter"], 7380);
  EXPECT_DOUBLE_EQ(first["loss"].get<double>(), 1.3);
  std::getline(metrics, line);
  EXPECT_EQ(nlohmann::json::parse(line)["bbox_mAP"], 0.25);
}

}  // namespace
}  // namespace ghmdet
