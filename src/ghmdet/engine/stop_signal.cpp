#include "ghmdet/engine/stop_signal.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <stdexcept>

namespace ghmdet {

namespace {

std::atomic<int> g_received{0};
std::atomic<bool> g_alive{false};
struct sigaction g_old_int;
struct sigaction g_old_term;

void on_signal(int signo) {
  int expected = 0;
  if (g_received.compare_exchange_strong(expected, signo)) {
    static const char kMessage[] =
        "\nghmdet: stop requested; finishing this iteration and saving a checkpoint "
        "(send it again to abort)\n";
    ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
    (void)ignored;
    return;
  }
  std::signal(signo, SIG_DFL);
  std::raise(signo);
}

}  // namespace

StopSignal::StopSignal() {
  if (g_alive.exchange(true)) throw std::logic_error("StopSignal: one is already alive");
  g_received.store(0);
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &g_old_int);
  sigaction(SIGTERM, &action, &g_old_term);
}

StopSignal::~StopSignal() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  g_alive.store(false);
}

bool StopSignal::requested() const { return g_received.load() != 0; }

int StopSignal::signal_number() const { return g_received.load(); }

}  // namespace ghmdet
