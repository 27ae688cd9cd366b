// `ghmdet eval --ann ANNOTATIONS --results RESULTS.json [--out stats.json] [--classwise]`:
// COCO bbox evaluation of a results file, printed as pycocotools' summary. Needs no model.
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../command.h"
#include "ghmdet/core/error.h"
#include "ghmdet/data/coco_json.h"
#include "ghmdet/evaluation/coco_eval.h"
#include "ghmdet/evaluation/results_io.h"

namespace {

struct EvalArgs {
  std::string ann;
  std::string results;
  std::string out;
  bool classwise = false;
};

int run_eval(const EvalArgs& args) {
  const ghmdet::CocoJson gt = ghmdet::read_coco_json(args.ann);
  const auto results = ghmdet::read_coco_results(args.results);
  ghmdet::validate_coco_results(results, gt, args.results);
  const auto r = ghmdet::evaluate_coco_bbox(gt, results);
  std::cout << ghmdet::format_coco_summary(r.stats);
  if (args.classwise) {
    std::unordered_map<int64_t, std::string> names;
    for (const auto& c : gt.categories) names[c.id] = c.name;
    std::cout << fmt::format("\n{:<24} {:>8}\n", "category", "AP");
    for (std::size_t k = 0; k < r.category_ids.size(); ++k) {
      const double ap = r.per_class_ap[k];
      std::cout << fmt::format("{:<24} {:>8}\n", names[r.category_ids[k]],
                               ap < 0 ? std::string("-") : fmt::format("{:.3f}", ap));
    }
  }
  if (!args.out.empty()) {
    nlohmann::ordered_json stats;
    for (int i = 0; i < 12; ++i) stats[ghmdet::coco_stat_names()[i]] = r.stats[i];
    std::ofstream f(args.out);
    if (!f) throw ghmdet::Error(fmt::format("{}: cannot open the stats file for writing", args.out));
    f << stats.dump(2) << "\n";
    if (!f) throw ghmdet::Error(fmt::format("{}: writing the stats file failed", args.out));
  }
  return 0;
}

}  // namespace

GHMDET_REGISTER_COMMAND(
    "eval", "COCO bbox evaluation of a results file (the 12 numbers of pycocotools' COCOeval)",
    [](CLI::App& sub) -> std::function<int()> {
      auto args = std::make_shared<EvalArgs>();
      sub.add_option("--ann", args->ann, "COCO annotation file (instances_*.json)")->required();
      sub.add_option("--results", args->results,
                     "COCO results file: [{image_id, category_id, bbox [x,y,w,h], score}]")
          ->required();
      sub.add_option("--out", args->out,
                     "write {AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl} here");
      sub.add_flag("--classwise", args->classwise, "also print AP@[.5:.95] per category");
      return [args] { return run_eval(*args); };
    });
