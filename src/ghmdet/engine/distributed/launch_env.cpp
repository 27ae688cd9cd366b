#include "ghmdet/engine/distributed/launch_env.h"

#include <fmt/format.h>

#include <cstdlib>

#include "ghmdet/core/error.h"

namespace ghmdet {

namespace {

int64_t integer_var(const EnvLookup& env, const std::string& name, std::optional<int64_t> fallback,
                    const std::string& launcher) {
  const std::optional<std::string> text = env(name);
  if (!text || text->empty()) {
    if (fallback) return *fallback;
    throw Error(fmt::format("--launcher {}: environment variable {} is not set", launcher, name));
  }
  try {
    size_t used = 0;
    const long long value = std::stoll(*text, &used);
    if (used != text->size()) throw std::invalid_argument("trailing text");
    return value;
  } catch (const std::exception&) {
    throw Error(fmt::format("--launcher {}: environment variable {}='{}' is not an integer",
                            launcher, name, *text));
  }
}

void check(const DistributedEnv& e, const std::string& launcher, const std::string& rank_var,
           const std::string& size_var) {
  if (e.world_size < 1) {
    throw Error(fmt::format("--launcher {}: {}={} must be >= 1", launcher, size_var, e.world_size));
  }
  if (e.rank < 0 || e.rank >= e.world_size) {
    throw Error(fmt::format("--launcher {}: {}={} is outside [0, {}={})", launcher, rank_var,
                            e.rank, size_var, e.world_size));
  }
  if (e.local_rank < 0) throw Error(fmt::format("--launcher {}: the local rank must be >= 0", launcher));
  if (e.master_port < 1 || e.master_port > 65535) {
    throw Error(fmt::format("--launcher {}: MASTER_PORT={} is not a TCP port (1..65535)", launcher,
                            e.master_port));
  }
  if (e.master_addr.empty()) throw Error(fmt::format("--launcher {}: MASTER_ADDR is empty", launcher));
}

}  // namespace

Launcher parse_launcher(const std::string& text) {
  if (text == "none") return Launcher::kNone;
  if (text == "pytorch") return Launcher::kPytorch;
  if (text == "slurm") return Launcher::kSlurm;
  throw Error(fmt::format("--launcher: unknown launcher '{}' (known: none, pytorch, slurm)", text));
}

const char* launcher_name(Launcher launcher) {
  switch (launcher) {
    case Launcher::kNone: return "none";
    case Launcher::kPytorch: return "pytorch";
    case Launcher::kSlurm: return "slurm";
  }
  return "?";
}

std::optional<std::string> process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

std::string first_slurm_host(const std::string& nodelist) {
  // The first entry ends at the first comma outside brackets.
  size_t end = 0;
  int depth = 0;
  for (; end < nodelist.size(); ++end) {
    const char c = nodelist[end];
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (c == ',' && depth == 0) break;
  }
  const std::string first = nodelist.substr(0, end);
  if (first.empty()) throw Error("--launcher slurm: SLURM_NODELIST is empty");
  const size_t open = first.find('[');
  if (open == std::string::npos) return first;
  const size_t close = first.find(']', open);
  if (close == std::string::npos) {
    throw Error(fmt::format("--launcher slurm: SLURM_NODELIST '{}' has an unclosed '['", nodelist));
  }
  // The first number of the first range keeps its zero padding: "gpu[03-05]" -> "gpu03".
  std::string range = first.substr(open + 1, close - open - 1);
  range = range.substr(0, range.find_first_of(",-"));
  if (range.empty()) {
    throw Error(fmt::format("--launcher slurm: SLURM_NODELIST '{}' has an empty range", nodelist));
  }
  return first.substr(0, open) + range + first.substr(close + 1);
}

DistributedEnv distributed_env(Launcher launcher, const EnvLookup& env) {
  DistributedEnv e;
  const std::string name = launcher_name(launcher);
  switch (launcher) {
    case Launcher::kNone:
      return e;
    case Launcher::kPytorch:
      e.rank = integer_var(env, "RANK", std::nullopt, name);
      e.world_size = integer_var(env, "WORLD_SIZE", std::nullopt, name);
      e.local_rank = integer_var(env, "LOCAL_RANK", e.rank, name);
      e.master_addr = env("MASTER_ADDR").value_or("127.0.0.1");
      e.master_port = static_cast<int>(integer_var(env, "MASTER_PORT", 29500, name));
      check(e, name, "RANK", "WORLD_SIZE");
      return e;
    case Launcher::kSlurm: {
      e.rank = integer_var(env, "SLURM_PROCID", std::nullopt, name);
      e.world_size = integer_var(env, "SLURM_NTASKS", std::nullopt, name);
      e.local_rank = integer_var(env, "SLURM_LOCALID", 0, name);
      if (const auto addr = env("MASTER_ADDR"); addr && !addr->empty()) {
        e.master_addr = *addr;
      } else {
        auto nodes = env("SLURM_NODELIST");
        if (!nodes || nodes->empty()) nodes = env("SLURM_JOB_NODELIST");
        if (!nodes || nodes->empty()) {
          throw Error("--launcher slurm: neither MASTER_ADDR nor SLURM_NODELIST is set");
        }
        e.master_addr = first_slurm_host(*nodes);
      }
      e.master_port = static_cast<int>(integer_var(env, "MASTER_PORT", 29500, name));
      check(e, name, "SLURM_PROCID", "SLURM_NTASKS");
      return e;
    }
  }
  return e;
}

}  // namespace ghmdet
