// make_eval_hook — an after_epoch hook that tests the model during training (mmdetection's
// `evaluation: {interval: N}`): every `interval` epochs, and after the last one, the main
// process runs run_inference over `source`, hands the detections to `evaluate` (e.g. COCO or
// VOC evaluation, from evaluation/) and logs the returned metrics: a plain line, and a
// metrics.jsonl entry {"mode": "val", "epoch": k, "global_iter": n, <metric>: <value>...}.
// The model goes back to training mode afterwards. Other ranks do nothing — unless `gather` is
// set (multi-process training): then every rank runs inference on its own shard of the data
// (`source` is that shard) and `gather` (called on every rank) returns all the detections in
// dataset order on the main process; only the main process evaluates and logs.
// A "per_class" member of the returned metrics (per-class AP and curves, too big for a log
// line) is not logged: it goes to <work_dir>/eval_per_class.jsonl (evaluation_record.h).
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <vector>

#include "ghmdet/engine/inference.h"
#include "ghmdet/engine/trainer.h"

namespace ghmdet {

using Evaluate = std::function<nlohmann::json(const std::vector<ImageDetections>&)>;

using GatherDetections =
    std::function<std::vector<ImageDetections>(const std::vector<ImageDetections>&)>;

std::function<void(Trainer&)> make_eval_hook(BatchSource& source, Evaluate evaluate,
                                             int64_t interval = 1, GatherDetections gather = {});

}  // namespace ghmdet
