// `ghmdet check-dataset CONFIG` (or --type/--ann-file/--img-prefix): lists every problem of a
// dataset's files and prints its statistics. Exit code 1 when there are problems.
#include <iostream>

#include "../command.h"
#include "ghmdet/core/config.h"
#include "ghmdet/data/build.h"
#include "ghmdet/data/dataset_check.h"

namespace {

struct Args {
  std::string config;
  std::vector<std::string> splits{"train", "val", "test"};
  std::vector<std::string> overrides;
  std::string type = "CocoDataset";
  std::vector<std::string> ann_files, img_prefixes, classes;
  bool no_decode = false;
};

std::function<int()> setup(CLI::App& sub) {
  auto a = std::make_shared<Args>();
  sub.add_option("config", a->config, "Config file (YAML); its data.<split> sections are checked");
  sub.add_option("--split", a->splits, "Splits of the config to check")->capture_default_str();
  sub.add_option("--cfg-options", a->overrides, "Config overrides key=value");
  sub.add_option("--type", a->type, "Without a config: CocoDataset or VOCDataset")->capture_default_str();
  sub.add_option("--ann-file", a->ann_files, "Without a config: annotation file(s)");
  sub.add_option("--img-prefix", a->img_prefixes, "Without a config: image folder(s)");
  sub.add_option("--classes", a->classes, "Without a config: class names of a VOC-style dataset")->delimiter(',');
  sub.add_flag("--no-decode", a->no_decode, "Only check that images exist (faster)");
  return [a] {
    ghmdet::DatasetCheckOptions options;
    options.decode_images = !a->no_decode;
    std::vector<std::pair<std::string, std::pair<std::string, ghmdet::DatasetOptions>>> todo;
    if (!a->config.empty()) {
      const ghmdet::Config cfg = ghmdet::Config::load(a->config, a->overrides);
      const ghmdet::Config data = cfg["data"];
      for (const auto& split : a->splits) {
        if (!data.has(split)) continue;
        const ghmdet::Config node = data[split];
        todo.push_back({split, {node.get<std::string>("type"), ghmdet::dataset_options_from_config(node)}});
      }
      if (todo.empty()) throw data.error("none of the requested splits is present");
    } else {
      if (a->ann_files.empty()) throw ghmdet::Error("check-dataset: give a CONFIG or --ann-file and --img-prefix");
      ghmdet::DatasetOptions d;
      d.ann_files = a->ann_files;
      d.classes = a->classes;
      d.img_prefixes = a->img_prefixes.empty() ? std::vector<std::string>(a->ann_files.size(), "") : a->img_prefixes;
      todo.push_back({"dataset", {a->type, d}});
    }
    bool ok = true;
    for (const auto& [split, spec] : todo) {
      const auto report = ghmdet::check_dataset(spec.first, spec.second, options);
      std::cout << "== " << split << " (" << spec.first << ")\n" << report.summary();
      ok = ok && report.ok();
    }
    return ok ? 0 : 1;
  };
}

}  // namespace

GHMDET_REGISTER_COMMAND("check-dataset", "Check a dataset's files and print its statistics", setup);
