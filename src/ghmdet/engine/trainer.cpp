#include "ghmdet/engine/trainer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "ghmdet/core/error.h"
#include "ghmdet/engine/autocast_guard.h"
#include "ghmdet/engine/determinism.h"
#include "ghmdet/engine/memory.h"
#include "ghmdet/engine/stop_signal.h"
#include "ghmdet/io/state_dict.h"

namespace ghmdet {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// load_from: weights only, whatever checkpoint format io reads; mismatches are reported, not fatal.
std::string load_weights(const std::string& path, torch::nn::Module& model) {
  const StateDict weights = read_state_dict(path);
  const LoadReport report = load_state_dict(model, weights, /*strict=*/false);
  std::string message = fmt::format("load_from {}: {} of {} tensors loaded", path,
                                    report.loaded.size(), weights.size());
  const std::string details = report.summary();
  if (!details.empty()) message += "\n" + details;
  return message;
}

}  // namespace

Trainer::Trainer(std::shared_ptr<DetectorImpl> model, BatchSource& source, TrainerOptions options,
                 TrainerHooks hooks)
    : model_(std::move(model)), source_(source), options_(std::move(options)),
      hooks_(std::move(hooks)) {
  if (!model_) throw Error("Trainer: no model");
  if (options_.total_epochs() <= 0) {
    throw Error("total_epochs: must be > 0, got " + std::to_string(options_.total_epochs()));
  }
  if (options_.log_interval() <= 0) {
    throw Error("log_config.interval: must be > 0, got " + std::to_string(options_.log_interval()));
  }
  if (options_.checkpoint_interval() < 0 || options_.checkpoint_iter_interval() < 0) {
    throw Error("checkpoint_config: intervals must be >= 0");
  }
}

Trainer::~Trainer() = default;

void Trainer::prepare() {
  if (options_.deterministic()) set_deterministic(true);
  model_->to(options_.device());
  model_->train();
  log_ = std::make_unique<TrainingLog>(
      TrainingLogOptions{options_.work_dir(), is_main_process(), options_.progress()});
  checkpointer_ = std::make_unique<Checkpointer>(options_.work_dir(), is_main_process(),
                                                 options_.checkpoint_max_keep());
  const std::vector<std::string> abandoned = checkpointer_->remove_abandoned_files();
  if (!abandoned.empty()) {
    log_->info(fmt::format("removed {} unfinished temporary file(s) of a killed run from {}: {}",
                           abandoned.size(), options_.work_dir(), fmt::join(abandoned, ", ")));
  }
  sgd_ = std::make_unique<SGD>(trainable_parameters(*model_), options_.optimizer());
  fp16_.reset();
  scaler_.reset();
  if (options_.fp16()) {
    fp16_ = plan_mixed_precision(*options_.fp16(), options_.device());
    scaler_ = std::make_unique<LossScaler>(options_.fp16()->loss_scale());
    log_->info(fp16_->note);
  }
  auto schedule = options_.lr_schedule();
  schedule.base_lr(options_.optimizer().lr());
  schedule_ = std::make_unique<LrSchedule>(schedule);

  start_ = TrainingPosition{};
  if (!options_.resume_from().empty()) {
    const ResumeState resumed = resume_checkpoint(options_.resume_from(), *model_, *sgd_);
    start_ = resumed.position;
    last_checkpoint_ = options_.resume_from();
    if (scaler_) restore_loss_scaler(resumed.meta);
    log_->info(fmt::format("resumed from {}: epoch {}, iter {} (batch {} of the epoch)",
                           options_.resume_from(), start_.epoch, start_.global_iter,
                           start_.inner_iter));
    const int64_t length = source_.batches_per_epoch();
    if (resumed.epoch_length >= 0 && resumed.epoch_length != length && start_.inner_iter > 0) {
      log_->info(fmt::format("warning: {} was written with {} batches per epoch, the data now "
                             "gives {}; the resumed epoch may not continue at the same batch",
                             options_.resume_from(), resumed.epoch_length, length));
    }
  } else if (!options_.load_from().empty()) {
    log_->info(load_weights(options_.load_from(), *model_));
  }
}

