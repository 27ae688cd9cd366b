#include "config_check.h"

#include <fmt/format.h>

#include <filesystem>

#include "cli_support.h"
#include "ghmdet/core/error.h"
#include "ghmdet/data/build.h"
#include "ghmdet/engine/build.h"
#include "ghmdet/engine/distributed/distributed_training.h"
#include "ghmdet/engine/ghm_stats_hook.h"
#include "ghmdet/modeling/build.h"

namespace fs = std::filesystem;

namespace ghmdet::cli {
namespace {

Config optional_node(const Config& cfg, const std::string& key) {
  return cfg.has(key) && !cfg[key].is_null() ? cfg[key] : Config();
}

// A weights file named by the config (load_from, resume_from) must exist.
void check_weights_key(const Config& cfg, const std::string& key) {
  const std::string path = cfg.get<std::string>(key, "");
  std::error_code ec;
  if (!path.empty() && !fs::is_regular_file(path, ec)) throw cfg[key].error(path + ": file not found");
}

// Metric errors name evaluation.metric when the config chose it.
void check_metric_at(const Config& cfg, const std::string& metric, const Config& split) {
  try {
    check_metric(metric, split.get<std::string>("type"), split["ann_file"].is_sequence() ? split["ann_file"].size() : 1);
  } catch (const Error& e) {
    const Config evaluation = optional_node(cfg, "evaluation");
    if (!evaluation.is_null() && evaluation.has("metric")) throw evaluation["metric"].error(e.what());
    throw;
  }
}

}  // namespace

void check_config(const Config& cfg, const ConfigUse& use) {
  const bool train_data = use.train || use.pretrain_backbone;
  check_detector_config(cfg["model"], use.train ? cfg["train_cfg"] : Config(), optional_node(cfg, "test_cfg"));
  if (use.train) {
    build_trainer_options(cfg);
    ghm_stats_interval(cfg);
    distributed_config(cfg);
    check_weights_key(cfg, "load_from");
    check_weights_key(cfg, "resume_from");
  }
  if (train_data) pretrain_request_from(cfg);

  const Config data = cfg["data"];
  check_data_config(data);
  if (train_data) check_dataset_config(data["train"], use.data_files);
  if (use.validate) {
    const Config val = data["val"];
    check_dataset_config(val, use.data_files);
    const Config evaluation = optional_node(cfg, "evaluation");
    if (!evaluation.is_null() && evaluation.get<int64_t>("interval", 1) < 1)
      throw evaluation["interval"].error("must be at least 1");
    check_metric_at(cfg, default_metric(cfg, val.get<std::string>("type")), val);
  }
  if (use.test) {
    const Config test = data["test"];
    check_dataset_config(test, use.data_files);
    for (const auto& metric : use.metrics) check_metric_at(Config(), metric, test);
  }
}

}  // namespace ghmdet::cli
