// DistributedEnv — who this process is in a multi-process job, read from the launcher's
// environment variables (mmdetection's `--launcher`).
//
//   none:     one process: rank 0 of 1 (the environment is not read).
//   pytorch:  torchrun / torch.distributed.launch (and `ghmdet train --nproc N`): RANK,
//             WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT. RANK and WORLD_SIZE are
//             required; LOCAL_RANK defaults to RANK, MASTER_ADDR to 127.0.0.1, MASTER_PORT to
//             29500 (torchrun's defaults).
//   slurm:    srun: SLURM_PROCID (rank), SLURM_NTASKS (world size), SLURM_LOCALID (local rank),
//             the first host of SLURM_NODELIST (or SLURM_JOB_NODELIST) as the master address,
//             MASTER_PORT (default 29500) — mmcv's _init_dist_slurm. MASTER_ADDR, when set, wins
//             over the node list.
// Invariants of the result: 0 <= rank < world_size, 0 <= local_rank, 1 <= master_port <= 65535.
// A missing or malformed variable is a ghmdet::Error naming it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace ghmdet {

enum class Launcher { kNone, kPytorch, kSlurm };

// "none" | "pytorch" | "slurm"; anything else is an error naming --launcher.
Launcher parse_launcher(const std::string& text);
const char* launcher_name(Launcher launcher);

struct DistributedEnv {
  int64_t rank = 0;
  int64_t world_size = 1;
  int64_t local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;

  bool is_distributed() const { return world_size > 1; }
};

// Looks a variable up; std::nullopt when unset. The default reads the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> process_env(const std::string& name);

DistributedEnv distributed_env(Launcher launcher, const EnvLookup& env = process_env);

// The first host of a Slurm node list: "gpu[03-05,09],cpu1" -> "gpu03", "node7" -> "node7".
// Throws for an empty list.
std::string first_slurm_host(const std::string& nodelist);

}  // namespace ghmdet
