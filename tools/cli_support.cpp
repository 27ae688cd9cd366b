#include "cli_support.h"

#include <fmt/format.h>

#include <filesystem>
#include <unistd.h>

#include "ghmdet/core/error.h"
#include "ghmdet/core/inference_dtype.h"
#include "ghmdet/core/runtime.h"
#include "ghmdet/data/coco_dataset.h"
#include "ghmdet/data/coco_json.h"
#include "ghmdet/evaluation/coco_eval.h"
#include "ghmdet/evaluation/per_class_results.h"
#include "ghmdet/evaluation/results_io.h"
#include "ghmdet/evaluation/voc_eval.h"
#include "ghmdet/io/state_dict.h"
#include "ghmdet/io/weight_maps.h"
#include "ghmdet/modeling/retinanet.h"

namespace fs = std::filesystem;

namespace ghmdet::cli {
namespace {

std::string executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

}  // namespace

std::string find_shipped_config(const std::string& relative) {
  std::vector<fs::path> candidates{fs::path("configs") / relative};
  const std::string exe_dir = executable_dir();
  if (!exe_dir.empty()) {
    candidates.push_back(fs::path(exe_dir) / ".." / "share" / "ghmdet" / "configs" / relative);
    for (fs::path dir = fs::path(exe_dir).parent_path(); !dir.empty(); dir = dir.parent_path()) {
      candidates.push_back(dir / "configs" / relative);
      if (dir == dir.root_path()) break;
    }
  }
  std::string tried;
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(c, ec)) return c.lexically_normal().string();
    tried += "\n  " + c.lexically_normal().string();
  }
  throw Error(fmt::format("cannot find the shipped config configs/{}; looked in:{}", relative, tried));
}

std::string resolve_config_path(const std::string& path) {
  std::error_code ec;
  if (fs::exists(path, ec)) return path;
  // `configs/ghm/x.yaml` from another folder: the shipped configs (after `cmake --install`,
  // <prefix>/share/ghmdet/configs).
  const fs::path p(path);
  if (p.is_relative() && !p.empty() && *p.begin() == "configs") {
    try {
      return find_shipped_config(p.lexically_relative("configs").string());
    } catch (const Error&) {
    }
  }
  throw Error(fmt::format("{}: config file not found", path));
}

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  Config cfg = Config::load(resolve_config_path(path), overrides);
  if (!cfg.is_map()) throw Error(fmt::format("{}: a config must be a map of keys", path));
  cfg.check_keys({"model", "train_cfg", "test_cfg", "dataset_type", "data_root", "img_norm_cfg", "data",
                  "optimizer", "optimizer_config", "lr_config", "total_epochs", "checkpoint_config",
                  "log_config", "evaluation", "log_level", "work_dir", "load_from", "resume_from",
                  "workflow", "dist_params", "backbone_pretraining", "device_ids", "fp16"});
  if (cfg.has("evaluation") && !cfg["evaluation"].is_null()) cfg["evaluation"].check_keys({"interval", "metric"});
  return cfg;
}

std::string saved_config_name(const std::string& config_file) {
  if (config_file.empty()) return "config.yaml";
  fs::path name = fs::path(config_file).filename();
  if (name.extension() == ".py") name.replace_extension(".yaml");
  return name.string();
}

torch::Device device_from_flag(const std::string& text) {
  if (text.empty() || text == "auto") {
    return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  }
  return parse_device(text, "--device");
}

std::string load_detector_weights(torch::nn::Module& model, const std::string& path, bool strict) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(fmt::format("{}: checkpoint file not found", path));
  const StateDict raw = read_state_dict(path);
  const WeightFormat format = detect_weight_format(raw);
  // Keys of no known layout are kept as they are: the report then lists them all as unexpected
  // and every weight of the model as missing.
  const StateDict named = format == WeightFormat::Unknown ? raw : to_ghmdet_names(raw, format);
  const LoadReport report = load_state_dict(model, named, /*strict=*/false);
  if (strict && !report.complete())
    throw Error(fmt::format("{} ({}): does not hold this model's weights ({} of {} loaded); "
                            "--non-strict runs the model anyway:\n{}",
                            path, weight_format_name(format), report.loaded.size(),
                            report.loaded.size() + report.missing.size() + report.mismatched.size(),
                            report.summary()));
  return report.summary();
}

