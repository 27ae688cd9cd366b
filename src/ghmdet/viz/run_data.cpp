#include "ghmdet/viz/run_data.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

#include "ghmdet/core/error.h"
#include "ghmdet/viz/jsonl_reader.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace ghmdet::viz {

namespace {

int64_t int_field(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number_integer()) throw Error(fmt::format("missing integer field '{}'", key));
  return j[key].get<int64_t>();
}

void read_metrics(const std::string& path, RunData& run) {
  read_jsonl(path, [&](const json& j, int64_t) {
    if (!j.is_object()) throw Error("expected a JSON object");
    const std::string mode = j.value("mode", "train");
    if (mode == "val") {
      ValPoint v;
      v.epoch = int_field(j, "epoch");
      v.global_iter = j.value("global_iter", int64_t{0});
      for (const auto& [k, value] : j.items()) {
        if (k != "epoch" && k != "global_iter" && value.is_number()) v.metrics[k] = value.get<double>();
      }
      run.val.push_back(std::move(v));
      return;
    }
    TrainPoint t;
    t.epoch = int_field(j, "epoch");
    t.global_iter = int_field(j, "global_iter");
    if (!j.contains("lr") || !j["lr"].is_number()) throw Error("missing number field 'lr'");
    t.lr = j["lr"].get<double>();
    if (j.contains("time") && j["time"].is_number()) t.time = j["time"].get<double>();
    for (const auto& [k, value] : j.items()) {
      if (k.find("loss") != std::string::npos && value.is_number()) t.losses[k] = value.get<double>();
    }
    run.train.push_back(std::move(t));
  });
}

template <typename T>
std::vector<T> array_field(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_array()) throw Error(fmt::format("missing array field '{}'", key));
  return j[key].get<std::vector<T>>();
}

void read_grad_norms(const std::string& path, RunData& run) {
  read_jsonl(path, [&](const json& j, int64_t) {
    GradNormRecord r;
    r.epoch = int_field(j, "epoch");
    r.global_iter = int_field(j, "global_iter");
    if (j.contains("record_ms") && j["record_ms"].is_number()) r.record_ms = j["record_ms"].get<double>();
    if (j.contains("density_bins")) {
      const auto range = j["density_bins"].at("log10_range");
      r.log10_lo = range.at(0).get<double>();
      r.log10_hi = range.at(1).get<double>();
    }
    for (const char* role : {"cls", "reg"}) {
      if (!j.contains(role)) continue;
      RoleGradNorms rn;
      rn.loss = j[role].at("loss").get<std::string>();
      for (const auto& l : j[role].at("levels")) {
        LevelGradNorms level;
        level.valid = int_field(l, "valid");
        level.below_log = l.value("below_log", int64_t{0});
        level.density = array_field<int64_t>(l, "density");
        level.log_density = array_field<int64_t>(l, "log_density");
        if (l.contains("ghm")) {
          const auto& g = l["ghm"];
          GhmBins b;
          b.edges = array_field<double>(g, "edges");
          b.counts = array_field<int64_t>(g, "counts");
          b.beta = array_field<double>(g, "beta");
          if (g.contains("acc_sum")) b.acc_sum = array_field<double>(g, "acc_sum");
          b.tot = g.value("tot", 0.0);
          if (b.edges.size() != b.counts.size() + 1 || b.beta.size() != b.counts.size())
            throw Error("ghm bins: edges, counts and beta do not agree in length");
          level.ghm = std::move(b);
        }
        rn.levels.push_back(std::move(level));
      }
      r.roles[role] = std::move(rn);
    }
    run.grad_norms.push_back(std::move(r));
  });
}

void read_per_class(const std::string& path, RunData& run) {
  read_jsonl(path, [&](const json& j, int64_t) {
    PerClassRecord r;
    r.epoch = int_field(j, "epoch");
    r.global_iter = j.value("global_iter", int64_t{0});
    const auto& p = j.at("per_class");
    r.metric = p.value("metric", "");
    r.iou = p.value("iou", 0.5);
    for (const auto& c : p.at("classes")) {
      ClassCurve cc;
      cc.name = c.at("name").get<std::string>();
      cc.ap = c.value("ap", -1.0);
      cc.ap50 = c.value("ap50", -1.0);
      cc.recall = array_field<double>(c, "recall");
      cc.precision = array_field<double>(c, "precision");
      if (cc.recall.size() != cc.precision.size())
        throw Error(fmt::format("class '{}': recall and precision differ in length", cc.name));
      r.classes.push_back(std::move(cc));
    }
    run.per_class.push_back(std::move(r));
  });
}

}  // namespace

RunData load_run(const std::string& work_dir) {
  std::error_code ec;
  if (!fs::is_directory(work_dir, ec)) throw Error(fmt::format("{}: work_dir not found (not a directory)", work_dir));
  RunData run;
  run.work_dir = work_dir;
  fs::path p = fs::path(work_dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  run.name = p.filename().string();
  if (run.name.empty() || run.name == ".") run.name = fs::absolute(p, ec).filename().string();
  const auto file = [&](const char* name) { return (fs::path(work_dir) / name).string(); };
  if (!fs::is_regular_file(file("metrics.jsonl"), ec))
    throw Error(fmt::format("{}: no metrics.jsonl (is this the work_dir of a `ghmdet train`?)", work_dir));
  read_metrics(file("metrics.jsonl"), run);
  if (fs::is_regular_file(file("ghm_stats.jsonl"), ec)) read_grad_norms(file("ghm_stats.jsonl"), run);
  if (fs::is_regular_file(file("eval_per_class.jsonl"), ec)) read_per_class(file("eval_per_class.jsonl"), run);
  const fs::path pictures = fs::path(work_dir) / "pictures";
  if (fs::is_directory(pictures, ec)) {
    for (const auto& e : fs::directory_iterator(pictures, ec)) {
      std::string ext = e.path().extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
      if (e.is_regular_file() && (ext == ".jpg" || ext == ".jpeg" || ext == ".png")) run.pictures.push_back(e.path().string());
    }
    std::sort(run.pictures.begin(), run.pictures.end());
  }
  return run;
}

}  // namespace ghmdet::viz
