// Where an evaluation's results are kept in a work_dir, for `ghmdet report`:
//   metrics.jsonl        {"mode": "val", "epoch": k, "global_iter": n, <metric>: <value>...}
//   eval_per_class.jsonl {"epoch": k, "global_iter": n, "per_class": {...}}
//                        (evaluation/per_class_results.h; too big for a log line)
// The evaluation hook writes both during training (metrics.jsonl through the training log);
// append_evaluation_record writes them for an evaluation made after training (`ghmdet demo`
// tests its last checkpoint), so the report sees it the same way. Files are appended to;
// a write failure is a ghmdet::Error naming the file.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace ghmdet {

void append_per_class_record(const std::string& work_dir, int64_t epoch, int64_t global_iter,
                             const nlohmann::json& per_class);

// `metrics` as an Evaluate function returns them: numbers, and optionally "per_class".
void append_evaluation_record(const std::string& work_dir, int64_t epoch, int64_t global_iter,
                              nlohmann::json metrics);

}  // namespace ghmdet