std::string default_metric(const Config& root, const std::string& dataset_type) {
  if (root.has("evaluation") && !root["evaluation"].is_null() && root["evaluation"].has("metric"))
    return root["evaluation"].get<std::string>("metric");
  return dataset_type == "CocoDataset" ? "bbox" : "mAP";
}

std::string default_metric(const Config& root, const DetectionDataset& dataset) {
  return default_metric(root, dynamic_cast<const CocoDataset*>(&dataset) ? "CocoDataset" : "VOCDataset");
}

void check_metric(const std::string& metric, const std::string& dataset_type, size_t ann_files) {
  if (metric == "mAP") return;
  if (metric != "bbox") throw Error(fmt::format("unknown metric '{}' (known: bbox, mAP)", metric));
  if (dataset_type != "CocoDataset")
    throw Error("metric 'bbox' needs a CocoDataset (COCO annotation file); use 'mAP' for this dataset");
  if (ann_files != 1)
    throw Error(fmt::format("metric 'bbox' evaluates one COCO annotation file, this dataset has {}", ann_files));
}

void check_metric(const std::string& metric, const DetectionDataset& dataset) {
  check_metric(metric, dynamic_cast<const CocoDataset*>(&dataset) ? "CocoDataset" : "VOCDataset",
               dataset.options().ann_files.size());
}

bool uses_plus_one_widths(const RetinaNetImpl& model) { return model.options.dense().conventions == "legacy"; }

void report_inference_dtype(const RetinaNetImpl& model, const torch::Device& device, std::ostream& out) {
  const torch::ScalarType requested = model.options.inference_dtype();
  if (requested == torch::kFloat) return;
  std::string why;
  if (requested == torch::kBFloat16 && device.is_cpu() && !cpu_runs_bf16(&why)) {
    out << fmt::format("inference dtype: float32 (bf16 requested, but {})\n", why);
    return;
  }
  out << fmt::format("inference dtype: {}\n", inference_dtype_name(requested));
}

namespace {

std::vector<int64_t> label_to_category(const DetectionDataset& dataset) {
  if (const auto* coco = dynamic_cast<const CocoDataset*>(&dataset)) return coco->category_ids();
  std::vector<int64_t> ids(dataset.class_names().size());
  for (size_t k = 0; k < ids.size(); ++k) ids[k] = static_cast<int64_t>(k) + 1;
  return ids;
}

std::vector<CocoDetection> to_coco(const std::vector<ImageDetections>& detections, const DetectionDataset& dataset,
                                   bool plus_one_widths) {
  std::vector<Detections> dets;
  std::vector<int64_t> ids;
  dets.reserve(detections.size());
  ids.reserve(detections.size());
  for (const auto& d : detections) {
    dets.push_back(d.detections);
    ids.push_back(d.meta.image_id);
  }
  CocoResultsOptions options;
  options.legacy_plus_one = plus_one_widths;
  return detections_to_coco(dets, ids, label_to_category(dataset), options);
}

nlohmann::json evaluate_bbox(const DetectionDataset& dataset, const CocoJson& gt,
                             const std::vector<ImageDetections>& detections, bool plus_one_widths,
                             std::ostream& out) {
  const auto results = to_coco(detections, dataset, plus_one_widths);
  const auto r = evaluate_coco_bbox(gt, results);
  out << format_coco_summary(r.stats) << std::flush;
  nlohmann::json m;
  static const char* const kNames[6] = {"bbox_mAP", "bbox_mAP_50", "bbox_mAP_75",
                                        "bbox_mAP_s", "bbox_mAP_m", "bbox_mAP_l"};
  for (int i = 0; i < 6; ++i) m[kNames[i]] = r.stats[i];
  m["per_class"] = coco_per_class_json(r, dataset.class_names(), label_to_category(dataset));
  return m;
}

// VOC's reference uses the 11-point metric for VOC2007 (its test set), the area elsewhere.
VocApMode voc_mode(const DetectionDataset& dataset) {
  for (const auto& prefix : dataset.options().img_prefixes)
    if (prefix.find("VOC2007") != std::string::npos) return VocApMode::kElevenPoints;
  return VocApMode::kArea;
}

nlohmann::json evaluate_map(const DetectionDataset& dataset, const std::vector<ImageDetections>& detections,
                            std::ostream& out) {
  if (static_cast<int64_t>(detections.size()) != dataset.size())
    throw Error(fmt::format("mAP: {} detection lists for a dataset of {} images", detections.size(), dataset.size()));
  std::vector<Detections> dets;
  std::vector<VocGroundTruth> gts;
  for (int64_t i = 0; i < dataset.size(); ++i) {
    dets.push_back(detections[static_cast<size_t>(i)].detections);
    const Annotations& a = dataset.annotations(i);
    VocGroundTruth g;
    const int64_t n = a.boxes.size(0), m = a.boxes_ignore.defined() ? a.boxes_ignore.size(0) : 0;
    g.boxes = m ? torch::cat({a.boxes, a.boxes_ignore}) : a.boxes;
    g.labels = m ? torch::cat({a.labels, a.labels_ignore}) : a.labels;
    g.difficult = torch::cat({torch::zeros({n}, torch::kBool), torch::ones({m}, torch::kBool)});
    gts.push_back(std::move(g));
  }
  VocEvalOptions options;
  options.mode = voc_mode(dataset);
  const auto& names = dataset.class_names();
  const auto r = evaluate_voc(dets, gts, static_cast<int64_t>(names.size()), options);
  out << fmt::format("{:<16} {:>6} {:>6} {:>7} {:>7}\n", "class", "gts", "dets", "recall", "ap");
  for (size_t k = 0; k < r.classes.size(); ++k) {
    const auto& c = r.classes[k];
    const double recall = c.recall.empty() ? 0.0 : c.recall.back();
    out << fmt::format("{:<16} {:>6} {:>6} {:>7.3f} {:>7.3f}\n", names[k], c.num_gts, c.num_dets, recall, c.ap);
  }
  out << fmt::format("{:<16} {:>6} {:>6} {:>7} {:>7.3f}  ({})\n", "mAP", "", "", "", r.mean_ap,
                     options.mode == VocApMode::kElevenPoints ? "VOC07 11 points" : "area")
      << std::flush;
  return nlohmann::json{{"mAP", r.mean_ap}, {"per_class", voc_per_class_json(r, names, options.iou_thr)}};
}

}  // namespace

