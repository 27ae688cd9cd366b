#include "gpu/cpu_vs_device.h"

#include "ghmdet/core/config.h"
#include "ghmdet/losses/focal_loss.h"
#include "ghmdet/losses/ghm_c.h"
#include "ghmdet/losses/ghm_r.h"
#include "ghmdet/modeling/build.h"
#include "ghmdet/modeling/retinanet.h"
#include "gpu/generated_batches.h"

namespace ghmdet::bench {

namespace {

using nlohmann::json;

double max_abs(const torch::Tensor& t) {
  return t.numel() ? t.detach().to(torch::kCPU, torch::kDouble).abs().max().item<double>() : 0.0;
}
double max_abs_diff(const torch::Tensor& device_value, const torch::Tensor& cpu_value) {
  return max_abs(device_value.detach().to(torch::kCPU, torch::kDouble) - cpu_value.detach().to(torch::kDouble));
}

// The EMA buffers (acc_sum) of two copies of one loss module.
double buffers_max_abs_diff(const torch::nn::Module& on_device, const torch::nn::Module& on_cpu) {
  double worst = 0.0;
  const auto device_buffers = on_device.named_buffers();
  for (const auto& b : on_cpu.named_buffers()) worst = std::max(worst, max_abs_diff(device_buffers[b.key()], b.value()));
  return worst;
}

json loss_row(const std::string& name, const std::string& shape, const torch::Tensor& l_dev,
              const torch::Tensor& l_cpu, const torch::Tensor& g_dev, const torch::Tensor& g_cpu, double ema) {
  const double loss_cpu = l_cpu.item<double>(), loss_dev = l_dev.item<double>();
  return {{"name", name},
          {"shape", shape},
          {"loss_cpu", loss_cpu},
          {"loss_device", loss_dev},
          {"loss_rel_diff", std::abs(loss_dev - loss_cpu) / std::max(std::abs(loss_cpu), 1e-30)},
          {"grad_max_abs_diff", max_abs_diff(g_dev, g_cpu)},
          {"grad_max_abs", max_abs(g_cpu)},
          {"grad_rel_diff", max_abs_diff(g_dev, g_cpu) / std::max(max_abs(g_cpu), 1e-30)},
          {"ema_max_abs_diff", ema}};
}

// Three calls of a classification loss on the CPU and on `device`; the row of the last one.
template <typename MakeLoss>
json compare_classification(const std::string& name, MakeLoss make, const torch::Device& device,
                            const CheckScale& s, torch::ScalarType logits_dtype) {
  torch::manual_seed(3);
  auto cpu_loss = make();
  auto dev_loss = make();
  dev_loss->to(device);
  const int64_t n = s.compare_rows, c = s.compare_classes;
  json row;
  for (int call = 0; call < 3; ++call) {
    const auto logits = (torch::randn({n, c}) * 3).to(logits_dtype);
    const auto labels = torch::randint(0, c + 1, {n}, torch::kInt64);  // c: background
    const auto weights = (torch::rand({n}) > 0.1).to(torch::kFloat);
    // The CPU sees the values the device sees (rounded to logits_dtype), in float32.
    auto x_cpu = logits.to(torch::kFloat).requires_grad_();
    auto x_dev = logits.to(device).requires_grad_();
    const auto l_cpu = cpu_loss->forward(x_cpu, labels, weights, 123.0);
    const auto l_dev = dev_loss->forward(x_dev, labels.to(device), weights.to(device), 123.0);
    l_cpu.backward();
    l_dev.backward();
    row = loss_row(name, std::to_string(n) + "x" + std::to_string(c) + " " + std::string(c10::toString(logits_dtype)),
                   l_dev, l_cpu, x_dev.grad(), x_cpu.grad(), 0.0);
  }
  row["ema_max_abs_diff"] = buffers_max_abs_diff(*dev_loss, *cpu_loss);
  return row;
}

json compare_ghmr(const torch::Device& device, const CheckScale& s) {
  torch::manual_seed(4);
  GHMR cpu_loss(GHMROptions().mu(0.02).bins(10).momentum(0.7));
  GHMR dev_loss(GHMROptions().mu(0.02).bins(10).momentum(0.7));
  dev_loss->to(device);
  const int64_t n = s.compare_rows;
  json row;
  for (int call = 0; call < 3; ++call) {
    auto pred = (torch::randn({n, 4}) * 0.1).requires_grad_();
    const auto target = torch::randn({n, 4}) * 0.1;
    const auto weight = (torch::rand({n, 1}) > 0.5).to(torch::kFloat).expand({n, 4}).contiguous();
    auto pred_dev = pred.detach().to(device).requires_grad_();
    const auto l_cpu = cpu_loss->forward(pred, target, weight);
    const auto l_dev = dev_loss->forward(pred_dev, target.to(device), weight.to(device));
    l_cpu.backward();
    l_dev.backward();
    row = loss_row("GHM-R", std::to_string(n) + "x4 Float", l_dev, l_cpu, pred_dev.grad(), pred.grad(), 0.0);
  }
  row["ema_max_abs_diff"] = buffers_max_abs_diff(*dev_loss, *cpu_loss);
  return row;
}

}  // namespace

nlohmann::json compare_losses(const torch::Device& device, const CheckScale& s) {
  const auto ghmc = [] { return GHMC(GHMCOptions().bins(30).momentum(0.75)); };
  const auto focal = [] { return FocalLoss(FocalLossOptions()); };
  json rows = json::array();
  rows.push_back(compare_classification("GHM-C", ghmc, device, s, torch::kFloat));
  rows.push_back(compare_classification("GHM-C", ghmc, device, s, torch::kHalf));
  rows.push_back(compare_classification("focal loss", focal, device, s, torch::kFloat));
  rows.push_back(compare_classification("focal loss", focal, device, s, torch::kHalf));
  rows.push_back(compare_ghmr(device, s));
  return rows;
}

nlohmann::json compare_detector(const torch::Device& device, const CheckScale& s,
                                const std::string& source_dir) {
  const Config cfg = Config::load(source_dir + "/" + s.compare_config, {});
  torch::manual_seed(6);
  auto cpu_model = build_detector(cfg["model"], cfg["train_cfg"], cfg["test_cfg"]);
  auto dev_model = build_detector(cfg["model"], cfg["train_cfg"], cfg["test_cfg"]);
  {
    torch::NoGradGuard no_grad;
    auto params = dev_model->named_parameters();
    for (const auto& p : cpu_model->named_parameters()) params[p.key()].copy_(p.value());
    auto buffers = dev_model->named_buffers();
    for (const auto& b : cpu_model->named_buffers()) buffers[b.key()].copy_(b.value());
  }
  dev_model->to(device);
  const Batch batch = generated_batch(GeneratedBatchesOptions()
                                          .batch_size(2)
                                          .img_h(s.compare_side)
                                          .img_w(s.compare_side)
                                          .num_classes(cpu_model->num_classes()),
                                      11);
  json out = {{"config", s.compare_config}, {"images", std::to_string(batch.size()) + "x" + std::to_string(s.compare_side) + "x" + std::to_string(s.compare_side)}};

  cpu_model->train();
  dev_model->train();
  const auto l_cpu = cpu_model->loss(batch);
  const auto l_dev = dev_model->loss(batch.to(device));
  json terms = json::object();
  torch::Tensor total_cpu = torch::zeros({}), total_dev = torch::zeros({}, torch::TensorOptions(device));
  for (const auto& [name, value] : l_cpu) {
    terms[name] = {{"cpu", value.item<double>()}, {"device", l_dev.at(name).item<double>()}};
    total_cpu = total_cpu + value;
    total_dev = total_dev + l_dev.at(name);
  }
  out["loss_terms"] = terms;
  total_cpu.backward();
  total_dev.backward();
  double grad_diff = 0.0, grad_max = 0.0;
  auto dev_params = dev_model->named_parameters();
  for (const auto& p : cpu_model->named_parameters()) {
    if (!p.value().grad().defined()) continue;
    grad_diff = std::max(grad_diff, max_abs_diff(dev_params[p.key()].grad(), p.value().grad()));
    grad_max = std::max(grad_max, max_abs(p.value().grad()));
  }
  out["grad_max_abs_diff"] = grad_diff;
  out["grad_max_abs"] = grad_max;

  cpu_model->eval();
  dev_model->eval();
  torch::NoGradGuard no_grad;
  const auto h_cpu = cpu_model->forward(batch.images);
  const auto h_dev = dev_model->forward(batch.images.to(device));
  double cls_diff = 0.0, box_diff = 0.0, cls_max = 0.0;
  for (size_t l = 0; l < h_cpu.cls_scores.size(); ++l) {
    cls_diff = std::max(cls_diff, max_abs_diff(h_dev.cls_scores[l], h_cpu.cls_scores[l]));
    box_diff = std::max(box_diff, max_abs_diff(h_dev.bbox_preds[l], h_cpu.bbox_preds[l]));
    cls_max = std::max(cls_max, max_abs(h_cpu.cls_scores[l]));
  }
  out["head_cls_max_abs_diff"] = cls_diff;
  out["head_cls_max_abs"] = cls_max;
  out["head_box_max_abs_diff"] = box_diff;
  const auto d_cpu = cpu_model->predict(batch);
  const auto d_dev = dev_model->predict(batch.to(device));
  json dets = json::array();
  for (size_t i = 0; i < d_cpu.size(); ++i) {
    json d = {{"cpu", d_cpu[i].size()}, {"device", d_dev[i].size()}};
    if (d_cpu[i].size() == d_dev[i].size() && d_cpu[i].size() > 0) {
      d["box_max_abs_diff"] = max_abs_diff(d_dev[i].boxes, d_cpu[i].boxes);
      d["score_max_abs_diff"] = max_abs_diff(d_dev[i].scores, d_cpu[i].scores);
      d["labels_equal"] = torch::equal(d_dev[i].labels.cpu(), d_cpu[i].labels);
    }
    dets.push_back(d);
  }
  out["detections"] = dets;
  return out;
}

}  // namespace ghmdet::bench
