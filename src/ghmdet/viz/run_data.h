// RunData — what `ghmdet report` knows about one training run, read from its work_dir:
//
//   metrics.jsonl        (required) training entries -> `train`, "mode": "val" entries -> `val`
//   ghm_stats.jsonl      (optional) gradient-norm records -> `grad_norms` (engine/ghm_stats_hook.h)
//   eval_per_class.jsonl (optional) per-class AP and PR curves -> `per_class`
//   pictures/*.jpg|png   (optional) detection pictures (`ghmdet demo`, `test --show-dir`)
//
// Errors: a missing or unreadable work_dir, or one without metrics.jsonl, is a ghmdet::Error
// naming the path; a malformed line names the file and the line (jsonl_reader.h).
// Records keep their file order; a resumed run's files may repeat iterations, which plots draw
// as they come.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ghmdet::viz {

struct TrainPoint {
  int64_t epoch = 0, global_iter = 0;
  double lr = 0;
  double time = -1;  // seconds per iteration over the logging window (-1: not logged)
  std::map<std::string, double> losses;  // every key containing "loss" ("loss" = the sum)
};

struct ValPoint {
  int64_t epoch = 0, global_iter = 0;
  std::map<std::string, double> metrics;  // the numeric metrics (bbox_mAP, ..., or mAP)
};

struct GhmBins {
  std::vector<double> edges, beta, acc_sum;  // acc_sum empty when momentum = 0
  std::vector<int64_t> counts;
  double tot = 0;
};

struct LevelGradNorms {
  int64_t valid = 0, below_log = 0;
  std::vector<int64_t> density;      // linear bins over [0, 1]
  std::vector<int64_t> log_density;  // log10 bins over log10_range
  std::optional<GhmBins> ghm;
};

struct RoleGradNorms {
  std::string loss;                   // GHMC, GHMR, FocalLoss, SmoothL1Loss
  std::vector<LevelGradNorms> levels; // P3, P4, ... in call order
};

struct GradNormRecord {
  int64_t epoch = 0, global_iter = 0;
  double log10_lo = -6, log10_hi = 0;
  double record_ms = -1;  // what recording this iteration cost (-1: not written)
  std::map<std::string, RoleGradNorms> roles;  // "cls", "reg"
};

struct ClassCurve {
  std::string name;
  double ap = -1, ap50 = -1;
  std::vector<double> recall, precision;
};

struct PerClassRecord {
  int64_t epoch = 0, global_iter = 0;
  std::string metric;  // bbox | mAP
  double iou = 0.5;
  std::vector<ClassCurve> classes;
};

struct RunData {
  std::string work_dir;
  std::string name;  // the work_dir's last path component
  std::vector<TrainPoint> train;
  std::vector<ValPoint> val;
  std::vector<GradNormRecord> grad_norms;
  std::vector<PerClassRecord> per_class;
  std::vector<std::string> pictures;  // sorted paths
};

RunData load_run(const std::string& work_dir);

}  // namespace ghmdet::viz
