// `ghmdet print-config CONFIG [--cfg-options k=v ...]`: the merged config (its `_base_` files and
// the overrides applied) as YAML, as mmdetection's tools/misc/print_config.py prints it. A
// relative CONFIG that is not found from here is looked up among the shipped configs.
#include <iostream>

#include "../cli_support.h"
#include "../command.h"

namespace {

struct Args {
  std::string config;
  std::vector<std::string> overrides;
};

GHMDET_REGISTER_COMMAND("print-config", "Print a config merged with its _base_ files and the overrides",
                        [](CLI::App& sub) -> std::function<int()> {
                          auto a = std::make_shared<Args>();
                          sub.add_option("config", a->config, "Config file (YAML)")->required();
                          sub.add_option("--cfg-options", a->overrides, "Config overrides key=value");
                          return [a] {
                            std::cout << ghmdet::cli::load_config(a->config, a->overrides).dump() << "\n";
                            return 0;
                          };
                        });

}  // namespace
