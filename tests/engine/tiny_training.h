// A tiny detector and an in-memory BatchSource for the engine tests, independent of the real
// model and data layers.
//
// TinyDetector: one 3x3 conv (3 -> 2 channels) and a GHM-like EMA buffer `acc_sum` that loss()
// updates and reads, so a resume that forgot buffers would diverge. Its two terms are
// "loss_cls" (MSE of channel 0 to the image mean) and "loss_bbox" (L1 of channel 1 to 0.5,
// weighted by the buffer). `nan_at_call` makes loss_bbox NaN on that call (1-based).
// TinySource: `num_batches` batches of `batch_size` 3x8x8 images drawn from a fixed pool in an
// order that depends only on (seed, epoch), like the real samplers; `fixed` repeats batch 0.
// tiny_trainer_options: the settings the trainer tests train them with.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>

#include "ghmdet/data/batch_source.h"
#include "ghmdet/engine/trainer.h"
#include "ghmdet/modeling/detector.h"

namespace ghmdet::testing {

struct TinyDetectorImpl : DetectorImpl {
  explicit TinyDetectorImpl(uint64_t init_seed = 0) {
    torch::manual_seed(init_seed);
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 2, 3).padding(1)));
    acc_sum = register_buffer("acc_sum", torch::zeros({2}));
  }

  std::map<std::string, torch::Tensor> loss(const Batch& batch) override {
    ++calls;
    const auto out = conv->forward(batch.images);
    const auto target = batch.images.mean(1);
    auto loss_cls = torch::mse_loss(out.select(1, 0), target);
    {
      torch::NoGradGuard no_grad;
      acc_sum.mul_(0.75).add_(out.detach().abs().mean({0, 2, 3}), 0.25);
    }
    auto loss_bbox = (out.select(1, 1) - 0.5).abs().mean() / (1.0 + acc_sum[1]);
    if (calls == nan_at_call) loss_bbox = loss_bbox * std::numeric_limits<float>::quiet_NaN();
    return {{"loss_cls", loss_cls}, {"loss_bbox", loss_bbox}};
  }

  std::vector<Detections> predict(const Batch& batch) override {
    std::vector<Detections> out;
    const auto scores = conv->forward(batch.images).mean({1, 2, 3}).sigmoid();
    for (int64_t i = 0; i < batch.size(); ++i) {
      Detections d;
      d.boxes = torch::tensor({0.f, 0.f, 4.f, 4.f}, batch.images.options()).reshape({1, 4});
      d.scores = scores.slice(0, i, i + 1);
      d.labels = torch::zeros({1}, batch.images.options().dtype(torch::kInt64));
      out.push_back(d);
    }
    return out;
  }

  int64_t num_classes() const override { return 2; }

  torch::nn::Conv2d conv{nullptr};
  torch::Tensor acc_sum;
  int64_t calls = 0;
  int64_t nan_at_call = -1;
};
TORCH_MODULE(TinyDetector);

class TinySource : public BatchSource {
 public:
  TinySource(int64_t num_batches, int64_t batch_size, uint64_t seed = 7, bool fixed = false)
      : num_batches_(num_batches), batch_size_(batch_size), seed_(seed), fixed_(fixed) {
    torch::Generator gen = at::detail::createCPUGenerator(seed);
    pool_ = torch::rand({num_batches * batch_size, 3, 8, 8}, gen);
    order_.resize(static_cast<size_t>(num_batches * batch_size));
  }

  void set_epoch(int64_t epoch) override {
    std::iota(order_.begin(), order_.end(), 0);
    std::mt19937_64 rng(seed_ * 1000 + static_cast<uint64_t>(epoch));
    for (size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng() % i]);
    cursor_ = 0;
  }

  std::optional<Batch> next() override {
    if (cursor_ >= num_batches_) return std::nullopt;
    Batch b;
    std::vector<torch::Tensor> images;
    for (int64_t j = 0; j < batch_size_; ++j) {
      const int64_t index = fixed_ ? j : order_[cursor_ * batch_size_ + j];
      images.push_back(pool_[index]);
      ImageMeta meta;
      meta.image_id = index;
      meta.ori_shape = meta.img_shape = meta.pad_shape = {8, 8};
      b.metas.push_back(meta);
      b.gt_boxes.push_back(torch::zeros({0, 4}));
      b.gt_labels.push_back(torch::zeros({0}, torch::kInt64));
      b.gt_boxes_ignore.push_back(torch::zeros({0, 4}));
    }
    b.images = torch::stack(images);
    ++cursor_;
    return b;
  }

  int64_t batches_per_epoch() const override { return num_batches_; }

 private:
  int64_t num_batches_;
  int64_t batch_size_;
  uint64_t seed_;
  bool fixed_;
  torch::Tensor pool_;
  std::vector<int64_t> order_;
  int64_t cursor_ = 0;
};

// SGD (lr 0.05, momentum 0.9, weight decay 1e-4), gradient clipping at 35, a linear warm-up of
// 3 iterations and an lr step after epoch 1, a log every 2 iterations, deterministic, no
// progress bar.
inline TrainerOptions tiny_trainer_options(const std::string& work_dir, int64_t epochs) {
  return TrainerOptions()
      .optimizer(SGDOptions().lr(0.05).momentum(0.9).weight_decay(1e-4))
      .grad_clip(GradClipOptions().max_norm(35.0))
      .lr_schedule(LrScheduleOptions().step({1}).gamma(0.1).warmup(WarmupKind::kLinear)
                       .warmup_iters(3).warmup_ratio(1.0 / 3.0))
      .total_epochs(epochs)
      .log_interval(2)
      .work_dir(work_dir)
      .deterministic(true)
      .progress(ProgressBar::kOff);
}

}  // namespace ghmdet::testing
