#include "ghmdet/engine/training_log.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "ghmdet/core/error.h"

namespace ghmdet {

namespace {

int terminal_width() {
  struct winsize ws;
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
  return 100;
}

std::string timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

}  // namespace

std::string format_eta(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  int64_t s = static_cast<int64_t>(seconds);
  const int64_t days = s / 86400;
  s %= 86400;
  std::string hms = fmt::format("{}:{:02d}:{:02d}", s / 3600, (s % 3600) / 60, s % 60);
  if (days == 0) return hms;
  return fmt::format("{} day{}, {}", days, days == 1 ? "" : "s", hms);
}

TrainingLog::TrainingLog(TrainingLogOptions options) : options_(std::move(options)) {
  if (!options_.enabled) return;
  bar_ = options_.progress == ProgressBar::kOn ||
         (options_.progress == ProgressBar::kAuto && isatty(STDERR_FILENO));
  if (options_.work_dir.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(options_.work_dir, ec);
  if (ec) throw Error(options_.work_dir + ": cannot create work_dir: " + ec.message());
  log_.open(log_path(), std::ios::app);
  if (!log_) throw Error(log_path() + ": cannot open the training log for writing");
  metrics_.open(metrics_path(), std::ios::app);
  if (!metrics_) throw Error(metrics_path() + ": cannot open the metrics file for writing");
}

TrainingLog::~TrainingLog() { clear_bar(); }

std::string TrainingLog::log_path() const {
  return (std::filesystem::path(options_.work_dir) / "train.log").string();
}

std::string TrainingLog::metrics_path() const {
  return (std::filesystem::path(options_.work_dir) / "metrics.jsonl").string();
}

void TrainingLog::clear_bar() {
  if (bar_visible_) {
    std::fputs("\r\033[K", stderr);
    bar_visible_ = false;
  }
}

void TrainingLog::write_line(const std::string& line) {
  clear_bar();
  const std::string stamped = timestamp() + " - " + line;
  std::fprintf(stderr, "%s\n", stamped.c_str());
  std::fflush(stderr);
  if (log_.is_open()) log_ << stamped << '\n' << std::flush;
}

void TrainingLog::progress(const IterationRecord& r) {
  if (!options_.enabled || !bar_) return;
  const std::string head = fmt::format("Epoch {} {}/{} ", r.epoch, r.iter, r.epoch_length);
  double loss = 0.0;
  if (!r.values.empty()) loss = r.values.back().second;
  const std::string tail =
      fmt::format(" loss {:.4f} lr {:.5f} {:.2f}s/it eta {}", loss, r.lr, r.time,
                  format_eta(r.eta_seconds));
  const int width = terminal_width() - 1;
  const int bar_width = std::max<int>(10, width - static_cast<int>(head.size() + tail.size()) - 2);
  const double fraction =
      r.epoch_length > 0 ? std::min(1.0, static_cast<double>(r.iter) / r.epoch_length) : 0.0;
  const int filled = static_cast<int>(fraction * bar_width);
  std::string bar = "|" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "|";
  std::string line = head + bar + tail;
  if (static_cast<int>(line.size()) > width) line.resize(width);
  std::fprintf(stderr, "\r%s\033[K", line.c_str());
  std::fflush(stderr);
  bar_visible_ = true;
}

void TrainingLog::record(const IterationRecord& r) {
  if (!options_.enabled) return;
  std::string line = fmt::format("Epoch [{}][{}/{}]\tlr: {:.5f}, eta: {}, time: {:.3f}, data_time: {:.3f}",
                                 r.epoch, r.iter, r.epoch_length, r.lr, format_eta(r.eta_seconds),
                                 r.time, r.data_time);
  if (r.memory_mib >= 0) line += fmt::format(", memory: {:.0f}", r.memory_mib);
  for (const auto& [name, value] : r.values) line += fmt::format(", {}: {:.4f}", name, value);
  write_line(line);

  nlohmann::ordered_json entry;
  entry["mode"] = "train";
  entry["epoch"] = r.epoch;
  entry["iter"] = r.iter;
  entry["global_iter"] = r.global_iter;
  entry["lr"] = r.lr;
  entry["time"] = r.time;
  entry["data_time"] = r.data_time;
  if (r.memory_mib >= 0) entry["memory"] = std::round(r.memory_mib);
  entry["eta_s"] = std::round(r.eta_seconds);
  for (const auto& [name, value] : r.values) entry[name] = value;
  if (metrics_.is_open()) metrics_ << entry.dump() << '\n' << std::flush;
}

void TrainingLog::info(const std::string& message) {
  if (!options_.enabled) return;
  write_line(message);
}

void TrainingLog::append_metrics(const nlohmann::json& entry) {
  if (!options_.enabled || !metrics_.is_open()) return;
  metrics_ << entry.dump() << '\n' << std::flush;
}

}  // namespace ghmdet
