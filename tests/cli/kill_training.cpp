// kill_training WORK_DIR KILLS SEED -- COMMAND...: SIGKILLs a training run KILLS times and
// checks after each kill that work_dir is still usable, then lets a last run finish.
//
// COMMAND is `ghmdet train ... --work-dir WORK_DIR` with a checkpoint every iteration; each run
// after the first gets `--resume-from WORK_DIR/latest.pth` once latest.pth exists. Half of the
// kills (chosen by SEED) wait for the k-th (k = 1..3) checkpoint temporary file to appear and
// kill within 2 ms of it, during the write; the others kill at a random moment in the first
// 2.5 s (start-up, data loading, an iteration or a write). After every kill:
//   - latest.pth, and every epoch_*.pth / iter_*.pth, load (io/checkpoint.h) — no partial file;
//   - latest.pth's meta.iter never goes back.
// The last run gets `--cfg-options total_epochs=<latest's epoch + 1>` and must exit 0 with that
// epoch finished, leaving no temporary file. At least 5 kills must have landed mid-write (a temporary file left behind),
// or the test did not test what it claims. Exit code 0 on success, 1 with the reason otherwise.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ghmdet/io/checkpoint.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& why) {
  std::cerr << "kill_training: " << why << "\n";
  std::exit(1);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) fail("cannot start " + args[0] + ": " + std::strerror(rc));
  return pid;
}

std::set<std::string> temporaries(const fs::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name[0] == '.' && name.find(".tmp.") != std::string::npos) out.insert(name);
  }
  return out;
}

// Returns meta.iter of latest.pth (-1 when there is none yet) after loading every checkpoint.
int64_t check_work_dir(const fs::path& dir, const std::string& after) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("epoch_", 0) != 0 && name.rfind("iter_", 0) != 0) continue;
    try {
      ghmdet::load_checkpoint(it->path().string());
    } catch (const std::exception& e) {
      fail(after + ": " + name + " does not load: " + e.what());
    }
  }
  const fs::path latest = dir / "latest.pth";
  if (!fs::exists(fs::symlink_status(latest))) return -1;
  try {
    const auto meta = ghmdet::load_checkpoint(latest.string()).meta;
    return meta.at("iter").get<int64_t>();
  } catch (const std::exception& e) {
    fail(after + ": latest.pth does not load: " + e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6 || std::string(argv[4]) != "--") {
    std::cerr << "usage: kill_training WORK_DIR KILLS SEED -- COMMAND...\n";
    return 2;
  }
  const fs::path work = argv[1];
  const int kills = std::atoi(argv[2]);
  std::mt19937 rng(static_cast<uint32_t>(std::atoll(argv[3])));
  const std::vector<std::string> command(argv + 5, argv + argc);
  const fs::path logs = work.parent_path() / (work.filename().string() + "_logs");
  fs::remove_all(work);
  fs::create_directories(logs);
  const fs::path latest = work / "latest.pth";

  int64_t last_iter = -1;
  int mid_write = 0;
  for (int run = 0; run < kills; ++run) {
    std::vector<std::string> args = command;
    if (fs::exists(fs::symlink_status(latest))) {
      args.insert(args.end(), {"--resume-from", latest.string()});
    }
    const std::set<std::string> before = temporaries(work);
    const bool during_write = rng() % 2 == 0;
    const int nth_write = 1 + static_cast<int>(rng() % 3);
    const auto delay = std::chrono::microseconds(during_write ? rng() % 2000 : rng() % 2500000);
    const fs::path log = logs / ("run_" + std::to_string(run) + ".log");
    const pid_t pid = spawn(args, log);
    const auto start = Clock::now();
    int status = 0;
    bool exited = false;
    std::set<std::string> seen;
    while (!exited) {
      if (waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      if (during_write) {
        for (const auto& name : temporaries(work)) {
          if (!before.count(name)) seen.insert(name);
        }
        if (static_cast<int>(seen.size()) >= nth_write) break;
        if (Clock::now() - start > std::chrono::seconds(30)) break;
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      } else {
        if (Clock::now() - start >= delay) break;
        std::this_thread::sleep_for(std::chrono::microseconds(500));
      }
    }
    if (exited) {
      fail("run " + std::to_string(run) + " ended by itself before the kill (status " +
           std::to_string(status) + "):\n" + read_file(log));
    }
    if (during_write) std::this_thread::sleep_for(delay);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    if (!WIFSIGNALED(status)) {
      fail("run " + std::to_string(run) + " exited (status " + std::to_string(status) +
           ") before SIGKILL:\n" + read_file(log));
    }
    std::set<std::string> left;
    for (const auto& name : temporaries(work)) {
      if (!before.count(name)) left.insert(name);
    }
    if (!left.empty()) ++mid_write;
    const std::string after = "after kill " + std::to_string(run + 1);
    const int64_t iter = check_work_dir(work, after);
    if (iter < last_iter) {
      fail(after + ": latest.pth went back from iteration " + std::to_string(last_iter) + " to " +
           std::to_string(iter));
    }
    std::cout << after << (during_write ? " (at write " + std::to_string(nth_write) + ")" : "")
              << ": latest.pth at iteration " << iter
              << (left.empty() ? "" : ", killed mid-write") << "\n";
    last_iter = iter;
  }
  if (mid_write < 5) {
    fail("only " + std::to_string(mid_write) + " of " + std::to_string(kills) +
         " kills landed during a checkpoint write (need 5)");
  }
  if (last_iter < 0) fail("no checkpoint was written in " + std::to_string(kills) + " runs");

  const int64_t epoch = ghmdet::load_checkpoint(latest.string()).meta.at("epoch").get<int64_t>();
  std::vector<std::string> args = command;
  args.insert(args.end(), {"--resume-from", latest.string(), "--cfg-options",
                           "total_epochs=" + std::to_string(epoch + 1)});
  const fs::path log = logs / "final.log";
  int status = 0;
  waitpid(spawn(args, log), &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fail("the final resumed run failed (status " + std::to_string(status) + "):\n" +
         read_file(log));
  }
  const int64_t final_iter = check_work_dir(work, "after the final run");
  const int64_t final_epoch =
      ghmdet::load_checkpoint(latest.string()).meta.at("epoch").get<int64_t>();
  if (final_iter < last_iter || final_epoch != epoch + 1 ||
      read_file(log).find("resumed from") == std::string::npos) {
    fail("the final run did not resume and finish epoch " + std::to_string(epoch + 1) + ":\n" +
         read_file(log));
  }
  if (!temporaries(work).empty()) {
    fail("temporary files left after the final run: " + *temporaries(work).begin());
  }
  std::cout << mid_write << " of " << kills << " kills landed mid-write; the final run resumed at "
            << "iteration " << last_iter << " and finished at " << final_iter << "\n";
  return 0;
}
