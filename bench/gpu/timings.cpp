#include "gpu/timings.h"

#include <algorithm>
#include <numeric>

#include "ghmdet/losses/focal_loss.h"
#include "ghmdet/losses/ghm_c.h"
#include "ghmdet/losses/ghm_c_paths.h"
#include "ghmdet/losses/ghm_r.h"
#include "ghmdet/losses/loss_inputs.h"
#include "gpu/bench_training.h"
#include "gpu/device_timer.h"
#include "gpu/generated_batches.h"

namespace ghmdet::bench {

namespace {

using nlohmann::json;

// RetinaNet's anchors for one image: 9 per position on P3..P7 (strides 8..128).
int64_t retinanet_anchors(int64_t h, int64_t w) {
  int64_t n = 0;
  for (int64_t stride = 8; stride <= 128; stride *= 2) n += ((h + stride - 1) / stride) * ((w + stride - 1) / stride) * 9;
  return n;
}

double median_after(std::vector<double> v, size_t skip) {
  v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(std::min(skip, v.size())));
  return median(std::move(v));
}

double mean_of(const std::vector<double>& v, size_t from, size_t to) {
  to = std::min(to, v.size());
  return to > from ? std::accumulate(v.begin() + static_cast<std::ptrdiff_t>(from), v.begin() + static_cast<std::ptrdiff_t>(to), 0.0) / static_cast<double>(to - from) : 0.0;
}

}  // namespace

nlohmann::json time_losses(const torch::Device& device, const CheckScale& s) {
  const int64_t n = s.loss_images * retinanet_anchors(s.loss_h, s.loss_w), c = s.loss_classes;
  const std::string shape = std::to_string(n) + "x" + std::to_string(c);
  torch::manual_seed(0);
  const auto logits = (torch::randn({n, c}, torch::TensorOptions(device)) * 2 - 4).requires_grad_();
  // About 0.2 % of the anchors positive (COCO's ratio), 1 % ignored.
  auto labels = torch::full({n}, c, torch::TensorOptions(device).dtype(torch::kInt64));
  const auto positive = torch::rand({n}, torch::TensorOptions(device)) < 0.002;
  labels = torch::where(positive, torch::randint(0, c, {n}, torch::TensorOptions(device).dtype(torch::kInt64)), labels);
  const auto weights = (torch::rand({n}, torch::TensorOptions(device)) > 0.01).to(torch::kFloat);
  const double num_pos = std::max(1.0, positive.sum().item<double>());

  json rows = json::array();
  const auto add = [&](const std::string& name, const std::string& row_shape, const std::function<torch::Tensor()>& loss,
                       const torch::Tensor& input) {
    const double seconds = median_seconds(device, s.warmup, s.iters, [&] {
      input.mutable_grad() = torch::Tensor();
      loss().backward();
    });
    rows.push_back({{"name", name}, {"shape", row_shape}, {"ms", seconds * 1e3}});
  };
  GHMC ghmc(GHMCOptions().bins(30).momentum(0.75));
  ghmc->to(device);
  FocalLoss focal{FocalLossOptions()};
  add("GHM-C (GHMDet)", shape, [&] { return ghmc->forward(logits, labels, weights); }, logits);
  add("GHM-C (tensor ops)", shape, [&] {
    const auto in = prepare_classification_inputs("GHMC", logits, labels, weights);
    return ghmc_loss_tensor_ops(in, ghmc->edges, ghmc->acc_sum, 0.75, 1.0);
  }, logits);
  add("focal loss (GHMDet)", shape, [&] { return focal->forward(logits, labels, weights, num_pos); }, logits);

  const auto pred = (torch::randn({n, 4}, torch::TensorOptions(device)) * 0.1).requires_grad_();
  const auto target = torch::randn({n, 4}, torch::TensorOptions(device)) * 0.1;
  const auto box_weight = positive.to(torch::kFloat).unsqueeze(1).expand({n, 4}).contiguous();
  GHMR ghmr(GHMROptions().mu(0.02).bins(10).momentum(0.7));
  ghmr->to(device);
  add("GHM-R (GHMDet)", std::to_string(n) + "x4", [&] { return ghmr->forward(pred, target, box_weight); }, pred);
  return rows;
}

