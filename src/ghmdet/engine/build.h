// build_trainer_options — TrainerOptions from a loaded config's training keys (mmdetection v1
// names), each node checked for unknown keys:
//   optimizer:         {type: SGD, lr, momentum: 0, weight_decay: 0}
//   optimizer_config:  {grad_clip: {max_norm, norm_type: 2} | null (no clipping)}
//   lr_config:         {policy: step|fixed, step: [epochs] | N (every N epochs), gamma: 0.1,
//                       warmup: linear|constant|exp|null, warmup_iters: 500,
//                       warmup_ratio: 1/3}
//   total_epochs:      int
//   checkpoint_config: {interval: 1 (epochs; 0 = only the last), iter_interval: 0 (global
//                       iterations; 0 = off), by_epoch: true (false = mmcv's iteration mode:
//                       `interval` counts iterations), max_keep_ckpts: -1 (keep all; N >= 1:
//                       only the newest N epoch_/iter_ files, see checkpointer.h)}
//   log_config:        {interval: 50 (iterations), hooks: [...] (accepted, ignored: the text log,
//                       progress bar and metrics.jsonl are always on),
//                       ghm_stats_interval: 50 (read by ghm_stats_hook.h)}
//   fp16:              {loss_scale: 512.0 (a number > 0: static) | dynamic} or null (float32
//                       training); see mixed_precision.h
//   work_dir, load_from, resume_from: strings or null
// The whole merged config is stored as text in every checkpoint. Device, seed, determinism and
// rank come from the command line, not from here.
#pragma once

#include "ghmdet/core/config.h"
#include "ghmdet/engine/trainer.h"

namespace ghmdet {

TrainerOptions build_trainer_options(const Config& root);

}  // namespace ghmdet
