#include "ghmdet/engine/crop_pretraining.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "ghmdet/core/error.h"
#include "ghmdet/io/checkpoint.h"

namespace ghmdet {

namespace {

// The image's own area (not the batch padding) bounds the crops: (h, w).
std::pair<int64_t, int64_t> image_extent(const Batch& batch, int64_t i) {
  return {std::min<int64_t>(batch.images.size(2), batch.metas.at(i).img_shape[0]),
          std::min<int64_t>(batch.images.size(3), batch.metas.at(i).img_shape[1])};
}

// The square of side `side` centred on (cx, cy), clipped to h x w, resized to crop x crop: [1, 3, crop, crop].
torch::Tensor square_crop(const torch::Tensor& image, double cx, double cy, double side, int64_t h, int64_t w,
                          int64_t crop_size) {
  namespace F = torch::nn::functional;
  const int64_t cx1 = std::clamp<int64_t>(std::llround(cx - side / 2), 0, w - 1);
  const int64_t cy1 = std::clamp<int64_t>(std::llround(cy - side / 2), 0, h - 1);
  const int64_t cx2 = std::clamp<int64_t>(std::llround(cx + side / 2), cx1 + 1, w);
  const int64_t cy2 = std::clamp<int64_t>(std::llround(cy + side / 2), cy1 + 1, h);
  auto patch = image.slice(1, cy1, cy2).slice(2, cx1, cx2).unsqueeze(0);
  return F::interpolate(patch, F::InterpolateFuncOptions()
                                   .size(std::vector<int64_t>{crop_size, crop_size})
                                   .mode(torch::kBilinear)
                                   .align_corners(false));
}

double crop_side(const float* box, double context) {
  return std::max(box[2] - box[0], box[3] - box[1]) * (1.0 + 2.0 * context);
}

}  // namespace

std::pair<torch::Tensor, torch::Tensor> object_crops(const Batch& batch, int64_t crop_size, double context) {
  TORCH_CHECK(crop_size > 0, "object_crops: crop_size must be positive");
  std::vector<torch::Tensor> crops, labels;
  for (int64_t i = 0; i < batch.size(); ++i) {
    const auto boxes = batch.gt_boxes.at(i).to(torch::kCPU, torch::kFloat32).contiguous();
    if (boxes.size(0) == 0) continue;
    const float* b = boxes.data_ptr<float>();
    const auto [h, w] = image_extent(batch, i);
    for (int64_t k = 0; k < boxes.size(0); ++k) {
      const float* box = b + 4 * k;
      crops.push_back(square_crop(batch.images[i], 0.5 * (box[0] + box[2]), 0.5 * (box[1] + box[3]),
                                  crop_side(box, context), h, w, crop_size));
    }
    labels.push_back(batch.gt_labels.at(i).to(batch.images.device(), torch::kLong));
  }
  if (crops.empty())
    return {torch::empty({0, batch.images.size(1), crop_size, crop_size}, batch.images.options()),
            torch::empty({0}, batch.images.options().dtype(torch::kLong))};
  return {torch::cat(crops), torch::cat(labels)};
}

torch::Tensor background_crops(const Batch& batch, int64_t per_image, int64_t crop_size, double context,
                               double max_iou, std::mt19937_64& rng) {
  TORCH_CHECK(crop_size > 0, "background_crops: crop_size must be positive");
  double smallest = std::numeric_limits<double>::infinity(), largest = 0;
  std::vector<torch::Tensor> boxes_of(batch.size());
  for (int64_t i = 0; i < batch.size(); ++i) {
    boxes_of[i] = batch.gt_boxes.at(i).to(torch::kCPU, torch::kFloat32).contiguous();
    const float* b = boxes_of[i].data_ptr<float>();
    for (int64_t k = 0; k < boxes_of[i].size(0); ++k) {
      smallest = std::min(smallest, crop_side(b + 4 * k, context));
      largest = std::max(largest, crop_side(b + 4 * k, context));
    }
  }
  std::vector<torch::Tensor> crops;
  if (per_image <= 0 || largest <= 0) return torch::empty({0, batch.images.size(1), crop_size, crop_size}, batch.images.options());
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  constexpr int kTries = 8;
  for (int64_t i = 0; i < batch.size(); ++i) {
    const auto [h, w] = image_extent(batch, i);
    const float* b = boxes_of[i].data_ptr<float>();
    for (int64_t n = 0; n < per_image; ++n) {
      for (int t = 0; t < kTries; ++t) {
        const double side = std::min<double>(smallest + (largest - smallest) * unit(rng), std::min(h, w));
        const double x1 = (w - side) * unit(rng), y1 = (h - side) * unit(rng);
        const double x2 = x1 + side, y2 = y1 + side;
        bool clear = true;
        for (int64_t k = 0; clear && k < boxes_of[i].size(0); ++k) {
          const float* box = b + 4 * k;
          const double iw = std::max(0.0, std::min<double>(x2, box[2]) - std::max<double>(x1, box[0]));
          const double ih = std::max(0.0, std::min<double>(y2, box[3]) - std::max<double>(y1, box[1]));
          const double inter = iw * ih;
          const double uni = side * side + (box[2] - box[0]) * (box[3] - box[1]) - inter;
          clear = inter < max_iou * uni;
        }
        if (!clear) continue;
        crops.push_back(square_crop(batch.images[i], x1 + side / 2, y1 + side / 2, side, h, w, crop_size));
        break;
      }
    }
  }
  if (crops.empty()) return torch::empty({0, batch.images.size(1), crop_size, crop_size}, batch.images.options());
  return torch::cat(crops);
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
  if (o.background_per_image() < 0) throw Error("crop pretraining: background crops per image must not be negative");
  const bool with_background = o.background_per_image() > 0;
  // Background is the extra class num_classes.
  torch::nn::Linear classifier(backbone.channels, num_classes + (with_background ? 1 : 0));
  std::mt19937_64 rng(o.seed());
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
    const auto on_device = batch->to(o.device(), false);
    auto [crops, labels] = object_crops(on_device, o.crop_size(), o.context());
    if (crops.size(0) > 0 && with_background) {
      auto background = background_crops(on_device, o.background_per_image(), o.crop_size(), o.context(),
                                         o.background_max_iou(), rng);
      crops = torch::cat({crops, background});
      labels = torch::cat({labels, torch::full({background.size(0)}, num_classes, labels.options())});
    }
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
