// `ghmdet infer CONFIG CHECKPOINT IMAGE... [--out FILE] [--show-dir DIR] [--score-thr T]
//  [--device D] [--dtype float32|bf16] [--non-strict]`: runs a detector on image files and writes
//  [{"image": PATH, "detections": [{"bbox": [x1, y1, x2, y2], "score": S, "label": K,
//    "category": NAME}]}]
// (boxes in original-image pixels) to --out, or to stdout. CHECKPOINT may be a GHMDet,
// torchvision or mmdetection file: its format is detected and its names mapped. A checkpoint
// that does not cover the model is an error (exit code 2) unless --non-strict.
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>
#include <nlohmann/json.hpp>

#include "../cli_support.h"
#include "../command.h"
#include "ghmdet/core/config.h"
#include "ghmdet/core/error.h"
#include "ghmdet/core/inference_dtype.h"
#include "ghmdet/core/runtime.h"
#include "ghmdet/data/build.h"
#include "ghmdet/data/image_file.h"
#include "ghmdet/data/transforms.h"
#include "ghmdet/io/state_dict.h"
#include "ghmdet/io/weight_maps.h"
#include "ghmdet/modeling/build.h"
#include "ghmdet/modeling/retinanet.h"
#include "ghmdet/viz/detection_picture.h"

namespace {

struct InferArgs {
  std::string config, checkpoint, out, show_dir, device = "cpu", dtype;
  std::vector<std::string> images;
  double score_thr = -1.0;
  bool non_strict = false;
};

// One image as the test pipeline of the config prepares it (data.test: keep-ratio rescale into
// img_scale, normalise, pad to size_divisor; never flipped; max_image_pixels), as a batch of one.
ghmdet::Batch load_image(const std::string& path, const ghmdet::DatasetOptions& data) {
  const ghmdet::TransformOptions& options = data.transform;
  ghmdet::Batch b;
  ghmdet::ImageMeta meta;
  meta.file = path;
  const cv::Mat bgr = ghmdet::read_image(path, data.max_image_pixels);
  meta.ori_shape = {bgr.rows, bgr.cols};
  b.images = ghmdet::transform_image(bgr, options.img_scales.at(0), /*flip=*/false, options, meta).unsqueeze(0);
  b.metas.push_back(meta);
  b.gt_boxes.push_back(torch::zeros({0, 4}));
  b.gt_labels.push_back(torch::zeros({0}, torch::kInt64));
  b.gt_boxes_ignore.push_back(torch::zeros({0, 4}));
  return b;
}

std::string category_name(const std::vector<std::string>& names, int64_t label) {
  if (label >= 0 && label < static_cast<int64_t>(names.size())) return names[label];
  return "class_" + std::to_string(label);
}

// The pictures of `test --show-dir`, without ground truth; detections are filtered above.
void draw(const std::string& image_path, const ghmdet::Detections& det,
          const std::vector<std::string>& names, const std::string& show_dir) {
  std::filesystem::create_directories(show_dir);
  const auto out = std::filesystem::path(show_dir) / std::filesystem::path(image_path).filename();
  ghmdet::viz::write_detection_picture(image_path, out.string(), det, nullptr, names,
                                       -std::numeric_limits<double>::infinity());
}

int run(const InferArgs& a) {
  const auto device = ghmdet::parse_device(a.device);
  std::optional<torch::ScalarType> dtype;
  if (!a.dtype.empty()) dtype = ghmdet::parse_inference_dtype(a.dtype, "--dtype");
  const auto cfg = ghmdet::Config::load(a.config);
  auto model = ghmdet::build_detector(cfg["model"], cfg.has("train_cfg") ? cfg["train_cfg"] : ghmdet::Config(),
                                      cfg["test_cfg"]);
  if (dtype) model->options.inference_dtype(*dtype);
  ghmdet::cli::report_inference_dtype(*model, device, std::cerr);
  const std::string report = ghmdet::cli::load_detector_weights(*model, a.checkpoint, !a.non_strict);
  if (!report.empty()) std::cerr << a.checkpoint << ": weights not loaded as they are:\n" << report;
  model->to(device);
  model->eval();
  ghmdet::DatasetOptions data;
  if (cfg.has("data") && cfg["data"].has("test")) data = ghmdet::dataset_options_from_config(cfg["data"]["test"]);
  const auto& names = model->class_names();

  nlohmann::json results = nlohmann::json::array();
  torch::NoGradGuard no_grad;
  for (const auto& path : a.images) {
    auto batch = load_image(path, data).to(device);
    auto det = model->predict(batch).at(0);
    if (a.score_thr >= 0) {
      auto keep = det.scores >= a.score_thr;
      det = {det.boxes.index({keep}), det.scores.index({keep}), det.labels.index({keep})};
    }
    auto boxes = det.boxes.to(torch::kCPU).contiguous();
    auto scores = det.scores.to(torch::kCPU).contiguous();
    auto labels = det.labels.to(torch::kCPU).contiguous();
    nlohmann::json dets = nlohmann::json::array();
    for (int64_t k = 0; k < det.size(); ++k) {
      const float* b = boxes.data_ptr<float>() + 4 * k;
      const int64_t label = labels.data_ptr<int64_t>()[k];
      dets.push_back({{"bbox", {b[0], b[1], b[2], b[3]}},
                      {"score", scores.data_ptr<float>()[k]},
                      {"label", label},
                      {"category", category_name(names, label)}});
    }
    results.push_back({{"image", path}, {"detections", dets}});
    if (!a.show_dir.empty()) draw(path, det, names, a.show_dir);
  }
  if (a.out.empty()) {
    std::cout << results.dump(1) << "\n";
  } else {
    std::ofstream f(a.out);
    if (!f) throw ghmdet::Error(a.out + ": cannot be opened for writing");
    f << results.dump(1) << "\n";
    if (!f) throw ghmdet::Error(a.out + ": write failed");
  }
  return 0;
}

}  // namespace

GHMDET_REGISTER_COMMAND(
    "infer", "Detect objects in image files with a config and a checkpoint",
    [](CLI::App& sub) -> std::function<int()> {
      auto args = std::make_shared<InferArgs>();
      sub.add_option("config", args->config, "model config (YAML)")->required()->check(CLI::ExistingFile);
      sub.add_option("checkpoint", args->checkpoint, "GHMDet, torchvision or mmdetection weights")
          ->required()->check(CLI::ExistingFile);
      sub.add_option("images", args->images, "image files")->required()->check(CLI::ExistingFile);
      sub.add_option("--out", args->out, "write the detections JSON here (default: stdout)");
      sub.add_option("--show-dir", args->show_dir, "draw boxes and class names into this directory");
      sub.add_option("--score-thr", args->score_thr, "keep detections scoring at least this");
      sub.add_option("--device", args->device, "cpu, cuda or cuda:N");
      sub.add_option("--dtype", args->dtype,
                     "float32 or bf16: the convolutions' dtype (default: test_cfg.dtype, else float32)");
      sub.add_flag("--non-strict", args->non_strict,
                   "run even when the checkpoint does not hold every weight of the model (reported)");
      return [args] { return run(*args); };
    });
