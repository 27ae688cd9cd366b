// What the multi-process tests train: a two-conv detector (four parameter tensors, so the
// gradient buckets can be split), optionally with a per-rank EMA buffer like GHM's acc_sum,
// the engine tests' TinySource as data, and the trainer options both the worker processes and
// the in-process oracles use — one definition, so that they run the very same steps.
#pragma once

#include <torch/torch.h>

#include <string>

#include "../engine/tiny_training.h"
#include "ghmdet/engine/trainer.h"

namespace ghmdet::testing {

struct TwoConvDetectorImpl : DetectorImpl {
  TwoConvDetectorImpl(uint64_t init_seed, bool stateful) : stateful(stateful) {
    torch::manual_seed(init_seed);
    conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3).padding(1)));
    conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(4, 2, 3).padding(1)));
    acc_sum = register_buffer("acc_sum", torch::zeros({2}));
  }

  std::map<std::string, torch::Tensor> loss(const Batch& batch) override {
    const auto out = conv2->forward(torch::relu(conv1->forward(batch.images)));
    auto loss_cls = torch::mse_loss(out.select(1, 0), batch.images.mean(1));
    auto loss_bbox = (out.select(1, 1) - 0.5).abs().mean();
    if (stateful) {
      torch::NoGradGuard no_grad;
      acc_sum.mul_(0.75).add_(out.detach().abs().mean({0, 2, 3}), 0.25);
    }
    loss_bbox = loss_bbox / (1.0 + acc_sum[1]);
    return {{"loss_cls", loss_cls}, {"loss_bbox", loss_bbox}};
  }

  std::vector<Detections> predict(const Batch& batch) override { return {}; }
  int64_t num_classes() const override { return 2; }

  bool stateful;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::Tensor acc_sum;
};
TORCH_MODULE(TwoConvDetector);

constexpr int64_t kBatches = 4;    // per epoch and rank
constexpr int64_t kBatchSize = 2;

// Rank r's data: the same pool on every rank ("same"), or a pool of its own ("split").
inline uint64_t data_seed(bool split, int64_t rank) { return split ? 7 + static_cast<uint64_t>(rank) : 7; }

inline TrainerOptions dist_trainer_options(const std::string& work_dir, int64_t epochs) {
  return testing::tiny_trainer_options(work_dir, epochs).checkpoint_iter_interval(3);
}

// Parameters then buffers, by name: what the tests compare.
inline std::vector<torch::Tensor> model_state(const torch::nn::Module& m) {
  std::vector<torch::Tensor> out;
  for (const auto& p : m.named_parameters()) out.push_back(p.value().detach().clone());
  for (const auto& b : m.named_buffers()) out.push_back(b.value().detach().clone());
  return out;
}

}  // namespace ghmdet::testing
