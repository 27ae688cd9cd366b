// What `ghmdet demo` and `ghmdet demo --table` share: the Fashion-MNIST scenes, the data
// overrides that point a demo config at them, the schedule sized to a time budget, and one
// config trained, tested and drawn (DemoRun). The verb is tools/commands/demo.cpp, the table
// tools/demo_table.cpp. Messages for the user go to stdout; bad input throws ghmdet::Error.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli_support.h"
#include "ghmdet/core/config.h"

namespace ghmdet::cli {

// The scenes the demo config is tuned on (its img_scale is the scene size).
constexpr int64_t kTrainScenes = 2000;
constexpr int64_t kValScenes = 300;
constexpr int64_t kSceneSize = 160;
constexpr int64_t kPictures = 24;

struct DemoArgs {
  std::string out = "data/fashion_mnist_scenes";
  std::string config, work_dir, device;
  std::vector<std::string> overrides;
  double minutes = 0;
  int64_t seed = 0;
  int64_t train_scenes = kTrainScenes, val_scenes = kValScenes;
  bool table = false;
  std::string show_score_thr_text = "auto";
  std::optional<double> show_score_thr;  // nullopt: each model's best-F1 threshold
  bool no_show_gt = false;
};

// Makes the scenes into a.out unless it holds them; a folder without them is an error.
void ensure_scenes(const DemoArgs& a);

// `--cfg-options` that point data.{train,val,test} at the scenes in `dir` (val and test: the
// validation scenes).
std::vector<std::string> data_overrides(const std::string& dir);

// Seconds per training iteration of this config on this machine: forward + backward of a few
// real batches, on a throwaway model.
double measure_step_time(const Config& cfg, const torch::Device& device);

// Training iterations per epoch of one process (the sampler pads each aspect group, so about).
int64_t iterations_per_epoch(const Config& cfg);

// total_epochs and lr_config.step (as overrides) scaled so that training takes about `minutes`
// at `step_s` seconds per iteration; the choice is printed.
std::vector<std::string> schedule_for(const Config& cfg, double minutes, double step_s);

// One config trained and tested: what the summary and the table print.
struct DemoRun {
  std::string config, work_dir, checkpoint, results, pictures_dir;
  std::string loss_cls, loss_bbox;
  nlohmann::json bbox;  // the test's COCO metrics
  TestOutcome tested;
  TrainOutcome trained;
  int64_t epochs = 0;
};

// Trains `config` with `overrides` (data, work_dir, pretrained backbone, schedule), tests the last
// checkpoint on the validation scenes (results_val.json, the COCO table, recorded in the
// work_dir's metrics) and draws kPictures pictures at a.show_score_thr. nullopt when interrupted
// (the message saying how to resume is printed).
std::optional<DemoRun> train_and_test(const std::string& config, const std::vector<std::string>& overrides,
                                      const DemoArgs& a, const torch::Device& device);

// "<pictures dir> (N images, D detections each, drawn at score >= T: best F1 ..., precision P,
// recall R)", or that only the ground truth is drawn.
std::string pictures_line(const DemoRun& run);

double minutes_since(std::chrono::steady_clock::time_point start);

// `ghmdet demo --table` (tools/demo_table.cpp).
int run_table(const DemoArgs& a);

}  // namespace ghmdet::cli
