// YAML configs (core/config.h) with `_base_`: the input is cfg.yaml in a folder that also holds
// base.yaml (a small valid config) and a copy of the input as other.yaml, so `_base_` lists may
// name a real base, the input itself (a cycle) or a missing file. The loaded config is dumped
// and its keys walked, as the builders do.
#include <cstdint>
#include <functional>

#include "fuzz_input.h"
#include "ghmdet/core/config.h"
#include "ghmdet/core/error.h"

namespace {

const char kBase[] = "model: {type: RetinaNet, backbone: {depth: 18}}\n"
                     "optimizer: {type: SGD, lr: 0.01}\ntotal_epochs: 2\n";

void walk(const ghmdet::Config& c, int depth) {
  if (depth > 64) return;
  if (c.is_map()) {
    for (const auto& key : c.keys()) walk(c[key], depth + 1);
  } else if (c.is_sequence()) {
    for (size_t i = 0; i < c.size(); ++i) walk(c.at(i), depth + 1);
  } else if (c.is_scalar()) {
    try {
      c.as<double>();
    } catch (const ghmdet::Error&) {
    }
    c.as<std::string>();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string base =
      ghmdet::fuzz::write_input("base.yaml", reinterpret_cast<const uint8_t*>(kBase), sizeof(kBase) - 1);
  ghmdet::fuzz::write_input("other.yaml", data, size);
  const std::string path = ghmdet::fuzz::write_input("cfg.yaml", data, size);
  try {
    const ghmdet::Config cfg = ghmdet::Config::load(path);
    cfg.dump();
    walk(cfg, 0);
  } catch (const ghmdet::Error&) {
  }
  return 0;
}
