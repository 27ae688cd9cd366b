// `ghmdet` (run as libexec/ghmdet-main by bin/ghmdet, launcher/ghmdet_launcher.cpp): mmdetection's
// verbs. Errors go to stderr with a non-zero exit code.
#include <algorithm>
#include <iostream>

#include "command.h"
#include "ghmdet/core/error.h"
#include "ghmdet/core/runtime.h"

namespace ghmdet::cli {
std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}
}  // namespace ghmdet::cli

int main(int argc, char** argv) {
  CLI::App app{"GHMDet: single-stage detectors with Gradient Harmonized losses"};
  app.require_subcommand(1);
  auto& commands = ghmdet::cli::registry();
  std::sort(commands.begin(), commands.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  std::vector<std::pair<CLI::App*, std::function<int()>>> runners;
  for (auto& command : commands) {
    CLI::App* sub = app.add_subcommand(command.name, command.description);
    runners.emplace_back(sub, command.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    ghmdet::init_runtime();
    for (auto& [sub, run] : runners) {
      if (sub->parsed()) return run();
    }
  } catch (const ghmdet::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 1;
}
