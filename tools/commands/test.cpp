// `ghmdet test CONFIG CHECKPOINT [--out results.json] [--eval bbox|mAP ...] [--show-dir DIR]
// [--show-score-thr T] [--device] [--cfg-options k=v ...] [--non-strict]`: mmdetection's
// tools/test.py. Runs data.test through the detector, writes COCO-format results, evaluates
// them, and draws each image with its boxes and class names into --show-dir. A checkpoint that
// does not cover the model is an error (exit code 2) unless --non-strict.
#include <fmt/format.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "../cli_support.h"
#include "../command.h"
#include "../config_check.h"
#include "ghmdet/core/error.h"
#include "ghmdet/data/build.h"
#include "ghmdet/modeling/build.h"
#include "ghmdet/modeling/retinanet.h"

namespace fs = std::filesystem;

namespace ghmdet::cli {
namespace {

// A colour per class, far apart in hue (golden-angle steps), fixed across pictures.
cv::Scalar class_colour(int64_t label) {
  cv::Mat hsv(1, 1, CV_8UC3, cv::Scalar(static_cast<double>((label * 137) % 180), 220, 255));
  cv::Mat bgr;
  cv::cvtColor(hsv, bgr, cv::COLOR_HSV2BGR);
  const auto p = bgr.at<cv::Vec3b>(0, 0);
  return cv::Scalar(p[0], p[1], p[2]);
}

// Small pictures are enlarged so the labels stay readable; boxes scale with them.
constexpr int kMinPictureSide = 320;

void draw_picture(const ImageDetections& d, const std::vector<std::string>& names, double score_thr,
                  const std::string& path) {
  cv::Mat image = cv::imread(d.meta.file, cv::IMREAD_COLOR);
  if (image.empty()) throw Error(fmt::format("{}: cannot read the image to draw on", d.meta.file));
  const double zoom = std::max(1.0, static_cast<double>(kMinPictureSide) / std::min(image.rows, image.cols));
  if (zoom > 1.0) cv::resize(image, image, cv::Size(), zoom, zoom, cv::INTER_LINEAR);
  const auto boxes = d.detections.boxes.to(torch::kCPU, torch::kFloat32).contiguous();
  const auto scores = d.detections.scores.to(torch::kCPU, torch::kFloat32).contiguous();
  const auto labels = d.detections.labels.to(torch::kCPU, torch::kInt64).contiguous();
  const float* b = boxes.data_ptr<float>();
  const float* s = scores.data_ptr<float>();
  const int64_t* l = labels.data_ptr<int64_t>();
  const int font = cv::FONT_HERSHEY_SIMPLEX;
  const double font_scale = 0.4;
  for (int64_t k = 0; k < d.detections.size(); ++k) {
    if (s[k] < score_thr) continue;
    const cv::Scalar colour = class_colour(l[k]);
    const cv::Point p1(static_cast<int>(b[4 * k] * zoom), static_cast<int>(b[4 * k + 1] * zoom));
    const cv::Point p2(static_cast<int>(b[4 * k + 2] * zoom), static_cast<int>(b[4 * k + 3] * zoom));
    cv::rectangle(image, p1, p2, colour, 2);
    const std::string name = l[k] >= 0 && l[k] < static_cast<int64_t>(names.size()) ? names[l[k]]
                                                                                   : std::to_string(l[k]);
    const std::string text = fmt::format("{} {:.2f}", name, s[k]);
    int baseline = 0;
    const cv::Size size = cv::getTextSize(text, font, font_scale, 1, &baseline);
    const int top = std::max(0, p1.y - size.height - baseline - 2);
    cv::rectangle(image, cv::Point(p1.x, top), cv::Point(p1.x + size.width + 2, top + size.height + baseline + 2),
                  colour, cv::FILLED);
    cv::putText(image, text, cv::Point(p1.x + 1, top + size.height + 1), font, font_scale, cv::Scalar(0, 0, 0), 1,
                cv::LINE_AA);
  }
  if (!cv::imwrite(path, image)) throw Error(fmt::format("{}: cannot write the picture", path));
}

}  // namespace

TestOutcome test_detector(const Config& cfg, const TestRequest& request) {
  std::error_code missing;
  if (!fs::is_regular_file(request.checkpoint, missing))
    throw Error(fmt::format("{}: checkpoint file not found", request.checkpoint));
  const Config data = cfg["data"];
  std::shared_ptr<const DetectionDataset> dataset = make_dataset(data[request.split]);
  for (const auto& m : request.metrics) check_metric(m, *dataset);

  auto model = build_detector(cfg["model"], cfg.has("train_cfg") ? cfg["train_cfg"] : Config(),
                              cfg.has("test_cfg") ? cfg["test_cfg"] : Config());
  if (static_cast<int64_t>(dataset->class_names().size()) != model->num_classes())
    throw cfg["model"]["bbox_head"].error(fmt::format("num_classes is {} but the dataset has {} classes",
                                                      model->num_classes(), dataset->class_names().size()));
  const std::string report = load_detector_weights(*model, request.checkpoint, request.strict_weights);
  if (!report.empty()) std::cerr << request.checkpoint << ": weights not loaded as they are:\n" << report;
  model->to(request.device);

  LoaderSetup setup;
  setup.train = false;
  setup.device = request.device;
  auto loader = make_data_loader(dataset, data, setup);
  const auto start = std::chrono::steady_clock::now();
  const auto detections = run_inference(*model, *loader, InferenceOptions().device(request.device));
  TestOutcome outcome;
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
    const auto& names = model->class_names().empty() ? dataset->class_names() : model->class_names();
    for (const auto& d : detections) {
      if (request.max_pictures >= 0 && outcome.pictures >= request.max_pictures) break;
      draw_picture(d, names, request.show_score_thr,
                   (fs::path(request.show_dir) / fs::path(d.meta.file).filename()).string());
      ++outcome.pictures;
    }
  }
  return outcome;
}

namespace {

struct TestArgs {
  std::string config, checkpoint, out, show_dir, device;
  std::vector<std::string> eval, overrides;
  double show_score_thr = 0.3;
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
  sub.add_option("--show-score-thr", a->show_score_thr, "Lowest score drawn")->capture_default_str();
  sub.add_option("--device", a->device, "cpu, cuda or cuda:N (default: cuda:0 when present, else cpu)");
  sub.add_option("--cfg-options", a->overrides, "Config overrides key.path=value (YAML values)");
  sub.add_flag("--non-strict", a->non_strict,
               "Run even when the checkpoint does not hold every weight of the model (reported)");
  return [a]() -> int {
    if (a->out.empty() && a->eval.empty() && a->show_dir.empty())
      throw Error("test: nothing to do; give at least one of --out, --eval, --show-dir");
    if (!a->out.empty() && fs::path(a->out).extension() != ".json")
      throw Error(fmt::format("--out {}: the results file must end in .json", a->out));
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
    request.results_out = a->out;
    request.metrics = a->eval;
    request.show_dir = a->show_dir;
    request.show_score_thr = a->show_score_thr;
    const TestOutcome out = test_detector(cfg, request);
    std::cout << fmt::format("tested {} images in {:.1f} s", out.images, out.seconds);
    if (!a->show_dir.empty()) std::cout << fmt::format("; {} pictures in {}", out.pictures, a->show_dir);
    std::cout << "\n";
    return 0;
  };
}

}  // namespace
}  // namespace ghmdet::cli

GHMDET_REGISTER_COMMAND("test", "Test a checkpoint on data.test: results file, evaluation, pictures",
                        ghmdet::cli::setup);
