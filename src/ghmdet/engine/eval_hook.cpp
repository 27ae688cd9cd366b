#include "ghmdet/engine/eval_hook.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "ghmdet/core/error.h"

namespace ghmdet {

namespace {

void write_per_class(Trainer& trainer, int64_t epoch, const nlohmann::json& per_class) {
  const auto path = (std::filesystem::path(trainer.options().work_dir()) / "eval_per_class.jsonl").string();
  std::ofstream f(path, std::ios::app);
  nlohmann::json line{{"epoch", epoch}, {"global_iter", trainer.state().global_iter}, {"per_class", per_class}};
  f << line.dump() << "\n";
  if (!f) throw Error(fmt::format("{}: cannot write the per-class evaluation", path));
}

}  // namespace

std::function<void(Trainer&)> make_eval_hook(BatchSource& source, Evaluate evaluate,
                                             int64_t interval, GatherDetections gather) {
  if (interval <= 0) throw Error("evaluation.interval: must be > 0, got " + std::to_string(interval));
  if (!evaluate) throw Error("make_eval_hook: no evaluation function");
  return [&source, evaluate = std::move(evaluate), interval, gather = std::move(gather)](Trainer& trainer) {
    if (!gather && !trainer.is_main_process()) return;
    const int64_t finished = trainer.state().epoch + 1;
    if (finished % interval != 0 && finished != trainer.options().total_epochs()) return;
    auto detections = run_inference(
        trainer.model(), source,
        InferenceOptions().device(trainer.options().device()).progress(trainer.options().progress()));
    if (gather) detections = gather(detections);
    if (!trainer.is_main_process()) return;
    nlohmann::json metrics = evaluate(detections);
    if (metrics.is_object() && metrics.contains("per_class")) {
      write_per_class(trainer, finished, metrics["per_class"]);
      metrics.erase("per_class");
    }
    nlohmann::json entry;
    entry["mode"] = "val";
    entry["epoch"] = finished;
    entry["global_iter"] = trainer.state().global_iter;
    std::string line = fmt::format("Epoch(val) [{}]", finished);
    if (metrics.is_object()) {
      bool first = true;
      for (const auto& [key, value] : metrics.items()) {
        entry[key] = value;
        line += fmt::format("{}{}: {}", first ? "\t" : ", ",
                            key, value.is_number_float() ? fmt::format("{:.4f}", value.get<double>())
                                                         : value.dump());
        first = false;
      }
    }
    trainer.log().info(line);
    trainer.log().append_metrics(entry);
  };
}

}  // namespace ghmdet
