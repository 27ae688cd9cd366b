#include "ghmdet/engine/checkpointer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <regex>

#include "ghmdet/core/error.h"
#include "ghmdet/engine/determinism.h"
#include "ghmdet/io/checkpoint.h"
#include "ghmdet/io/state_dict.h"
#include "ghmdet/io/temporary_name.h"

namespace ghmdet {

namespace fs = std::filesystem;

torch::OrderedDict<std::string, torch::Tensor> module_state(const torch::nn::Module& module) {
  torch::OrderedDict<std::string, torch::Tensor> out;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    out.insert(item.key(), item.value().detach().to(torch::kCPU).clone());
  }
  for (const auto& item : module.named_buffers(/*recurse=*/true)) {
    out.insert(item.key(), item.value().detach().to(torch::kCPU).clone());
  }
  return out;
}

std::string to_hex(const torch::Tensor& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  const torch::Tensor b = bytes.to(torch::kCPU, torch::kUInt8).contiguous();
  const uint8_t* p = b.data_ptr<uint8_t>();
  std::string out(static_cast<size_t>(b.numel()) * 2, '0');
  for (int64_t i = 0; i < b.numel(); ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

torch::Tensor from_hex(const std::string& hex, const std::string& what) {
  if (hex.size() % 2 != 0) throw Error(what + ": odd number of hex digits");
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw Error(what + ": '" + std::string(1, c) + "' is not a hex digit");
  };
  torch::Tensor out = torch::empty({static_cast<int64_t>(hex.size() / 2)}, torch::kUInt8);
  uint8_t* p = out.data_ptr<uint8_t>();
  for (size_t i = 0; i < hex.size() / 2; ++i) {
    p[i] = static_cast<uint8_t>(nibble(hex[2 * i]) * 16 + nibble(hex[2 * i + 1]));
  }
  return out;
}

Checkpointer::Checkpointer(std::string work_dir, bool enabled, int64_t max_keep)
    : work_dir_(std::move(work_dir)), enabled_(enabled), max_keep_(max_keep) {
  if (max_keep_ == 0 || max_keep_ < -1) {
    throw Error(fmt::format("checkpoint_config.max_keep_ckpts: must be -1 (keep all) or >= 1, got {}",
                            max_keep_));
  }
}

std::vector<std::string> Checkpointer::remove_abandoned_files() const {
  if (!enabled_) return {};
  return remove_abandoned_temporaries(work_dir_);
}

std::string Checkpointer::latest_path() const { return (fs::path(work_dir_) / "latest.pth").string(); }

std::string Checkpointer::save(const std::string& filename, const torch::nn::Module& model,
                               const SGD& sgd, const TrainingPosition& position,
                               int64_t epoch_length, const nlohmann::json& extra_meta) const {
  if (!enabled_) return "";
  std::error_code ec;
  fs::create_directories(work_dir_, ec);
  if (ec) throw Error(work_dir_ + ": cannot create work_dir: " + ec.message());

  Checkpoint ckpt;
  ckpt.model = module_state(model);
  ckpt.optimizer = sgd.state_dict();
  nlohmann::json meta = extra_meta.is_object() ? extra_meta : nlohmann::json::object();
  meta["epoch"] = position.epoch;
  meta["iter"] = position.global_iter;
  meta["inner_iter"] = position.inner_iter;
  meta["epoch_length"] = epoch_length;
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%a %b %d %H:%M:%S %Y", std::localtime(&now));
  meta["time"] = stamp;
  meta["torch_version"] = TORCH_VERSION;
  nlohmann::json rng = nlohmann::json::object();
  for (const auto& [key, state] : capture_rng_state()) rng[key] = to_hex(state);
  meta["rng_state"] = rng;
  ckpt.meta = meta;

  const std::string path = (fs::path(work_dir_) / filename).string();
  save_checkpoint(path, ckpt);
  point_latest_at(filename);
  if (max_keep_ > 0) remove_old_checkpoints(filename, epoch_length);
  return path;
}

void Checkpointer::point_latest_at(const std::string& filename) const {
  // Build the new link beside the old one, then rename over it: readers see the old or the new
  // target, never a missing latest.pth.
  const fs::path latest = latest_path();
  const fs::path temp = temporary_path_for(latest);
  std::error_code ec;
  fs::create_symlink(filename, temp, ec);
  if (ec) {
    // No symlinks here (some network or Windows file systems): copy, still via rename.
    ec.clear();
    fs::copy_file(fs::path(work_dir_) / filename, temp, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error(temp.string() + ": cannot write: " + ec.message());
  }
  fs::rename(temp, latest, ec);
  if (ec) {
    fs::remove(temp);
    throw Error(latest.string() + ": cannot replace: " + ec.message());
  }
  // The rename must be on disk before remove_old_checkpoints() deletes what latest.pth pointed
  // at: after a power loss the link may otherwise name a file whose unlink was persisted.
  const int dir = ::open(work_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void Checkpointer::remove_old_checkpoints(const std::string& just_written,
                                          int64_t epoch_length) const {
  static const std::regex kName(R"((epoch|iter)_([0-9]{1,18})\.pth)");
  std::error_code ec;
  std::string keep_for_latest;
  const fs::path latest = latest_path();
  if (fs::is_symlink(latest, ec)) keep_for_latest = fs::read_symlink(latest, ec).filename().string();

  struct Found {
    fs::path path;
    fs::file_time_type mtime;
    int64_t position;  // global iteration it was written at, for files with the same mtime
  };
  std::vector<Found> found;
  for (fs::directory_iterator it(work_dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::smatch m;
    std::error_code entry_ec;
    if (!std::regex_match(name, m, kName) || !it->is_regular_file(entry_ec) ||
        it->is_symlink(entry_ec)) {
      continue;
    }
    const int64_t n = std::stoll(m[2].str());
    const int64_t position = m[1].str() == "iter" ? n : n * std::max<int64_t>(epoch_length, 1);
    found.push_back({it->path(), it->last_write_time(entry_ec), position});
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    return a.mtime != b.mtime ? a.mtime > b.mtime : a.position > b.position;
  });
  // The file just written is the newest whatever the clock says.
  std::stable_partition(found.begin(), found.end(),
                        [&](const Found& f) { return f.path.filename() == just_written; });
  for (size_t i = static_cast<size_t>(max_keep_); i < found.size(); ++i) {
    const std::string name = found[i].path.filename().string();
    if (name == keep_for_latest || name == just_written) continue;
    std::error_code rm;
    fs::remove(found[i].path, rm);
    if (rm) {
      fmt::print(stderr, "warning: checkpoint_config.max_keep_ckpts: cannot remove {}: {}\n",
                 found[i].path.string(), rm.message());
    }
  }
}

ResumeState resume_checkpoint(const std::string& path, torch::nn::Module& model, SGD& sgd) {
  const Checkpoint ckpt = load_checkpoint(path);
  load_state_dict(model, ckpt.model, /*strict=*/true);
  sgd.load_state_dict(ckpt.optimizer, path);

  ResumeState out;
  out.meta = ckpt.meta;
  auto read_int = [&](const char* key, bool required) -> int64_t {
    if (!ckpt.meta.contains(key)) {
      if (required) throw Error(path + ": meta." + key + ": missing (not a training checkpoint?)");
      return -1;
    }
    const auto& v = ckpt.meta[key];
    if (!v.is_number_integer() || v.get<int64_t>() < 0) {
      throw Error(path + ": meta." + key + ": expected a non-negative integer, got " + v.dump());
    }
    return v.get<int64_t>();
  };
  out.position.epoch = read_int("epoch", true);
  out.position.global_iter = read_int("iter", true);
  out.position.inner_iter = std::max<int64_t>(0, read_int("inner_iter", false));
  out.epoch_length = read_int("epoch_length", false);
  if (ckpt.meta.contains("rng_state") && ckpt.meta["rng_state"].is_object()) {
    std::map<std::string, torch::Tensor> states;
    for (const auto& [key, value] : ckpt.meta["rng_state"].items()) {
      if (!value.is_string()) throw Error(path + ": meta.rng_state." + key + ": expected a string");
      states[key] = from_hex(value.get<std::string>(), path + ": meta.rng_state." + key);
    }
    restore_rng_state(states);
  }
  return out;
}

}  // namespace ghmdet
