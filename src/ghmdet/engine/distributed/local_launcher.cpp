#include "ghmdet/engine/distributed/local_launcher.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <thread>

#include "ghmdet/core/error.h"

namespace ghmdet {

namespace {

std::atomic<int> g_forward{0};

// ghmdet's exit code for a run stopped by SIGINT/SIGTERM (a checkpoint was written).
constexpr int kInterruptedExit = 130;

void remember_signal(int signo) { g_forward.store(signo); }

// Restores the parent's SIGINT/SIGTERM handlers when the launch ends.
class ForwardSignals {
 public:
  ForwardSignals() {
    struct sigaction action;
    std::memset(&action, 0, sizeof(action));
    action.sa_handler = remember_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
    g_forward.store(0);
  }
  ~ForwardSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_;
  struct sigaction old_term_;
};

std::string describe(int status, int* code) {
  if (WIFEXITED(status)) {
    *code = WEXITSTATUS(status);
    return fmt::format("exited with status {}", *code);
  }
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    *code = 128 + sig;
    return fmt::format("was killed by signal {} ({})", sig, strsignal(sig));
  }
  *code = 1;
  return "ended abnormally";
}

}  // namespace

std::string current_executable() {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("--nproc: cannot find this program's executable (/proc/self/exe)");
  return path.string();
}

int find_free_port(const std::string& address) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error("--nproc: cannot open a socket to find a free MASTER_PORT");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  if (inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) {
    close(fd);
    throw Error(fmt::format("MASTER_ADDR '{}' is not an IPv4 address", address));
  }
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw Error(fmt::format("--nproc: cannot bind a socket on {} to find a free port", address));
  }
  const int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

LocalLaunchResult launch_local_processes(const std::string& executable,
                                         const std::vector<std::string>& args,
                                         const LocalLaunchOptions& options) {
  if (options.nproc < 1) throw Error(fmt::format("--nproc: must be >= 1, got {}", options.nproc));
  const int port = options.master_port > 0 ? options.master_port : find_free_port(options.master_addr);
  ForwardSignals forward;

  std::vector<std::string> argv_text{executable};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  // The cores are shared: each rank gets its share of intra-op threads (torchrun sets 1), unless
  // the user chose OMP_NUM_THREADS.
  const std::string threads = std::to_string(
      std::max(1u, std::thread::hardware_concurrency() / static_cast<unsigned>(options.nproc)));

  std::vector<pid_t> pids;
  for (int rank = 0; rank < options.nproc; ++rank) {
    const pid_t pid = fork();
    if (pid < 0) {
      for (pid_t p : pids) kill(p, SIGKILL);
      throw Error(fmt::format("--nproc: cannot start rank {}: {}", rank, std::strerror(errno)));
    }
    if (pid == 0) {
      // The child: only async-signal-safe calls until exec (setenv is fine in a fresh child).
      signal(SIGINT, SIG_DFL);
      signal(SIGTERM, SIG_DFL);
      // Its own process group: a terminal's Ctrl-C reaches the parent only, which passes it on
      // once (a second SIGINT would abort the rank instead of letting it save).
      setpgid(0, 0);
      // The job must not outlive its launcher.
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      setenv("RANK", std::to_string(rank).c_str(), 1);
      setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      setenv("WORLD_SIZE", std::to_string(options.nproc).c_str(), 1);
      setenv("MASTER_ADDR", options.master_addr.c_str(), 1);
      setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      setenv("OMP_NUM_THREADS", threads.c_str(), 0);
      execv(executable.c_str(), argv.data());
      const std::string message =
          fmt::format("--nproc: cannot execute {}: {}\n", executable, std::strerror(errno));
      ssize_t ignored = write(STDERR_FILENO, message.data(), message.size());
      (void)ignored;
      _exit(127);
    }
    pids.push_back(pid);
  }

  LocalLaunchResult result;
  result.exit_codes.assign(static_cast<size_t>(options.nproc), -1);
  int running = options.nproc;
  bool stopping = false;
  std::chrono::steady_clock::time_point stop_deadline;
  while (running > 0) {
    if (const int sig = g_forward.exchange(0); sig != 0) {
      for (int r = 0; r < options.nproc; ++r) {
        if (result.exit_codes[r] < 0) kill(pids[r], sig);
      }
    }
    bool reaped = false;
    for (int r = 0; r < options.nproc; ++r) {
      if (result.exit_codes[r] >= 0) continue;
      int status = 0;
      const pid_t done = waitpid(pids[r], &status, WNOHANG);
      if (done != pids[r]) continue;
      reaped = true;
      --running;
      int code = 0;
      const std::string how = describe(status, &code);
      result.exit_codes[r] = code;
      // 130: the rank stopped on SIGINT/SIGTERM after saving (the ranks agree on the iteration,
      // so the others are stopping too); stopping them now could kill rank 0 mid-checkpoint.
      if (code == kInterruptedExit) {
        if (result.exit_code == 0) result.exit_code = code;
        continue;
      }
      if (code != 0 && result.failed_rank < 0) {
        result.failed_rank = r;
        result.exit_code = code;
        result.message = fmt::format("rank {} (pid {}) {}", r, pids[r], how);
        if (options.stop_others_on_failure && running > 0) {
          for (int o = 0; o < options.nproc; ++o) {
            if (result.exit_codes[o] < 0) kill(pids[o], SIGTERM);
          }
          stopping = true;
          stop_deadline = std::chrono::steady_clock::now() + options.kill_grace;
        }
      }
    }
    if (stopping && running > 0 && std::chrono::steady_clock::now() > stop_deadline) {
      for (int o = 0; o < options.nproc; ++o) {
        if (result.exit_codes[o] < 0) kill(pids[o], SIGKILL);
      }
      stopping = false;
    }
    if (!reaped && running > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return result;
}

}  // namespace ghmdet
