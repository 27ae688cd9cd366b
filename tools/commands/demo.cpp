// `ghmdet demo [--out DIR] [--minutes M] [--config PATH] [--work-dir DIR] [--device] [--seed]`:
// the main job on the embedded default. Makes the Fashion-MNIST detection scenes when DIR does
// not hold them yet, trains configs/demo/fashion_mnist_ghm.yaml (GHM-C + GHM-R RetinaNet,
// ResNet-18 FPN) on them, tests the last checkpoint on the validation scenes (COCO table,
// results file) and draws detection pictures, then says where everything is.
//
// The shipped schedule (backbone pretraining, then training) is sized for about 10 minutes on 2
// CPU cores. --minutes M re-sizes it for this machine: after the pretraining, a few training
// steps are timed, and total_epochs and the lr steps are scaled (keeping their proportions) so
// that pretraining and training together take about M minutes.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "../cli_support.h"
#include "../command.h"
#include "../config_check.h"
#include "ghmdet/core/error.h"
#include "ghmdet/data/build.h"
#include "ghmdet/data/fashion_mnist_scenes.h"
#include "ghmdet/engine/determinism.h"
#include "ghmdet/engine/evaluation_record.h"
#include "ghmdet/engine/training_log.h"
#include "ghmdet/modeling/build.h"
#include "ghmdet/modeling/retinanet.h"

namespace fs = std::filesystem;

