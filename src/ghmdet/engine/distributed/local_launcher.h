// launch_local_processes — `ghmdet train --nproc N`: starts N copies of a program on this
// machine as ranks 0..N-1 of one job (what torchrun does for one node), waits for them, and
// stops the job as soon as one of them fails.
//
// Each child gets the parent's environment plus RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR
// (127.0.0.1) and MASTER_PORT (a free port unless one is given) and runs
// `executable args...` (the caller adds `--launcher pytorch`), and OMP_NUM_THREADS = cores / N
// (at least 1) unless it is already set, so the ranks do not oversubscribe the cores. When a child exits with a
// non-zero status or is killed by a signal, the others get SIGTERM (they save nothing: only
// rank 0 writes, and its collectives fail anyway), then SIGKILL after `kill_grace`; the result
// names the first rank that failed and how. Each child runs in its own process group and gets
// SIGTERM if the parent dies; a SIGTERM or SIGINT sent to the parent (a terminal's Ctrl-C) is
// passed on to every child exactly once (ghmdet treats a second one as "abort").
// Exit code 130 (ghmdet's "stopped by a signal, checkpoint written") is not a failure: the
// others are not stopped (they are stopping at the same iteration). Exit code of the job: the
// first failed child's exit status (128 + signal number for a child killed by a signal); else
// 130 when a child stopped on a signal; else 0.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace ghmdet {

struct LocalLaunchOptions {
  int nproc = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 0;  // 0: a port that is free now
  std::chrono::milliseconds kill_grace{10000};
  bool stop_others_on_failure = true;
};

struct LocalLaunchResult {
  int exit_code = 0;
  int failed_rank = -1;  // the first rank that failed, -1 when none did
  std::string message;   // "rank 1 (pid 4242) exited with status 3", "" when all succeeded
  std::vector<int> exit_codes;  // per rank, the code as above
};

LocalLaunchResult launch_local_processes(const std::string& executable,
                                         const std::vector<std::string>& args,
                                         const LocalLaunchOptions& options);

// A TCP port on `address` that nothing listens on right now (asks the kernel for port 0).
int find_free_port(const std::string& address = "127.0.0.1");

// This program's executable (/proc/self/exe), for re-executing itself.
std::string current_executable();

}  // namespace ghmdet
