#include "ghmdet/io/temporary_name.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <regex>

namespace ghmdet {

namespace fs = std::filesystem;

namespace {

// kill(pid, 0) fails with ESRCH exactly when no such process exists (EPERM: it exists, owned by
// someone else). A number that is no valid pid names no process.
bool process_exists(const std::string& digits) {
  if (digits.size() > 9) return false;
  const long pid = std::stol(digits);
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

}  // namespace

fs::path temporary_path_for(const fs::path& target) {
  std::random_device rd;
  return target.parent_path() /
         fmt::format(".{}.tmp.{}.{:08x}", target.filename().string(), ::getpid(), rd());
}

std::vector<std::string> remove_abandoned_temporaries(const fs::path& dir) {
  static const std::regex kName(R"(\..+\.tmp\.([0-9]+)\.[0-9a-f]{8})");
  std::vector<std::string> removed;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::smatch m;
    if (!std::regex_match(name, m, kName)) continue;
    if (process_exists(m[1].str())) continue;
    std::error_code rm;
    if (fs::remove(it->path(), rm)) removed.push_back(name);
  }
  return removed;
}

}  // namespace ghmdet
