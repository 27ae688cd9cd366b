#include "ghmdet/engine/crop_pretraining.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "ghmdet/core/error.h"
#include "ghmdet/io/checkpoint.h"

namespace ghmdet {

std::pair<torch::Tensor, torch::Tensor> object_crops(const Batch& batch, int64_t crop_size, double context) {
  TORCH_CHECK(crop_size > 0, "object_crops: crop_size must be positive");
  namespace F = torch::nn::functional;
  std::vector<torch::Tensor> crops, labels;
  const int64_t H = batch.images.size(2), W = batch.images.size(3);
  for (int64_t i = 0; i < batch.size(); ++i) {
    const auto boxes = batch.gt_boxes.at(i).to(torch::kCPU, torch::kFloat32).contiguous();
    if (boxes.size(0) == 0) continue;
    const float* b = boxes.data_ptr<float>();
    // The image's own area (not the batch padding) bounds the crops.
    const int64_t h = std::min<int64_t>(H, batch.metas.at(i).img_shape[0]);
    const int64_t w = std::min<int64_t>(W, batch.metas.at(i).img_shape[1]);
    for (int64_t k = 0; k < boxes.size(0); ++k) {
      const double x1 = b[4 * k], y1 = b[4 * k + 1], x2 = b[4 * k + 2], y2 = b[4 * k + 3];
      const double side = std::max(x2 - x1, y2 - y1) * (1.0 + 2.0 * context);
      const double cx = 0.5 * (x1 + x2), cy = 0.5 * (y1 + y2);
      const int64_t cx1 = std::clamp<int64_t>(std::llround(cx - side / 2), 0, w - 1);
      const int64_t cy1 = std::clamp<int64_t>(std::llround(cy - side / 2), 0, h - 1);
      const int64_t cx2 = std::clamp<int64_t>(std::llround(cx + side / 2), cx1 + 1, w);
      const int64_t cy2 = std::clamp<int64_t>(std::llround(cy + side / 2), cy1 + 1, h);
      auto patch = batch.images[i].slice(1, cy1, cy2).slice(2, cx1, cx2).unsqueeze(0);
      crops.push_back(F::interpolate(patch, F::InterpolateFuncOptions()
                                                .size(std::vector<int64_t>{crop_size, crop_size})
                                                .mode(torch::kBilinear)
                                                .align_corners(false)));
    }
    labels.push_back(batch.gt_labels.at(i).to(batch.images.device(), torch::kLong));
  }
  if (crops.empty())
    return {torch::empty({0, batch.images.size(1), crop_size, crop_size}, batch.images.options()),
            torch::empty({0}, batch.images.options().dtype(torch::kLong))};
  return {torch::cat(crops), torch::cat(labels)};
}

CropPretrainingResult pretrain_on_crops(const CropPretrainingBackbone& backbone, int64_t num_classes,
                                        BatchSource& source,
                                        const CropPretrainingOptions& o,
                                        const std::function<void(const CropPretrainingProgress&)>& on_log) {
  if (num_classes < 2) throw Error("crop pretraining: needs at least 2 classes");
  if (o.iterations() < 1) throw Error("crop pretraining: iterations must be at least 1");
  const auto start = std::chrono::steady_clock::now();
  backbone.module.to(o.device());
  backbone.module.train();
  torch::nn::Linear classifier(backbone.channels, num_classes);
  classifier->to(o.device());
  std::vector<torch::Tensor> params;
  for (auto& p : backbone.module.parameters())
    if (p.requires_grad()) params.push_back(p);
  for (auto& p : classifier->parameters()) params.push_back(p);
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  if (o.optimizer() == "sgd") {
    optimizer = std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(o.lr()).momentum(o.momentum()).weight_decay(o.weight_decay()));
  } else if (o.optimizer() == "adamw") {
    optimizer = std::make_unique<torch::optim::AdamW>(
        params, torch::optim::AdamWOptions(o.lr()).betas({o.momentum(), 0.999}).weight_decay(o.weight_decay()));
  } else {
    throw Error("crop pretraining: unknown optimizer '" + o.optimizer() + "' (expected sgd or adamw)");
  }

  CropPretrainingResult result;
  int64_t epoch = 0, empty_batches = 0;
  source.set_epoch(epoch);
  double window_loss = 0, window_correct = 0, window_crops = 0;
  int64_t window_iters = 0;
  constexpr double kPi = 3.14159265358979323846;
  for (int64_t it = 0; it < o.iterations();) {
    auto batch = source.next();
    if (!batch) {
      source.set_epoch(++epoch);
      continue;
    }
    auto [crops, labels] = object_crops(batch->to(o.device(), false), o.crop_size(), o.context());
    if (crops.size(0) == 0) {
      // A set of box-less images would loop forever.
      if (++empty_batches > 10 * source.batches_per_epoch() + 10)
        throw Error("crop pretraining: the training set yields no boxes");
      continue;
    }
    // Linear warm-up from a tenth of lr, then cosine decay to zero.
    double lr = o.lr();
    if (it < o.warmup_iters()) {
      lr *= 0.1 + 0.9 * static_cast<double>(it) / static_cast<double>(o.warmup_iters());
    } else {
      const double t = static_cast<double>(it - o.warmup_iters()) /
                       static_cast<double>(std::max<int64_t>(1, o.iterations() - o.warmup_iters()));
      lr *= 0.5 * (1.0 + std::cos(kPi * t));
    }
    for (auto& group : optimizer->param_groups()) group.options().set_lr(lr);

    auto features = backbone.last_features(crops).mean({2, 3});
    auto logits = classifier->forward(features);
    auto loss = torch::nn::functional::cross_entropy(logits, labels);
    optimizer->zero_grad();
    loss.backward();
    optimizer->step();
    ++it;

    window_loss += loss.item<double>();
    window_correct += (logits.argmax(1) == labels).sum().item<double>();
    window_crops += static_cast<double>(labels.size(0));
    ++window_iters;
    result.crops += labels.size(0);
    if (it % o.log_interval() == 0 || it == o.iterations()) {
      result.final_accuracy = window_correct / window_crops;
      if (on_log) on_log({it, o.iterations(), window_loss / window_iters, result.final_accuracy});
      window_loss = window_correct = window_crops = 0;
      window_iters = 0;
    }
  }
  result.iterations = o.iterations();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

void save_backbone_weights(torch::nn::Module& backbone, const std::string& path, const nlohmann::json& meta) {
  Checkpoint ck;
  for (const auto& item : backbone.named_parameters())
    ck.model.insert(item.key(), item.value().detach().to(torch::kCPU).contiguous());
  for (const auto& item : backbone.named_buffers())
    ck.model.insert(item.key(), item.value().detach().to(torch::kCPU).contiguous());
  ck.meta = meta;
  save_checkpoint(path, ck);
}

}  // namespace ghmdet
