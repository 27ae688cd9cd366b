// TrainingLog — where the training loop reports progress: a progress bar on a terminal, plain
// lines on stderr and in <work_dir>/train.log, and JSON lines in <work_dir>/metrics.jsonl.
//
// Plain lines follow mmcv's text logger:
//   Epoch [1][50/7330]  lr: 0.00399, eta: 1 day, 4:10:10, time: 0.500, data_time: 0.010,
//   memory: 3600, loss_bbox: 0.5123, loss_cls: 0.8123, loss: 1.3246
// and metrics.jsonl gets one object per logged iteration with the same fields
//   {"mode": "train", "epoch": 1, "iter": 50, "global_iter": 50, "lr": ..., "time": ...,
//    "data_time": ..., "memory": ..., "eta_s": ..., "<loss term>": ..., "loss": ...}
// (epoch and iter 1-based, as displayed; times in seconds averaged over the logging interval,
// memory in MiB) plus whatever append_metrics() adds (e.g. per-epoch evaluation entries). Both
// files are appended to, so a resumed run continues them. A log that is not `enabled` (ranks
// other than 0) writes nothing anywhere.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace ghmdet {

enum class ProgressBar { kAuto, kOn, kOff };

struct TrainingLogOptions {
  std::string work_dir;
  bool enabled = true;
  ProgressBar progress = ProgressBar::kAuto;  // kAuto: only when stderr is a terminal
};

struct IterationRecord {
  int64_t epoch = 0;         // 1-based
  int64_t iter = 0;          // 1-based, within the epoch
  int64_t epoch_length = 0;
  int64_t global_iter = 0;   // iterations completed so far, all epochs
  double lr = 0.0;
  double time = 0.0;         // seconds per iteration
  double data_time = 0.0;    // seconds per iteration spent waiting for the batch
  double memory_mib = -1.0;
  double eta_seconds = 0.0;
  std::vector<std::pair<std::string, double>> values;  // loss terms then "loss"
};

// "1 day, 4:10:10" / "0:05:07", as Python's str(timedelta(seconds=int(s))).
std::string format_eta(double seconds);

class TrainingLog {
 public:
  explicit TrainingLog(TrainingLogOptions options);
  ~TrainingLog();

  bool enabled() const { return options_.enabled; }
  // Redraws the progress bar (terminal only; cheap, call it every iteration).
  void progress(const IterationRecord& record);
  // A logged iteration: plain line (stderr + train.log) and a metrics.jsonl entry.
  void record(const IterationRecord& record);
  // A plain message (stderr + train.log).
  void info(const std::string& message);
  // One more JSON line in metrics.jsonl.
  void append_metrics(const nlohmann::json& entry);

  std::string log_path() const;
  std::string metrics_path() const;

 private:
  void clear_bar();
  void write_line(const std::string& line);

  TrainingLogOptions options_;
  bool bar_ = false;
  bool bar_visible_ = false;
  std::ofstream log_;
  std::ofstream metrics_;
};

}  // namespace ghmdet