Evaluate make_dataset_evaluator(std::shared_ptr<const DetectionDataset> dataset, const std::string& metric,
                                bool plus_one_widths, std::ostream& out) {
  check_metric(metric, *dataset);
  if (metric == "bbox") {
    // Read once: the annotation file does not change between epochs.
    auto gt = std::make_shared<const CocoJson>(read_coco_json(dataset->options().ann_files.front()));
    return [dataset, gt, plus_one_widths, &out](const std::vector<ImageDetections>& detections) {
      return evaluate_bbox(*dataset, *gt, detections, plus_one_widths, out);
    };
  }
  return [dataset, &out](const std::vector<ImageDetections>& detections) {
    return evaluate_map(*dataset, detections, out);
  };
}

void check_operating_point_dataset(const DetectionDataset& dataset) {
  if (!dynamic_cast<const CocoDataset*>(&dataset) || dataset.options().ann_files.size() != 1)
    throw Error("--show-score-thr auto chooses the threshold on one COCO annotation file, and this dataset has "
                "none; give a number instead");
}

OperatingPoint dataset_operating_point(const DetectionDataset& dataset, const std::vector<ImageDetections>& detections,
                                       bool plus_one_widths) {
  check_operating_point_dataset(dataset);
  const CocoJson gt = read_coco_json(dataset.options().ann_files.front());
  return best_f1_operating_point(gt, to_coco(detections, dataset, plus_one_widths));
}

std::optional<double> parse_show_score_thr(const std::string& text) {
  if (text == "auto") return std::nullopt;
  size_t used = 0;
  double value = -1;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || !(value >= 0 && value <= 1))
    throw Error(fmt::format("--show-score-thr {}: expected 'auto' or a number in [0, 1]", text));
  return value;
}

void write_results_file(const std::string& path, const std::vector<ImageDetections>& detections,
                        const DetectionDataset& dataset, bool plus_one_widths) {
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  write_coco_results(path, to_coco(detections, dataset, plus_one_widths));
}

}  // namespace ghmdet::cli
