#include "demo_runs.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "ghmdet/core/error.h"
#include "ghmdet/data/build.h"
#include "ghmdet/data/fashion_mnist_scenes.h"
#include "ghmdet/engine/evaluation_record.h"
#include "ghmdet/modeling/build.h"
#include "ghmdet/modeling/retinanet.h"

namespace fs = std::filesystem;

namespace ghmdet::cli {

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

int64_t iterations_per_epoch(const Config& cfg) {
  const int64_t per_batch = cfg["data"].get<int64_t>("imgs_per_gpu", 2);
  return (make_dataset(cfg["data"]["train"])->size() + per_batch - 1) / per_batch;
}

// total_epochs and lr_config.step scaled so that training takes about `minutes`.
std::vector<std::string> schedule_for(const Config& cfg, double minutes, double step_s) {
  const int64_t iters = iterations_per_epoch(cfg);
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


// Trains `config` with `overrides` (data, work_dir, pretrained backbone, schedule), tests the last
// checkpoint on the validation scenes and draws the pictures. nullopt when interrupted (the
// message saying how to resume is printed).
std::optional<DemoRun> train_and_test(const std::string& config, const std::vector<std::string>& overrides,
                                      const DemoArgs& a, const torch::Device& device) {
  const Config cfg = load_config(config, overrides);
  std::cout << "training " << config << " on " << device << "\n" << std::flush;
  TrainRequest train;
  train.config_file = config;
  train.seed = static_cast<uint64_t>(a.seed);
  train.device = device;
  // Evaluating once at the end is enough for the demo; the test below does it.
  train.validate = false;
  DemoRun run;
  run.trained = train_detector(cfg, train);
  if (run.trained.interrupted) {
    std::cerr << "demo interrupted; resume the training with: ghmdet train " << run.trained.work_dir << "/"
              << saved_config_name(config) << " --resume-from " << run.trained.last_checkpoint << "\n";
    return std::nullopt;
  }
  if (run.trained.last_checkpoint.empty()) throw Error("demo: training wrote no checkpoint");

  run.config = config;
  run.work_dir = run.trained.work_dir;
  run.checkpoint = run.trained.last_checkpoint;
  run.epochs = cfg.get<int64_t>("total_epochs");
  run.loss_cls = cfg["model"]["bbox_head"]["loss_cls"].get<std::string>("type");
  run.loss_bbox = cfg["model"]["bbox_head"]["loss_bbox"].get<std::string>("type");
  const fs::path work_dir(run.work_dir);
  TestRequest test;
  test.checkpoint = run.checkpoint;
  test.device = device;
  test.results_out = run.results = (work_dir / "results_val.json").string();
  test.metrics = {"bbox"};
  test.show_dir = run.pictures_dir = (work_dir / "pictures").string();
  test.show_score_thr = a.show_score_thr;
  test.show_gt = !a.no_show_gt;
  test.max_pictures = kPictures;
  std::cout << "testing " << run.checkpoint << " on the validation scenes\n" << std::flush;
  run.tested = test_detector(cfg, test);
  run.bbox = run.tested.metrics["bbox"];
  // Recorded in the work_dir as training's evaluation would be, so `ghmdet report` shows it.
  append_evaluation_record(run.work_dir, run.epochs, run.trained.iterations, run.bbox);
  return run;
}

std::string pictures_line(const DemoRun& r) {
  const auto& t = r.tested;
  const auto& op = t.operating_point;
  if (op && !op->found)
    return fmt::format("{} ({} images, ground truth only: no detection hits a ground-truth box at IoU 0.5)",
                       r.pictures_dir, t.pictures);
  std::string line = fmt::format("{} ({} images, {:.1f} detections each, drawn at score >= {:.3f}", r.pictures_dir,
                                 t.pictures, static_cast<double>(t.boxes_drawn) / std::max<int64_t>(1, t.pictures),
                                 t.show_score_thr);
  if (op)
    line += fmt::format(": best F1 at IoU 0.5, precision {:.3f}, recall {:.3f}", op->precision, op->recall);
  return line + ")";
}


double minutes_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 60.0;
}

}  // namespace ghmdet::cli
