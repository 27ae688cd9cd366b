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
// --table trains the seed's table at demo scale instead: FL + SL1, GHM-C + SL1, GHM-C + GHM-R
// and GHM-C + GHM-R with a 4x batch (configs/demo/), on one backbone pretrained once and the same
// schedule (the same epochs, so the same images seen), tests each, prints the table beside the
// paper's numbers and writes it to <work_dir>/table.md, with one `report --compare` page per GHM
// row against focal loss. It prints its expected time first; --minutes sizes the whole job.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>

#include "../cli_support.h"
#include "../command.h"
#include "ghmdet/core/error.h"
#include "ghmdet/data/build.h"
#include "ghmdet/data/fashion_mnist_scenes.h"
#include "ghmdet/engine/determinism.h"
#include "ghmdet/engine/evaluation_record.h"
#include "ghmdet/engine/training_log.h"
#include "ghmdet/modeling/build.h"
#include "ghmdet/modeling/retinanet.h"
#include "ghmdet/viz/report.h"

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
  bool table = false;
  std::string show_score_thr_text = "auto";
  std::optional<double> show_score_thr;  // nullopt: each model's best-F1 threshold
  bool no_show_gt = false;
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

// Training iterations per epoch of one process (the sampler pads each aspect group, so about).
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
              << fs::path(config).filename().string() << " --resume-from " << run.trained.last_checkpoint << "\n";
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

// The scenes, then the config's data paths, work_dir and the user's overrides.
std::vector<std::string> base_overrides(const DemoArgs& a) {
  std::vector<std::string> overrides = data_overrides(a.out);
  if (!a.work_dir.empty()) overrides.push_back(Config::string_override("work_dir", a.work_dir));
  overrides.insert(overrides.end(), a.overrides.begin(), a.overrides.end());
  return overrides;
}

double minutes_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 60.0;
}

