// Trainer — epochs x iterations of SGD over a BatchSource, mmcv's Runner with its default hooks
// (lr updater, optimizer with gradient clipping, text/JSON logger, checkpoints) as one loop.
//
// One iteration (global index i, 0-based, in epoch e):
//   1. batch = source.next(), moved to options.device                     (data time)
//   2. lr = LrSchedule.lr_at(e, i), set on the optimizer
//   3. losses = model.loss(batch); loss = sum of the terms whose key contains "loss", in key order
//      (with fp16: model.loss runs under autocast, see mixed_precision.h)
//   4. gradients dropped, loss.backward() (with loss scaling: (loss * scale).backward())
//   5. every term checked finite (one host read of all terms per iteration); a NaN/Inf stops
//      training with ghmdet::Error "loss_bbox is nan at epoch 3 iter 1200 (global iteration
//      N)" — nothing is written after it, so latest.pth is still the last good checkpoint
//   6. hooks.gradient_sync(params)   <- the one place gradients are all-reduced and averaged
//   6b. with loss scaling (fp16 on CUDA): gradients divided by the scale and checked finite (a
//      second host read); an inf/nan skips 7 for this iteration and the scaler updates
//      (loss_scaler.h). Ranks agree, since they check the same all-reduced gradients.
//   7. clip_grad_norm over the trainable parameters (when grad_clip is set), then SGD step
//   8. logging every log_interval iterations of the epoch, iteration checkpoints, after_iter hooks
//   9. a pending SIGINT/SIGTERM: save iter_{i+1}.pth, return Status::kInterrupted
// After each epoch: epoch_{e+1}.pth every checkpoint_interval epochs and after the last epoch,
// then after_epoch hooks.
//
// Resume (resume_from): weights, buffers (GHM state), momentum buffers, RNG states, epoch and
// global iteration come back, and with fp16 the loss scale and its growth tracker; the data source is re-seeded for the interrupted epoch and the
// batches it had already delivered are skipped (drawn and dropped), so the run continues with
// the very next batch — with deterministic kernels and a deterministic source, an interrupted and
// resumed run ends with bit-identical weights to an uninterrupted one. load_from loads weights
// only (non-strict, the report is logged) and starts at epoch 0. resume_from wins over load_from.
//
// Only options.rank == 0 logs and writes files. The model must already be on options.device or
// movable there; the trainer builds its optimizer over the parameters that require gradients.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ghmdet/data/batch_source.h"
#include "ghmdet/engine/checkpointer.h"
#include "ghmdet/engine/grad_clip.h"
#include "ghmdet/engine/lr_schedule.h"
#include "ghmdet/engine/mixed_precision.h"
#include "ghmdet/engine/sgd.h"
#include "ghmdet/engine/training_log.h"
#include "ghmdet/modeling/detector.h"

