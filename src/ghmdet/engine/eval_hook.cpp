#include "ghmdet/engine/eval_hook.h"

#include <fmt/format.h>

#include "ghmdet/core/error.h"
#include "ghmdet/engine/evaluation_record.h"

namespace ghmdet {

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
      append_per_class_record(trainer.options().work_dir(), finished, trainer.state().global_iter,
                              metrics["per_class"]);
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
