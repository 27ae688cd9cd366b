// The `ghmdet` verbs: each tools/commands/<verb>.cpp registers one Command with
// GHMDET_REGISTER_COMMAND, so adding a verb never edits a central list.
//
// A verb's `setup` declares its options on the CLI11 sub-command and returns the function that
// runs it after parsing; that function returns the process exit code. Verbs hold no logic of
// their own beyond argument handling: they call the library.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace ghmdet::cli {

struct Command {
  std::string name;
  std::string description;
  std::function<std::function<int()>(CLI::App& sub)> setup;
};

std::vector<Command>& registry();

struct Registrar {
  explicit Registrar(Command command) { registry().push_back(std::move(command)); }
};

}  // namespace ghmdet::cli

#define GHMDET_CLI_CONCAT_(a, b) a##b
#define GHMDET_CLI_CONCAT(a, b) GHMDET_CLI_CONCAT_(a, b)
#define GHMDET_REGISTER_COMMAND(...)                                              \
  static ::ghmdet::cli::Registrar GHMDET_CLI_CONCAT(ghmdet_command_, __LINE__) { \
    ::ghmdet::cli::Command { __VA_ARGS__ }                                        \
  }
