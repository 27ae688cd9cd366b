// What the `train`, `test` and `demo` verbs share: finding shipped configs, the device flag,
// loading detector weights, evaluating a dataset's detections, and the two runs themselves.
//
// train_detector() is defined in commands/train.cpp and test_detector() in commands/test.cpp,
// beside the verbs they serve; `demo` chains them. Both take a loaded Config (overrides already
// applied) and write only under the paths they are given. Messages for the user go to stdout
// (tables, where files are) and to the training log (stderr + work_dir/train.log); bad input
// throws ghmdet::Error naming the file or key.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "ghmdet/core/config.h"
#include "ghmdet/data/detection_dataset.h"
#include "ghmdet/engine/eval_hook.h"
#include "ghmdet/engine/inference.h"
#include "ghmdet/evaluation/operating_point.h"

namespace ghmdet {
struct RetinaNetImpl;
}

namespace ghmdet::cli {

// --- Configs and devices ------------------------------------------------------------------

// A shipped config by its path under configs/ ("demo/fashion_mnist_ghm.yaml"), looked up in
// ./configs, then <dir of the executable>/../share/ghmdet/configs (an install), then in every
// folder above the executable (a build tree inside the source tree). Throws ghmdet::Error
// listing the places tried.
std::string find_shipped_config(const std::string& relative);

// PATH when it exists; else, for a relative path under configs/, the shipped config of that name
// (find_shipped_config); else an error naming PATH.
std::string resolve_config_path(const std::string& path);

// Config::load of resolve_config_path(path) (YAML, or a Python config for a file ending in .py),
// then the top-level keys checked against docs/CONFIGS.md's list (a typo such as `total_epoch`
// is an error naming the nearest valid key instead of silently ignored).
Config load_config(const std::string& path, const std::vector<std::string>& overrides);

// The name the merged config is saved under in the work_dir: the config's file name, ending in
// .yaml for a Python config (what is saved is YAML).
std::string saved_config_name(const std::string& config_file);

// "" or "auto": the first CUDA device when there is one, else the CPU; otherwise parse_device.
torch::Device device_from_flag(const std::string& text);

// --- Weights --------------------------------------------------------------------------------

// Loads any weight file io/ can read (ours, mmdetection's, torchvision's RetinaNet) into the
// detector, for `test` and `infer`: the model runs on these weights alone, so with `strict` a
// file that does not cover the model (io/state_dict.h: a weight missing, of another shape, or
// a weight the model has no place for) is an error naming the file and listing those keys.
// Without (`--non-strict`) whatever matches is loaded. Returns the load report's summary, to
// be logged ("" when everything matched).
std::string load_detector_weights(torch::nn::Module& model, const std::string& path, bool strict);

// For `test` and `infer`: when the model's inference dtype is not float32, prints the one that
// will run to `out`: "inference dtype: bf16", or "inference dtype: float32 (bf16 requested, but
// <why>)" where the CPU cannot run bf16 (core/inference_dtype.h).
void report_inference_dtype(const RetinaNetImpl& model, const torch::Device& device, std::ostream& out);

// --- Evaluation -----------------------------------------------------------------------------

// `bbox` (COCO, needs a CocoDataset with one annotation file) or `mAP` (VOC's metric, any
// dataset). The default follows the config's evaluation.metric, then the dataset type.
std::string default_metric(const Config& root, const DetectionDataset& dataset);
void check_metric(const std::string& metric, const DetectionDataset& dataset);
// The same from the dataset's config: its `type` and how many ann_file it lists.
std::string default_metric(const Config& root, const std::string& dataset_type);
void check_metric(const std::string& metric, const std::string& dataset_type, size_t ann_files);

// Boxes in COCO results use width x2 - x1 + 1 under the legacy conventions (the reference's).
bool uses_plus_one_widths(const RetinaNetImpl& model);

// Evaluates detections of `dataset` (in dataset order) with `metric`, prints the table to `out`
// (pycocotools' summary for bbox, a per-class table for mAP) and returns the metrics logged in
// metrics.jsonl: bbox_mAP, bbox_mAP_50, bbox_mAP_75, bbox_mAP_s, bbox_mAP_m, bbox_mAP_l for
// bbox (mmdetection's names); mAP for mAP; and "per_class" (per-class AP and precision-recall
// curves, evaluation/per_class_results.h), which the evaluation hook writes apart.
Evaluate make_dataset_evaluator(std::shared_ptr<const DetectionDataset> dataset, const std::string& metric,
                                bool plus_one_widths, std::ostream& out);

// The score threshold of best F1 at IoU 0.5 (evaluation/operating_point.h) of `detections` (in
// dataset order) on the dataset's COCO annotation file. check_operating_point_dataset throws
// ghmdet::Error for a dataset without one (VOC, several annotation files).
void check_operating_point_dataset(const DetectionDataset& dataset);
OperatingPoint dataset_operating_point(const DetectionDataset& dataset, const std::vector<ImageDetections>& detections,
                                       bool plus_one_widths);

// --show-score-thr: "auto" (nullopt: the operating point above) or a number in [0, 1]; anything
// else throws ghmdet::Error naming the flag.
std::optional<double> parse_show_score_thr(const std::string& text);

// The COCO results of `detections` (category ids from the CocoDataset, or label + 1).
void write_results_file(const std::string& path, const std::vector<ImageDetections>& detections,
                        const DetectionDataset& dataset, bool plus_one_widths);

// --- The two runs ---------------------------------------------------------------------------

struct TrainRequest {
  std::string config_file;             // saved as work_dir/<its file name>
  std::optional<uint64_t> seed;
  bool deterministic = false;
  torch::Device device = torch::kCPU;
  bool validate = true;                // evaluate data.val when the config has `evaluation`
  bool force_validate = false;         // ...and even when it has none (interval 1)
  std::string launcher = "none";       // none | pytorch | slurm: which environment names the rank
};

struct TrainOutcome {
  bool interrupted = false;
  std::string work_dir;
  std::string last_checkpoint;         // "" when none was written
  nlohmann::json last_metrics;         // the last evaluation's metrics (null when none ran)
  double seconds = 0;                  // wall time of the training loop
  int64_t iterations = 0;
};
TrainOutcome train_detector(const Config& cfg, const TrainRequest& request);

struct TestRequest {
  std::string checkpoint;
  bool strict_weights = true;          // the checkpoint must cover the model (load_detector_weights)
  torch::Device device = torch::kCPU;
  std::optional<torch::ScalarType> dtype;  // --dtype: wins over test_cfg.dtype
  std::string split = "test";          // the data.<split> to run
  std::string results_out;             // COCO results JSON ("" = none)
  std::vector<std::string> metrics;    // bbox and/or mAP
  std::string show_dir;                // pictures with boxes and class names ("" = none)
  // Lowest score drawn; nullopt: the best-F1 threshold on this split (dataset_operating_point,
  // needs a COCO annotation file), printed with its precision and recall.
  std::optional<double> show_score_thr = 0.3;
  bool show_gt = true;                 // the split's ground truth as dashed boxes in the pictures
  int64_t max_pictures = -1;           // -1: every image
};

struct TestOutcome {
  nlohmann::json metrics = nlohmann::json::object();  // metric name -> its metrics
  int64_t images = 0;
  int64_t pictures = 0;
  int64_t boxes_drawn = 0;             // detections drawn in those pictures
  double show_score_thr = 0;           // the threshold they were drawn at
  std::optional<OperatingPoint> operating_point;  // when it was chosen on the data
  double seconds = 0;                  // inference wall time
  double loading_seconds = 0;          // of which waiting for images (engine/inference.h)
  double model_seconds = 0;            // and from the batch in memory to detections
};
TestOutcome test_detector(const Config& cfg, const TestRequest& request);

// Crop pretraining of the config's backbone on the config's data.train (engine/crop_pretraining.h),
// saved to `out` (torchvision ResNet names), progress printed to stdout. Returns the last
// logged crop accuracy.
struct PretrainRequest {
  std::string out;
  int64_t iterations = 400;
  double lr = 0.05;
  std::string optimizer = "sgd";
  double weight_decay = 1e-4;
  int64_t imgs_per_gpu = 0;  // scene images per step (their boxes are the crops); 0: data.imgs_per_gpu
  int64_t crop_size = 64;
  uint64_t seed = 0;
  torch::Device device = torch::kCPU;
};
double pretrain_backbone(const Config& cfg, const PretrainRequest& request);
// The config's `backbone_pretraining` section (iterations, optimizer, lr, weight_decay,
// imgs_per_gpu, crop_size) over the defaults above; the defaults alone when it has none.
PretrainRequest pretrain_request_from(const Config& cfg);
// Whether the config has a `backbone_pretraining` section and no weights from elsewhere
// (model.pretrained, load_from and resume_from all unset).
bool backbone_pretraining_wanted(const Config& cfg);
// When backbone_pretraining_wanted(cfg), pretrains the config's backbone before training: into
// <work_dir>/backbone_pretrained.pth, or reusing that file when an earlier run wrote it. Returns
// the override that points model.pretrained at the file, or "" when nothing is to be done.
std::string pretrained_backbone_override(const Config& cfg, const torch::Device& device, uint64_t seed);

}  // namespace ghmdet::cli
