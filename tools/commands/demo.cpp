// `ghmdet demo [--out DIR] [--minutes M] [--config PATH] [--work-dir DIR] [--device] [--seed]
// [--show-score-thr T|auto] [--no-show-gt] [--table]`: the main job on the embedded default. Makes
// the Fashion-MNIST detection scenes when DIR does not hold them yet, trains
// configs/demo/fashion_mnist_ghm.yaml (GHM-C + GHM-R RetinaNet, ResNet-18 FPN) on them, tests the
// last checkpoint on the validation scenes (COCO table, results file) and draws detection pictures
// with the ground truth beside them, then says where everything is.
//
// The pictures show the detections at the model's own operating point: the score threshold of
// best F1 at IoU 0.5 on the validation scenes just evaluated (evaluation/operating_point.h),
// because GHM-C's scores sit far higher than focal loss's and no fixed threshold suits both.
//
// The shipped schedule (backbone pretraining, then training) is sized for about 10 minutes on 2
// CPU cores. --minutes M re-sizes it for this machine: a few training steps are timed, and
// total_epochs and the lr steps are scaled (keeping their proportions) so that pretraining and
// training together take about M minutes.
//
// --table trains the seed's table at demo scale instead (tools/demo_table.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "../command.h"
#include "../demo_runs.h"
#include "../config_check.h"
#include "ghmdet/core/error.h"
#include "ghmdet/engine/determinism.h"
#include "ghmdet/engine/training_log.h"

namespace fs = std::filesystem;

namespace ghmdet::cli {
namespace {

// The scenes, then the config's data paths, work_dir and the user's overrides.
std::vector<std::string> base_overrides(const DemoArgs& a) {
  std::vector<std::string> overrides = data_overrides(a.out);
  if (!a.work_dir.empty()) overrides.push_back(Config::string_override("work_dir", a.work_dir));
  overrides.insert(overrides.end(), a.overrides.begin(), a.overrides.end());
  return overrides;
}

int run_demo(const DemoArgs& a) {
  const std::string config = a.config.empty() ? find_shipped_config("demo/fashion_mnist_ghm.yaml") : a.config;
  if (!fs::is_regular_file(config)) throw Error(fmt::format("{}: config file not found", config));
  const torch::Device device = device_from_flag(a.device);
  std::vector<std::string> overrides = base_overrides(a);
  Config cfg = load_config(config, overrides);
  // The whole config is checked before the scenes are made (their files do not exist yet).
  ConfigUse use;
  use.train = use.test = true;
  use.metrics = {"bbox"};
  use.pretrain_backbone = backbone_pretraining_wanted(cfg);
  use.data_files = false;
  check_config(cfg, use);
  ensure_scenes(a);

  // The demo configs start from a backbone pretrained on the scenes' objects (their
  // backbone_pretraining section), as the paper's start from ImageNet weights.
  const auto pretraining_start = std::chrono::steady_clock::now();
  const std::string pretrained = pretrained_backbone_override(cfg, device, static_cast<uint64_t>(a.seed));
  const double pretraining_minutes = minutes_since(pretraining_start);
  if (!pretrained.empty()) {
    overrides.push_back(pretrained);
    cfg = load_config(config, overrides);
  }
  if (a.minutes > 0) {
    // --minutes is the whole job's budget: what pretraining took is not left for training.
    const double left = std::max(1.0, a.minutes - pretraining_minutes);
    if (!pretrained.empty()) {
      std::cout << fmt::format("--minutes {}: {:.1f} min went to backbone pretraining, {:.1f} min left for training\n",
                               a.minutes, pretraining_minutes, left);
    }
    seed_everything(static_cast<uint64_t>(a.seed));
    auto scaled = schedule_for(cfg, left, measure_step_time(cfg, device));
    overrides.insert(overrides.end(), scaled.begin(), scaled.end());
  }

  const auto run = train_and_test(config, overrides, a, device);
  if (!run) return 130;
  const double ap = run->bbox["bbox_mAP"].get<double>();
  std::cout << fmt::format(
      "\n{} + {} RetinaNet on Fashion-MNIST scenes: AP@[.5:.95] = {:.3f}, AP50 = {:.3f} "
      "after {} iterations ({} of training, {:.1f} s of testing {} images)\n",
      run->loss_cls, run->loss_bbox, ap, run->bbox["bbox_mAP_50"].get<double>(), run->trained.iterations,
      format_eta(run->trained.seconds), run->tested.seconds, run->tested.images);
  std::cout << "  dataset:      " << a.out << "\n"
            << "  work_dir:     " << run->work_dir << " (train.log, metrics.jsonl, merged config)\n"
            << "  checkpoint:   " << run->checkpoint << "\n"
            << "  results:      " << run->results << "\n"
            << "  pictures:     " << pictures_line(*run) << "\n"
            << "  report:       ghmdet report " << run->work_dir << "\n";
  return 0;
}

std::function<int()> setup(CLI::App& sub) {
  auto a = std::make_shared<DemoArgs>();
  sub.add_option("--out", a->out, "Folder of the Fashion-MNIST scenes (made when absent)")->capture_default_str();
  sub.add_option("--minutes", a->minutes, "Re-size the schedule to train for about this long on this machine")
      ->check(CLI::PositiveNumber);
  sub.add_option("--config", a->config, "Config to train (default: the shipped configs/demo/fashion_mnist_ghm.yaml)");
  sub.add_option("--work-dir", a->work_dir, "Where logs, checkpoints, results and pictures go");
  sub.add_option("--device", a->device, "cpu, cuda or cuda:N (default: cuda:0 when present, else cpu)");
  sub.add_option("--seed", a->seed, "Random seed")->capture_default_str()->check(CLI::NonNegativeNumber);
  sub.add_option("--train-scenes", a->train_scenes, "Training scenes to make")->capture_default_str();
  sub.add_option("--val-scenes", a->val_scenes, "Validation scenes to make")->capture_default_str();
  sub.add_option("--cfg-options", a->overrides, "Config overrides key.path=value (YAML values; with --table, every row's)");
  sub.add_option("--show-score-thr", a->show_score_thr_text,
                 "Lowest score drawn, or 'auto': each model's threshold of best F1 at IoU 0.5 on the validation scenes")
      ->capture_default_str();
  sub.add_flag("--no-show-gt", a->no_show_gt, "Leave the ground truth (dashed boxes) out of the pictures");
  sub.add_flag("--table", a->table,
               "Train and test the seed's table at demo scale (FL + SL1, GHM-C + SL1, GHM-C + GHM-R, and GHM-C + "
               "GHM-R with a 4x batch) on one pretrained backbone, print it beside the paper's, write the reports");
  return [a] {
    a->show_score_thr = parse_show_score_thr(a->show_score_thr_text);
    return a->table ? run_table(*a) : run_demo(*a);
  };
}

}  // namespace
}  // namespace ghmdet::cli

GHMDET_REGISTER_COMMAND("demo", "The main job: make the Fashion-MNIST scenes, train GHM RetinaNet, test, draw",
                        ghmdet::cli::setup);