void Trainer::restore_loss_scaler(const nlohmann::json& meta) {
  const std::string& path = options_.resume_from();
  const nlohmann::json* saved = nullptr;
  if (meta.contains("fp16") && meta["fp16"].is_object() && meta["fp16"].contains("loss_scaler")) {
    saved = &meta["fp16"]["loss_scaler"];
  }
  if (!saved) {
    log_->info(fmt::format("fp16: {} holds no loss scaler state (written without fp16); starting "
                           "from the configured scale {}", path, scaler_->scale_value()));
    return;
  }
  if (!scaler_->load_state_dict(*saved, path)) {
    log_->info(fmt::format("fp16: {} was written with a {} loss scale, the config asks for {}; "
                           "starting from the configured scale {}",
                           path, (*saved)["mode"].get<std::string>(),
                           to_string(scaler_->options().mode), scaler_->scale_value()));
    return;
  }
  log_->info(fmt::format("fp16: loss scale {} (growth tracker {}) restored from {}",
                         scaler_->scale_value(), scaler_->growth_tracker(), path));
}

bool Trainer::stop_requested() const { return stop_ && stop_->requested(); }

TrainingPosition Trainer::position() const {
  return TrainingPosition{state_.epoch, state_.inner_iter, state_.global_iter};
}

std::string Trainer::save_checkpoint(const std::string& filename) {
  nlohmann::json extra;
  extra["config"] = options_.config_text();
  if (options_.seed()) extra["seed"] = *options_.seed();
  extra["world_size"] = options_.world_size();
  if (scaler_) extra["fp16"] = {{"loss_scaler", scaler_->state_dict()}};
  TrainingPosition pos = position();
  if (epoch_done_) {
    pos.epoch += 1;
    pos.inner_iter = 0;
  }
  const std::string path =
      checkpointer_->save(filename, *model_, *sgd_, pos, state_.epoch_length, extra);
  if (!path.empty()) last_checkpoint_ = path;
  return path;
}

void Trainer::check_finite(const std::vector<std::string>& names,
                           const torch::Tensor& host_values) {
  const double* values = host_values.data_ptr<double>();
  for (size_t i = 0; i < names.size(); ++i) {
    if (std::isfinite(values[i])) continue;
    const std::string kind = std::isnan(values[i]) ? "nan" : "inf";
    const std::string latest =
        last_checkpoint_.empty() ? std::string("no checkpoint was written")
                                 : "the last good checkpoint is " + last_checkpoint_;
    const std::string message = fmt::format(
        "{} is {} at epoch {} iter {} (global iteration {}); training stopped, {}", names[i],
        kind, state_.epoch + 1, state_.inner_iter + 1, state_.global_iter + 1, latest);
    log_->info(message);
    log_->append_metrics({{"mode", "error"}, {"epoch", state_.epoch + 1},
                          {"iter", state_.inner_iter + 1},
                          {"global_iter", state_.global_iter + 1}, {"message", message}});
    throw Error(message);
  }
}

bool Trainer::unscale_gradients(const std::vector<torch::Tensor>& params) {
  const torch::Tensor found_inf = scaler_->unscale_(params);
  const bool overflow = found_inf.defined() && found_inf.item<bool>();
  const double before = scaler_->scale_value();
  scaler_->update(overflow);
  state_.loss_scale = scaler_->scale_value();
  if (overflow) {
    ++state_.skipped_steps;
    log_->info(fmt::format("fp16: gradients overflowed at epoch {} iter {} (global iteration {}); "
                           "step skipped, loss scale {} -> {}",
                           state_.epoch + 1, state_.inner_iter + 1, state_.global_iter + 1, before,
                           scaler_->scale_value()));
  }
  return !overflow;
}