nlohmann::json time_training_steps(const torch::Device& device, const CheckScale& s,
                                   const std::string& source_dir, const std::string& work_dir) {
  json rows = json::array();
  for (const bool fp16 : {false, true}) {
    for (const auto& [name, config] : {std::pair<std::string, std::string>{"FL + SL1", s.step_config_focal},
                                       {"GHM-C + GHM-R", s.step_config_ghm}}) {
      auto model = detector_from(source_dir, config);
      GeneratedBatches source(GeneratedBatchesOptions()
                                  .num_batches(s.warmup + s.iters)
                                  .batch_size(s.step_batch)
                                  .img_h(s.step_h)
                                  .img_w(s.step_w)
                                  .num_classes(model->num_classes())
                                  .pool(2));
      const auto run = run_trainer(model, source, bench_trainer_options(device, work_dir + "/step", fp16, 0));
      rows.push_back({{"name", name},
                      {"config", config},
                      {"fp16", fp16},
                      {"images", std::to_string(s.step_batch) + "x" + std::to_string(s.step_h) + "x" + std::to_string(s.step_w)},
                      {"s_per_step", median_after(run.seconds, static_cast<size_t>(s.warmup))},
                      {"loss_last", run.losses.empty() ? 0.0 : run.losses.back()}});
    }
  }
  return rows;
}

nlohmann::json time_inference(const torch::Device& device, const CheckScale& s, const std::string& source_dir) {
  auto model = detector_from(source_dir, s.infer_config);
  model->to(device);
  model->eval();
  const Batch batch = generated_batch(GeneratedBatchesOptions()
                                          .batch_size(1)
                                          .img_h(s.step_h)
                                          .img_w(s.step_w)
                                          .num_classes(model->num_classes()),
                                      5)
                          .to(device);
  torch::NoGradGuard no_grad;
  size_t detections = 0;
  const double seconds = median_seconds(device, s.warmup, s.iters, [&] { detections = model->predict(batch)[0].size(); });
  return json::array({{{"name", "RetinaNet predict"},
                       {"config", s.infer_config},
                       {"images", "1x" + std::to_string(s.step_h) + "x" + std::to_string(s.step_w)},
                       {"s_per_image", seconds},
                       {"detections", detections}}});
}

nlohmann::json train_generated(const torch::Device& device, const CheckScale& s, const std::string& source_dir,
                               const std::string& work_dir) {
  json rows = json::array();
  for (const bool fp16 : {false, true}) {
    auto model = detector_from(source_dir, s.train_config);
    GeneratedBatches source(GeneratedBatchesOptions()
                                .num_batches(s.train_iters)
                                .batch_size(2)
                                .img_h(s.train_side)
                                .img_w(s.train_side)
                                .num_classes(model->num_classes())
                                .pool(s.train_iters));
    const auto run = run_trainer(model, source, bench_trainer_options(device, work_dir + "/train", fp16, 5));
    const bool finite = std::all_of(run.losses.begin(), run.losses.end(), [](double l) { return std::isfinite(l); });
    const size_t k = std::max<size_t>(1, run.losses.size() / 5);
    rows.push_back({{"config", s.train_config},
                    {"fp16", fp16},
                    {"iterations", run.losses.size()},
                    {"losses", run.losses},
                    {"loss_first", mean_of(run.losses, 0, k)},
                    {"loss_last", mean_of(run.losses, run.losses.size() - k, run.losses.size())},
                    {"finite", finite},
                    {"s_per_iter", median_after(run.seconds, 2)},
                    {"skipped_steps", run.state.skipped_steps},
                    {"loss_scale", run.state.loss_scale}});
  }
  return rows;
}

}  // namespace ghmdet::bench
