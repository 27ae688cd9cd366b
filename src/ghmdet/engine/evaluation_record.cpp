#include "ghmdet/engine/evaluation_record.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "ghmdet/core/error.h"

namespace ghmdet {

namespace {

void append_line(const std::string& path, const nlohmann::json& line, const char* what) {
  std::ofstream f(path, std::ios::app);
  f << line.dump() << "\n";
  f.close();
  if (!f) throw Error(fmt::format("{}: cannot write the {}", path, what));
}

}  // namespace

void append_per_class_record(const std::string& work_dir, int64_t epoch, int64_t global_iter,
                             const nlohmann::json& per_class) {
  append_line((std::filesystem::path(work_dir) / "eval_per_class.jsonl").string(),
              {{"epoch", epoch}, {"global_iter", global_iter}, {"per_class", per_class}},
              "per-class evaluation");
}

void append_evaluation_record(const std::string& work_dir, int64_t epoch, int64_t global_iter,
                              nlohmann::json metrics) {
  if (metrics.is_object() && metrics.contains("per_class")) {
    append_per_class_record(work_dir, epoch, global_iter, metrics["per_class"]);
    metrics.erase("per_class");
  }
  nlohmann::json entry{{"mode", "val"}, {"epoch", epoch}, {"global_iter", global_iter}};
  if (metrics.is_object()) {
    for (const auto& [key, value] : metrics.items()) entry[key] = value;
  }
  append_line((std::filesystem::path(work_dir) / "metrics.jsonl").string(), entry, "evaluation entry");
}

}  // namespace ghmdet
