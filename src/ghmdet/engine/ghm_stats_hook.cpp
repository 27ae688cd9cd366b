#include "ghmdet/engine/ghm_stats_hook.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "ghmdet/core/error.h"
#include "ghmdet/losses/loss.h"

namespace fs = std::filesystem;

namespace ghmdet {

namespace {

struct StatsState {
  int64_t interval = 0;
  std::shared_ptr<GradNormCapture> capture = std::make_shared<GradNormCapture>();
  bool attached = false;
  bool any_loss = false;
  std::ofstream out;
  std::string path;
};

// Every loss module of the model gets the capture (the heads hold them as submodules).
void attach(StatsState& s, Trainer& trainer) {
  s.attached = true;
  for (const auto& m : trainer.model().modules()) {
    if (auto c = std::dynamic_pointer_cast<ClassificationLossImpl>(m)) {
      c->grad_norm_capture = s.capture;
      s.any_loss = true;
    } else if (auto r = std::dynamic_pointer_cast<RegressionLossImpl>(m)) {
      r->grad_norm_capture = s.capture;
      s.any_loss = true;
    }
  }
}

void write(StatsState& s, Trainer& trainer, const std::vector<GradNormCallStats>& records) {
  if (!s.out.is_open()) {
    const auto dir = trainer.options().work_dir();
    std::error_code ec;
    fs::create_directories(dir, ec);
    s.path = (fs::path(dir) / "ghm_stats.jsonl").string();
    s.out.open(s.path, std::ios::app);
    if (!s.out) throw Error(fmt::format("{}: cannot open for writing", s.path));
  }
  const auto& st = trainer.state();
  s.out << ghm_stats_line(st.epoch + 1, st.global_iter, records).dump() << "\n";
  s.out.flush();
  if (!s.out) throw Error(fmt::format("{}: write failed", s.path));
}

nlohmann::json level_json(const GradNormCallStats& r) {
  nlohmann::json l;
  l["valid"] = r.histogram.valid;
  l["density"] = r.histogram.linear;
  l["log_density"] = r.histogram.log;
  l["below_log"] = r.histogram.below_log;
  if (!r.ghm_counts.empty()) {
    nlohmann::json g;
    g["edges"] = r.ghm_edges;
    g["counts"] = r.ghm_counts;
    g["beta"] = r.ghm_beta;
    if (!r.ghm_acc_sum.empty()) g["acc_sum"] = r.ghm_acc_sum;
    g["tot"] = r.ghm_tot;
    l["ghm"] = std::move(g);
  }
  return l;
}

}  // namespace

int64_t ghm_stats_interval(const Config& root) {
  if (!root.has("log_config") || root["log_config"].is_null()) return 50;
  const Config log = root["log_config"];
  if (!log.has("ghm_stats_interval")) return 50;
  if (log["ghm_stats_interval"].is_null()) return 0;
  const auto n = log.get<int64_t>("ghm_stats_interval");
  if (n < 0) throw log["ghm_stats_interval"].error("must be >= 0 (0 = off)");
  return n;
}

nlohmann::json ghm_stats_line(int64_t epoch, int64_t global_iter,
                              const std::vector<GradNormCallStats>& records) {
  nlohmann::json line;
  line["epoch"] = epoch;
  line["global_iter"] = global_iter;
  line["density_bins"] = {{"linear", GradNormBins::kLinear},
                          {"log", GradNormBins::kLog},
                          {"log10_range", {GradNormBins::kLogLow, GradNormBins::kLogHigh}}};
  double seconds = 0;
  for (const auto& r : records) {
    seconds += r.seconds;
    auto& role = line[r.role];
    if (role.is_null()) {
      role["loss"] = r.loss;
      role["levels"] = nlohmann::json::array();
    }
    role["levels"].push_back(level_json(r));
  }
  line["record_ms"] = seconds * 1e3;
  return line;
}

void add_ghm_stats_hooks(TrainerHooks& hooks, int64_t interval) {
  if (interval <= 0) return;
  auto s = std::make_shared<StatsState>();
  s->interval = interval;
  // Arms for the iteration about to run when it is a recorded one (the first of a run, or an
  // epoch that starts on a multiple of the interval).
  hooks.before_epoch.push_back([s](Trainer& trainer) {
    if (!trainer.is_main_process()) return;
    if (!s->attached) attach(*s, trainer);
    if (s->any_loss && trainer.state().global_iter % s->interval == 0) s->capture->arm();
  });
  hooks.after_iter.push_back([s](Trainer& trainer) {
    if (!trainer.is_main_process() || !s->any_loss) return;
    if (s->capture->armed()) {
      s->capture->disarm();
      auto records = s->capture->take();
      if (!records.empty()) write(*s, trainer, records);
    }
    // global_iter counts finished iterations: it is the 0-based index of the next one.
    if (trainer.state().global_iter % s->interval == 0) s->capture->arm();
  });
}

}  // namespace ghmdet
