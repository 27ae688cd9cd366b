// Checkpointer — the training run's checkpoint files in work_dir, and what resuming reads back.
//
// Files (io/checkpoint.h's format, each written atomically by save_checkpoint):
//   epoch_{k}.pth   after epoch k (1-based) finished, every checkpoint_config.interval epochs
//   iter_{n}.pth    after global iteration n, every checkpoint_config.iter_interval iterations,
//                   and when a stop signal ends the run mid-epoch
//   latest.pth      a relative symlink to the newest of them, replaced atomically (a copy where
//                   the file system has no symlinks)
// A process killed at any moment leaves every one of them whole (latest.pth included); only a
// hidden temporary file may remain, which remove_abandoned_files() deletes on the next run.
// With max_keep = N > 0 (checkpoint_config.max_keep_ckpts) each save then deletes all but the
// newest N epoch_*.pth / iter_*.pth in work_dir, together (newest = last modified; at equal times,
// the later training position), never the file latest.pth points to nor the one just written.
// Contents: `model` = the module's parameters AND buffers (so the GHM losses' EMA state travels
// with it), as CPU tensors; `optimizer` = SGD::state_dict(); `meta`:
//   epoch        epochs finished (mmcv's meta.epoch)
//   iter         global iterations finished (mmcv's meta.iter)
//   inner_iter   batches of epoch `epoch` already consumed (0 at an epoch boundary): resuming
//                re-seeds the data source for that epoch and skips that many batches
//   epoch_length batches per epoch when it was written (a resume with a different value warns)
//   time, torch_version, config (the merged config as YAML text), seed (when set),
//   world_size,
//   rng_state    {"cpu": hex, "cuda:0": hex, ...} torch generator states, for exact resumes
//   fp16         {"loss_scaler": {mode, scale, growth_tracker}} when training with fp16 (written
//                by the trainer through extra_meta; mmcv keeps its loss scaler there too)
// Only the process that is `enabled` (rank 0) writes.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ghmdet/engine/sgd.h"

namespace ghmdet {

struct TrainingPosition {
  int64_t epoch = 0;       // epochs finished
  int64_t inner_iter = 0;  // batches consumed in epoch `epoch`
  int64_t global_iter = 0; // iterations finished, all epochs
};

// The module's parameters and buffers by full name, as detached CPU copies.
torch::OrderedDict<std::string, torch::Tensor> module_state(const torch::nn::Module& module);

std::string to_hex(const torch::Tensor& bytes);
torch::Tensor from_hex(const std::string& hex, const std::string& what);

class Checkpointer {
 public:
  // max_keep: -1 keeps every checkpoint, N >= 1 the newest N; anything else is an Error.
  Checkpointer(std::string work_dir, bool enabled, int64_t max_keep = -1);

  // Deletes the temporary files a killed run left in work_dir; returns their names.
  std::vector<std::string> remove_abandoned_files() const;

  // Writes `filename` in work_dir and points latest.pth at it; returns its path ("" when not
  // enabled). `extra_meta` entries are added to meta (config, seed, ...).
  std::string save(const std::string& filename, const torch::nn::Module& model, const SGD& sgd,
                   const TrainingPosition& position, int64_t epoch_length,
                   const nlohmann::json& extra_meta) const;

  std::string latest_path() const;
  const std::string& work_dir() const { return work_dir_; }

 private:
  void point_latest_at(const std::string& filename) const;
  void remove_old_checkpoints(const std::string& just_written, int64_t epoch_length) const;

  std::string work_dir_;
  bool enabled_;
  int64_t max_keep_;
};

// What resume_from restores into an already-built model and optimizer: weights and buffers
// (strictly: every key must match), momentum buffers, RNG states. Returns the position to
// continue from and the meta it read (epoch_length for the caller's sanity check).
struct ResumeState {
  TrainingPosition position;
  int64_t epoch_length = -1;
  nlohmann::json meta;
};
ResumeState resume_checkpoint(const std::string& path, torch::nn::Module& model, SGD& sgd);

}  // namespace ghmdet
