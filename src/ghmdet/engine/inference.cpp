#include "ghmdet/engine/inference.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "ghmdet/core/error.h"

namespace ghmdet {

namespace {

// Puts the module back in the mode it had, also when predict() throws.
class EvalModeGuard {
 public:
  explicit EvalModeGuard(torch::nn::Module& m) : module_(m), was_training_(m.is_training()) {
    module_.eval();
  }
  ~EvalModeGuard() { module_.train(was_training_); }

 private:
  torch::nn::Module& module_;
  bool was_training_;
};

Detections to_device(const Detections& d, const torch::Device& device) {
  Detections out;
  out.boxes = d.boxes.defined() ? d.boxes.to(device) : d.boxes;
  out.scores = d.scores.defined() ? d.scores.to(device) : d.scores;
  out.labels = d.labels.defined() ? d.labels.to(device) : d.labels;
  return out;
}

}  // namespace

std::vector<ImageDetections> run_inference(DetectorImpl& model, BatchSource& source,
                                           const InferenceOptions& options) {
  using Clock = std::chrono::steady_clock;
  EvalModeGuard eval_mode(model);
  torch::NoGradGuard no_grad;
  model.to(options.device());
  const bool tty = options.progress() == ProgressBar::kOn ||
                   (options.progress() == ProgressBar::kAuto && isatty(STDERR_FILENO));
  const int64_t total_batches = source.batches_per_epoch();
  const bool non_blocking = options.device().is_cuda();

  std::vector<ImageDetections> results;
  source.set_epoch(options.epoch());
  const auto start = Clock::now();
  int64_t batches = 0;
  auto report = [&](bool final_line) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const double rate = elapsed > 0 ? static_cast<double>(results.size()) / elapsed : 0.0;
    const double eta = batches > 0 ? elapsed / batches * std::max<int64_t>(0, total_batches - batches)
                                   : 0.0;
    const std::string line =
        fmt::format("inference: batch {}/{}, {} images, {:.1f} images/s, {} {}", batches,
                    total_batches, results.size(), rate, final_line ? "elapsed" : "eta",
                    format_eta(final_line ? elapsed : eta));
    if (tty && !final_line) {
      std::fprintf(stderr, "\r%s\033[K", line.c_str());
    } else {
      std::fprintf(stderr, "%s%s\n", tty ? "\r\033[K" : "", line.c_str());
    }
    std::fflush(stderr);
  };

  auto waiting_since = Clock::now();
  while (std::optional<Batch> next = source.next()) {
    const auto loaded = Clock::now();
    const Batch batch = next->to(options.device(), non_blocking);
    std::vector<Detections> detections = model.predict(batch);
    if (static_cast<int64_t>(detections.size()) != batch.size()) {
      throw Error(fmt::format("detector predict() returned {} results for a batch of {} images",
                              detections.size(), batch.size()));
    }
    for (size_t i = 0; i < detections.size(); ++i) {
      results.push_back(ImageDetections{
          batch.metas[i],
          options.to_cpu() ? to_device(detections[i], torch::kCPU) : std::move(detections[i])});
    }
    if (InferenceTimes* times = options.times()) {
      times->loading += std::chrono::duration<double>(loaded - waiting_since).count();
      times->model += std::chrono::duration<double>(Clock::now() - loaded).count();
    }
    ++batches;
    if (tty || (options.log_interval() > 0 && batches % options.log_interval() == 0)) {
      report(false);
    }
    waiting_since = Clock::now();
  }
  report(true);
  return results;
}

}  // namespace ghmdet