void Trainer::log_iteration(double iter_time, double data_time) {
  IterationRecord record;
  record.epoch = state_.epoch + 1;
  record.iter = state_.inner_iter;
  record.epoch_length = state_.epoch_length;
  record.global_iter = state_.global_iter;
  record.lr = state_.lr;
  record.eta_seconds = run_iters_ > 0 ? run_time_ / run_iters_ *
                                            static_cast<double>(state_.max_iters - state_.global_iter)
                                      : 0.0;
  const bool window_full = state_.inner_iter % options_.log_interval() == 0 ||
                           state_.inner_iter == state_.epoch_length;
  if (!window_full) {
    record.time = iter_time;
    record.data_time = data_time;
    for (const auto& [k, v] : state_.last_losses) record.values.emplace_back(k, v);
    // "loss" last, as mmcv prints it.
    std::stable_partition(record.values.begin(), record.values.end(),
                          [](const auto& kv) { return kv.first != "loss"; });
    log_->progress(record);
    return;
  }
  const double n = static_cast<double>(window_count_);
  record.time = window_time_ / n;
  record.data_time = window_data_time_ / n;
  record.memory_mib = memory_mib(options_.device());
  for (const auto& [k, v] : window_sums_) {
    if (k != "loss") record.values.emplace_back(k, v / n);
  }
  if (window_sums_.count("loss")) record.values.emplace_back("loss", window_sums_["loss"] / n);
  log_->record(record);
  log_->progress(record);
  window_sums_.clear();
  window_count_ = 0;
  window_time_ = 0.0;
  window_data_time_ = 0.0;
}

void Trainer::run_epoch(int64_t skip_batches, bool& stop) {
  const int64_t epoch = state_.epoch;
  source_.set_epoch(epoch);
  for (int64_t k = 0; k < skip_batches; ++k) {
    if (!source_.next()) {
      throw Error(fmt::format("resume_from {}: the checkpoint consumed {} batches of epoch {} "
                              "but the data source has only {}",
                              options_.resume_from(), skip_batches, epoch + 1, k));
    }
  }
  state_.inner_iter = skip_batches;
  for (auto& hook : hooks_.before_epoch) hook(*this);

  std::vector<torch::Tensor> params;
  for (const auto& [name, p] : sgd_->params()) params.push_back(p);
  const bool non_blocking = options_.device().is_cuda();
  int64_t iterations = 0;
  std::vector<std::string> names;
  std::vector<torch::Tensor> values;

  while (true) {
    const auto t_start = Clock::now();
    std::optional<Batch> next = source_.next();
    if (!next) break;
    Batch batch = next->to(options_.device(), non_blocking);
    next.reset();
    const double data_time = seconds_since(t_start);

    state_.lr = schedule_->lr_at(epoch, state_.global_iter);
    sgd_->set_lr(state_.lr);

    std::map<std::string, torch::Tensor> losses;
    {
      std::optional<AutocastGuard> autocast;
      if (fp16_) autocast.emplace(fp16_->device, fp16_->dtype);
      losses = model_->loss(batch);
    }
    names.clear();
    values.clear();
    torch::Tensor total;
    for (const auto& [name, value] : losses) {
      if (!value.defined() || value.numel() != 1) {
        throw Error(fmt::format("model loss term '{}' is not a scalar (shape {})", name,
                                value.defined() ? c10::str(value.sizes()) : "undefined"));
      }
      names.push_back(name);
      // float64 before the cat: under autocast the terms may differ in dtype.
      values.push_back(value.detach().reshape({1}).to(torch::kFloat64));
      if (name.find("loss") != std::string::npos) total = total.defined() ? total + value : value;
    }
    if (!total.defined()) throw Error("model.loss returned no term whose name contains 'loss'");
    total = total.reshape({});

    sgd_->zero_grad();
    const bool scaling = fp16_ && fp16_->scale_loss;
    (scaling ? scaler_->scale(total) : total).backward();
    names.push_back("loss");
    values.push_back(total.detach().reshape({1}).to(torch::kFloat64));
    // The one host read per iteration: all terms at once, after backward is queued.
    const torch::Tensor host = torch::cat(values).to(torch::kCPU, torch::kFloat64);
    check_finite(names, host);

    if (hooks_.gradient_sync) hooks_.gradient_sync(sgd_->params());
    if (!scaling || unscale_gradients(params)) {
      if (options_.grad_clip()) clip_grad_norm(params, *options_.grad_clip());
      sgd_->step();
    }

    ++state_.inner_iter;
    ++state_.global_iter;
    ++iterations;
    const double* h = host.data_ptr<double>();
    for (size_t i = 0; i < names.size(); ++i) {
      state_.last_losses[names[i]] = h[i];
      window_sums_[names[i]] += h[i];
    }
    ++window_count_;
    const double iter_time = seconds_since(t_start);
    window_time_ += iter_time;
    window_data_time_ += data_time;
    run_time_ += iter_time;
    ++run_iters_;
    log_iteration(iter_time, data_time);

    std::string saved;
    if (options_.checkpoint_iter_interval() > 0 &&
        state_.global_iter % options_.checkpoint_iter_interval() == 0) {
      saved = save_checkpoint(fmt::format("iter_{}.pth", state_.global_iter));
    }
    for (auto& hook : hooks_.after_iter) hook(*this);
    if (stop_ && stop_->requested()) {
      if (saved.empty()) save_checkpoint(fmt::format("iter_{}.pth", state_.global_iter));
      stop = true;
      return;
    }
  }
  if (iterations == 0 && skip_batches == 0) {
    throw Error(fmt::format("the training data source gave no batch in epoch {}", epoch + 1));
  }
  if (window_count_ > 0) {
    // A partial logging window at the end of the epoch is logged too.
    const int64_t length = state_.epoch_length;
    state_.epoch_length = state_.inner_iter;
    log_iteration(0.0, 0.0);
    state_.epoch_length = length;
  }
}