namespace ghmdet::cli {
namespace {

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
};

void ensure_scenes(const DemoArgs& a) {
  const fs::path dir(a.out);
  const bool complete = fs::is_regular_file(dir / "annotations" / "instances_train.json") &&
                        fs::is_regular_file(dir / "annotations" / "instances_val.json");
  if (complete) {
    std::cout << "using the Fashion-MNIST scenes in " << a.out << "\n";
    return;
  }
  if (fs::exists(dir))
    throw Error(fmt::format("{}: exists but holds no annotations/instances_{{train,val}}.json; remove it or "
                            "choose another --out",
                            a.out));
  FashionMnistScenesOptions o;
  o.out = a.out;
  o.train = a.train_scenes;
  o.val = a.val_scenes;
  o.height = o.width = kSceneSize;
  std::cout << fmt::format("making {} train and {} val Fashion-MNIST scenes ({}x{}) in {} ...\n", o.train, o.val,
                           o.height, o.width, a.out)
            << std::flush;
  const auto s = make_fashion_mnist_scenes(o);
  std::cout << fmt::format("  {} train boxes, {} val boxes\n", s.train_boxes, s.val_boxes);
}

std::vector<std::string> data_overrides(const std::string& dir) {
  const std::string root = (fs::path(dir) / "").string();
  std::vector<std::string> o;
  for (const char* split : {"train", "val", "test"}) {
    const std::string ann = root + "annotations/instances_" + (std::string(split) == "train" ? "train" : "val") + ".json";
    const std::string img = root + (std::string(split) == "train" ? "train/" : "val/");
    o.push_back(Config::string_override(fmt::format("data.{}.ann_file", split), ann));
    o.push_back(Config::string_override(fmt::format("data.{}.img_prefix", split), img));
  }
  o.push_back(Config::string_override("data_root", root));
  return o;
}

// Seconds per training iteration of this config on this machine: forward + backward of a few
// real batches (the first, which pays for allocations, is not counted). A throwaway model is
// used so that the run itself starts untouched.
double measure_step_time(const Config& cfg, const torch::Device& device) {
  const Config data = cfg["data"];
  auto dataset = make_dataset(data["train"]);
  LoaderSetup setup;
  setup.device = device;
  auto loader = make_data_loader(dataset, data, setup);
  auto model = build_detector(cfg["model"], cfg["train_cfg"], cfg.has("test_cfg") ? cfg["test_cfg"] : Config());
  model->to(device);
  model->train();
  loader->set_epoch(0);
  constexpr int kSteps = 4;
  double timed = 0;
  int counted = 0;
  for (int i = 0; i < kSteps; ++i) {
    auto batch = loader->next();
    if (!batch) break;
    const auto start = std::chrono::steady_clock::now();
    const auto losses = model->loss(batch->to(device));
    torch::Tensor total;
    for (const auto& [name, value] : losses)
      if (name.find("loss") != std::string::npos) total = total.defined() ? total + value : value;
    model->zero_grad();
    total.backward();
    if (device.is_cuda()) torch::cuda::synchronize();
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (i > 0) {
      timed += t;
      ++counted;
    }
  }
  if (counted == 0) throw Error("demo: the training set yields too few batches to time a step");
  // The optimizer step, data waits and logging cost a little more than forward + backward.
  return 1.05 * timed / counted;
}

// total_epochs and lr_config.step scaled so that training takes about `minutes`.
std::vector<std::string> schedule_for(const Config& cfg, double minutes, const torch::Device& device) {
  const double step_s = measure_step_time(cfg, device);
  const Config data = cfg["data"];
  auto dataset = make_dataset(data["train"]);
  const int64_t per_batch = data.get<int64_t>("imgs_per_gpu", 2);
  const int64_t iters = (dataset->size() + per_batch - 1) / per_batch;
  const int64_t planned = cfg.get<int64_t>("total_epochs");
  const int64_t epochs = std::max<int64_t>(1, std::llround(minutes * 60.0 / (step_s * static_cast<double>(iters))));
  std::vector<int64_t> steps;
  const Config lr = cfg["lr_config"];
  if (lr.has("step") && lr["step"].is_sequence()) {
    for (auto s : lr.get<std::vector<int64_t>>("step")) {
      const int64_t scaled = std::llround(static_cast<double>(s) * epochs / planned);
      if (scaled >= 1 && scaled < epochs && (steps.empty() || scaled > steps.back())) steps.push_back(scaled);
    }
  }
  std::cout << fmt::format("{:.1f} min of training: {:.2f} s per iteration, {} iterations per epoch -> {} epochs "
                           "(lr steps after [{}])\n",
                           minutes, step_s, iters, epochs, fmt::join(steps, ", "));
  return {fmt::format("total_epochs={}", epochs), fmt::format("lr_config.step=[{}]", fmt::join(steps, ", "))};
}

int run_demo(const DemoArgs& a) {
  const std::string config = a.config.empty() ? find_shipped_config("demo/fashion_mnist_ghm.yaml") : a.config;
  if (!fs::is_regular_file(config)) throw Error(fmt::format("{}: config file not found", config));
  const torch::Device device = device_from_flag(a.device);
  std::vector<std::string> overrides = data_overrides(a.out);
  if (!a.work_dir.empty()) overrides.push_back(Config::string_override("work_dir", a.work_dir));
  overrides.insert(overrides.end(), a.overrides.begin(), a.overrides.end());
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
  const double pretraining_minutes =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - pretraining_start).count() / 60.0;
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
    auto scaled = schedule_for(cfg, left, device);
    overrides.insert(overrides.end(), scaled.begin(), scaled.end());
    cfg = load_config(config, overrides);
  }

  std::cout << "training " << config << " on " << device << "\n" << std::flush;
  TrainRequest train;
  train.config_file = config;
  train.seed = static_cast<uint64_t>(a.seed);
  train.device = device;
  // Evaluating once at the end is enough for the demo; the test below does it.
  train.validate = false;
  const TrainOutcome trained = train_detector(cfg, train);
  if (trained.interrupted) {
    std::cerr << "demo interrupted; resume the training with: ghmdet train " << trained.work_dir << "/"
              << fs::path(config).filename().string() << " --resume-from " << trained.last_checkpoint << "\n";
    return 130;
  }
  if (trained.last_checkpoint.empty()) throw Error("demo: training wrote no checkpoint");

  const fs::path work_dir(trained.work_dir);
  TestRequest test;
  test.checkpoint = trained.last_checkpoint;
  test.device = device;
  test.results_out = (work_dir / "results_val.json").string();
  test.metrics = {"bbox"};
  test.show_dir = (work_dir / "pictures").string();
  test.max_pictures = kPictures;
  std::cout << "testing " << trained.last_checkpoint << " on the validation scenes\n" << std::flush;
  const TestOutcome tested = test_detector(cfg, test);
  const double ap = tested.metrics["bbox"]["bbox_mAP"].get<double>();
  // Recorded in the work_dir as training's evaluation would be, so `ghmdet report` shows it.
  append_evaluation_record(trained.work_dir, cfg.get<int64_t>("total_epochs"), trained.iterations,
                           tested.metrics["bbox"]);

  std::cout << fmt::format(
      "\n{} + {} RetinaNet on Fashion-MNIST scenes: AP@[.5:.95] = {:.3f}, AP50 = {:.3f} "
      "after {} iterations ({} of training, {:.1f} s of testing {} images)\n",
      cfg["model"]["bbox_head"]["loss_cls"].get<std::string>("type"),
      cfg["model"]["bbox_head"]["loss_bbox"].get<std::string>("type"), ap, tested.metrics["bbox"]["bbox_mAP_50"].get<double>(), trained.iterations, format_eta(trained.seconds),
      tested.seconds, tested.images);
  std::cout << "  dataset:      " << a.out << "\n"
            << "  work_dir:     " << trained.work_dir << " (train.log, metrics.jsonl, merged config)\n"
            << "  checkpoint:   " << trained.last_checkpoint << "\n"
            << "  results:      " << test.results_out << "\n"
            << "  pictures:     " << test.show_dir << " (" << tested.pictures << " images)\n"
            << "  report:       ghmdet report " << trained.work_dir << "\n";
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
  sub.add_option("--cfg-options", a->overrides, "Config overrides key.path=value (YAML values)");
  return [a] { return run_demo(*a); };
}

}  // namespace
}  // namespace ghmdet::cli

GHMDET_REGISTER_COMMAND("demo", "The main job: make the Fashion-MNIST scenes, train GHM RetinaNet, test, draw",
                        ghmdet::cli::setup);
