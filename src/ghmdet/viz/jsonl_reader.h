// read_jsonl — reads a JSON-lines file (one JSON value per line, as metrics.jsonl,
// ghm_stats.jsonl and eval_per_class.jsonl are written), handing each non-blank line to a
// callback with its 1-based line number.
//
// Errors name the file and the line: a line that is not valid JSON, and any ghmdet::Error or
// nlohmann::json exception thrown by the callback (a missing or mistyped field), become
// ghmdet::Error "<path>:<line>: <what>". A missing file is an error too; callers check for
// optional files first. A last line without its newline is read (an interrupted run's file).
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

namespace ghmdet::viz {

void read_jsonl(const std::string& path,
                const std::function<void(const nlohmann::json& value, int64_t line)>& on_line);

}  // namespace ghmdet::viz