TrainResult Trainer::train() {
  prepare();
  std::unique_ptr<StopSignal> stop_signal;
  if (options_.handle_signals()) stop_signal = std::make_unique<StopSignal>();
  stop_ = stop_signal.get();

  state_ = TrainState{};
  state_.epoch_length = source_.batches_per_epoch();
  state_.max_iters = options_.total_epochs() * state_.epoch_length;
  state_.epoch = start_.epoch;
  state_.global_iter = start_.global_iter;
  state_.loss_scale = scaler_ ? scaler_->scale_value() : 0.0;
  log_->info(fmt::format("training epochs {}..{} of {} batches on {} (work_dir {})",
                         start_.epoch + 1, options_.total_epochs(), state_.epoch_length,
                         options_.device().str(), options_.work_dir()));

  TrainResult result;
  for (int64_t epoch = start_.epoch; epoch < options_.total_epochs(); ++epoch) {
    state_.epoch = epoch;
    epoch_done_ = false;
    bool stop = false;
    run_epoch(epoch == start_.epoch ? start_.inner_iter : 0, stop);
    if (stop) {
      result.status = TrainResult::Status::kInterrupted;
      break;
    }
    epoch_done_ = true;
    const int64_t finished = epoch + 1;
    bool saved = false;
    if ((options_.checkpoint_interval() > 0 && finished % options_.checkpoint_interval() == 0) ||
        finished == options_.total_epochs()) {
      save_checkpoint(fmt::format("epoch_{}.pth", finished));
      saved = true;
    }
    for (auto& hook : hooks_.after_epoch) hook(*this);
    if (stop_ && stop_->requested() && finished < options_.total_epochs()) {
      if (!saved) save_checkpoint(fmt::format("epoch_{}.pth", finished));
      result.status = TrainResult::Status::kInterrupted;
      break;
    }
  }
  stop_ = nullptr;
  if (result.status == TrainResult::Status::kInterrupted) {
    log_->info(fmt::format("stopped by a signal at epoch {} iter {}; resume with resume_from {}",
                           state_.epoch + 1, state_.inner_iter, last_checkpoint_));
  }
  result.state = state_;
  result.last_checkpoint = last_checkpoint_;
  return result;
}

}  // namespace ghmdet