namespace ghmdet {

struct TrainerOptions {
  TORCH_ARG(SGDOptions, optimizer) = SGDOptions().lr(0.01).momentum(0.9).weight_decay(1e-4);
  TORCH_ARG(std::optional<GradClipOptions>, grad_clip) = GradClipOptions();
  // base_lr is ignored: the schedule scales optimizer.lr.
  TORCH_ARG(LrScheduleOptions, lr_schedule) = LrScheduleOptions();
  TORCH_ARG(int64_t, total_epochs) = 12;
  TORCH_ARG(int64_t, checkpoint_interval) = 1;       // epochs; 0: only after the last epoch
  TORCH_ARG(int64_t, checkpoint_iter_interval) = 0;  // global iterations; 0: off
  TORCH_ARG(int64_t, checkpoint_max_keep) = -1;      // -1: keep all; N: the newest N files
  TORCH_ARG(int64_t, log_interval) = 50;             // iterations within an epoch
  TORCH_ARG(std::string, work_dir) = "work_dirs/default";
  TORCH_ARG(std::string, load_from) = "";
  TORCH_ARG(std::string, resume_from) = "";
  TORCH_ARG(std::string, config_text) = "";          // saved in every checkpoint's meta
  TORCH_ARG(torch::Device, device) = torch::kCPU;
  TORCH_ARG(bool, deterministic) = false;
  TORCH_ARG(std::optional<MixedPrecisionOptions>, fp16) = std::nullopt;  // unset: float32
  TORCH_ARG(std::optional<uint64_t>, seed) = std::nullopt;  // recorded; seeding is the caller's
  TORCH_ARG(ProgressBar, progress) = ProgressBar::kAuto;
  TORCH_ARG(bool, handle_signals) = true;
  TORCH_ARG(int64_t, rank) = 0;
  TORCH_ARG(int64_t, world_size) = 1;
};

class Trainer;
class StopSignal;

// Called between backward and clipping with the trainable parameters: all-reduce each .grad()
// and divide it by the world size (the reference averages before clipping). Unset = one process.
using GradientSync = std::function<void(const NamedParameters&)>;

// Extension points, so evaluation, histogram recording and distributed training plug in
// without editing the loop. Hooks run on every rank; use Trainer::is_main_process() to write.
struct TrainerHooks {
  std::vector<std::function<void(Trainer&)>> before_epoch;
  std::vector<std::function<void(Trainer&)>> after_iter;
  std::vector<std::function<void(Trainer&)>> after_epoch;
  GradientSync gradient_sync;
};

// Where the loop is, as hooks see it (after_iter: the iteration just finished is counted).
struct TrainState {
  int64_t epoch = 0;          // current epoch, 0-based
  int64_t inner_iter = 0;     // iterations finished in the current epoch
  int64_t global_iter = 0;    // iterations finished, all epochs
  int64_t epoch_length = 0;   // batches per epoch
  int64_t max_iters = 0;      // total_epochs * epoch_length
  double lr = 0.0;
  std::map<std::string, double> last_losses;  // the last iteration's terms and "loss"
  double loss_scale = 0.0;    // fp16: the loss scaler's scale now; 0 without fp16
  int64_t skipped_steps = 0;  // fp16 with loss scaling: steps skipped for overflow in this run
};

struct TrainResult {
  enum class Status { kCompleted, kInterrupted };
  Status status = Status::kCompleted;
  TrainState state;
  std::string last_checkpoint;  // "" when none was written
};

class Trainer {
 public:
  Trainer(std::shared_ptr<DetectorImpl> model, BatchSource& source, TrainerOptions options,
          TrainerHooks hooks = {});
  ~Trainer();

  TrainResult train();

  DetectorImpl& model() { return *model_; }
  SGD& optimizer() { return *sgd_; }
  TrainingLog& log() { return *log_; }
  const TrainState& state() const { return state_; }
  const TrainerOptions& options() const { return options_; }
  bool is_main_process() const { return options_.rank() == 0; }
  // Saves `filename` in work_dir now (rank 0), at the current position; returns its path.
  std::string save_checkpoint(const std::string& filename);
  // A SIGINT/SIGTERM arrived during train(): the loop stops after the current iteration.
  // (Multi-process training all-reduces this flag so that every rank stops at the same one.)
  bool stop_requested() const;

 private:
  void prepare();
  TrainingPosition position() const;
  void run_epoch(int64_t skip_batches, bool& stop);
  void log_iteration(double iter_time, double data_time);
  void check_finite(const std::vector<std::string>& names, const torch::Tensor& host_values);
  // With loss scaling: unscales the gradients; false when they overflowed and the step is skipped.
  bool unscale_gradients(const std::vector<torch::Tensor>& params);
  void restore_loss_scaler(const nlohmann::json& meta);

  std::shared_ptr<DetectorImpl> model_;
  BatchSource& source_;
  TrainerOptions options_;
  TrainerHooks hooks_;
  std::unique_ptr<SGD> sgd_;
  std::unique_ptr<LrSchedule> schedule_;
  std::unique_ptr<TrainingLog> log_;
  std::unique_ptr<Checkpointer> checkpointer_;
  std::optional<MixedPrecisionPlan> fp16_;
  std::unique_ptr<LossScaler> scaler_;  // with fp16 (its state is checkpointed on any device)
  TrainState state_;
  TrainingPosition start_;
  bool epoch_done_ = false;       // the current epoch's batches are all consumed
  StopSignal* stop_ = nullptr;    // alive during train() when handle_signals
  std::string last_checkpoint_;

  // Running sums over the current logging window.
  std::map<std::string, double> window_sums_;
  int64_t window_count_ = 0;
  double window_time_ = 0.0;
  double window_data_time_ = 0.0;
  double run_time_ = 0.0;
  int64_t run_iters_ = 0;
};

}  // namespace ghmdet