int run_demo(const DemoArgs& a) {
  const std::string config = a.config.empty() ? find_shipped_config("demo/fashion_mnist_ghm.yaml") : a.config;
  if (!fs::is_regular_file(config)) throw Error(fmt::format("{}: config file not found", config));
  const torch::Device device = device_from_flag(a.device);
  ensure_scenes(a);

  std::vector<std::string> overrides = base_overrides(a);
  Config cfg = load_config(config, overrides);
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

// --- `demo --table`: the seed's table at demo scale ------------------------------------------

struct TableRow {
  const char* name;
  const char* config;    // under configs/
  const char* paper_ap;  // the seed README's AP (R50-FPN, COCO minival), "" when not in it
};

// The seed's three rows, then the experiment: GHM's statistics over 4x the elements per call.
constexpr TableRow kTableRows[] = {
    {"FL + SL1", "demo/fashion_mnist_fl.yaml", "35.6"},
    {"GHM-C + SL1", "demo/fashion_mnist_ghmc_sl1.yaml", "35.8"},
    {"GHM-C + GHM-R", "demo/fashion_mnist_ghm.yaml", "37.0"},
    {"GHM-C + GHM-R, 4x batch", "demo/fashion_mnist_ghm_4x.yaml", ""},
};
constexpr size_t kRows = std::size(kTableRows);
// The row whose step time sizes the schedule, and whose backbone_pretraining section runs.
constexpr size_t kReferenceRow = 2;

std::string table_text(const std::vector<DemoRun>& runs, const std::string& input_size, const std::string& budget) {
  std::string t = fmt::format("| {:<24} | {:>6} | {:>6} | {:>10} | {:>26} |\n", "row", "AP", "AP50", "iterations",
                              "paper AP (R50, COCO, 1x)");
  t += fmt::format("|{:-<26}|{:->7}:|{:->7}:|{:->11}:|{:->27}:|\n", "", "", "", "", "");
  for (size_t i = 0; i < runs.size(); ++i) {
    const auto& b = runs[i].bbox;
    t += fmt::format("| {:<24} | {:>6.1f} | {:>6.1f} | {:>10} | {:>26} |\n", kTableRows[i].name,
                     100 * b["bbox_mAP"].get<double>(), 100 * b["bbox_mAP_50"].get<double>(),
                     runs[i].trained.iterations, *kTableRows[i].paper_ap ? kTableRows[i].paper_ap : "-");
  }
  t += "\nAP in %: COCO AP@[.5:.95] on the validation scenes (the paper's: on COCO minival).\n"
       "What differs from the paper:\n"
       "- data: Fashion-MNIST scenes, 10 classes, inputs of " + input_size +
       " (paper: COCO, 80 classes, 800x1333)\n"
       "- model: ResNet-18 FPN with a 64-channel head, backbone pretrained on the scenes' objects\n"
       "  (paper: ResNet-50 FPN from ImageNet)\n"
       "- budget: " + budget + " (paper: 12 epochs of COCO, 16 images per iteration on 8 GPUs)\n"
       "The last row is not in the paper: GHM-C + GHM-R with 32 images per loss call instead of 8\n"
       "(lr and warm-up scaled, the same images seen).\n";
  return t;
}

int run_table(const DemoArgs& a) {
  if (!a.config.empty()) throw Error("--table trains the shipped configs of its rows; leave --config out");
  const torch::Device device = device_from_flag(a.device);
  std::vector<std::string> configs;
  for (const auto& row : kTableRows) configs.push_back(find_shipped_config(row.config));
  ensure_scenes(a);
  const fs::path root(a.work_dir.empty() ? "./work_dirs/fashion_mnist_table" : a.work_dir);
  std::vector<std::string> overrides = data_overrides(a.out);
  overrides.insert(overrides.end(), a.overrides.begin(), a.overrides.end());

  // The expected time, from a few timed steps of the reference row (the 4x row's steps are
  // about 4x longer and 4x fewer; the focal-loss rows' a little shorter).
  std::vector<std::string> reference_overrides = overrides;
  reference_overrides.push_back(Config::string_override("work_dir", root.string()));
  Config reference = load_config(configs[kReferenceRow], reference_overrides);
  seed_everything(static_cast<uint64_t>(a.seed));
  const double step_s = measure_step_time(reference, device);
  const int64_t iters = iterations_per_epoch(reference);
  const auto pretraining_start = std::chrono::steady_clock::now();
  std::vector<std::string> schedule;
  if (a.minutes > 0) {
    std::cout << fmt::format("--table --minutes {}: backbone pretraining once, then {} trainings and tests sharing "
                             "what is left\n",
                             a.minutes, kRows);
  } else {
    const int64_t epochs = reference.get<int64_t>("total_epochs");
    const double minutes = static_cast<double>(kRows * epochs * iters) * step_s / 60.0;
    std::cout << fmt::format(
        "--table: {} trainings of {} epoch{} ({} iterations of {:.2f} s each, measured here) take about {:.0f} min, "
        "plus the backbone pretraining (once) and {} tests; --minutes M sizes the whole job\n",
        kRows, epochs, epochs == 1 ? "" : "s", iters, step_s, minutes, kRows);
  }
  std::cout << std::flush;

  // One pretrained backbone for every row: it goes to <root>/backbone_pretrained.pth.
  const std::string pretrained = pretrained_backbone_override(reference, device, static_cast<uint64_t>(a.seed));
  if (!pretrained.empty()) overrides.push_back(pretrained);
  if (a.minutes > 0) {
    const double left = std::max(1.0, a.minutes - minutes_since(pretraining_start));
    std::cout << fmt::format("{:.1f} min left after the pretraining: {:.1f} min for each of the {} trainings\n",
                             left, left / kRows, kRows);
    schedule = schedule_for(reference, left / kRows, step_s);
    overrides.insert(overrides.end(), schedule.begin(), schedule.end());
  }

  std::vector<DemoRun> runs;
  for (size_t i = 0; i < kRows; ++i) {
    std::cout << fmt::format("\n=== row {}/{}: {} ===\n", i + 1, kRows, kTableRows[i].name);
    std::vector<std::string> row = overrides;
    row.push_back(Config::string_override("work_dir", (root / fs::path(configs[i]).stem()).string()));
    auto run = train_and_test(configs[i], row, a, device);
    if (!run) return 130;
    std::cout << "  pictures: " << pictures_line(*run) << "\n";
    runs.push_back(std::move(*run));
  }

  const int64_t epochs = runs.front().epochs;
  const std::string budget = fmt::format(
      "{} epoch{} of {} scenes, {} per training on {}", epochs, epochs == 1 ? "" : "s",
      make_dataset(reference["data"]["train"])->size(), format_eta(runs.front().trained.seconds), device.str());
  std::string input_size = "data.train.img_scale";  // when it is not one (w, h) pair
  try {
    input_size = fmt::format("{}", fmt::join(reference["data"]["train"].get<std::vector<int64_t>>("img_scale"), "x"));
  } catch (const std::exception&) {
  }
  const std::string table = table_text(runs, input_size, budget);
  const fs::path table_file = root / "table.md";
  {
    std::ofstream f(table_file);
    f << table;
    if (!f) throw Error(fmt::format("{}: cannot write the table", table_file.string()));
  }
  // Each GHM row against focal loss, overlaid in one report.
  std::vector<std::string> reports;
  for (size_t i = 1; i < kRows; ++i) {
    viz::ReportOptions o;
    o.work_dir = runs[i].work_dir;
    o.compare_dir = runs.front().work_dir;
    o.out_dir = (root / ("report_" + fs::path(configs[i]).stem().string() + "_vs_fl")).string();
    reports.push_back(viz::write_report(o).html_path);
  }
  std::cout << "\nThe seed's table at demo scale:\n\n" << table << "\n  table:    " << table_file.string() << "\n";
  for (size_t i = 0; i < kRows; ++i)
    std::cout << fmt::format("  {:<24}  {}\n", kTableRows[i].name, pictures_line(runs[i]));
  for (const auto& r : reports) std::cout << "  report:   " << r << "\n";
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
