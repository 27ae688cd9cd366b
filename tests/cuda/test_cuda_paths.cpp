// The same computation on the GPU and on the CPU: GHM-C, GHM-R and focal loss (loss, gradient and
// GHM's EMA state after several calls), NMS, and a whole detector (training losses, gradients,
// predictions). The CPU results are the oracle; the CPU paths have their own tests.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "ghmdet/core/config.h"
#include "ghmdet/core/host_sync_counter.h"
#include "ghmdet/losses/focal_loss.h"
#include "ghmdet/losses/ghm_c.h"
#include "ghmdet/losses/ghm_r.h"
#include "ghmdet/modeling/build.h"
#include "ghmdet/modeling/retinanet.h"
#include "ghmdet/ops/nms.h"
#include "ghmdet/structures/batch.h"
#include "ghmdet_test_paths.h"
#include "require_cuda.h"

namespace ghmdet {
namespace {

using testing::kCuda;

void expect_close(const torch::Tensor& gpu, const torch::Tensor& cpu, double rtol, double atol,
                  const std::string& what) {
  ASSERT_TRUE(gpu.is_cuda()) << what;
  const auto back = gpu.cpu();
  EXPECT_TRUE(torch::allclose(back, cpu, rtol, atol))
      << what << ": max |gpu - cpu| = " << (back - cpu).abs().max().item<double>();
}

// Two 96x96 images of noise with these boxes and labels and no ignored regions, on the CPU.
Batch noise_batch(std::vector<torch::Tensor> boxes, std::vector<torch::Tensor> labels) {
  Batch batch;
  batch.images = torch::randn({2, 3, 96, 96});
  for (int i = 0; i < 2; ++i) {
    ImageMeta m;
    m.img_shape = m.ori_shape = m.pad_shape = {96, 96};
    batch.metas.push_back(m);
  }
  batch.gt_boxes = std::move(boxes);
  batch.gt_labels = std::move(labels);
  batch.gt_boxes_ignore = {torch::zeros({0, 4}), torch::zeros({0, 4})};
  return batch;
}

// Three calls (an EMA needs several) of `make()`'s loss on CPU and GPU copies of the same inputs.
template <typename MakeLoss>
void compare_classification_loss(MakeLoss make, const std::string& name) {
  torch::manual_seed(3);
  const int64_t n = 3000, c = 7;
  auto cpu_loss = make();
  auto gpu_loss = make();
  gpu_loss->to(kCuda);
  for (int call = 0; call < 3; ++call) {
    SCOPED_TRACE(name + " call " + std::to_string(call));
    auto logits = (torch::randn({n, c}) * 3).requires_grad_();
    auto labels = torch::randint(0, c + 1, {n}, torch::kInt64);  // c = background
    auto weights = (torch::rand({n}) > 0.1).to(torch::kFloat);
    auto logits_gpu = logits.detach().to(kCuda).requires_grad_();
    const auto l_cpu = cpu_loss->forward(logits, labels, weights, 123.0);
    const auto l_gpu = gpu_loss->forward(logits_gpu, labels.to(kCuda), weights.to(kCuda), 123.0);
    l_cpu.backward();
    l_gpu.backward();
    expect_close(l_gpu, l_cpu, 1e-5, 1e-6, "loss");
    expect_close(logits_gpu.grad(), logits.grad(), 1e-4, 1e-7, "gradient");
  }
  for (const auto& b : cpu_loss->named_buffers()) {
    expect_close(gpu_loss->named_buffers()[b.key()], b.value(), 1e-5, 1e-6, name + " " + b.key());
  }
}

TEST(CudaPaths, GhmcEqualsCpu) {
  GHMDET_REQUIRE_CUDA();
  compare_classification_loss([] { return GHMC(GHMCOptions().bins(30).momentum(0.75)); }, "GHM-C");
}

TEST(CudaPaths, FocalLossEqualsCpu) {
  GHMDET_REQUIRE_CUDA();
  compare_classification_loss([] { return FocalLoss(FocalLossOptions()); }, "focal");
}

TEST(CudaPaths, GhmrEqualsCpu) {
  GHMDET_REQUIRE_CUDA();
  torch::manual_seed(4);
  GHMR cpu_loss(GHMROptions().mu(0.02).bins(10).momentum(0.7));
  GHMR gpu_loss(GHMROptions().mu(0.02).bins(10).momentum(0.7));
  gpu_loss->to(kCuda);
  for (int call = 0; call < 3; ++call) {
    auto pred = (torch::randn({2000, 4}) * 0.1).requires_grad_();
    auto target = torch::randn({2000, 4}) * 0.1;
    auto weight = (torch::rand({2000, 1}) > 0.5).to(torch::kFloat).expand({2000, 4}).contiguous();
    auto pred_gpu = pred.detach().to(kCuda).requires_grad_();
    const auto l_cpu = cpu_loss->forward(pred, target, weight);
    const auto l_gpu = gpu_loss->forward(pred_gpu, target.to(kCuda), weight.to(kCuda));
    l_cpu.backward();
    l_gpu.backward();
    expect_close(l_gpu, l_cpu, 1e-5, 1e-6, "GHM-R loss");
    expect_close(pred_gpu.grad(), pred.grad(), 1e-4, 1e-7, "GHM-R gradient");
  }
}

TEST(CudaPaths, NmsEqualsCpu) {
  GHMDET_REQUIRE_CUDA();
  torch::manual_seed(5);
  const auto xy = torch::rand({500, 2}) * 200;
  const auto boxes = torch::cat({xy, xy + torch::rand({500, 2}) * 60 + 1}, 1);
  const auto scores = torch::rand({500});
  const auto classes = torch::randint(0, 4, {500}, torch::kInt64);
  const auto keep_cpu = batched_nms(boxes, scores, classes);
  const auto keep_gpu = batched_nms(boxes.to(kCuda), scores.to(kCuda), classes.to(kCuda));
  ASSERT_TRUE(keep_gpu.is_cuda());
  EXPECT_TRUE(torch::equal(keep_gpu.cpu(), keep_cpu));
}

// Over 64 boxes per mask word and across words, tied scores (the stable order), the legacy
// conventions (+1 pixel, suppress at IoU == threshold), one group and many classes, and boxes
// whose IoU sits exactly at the threshold.
TEST(CudaPaths, NmsEqualsCpuInEveryConvention) {
  GHMDET_REQUIRE_CUDA();
  torch::manual_seed(6);
  const int64_t n = 3000;
  const auto xy = (torch::rand({n, 2}) * 300).round();
  auto boxes = torch::cat({xy, xy + (torch::rand({n, 2}) * 50 + 1).round()}, 1);
  // Boxes 1 and 0: IoU exactly 0.5 (areas 100 and 50 share 50).
  boxes.index_put_({0}, torch::tensor({0.0f, 0.0f, 10.0f, 10.0f}));
  boxes.index_put_({1}, torch::tensor({0.0f, 0.0f, 5.0f, 10.0f}));
  const auto scores = (torch::rand({n}) * 20).round() / 20;  // many ties
  const auto classes = torch::randint(0, 12, {n}, torch::kInt64);
  for (const bool legacy : {false, true}) {
    const auto o = NmsOptions().iou_threshold(0.5).pixel_offset(legacy ? 1.0 : 0.0).suppress_equal(legacy);
    SCOPED_TRACE(legacy ? "legacy conventions" : "torchvision conventions");
    EXPECT_TRUE(torch::equal(nms(boxes.to(kCuda), scores.to(kCuda), o).cpu(), nms(boxes, scores, o)));
    EXPECT_TRUE(torch::equal(batched_nms(boxes.to(kCuda), scores.to(kCuda), classes.to(kCuda), o).cpu(),
                             batched_nms(boxes, scores, classes, o)));
  }
}

// The demo's detector (ResNet-18 FPN, GHM-C + GHM-R), the same weights on both devices.
TEST(CudaPaths, DetectorLossesGradientsAndPredictionsEqualCpu) {
  GHMDET_REQUIRE_CUDA();
  const Config cfg = Config::load(std::string(GHMDET_SOURCE_DIR) + "/configs/demo/fashion_mnist_ghm.yaml", {});
  torch::manual_seed(6);
  auto cpu_model = build_detector(cfg["model"], cfg["train_cfg"], cfg["test_cfg"]);
  auto gpu_model = build_detector(cfg["model"], cfg["train_cfg"], cfg["test_cfg"]);
  {
    torch::NoGradGuard no_grad;
    auto dst = gpu_model->named_parameters();
    for (const auto& p : cpu_model->named_parameters()) dst[p.key()].copy_(p.value());
    auto dst_buffers = gpu_model->named_buffers();
    for (const auto& b : cpu_model->named_buffers()) dst_buffers[b.key()].copy_(b.value());
  }
  gpu_model->to(kCuda);

  const Batch batch = noise_batch({torch::tensor({{4.f, 6.f, 40.f, 50.f}, {30.f, 10.f, 90.f, 40.f}}),
                                   torch::tensor({{10.f, 10.f, 45.f, 30.f}})},
                                  {torch::tensor({0, 2}, torch::kInt64), torch::tensor({1}, torch::kInt64)});

  cpu_model->train();
  gpu_model->train();
  const auto l_cpu = cpu_model->loss(batch);
  const auto l_gpu = gpu_model->loss(batch.to(kCuda));
  for (const auto& [name, value] : l_cpu) expect_close(l_gpu.at(name), value, 1e-3, 1e-5, name);
  (l_cpu.at("loss_cls") + l_cpu.at("loss_bbox")).backward();
  (l_gpu.at("loss_cls") + l_gpu.at("loss_bbox")).backward();
  auto gpu_params = gpu_model->named_parameters();
  for (const auto& p : cpu_model->named_parameters()) {
    if (!p.value().grad().defined()) continue;
    expect_close(gpu_params[p.key()].grad(), p.value().grad(), 1e-2, 1e-4, "grad " + p.key());
  }

  cpu_model->eval();
  gpu_model->eval();
  torch::NoGradGuard no_grad;
  const auto d_cpu = cpu_model->predict(batch);
  const auto d_gpu = gpu_model->predict(batch.to(kCuda));
  ASSERT_EQ(d_gpu.size(), d_cpu.size());
  for (size_t i = 0; i < d_cpu.size(); ++i) {
    ASSERT_EQ(d_gpu[i].size(), d_cpu[i].size()) << "image " << i;
    if (d_cpu[i].size() == 0) continue;
    expect_close(d_gpu[i].scores, d_cpu[i].scores, 1e-3, 1e-5, "scores");
    expect_close(d_gpu[i].boxes, d_cpu[i].boxes, 1e-3, 1e-2, "boxes");
  }
}

TEST(CudaPaths, HostSyncCounterCountsAnItemAndForbidThrows) {
  GHMDET_REQUIRE_CUDA();
  ASSERT_TRUE(HostSyncCounter::available());
  const auto x = torch::ones({4}, kCuda);
  {
    HostSyncCounter counter;
    EXPECT_EQ(x.sum().item<float>(), 4.0f);
    (x * 2).sum();  // queued, never read: no sync
    EXPECT_EQ(counter.count(), 1);
  }
  HostSyncCounter forbid(HostSyncCounter::kForbid);
  EXPECT_THROW(x.sum().item<float>(), c10::Error);
}

// The GPU path's promise (modeling/retinanet_targets.cpp): a training loss — anchors, assigner,
// targets, GHM or focal loss — syncs with the host once (its avg_factor), its backward never.
TEST(CudaPaths, DetectorLossSyncsWithTheHostOnceAndItsBackwardNever) {
  GHMDET_REQUIRE_CUDA();
  for (const char* config : {"fashion_mnist_ghm.yaml", "fashion_mnist_fl.yaml"}) {
    SCOPED_TRACE(config);
    const Config cfg = Config::load(std::string(GHMDET_SOURCE_DIR) + "/configs/demo/" + config, {});
    auto model = build_detector(cfg["model"], cfg["train_cfg"], cfg["test_cfg"]);
    model->to(kCuda);
    model->train();
    const Batch batch = noise_batch({torch::tensor({{4.f, 6.f, 40.f, 50.f}}), torch::tensor({{10.f, 10.f, 45.f, 30.f}})},
                                    {torch::tensor({0}, torch::kInt64), torch::tensor({1}, torch::kInt64)})
                            .to(kCuda);
    const auto total = [&] {
      torch::Tensor sum;
      for (const auto& [name, value] : model->loss(batch)) sum = sum.defined() ? sum + value : value;
      return sum;
    };
    total().backward();  // first call: the CUDA libraries' lazy set-up
    torch::Tensor loss;
    {
      HostSyncCounter counter;
      loss = total();
      EXPECT_EQ(counter.count(), 1);
    }
    HostSyncCounter forbid(HostSyncCounter::kForbid);
    EXPECT_NO_THROW(loss.backward());
  }
}

}  // namespace
}  // namespace ghmdet
