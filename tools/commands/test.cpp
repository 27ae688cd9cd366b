// `ghmdet test CONFIG CHECKPOINT [--out results.json] [--eval bbox|mAP ...] [--show-dir DIR]
// [--show-score-thr T|auto] [--no-show-gt] [--device] [--dtype float32|bf16] [--cfg-options k=v ...]
// [--non-strict]`:
// mmdetection's tools/test.py. Runs data.test through the detector, writes COCO-format results,
// evaluates them, and draws each image with its boxes, class names and ground truth into
// --show-dir; `auto` draws at the score threshold of best F1 on data.test
// (evaluation/operating_point.h). A checkpoint that does not cover the model is an error (exit
// code 2) unless --non-strict.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "../cli_support.h"
#include "../command.h"
#include "../config_check.h"
#include "ghmdet/core/error.h"
#include "ghmdet/core/inference_dtype.h"
#include "ghmdet/data/build.h"
#include "ghmdet/modeling/build.h"
#include "ghmdet/modeling/retinanet.h"
#include "ghmdet/viz/detection_picture.h"

namespace fs = std::filesystem;

namespace ghmdet::cli {

TestOutcome test_detector(const Config& cfg, const TestRequest& request) {
  std::error_code missing;
  if (!fs::is_regular_file(request.checkpoint, missing))
    throw Error(fmt::format("{}: checkpoint file not found", request.checkpoint));
  const Config data = cfg["data"];
  std::shared_ptr<const DetectionDataset> dataset = make_dataset(data[request.split]);
  for (const auto& m : request.metrics) check_metric(m, *dataset);
  if (!request.show_dir.empty() && !request.show_score_thr) check_operating_point_dataset(*dataset);

  auto model = build_detector(cfg["model"], cfg.has("train_cfg") ? cfg["train_cfg"] : Config(),
                              cfg.has("test_cfg") ? cfg["test_cfg"] : Config());
  if (static_cast<int64_t>(dataset->class_names().size()) != model->num_classes())
    throw cfg["model"]["bbox_head"].error(fmt::format("num_classes is {} but the dataset has {} classes",
                                                      model->num_classes(), dataset->class_names().size()));
  const std::string report = load_detector_weights(*model, request.checkpoint, request.strict_weights);
  if (!report.empty()) std::cerr << request.checkpoint << ": weights not loaded as they are:\n" << report;
  model->to(request.device);
  if (request.dtype) model->options.inference_dtype(*request.dtype);
  report_inference_dtype(*model, request.device, std::cout);

  LoaderSetup setup;
  setup.train = false;
  setup.device = request.device;
  auto loader = make_data_loader(dataset, data, setup);
  const auto start = std::chrono::steady_clock::now();
  InferenceTimes times;
  const auto detections = run_inference(*model, *loader, InferenceOptions().device(request.device).times(&times));
  TestOutcome outcome;
  outcome.loading_seconds = times.loading;
  outcome.model_seconds = times.model;
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  outcome.images = static_cast<int64_t>(detections.size());

  const bool plus_one = uses_plus_one_widths(*model);
  if (!request.results_out.empty()) {
    write_results_file(request.results_out, detections, *dataset, plus_one);
    std::cout << "results written to " << request.results_out << "\n";
  }
  for (const auto& metric : request.metrics) {
    std::cout << "Evaluating " << metric << "\n";
    outcome.metrics[metric] = make_dataset_evaluator(dataset, metric, plus_one, std::cout)(detections);
  }
  if (!request.show_dir.empty()) {
    std::error_code ec;
    fs::create_directories(request.show_dir, ec);
    if (ec) throw Error(fmt::format("{}: cannot create --show-dir: {}", request.show_dir, ec.message()));
    if (request.show_score_thr) {
      outcome.show_score_thr = *request.show_score_thr;
    } else {
      const OperatingPoint op = dataset_operating_point(*dataset, detections, plus_one);
      outcome.operating_point = op;
      outcome.show_score_thr = op.score_thr;
      if (op.found) {
        std::cout << fmt::format(
            "drawing detections with score >= {:.3f}, the threshold of best F1 at IoU 0.5 on data.{}: "
            "precision {:.3f}, recall {:.3f}, F1 {:.3f} ({:.1f} detections per image)\n",
            op.score_thr, request.split, op.precision, op.recall, op.f1,
            static_cast<double>(op.kept) / static_cast<double>(std::max<int64_t>(1, op.num_images)));
      } else {
        std::cout << fmt::format("no score threshold keeps a detection that hits a ground-truth box at IoU 0.5 on "
                                 "data.{}: the pictures show no detections\n",
                                 request.split);
      }
    }
    const auto& names = model->class_names().empty() ? dataset->class_names() : model->class_names();
    const bool gt_in_order = static_cast<int64_t>(detections.size()) == dataset->size();
    for (size_t i = 0; i < detections.size(); ++i) {
      if (request.max_pictures >= 0 && outcome.pictures >= request.max_pictures) break;
      const auto& d = detections[i];
      std::optional<viz::GroundTruthBoxes> gt;
      if (request.show_gt && gt_in_order) {
        const Annotations& a = dataset->annotations(static_cast<int64_t>(i));
        gt = viz::GroundTruthBoxes{a.boxes, a.labels};
      }
      outcome.boxes_drawn += viz::write_detection_picture(
          d.meta.file, (fs::path(request.show_dir) / fs::path(d.meta.file).filename()).string(), d.detections,
          gt ? &*gt : nullptr, names, outcome.show_score_thr);
      ++outcome.pictures;
    }
  }
  return outcome;
}

namespace {

struct TestArgs {
  std::string config, checkpoint, out, show_dir, device, dtype;
  std::vector<std::string> eval, overrides;
  std::string show_score_thr = "0.3";
  bool no_show_gt = false;
  bool non_strict = false;
};

std::function<int()> setup(CLI::App& sub) {
  auto a = std::make_shared<TestArgs>();
  sub.add_option("config", a->config, "Config file (YAML); data.test is run")->required();
  sub.add_option("checkpoint", a->checkpoint, "Weights: ours, mmdetection's or torchvision's")->required();
  sub.add_option("--out", a->out, "Write the detections as a COCO results file (JSON)");
  sub.add_option("--eval", a->eval, "Metrics: bbox (COCO) and/or mAP (VOC)")
      ->check(CLI::IsMember({"bbox", "mAP"}));
  sub.add_option("--show-dir", a->show_dir, "Draw every test image with its detections into this folder");
  sub.add_option("--show-score-thr", a->show_score_thr,
                 "Lowest score drawn, or 'auto': the threshold of best F1 at IoU 0.5 on data.test (COCO annotations)")
      ->capture_default_str();
  sub.add_flag("--no-show-gt", a->no_show_gt, "Leave the ground truth (dashed boxes) out of the pictures");
  sub.add_option("--device", a->device, "cpu, cuda or cuda:N (default: cuda:0 when present, else cpu)");
  sub.add_option("--dtype", a->dtype,
                 "float32 or bf16: the convolutions' dtype (default: test_cfg.dtype, else float32)");
  sub.add_option("--cfg-options", a->overrides, "Config overrides key.path=value (YAML values)");
  sub.add_flag("--non-strict", a->non_strict,
               "Run even when the checkpoint does not hold every weight of the model (reported)");
  return [a]() -> int {
    if (a->out.empty() && a->eval.empty() && a->show_dir.empty())
      throw Error("test: nothing to do; give at least one of --out, --eval, --show-dir");
    if (!a->out.empty() && fs::path(a->out).extension() != ".json")
      throw Error(fmt::format("--out {}: the results file must end in .json", a->out));
    const std::optional<double> show_score_thr = parse_show_score_thr(a->show_score_thr);
    std::optional<torch::ScalarType> dtype;
    if (!a->dtype.empty()) dtype = parse_inference_dtype(a->dtype, "--dtype");
    const Config cfg = load_config(a->config, a->overrides);
    std::error_code missing;
    if (!fs::is_regular_file(a->checkpoint, missing))
      throw Error(fmt::format("{}: checkpoint file not found", a->checkpoint));
    const torch::Device device = device_from_flag(a->device);
    ConfigUse use;
    use.test = true;
    use.metrics = a->eval;
    check_config(cfg, use);
    TestRequest request;
    request.checkpoint = a->checkpoint;
    request.strict_weights = !a->non_strict;
    request.device = device;
    request.dtype = dtype;
    request.results_out = a->out;
    request.metrics = a->eval;
    request.show_dir = a->show_dir;
    request.show_score_thr = show_score_thr;
    request.show_gt = !a->no_show_gt;
    const TestOutcome out = test_detector(cfg, request);
    std::cout << fmt::format("tested {} images in {:.1f} s ({:.3f} s loading images, {:.3f} s in the model)",
                             out.images, out.seconds, out.loading_seconds, out.model_seconds);
    if (!a->show_dir.empty())
      std::cout << fmt::format("; {} pictures in {} ({} detections drawn)", out.pictures, a->show_dir, out.boxes_drawn);
    std::cout << "\n";
    return 0;
  };
}

}  // namespace
}  // namespace ghmdet::cli

GHMDET_REGISTER_COMMAND("test", "Test a checkpoint on data.test: results file, evaluation, pictures",
                        ghmdet::cli::setup);
