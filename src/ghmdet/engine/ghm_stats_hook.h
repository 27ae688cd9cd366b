// The training hooks that record the gradient-norm distribution of the losses (GHM-C/GHM-R,
// and focal / smooth L1 for baselines) into <work_dir>/ghm_stats.jsonl, for `ghmdet report`.
//
// Every `interval` iterations the main process arms a GradNormCapture
// (losses/grad_norm_capture.h) attached to every loss module of the model; the next training
// iteration's loss calls record their histograms (one per FPN level, P3..P7 in call order), and
// the after_iter hook writes them as one JSON line and disarms. Recorded iterations are the
// 0-based global iterations i with i % interval == 0 (the first iteration included), written as
// "global_iter": i + 1, the count of iterations finished — metrics.jsonl's convention, so both
// files share an x axis. The line format is documented in docs/FORMATS.md (ghm_stats.jsonl).
//
// Cost: nothing while disarmed (a null/flag check per loss call); the armed iteration pays one
// histogram pass per call and a few host reads. Other ranks never arm. A resumed run appends.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

#include "ghmdet/core/config.h"
#include "ghmdet/engine/trainer.h"
#include "ghmdet/losses/grad_norm_capture.h"

namespace ghmdet {

// log_config.ghm_stats_interval (iterations; default 50, 0 = off). Throws a config error for a
// negative value.
int64_t ghm_stats_interval(const Config& root);

// Adds the before_epoch and after_iter hooks; interval 0 adds nothing.
void add_ghm_stats_hooks(TrainerHooks& hooks, int64_t interval);

// One ghm_stats.jsonl line from the records of one iteration (grouped by role: "cls", "reg";
// the level of a record is its index among the records of its role).
nlohmann::json ghm_stats_line(int64_t epoch, int64_t global_iter,
                              const std::vector<GradNormCallStats>& records);

}  // namespace ghmdet
