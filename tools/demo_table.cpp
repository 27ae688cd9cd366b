// `ghmdet demo --table`: the seed README's table at demo scale. The seed's three rows (FL + SL1,
// GHM-C + SL1, GHM-C + GHM-R) and one experiment (GHM-C + GHM-R with 4x the elements per loss
// call: GHM's gradient-density statistics are per call, and a demo call is small), each a
// configs/demo/ config, trained on one backbone pretrained once and one schedule (the same
// epochs, so the same images seen), tested and drawn; then the table beside the paper's numbers
// (stdout and <work_dir>/table.md) and one `report --compare` page per GHM row against focal
// loss. The expected time is printed before anything is trained; --minutes sizes the whole job.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "demo_runs.h"
#include "ghmdet/core/error.h"
#include "ghmdet/data/build.h"
#include "ghmdet/engine/determinism.h"
#include "ghmdet/engine/training_log.h"
#include "ghmdet/viz/report.h"

namespace fs = std::filesystem;

namespace ghmdet::cli {
namespace {

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

}  // namespace

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

}  // namespace ghmdet::cli
