// Mixed-precision training on a GPU: float16 autocast, and the trainer's loss scaling (a step
// whose float16 gradients overflow is skipped and the dynamic scale halves; otherwise training
// follows the float32 CPU run closely). Each test skips, saying why, without a CUDA device.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "../engine/tiny_training.h"
#include "ghmdet/engine/autocast_guard.h"
#include "ghmdet/engine/trainer.h"
#include "ghmdet/io/checkpoint.h"
#include "require_cuda.h"

namespace ghmdet {
namespace {

namespace fs = std::filesystem;
namespace F = torch::nn::functional;

using testing::kCuda;

TEST(CudaFp16, ConvolutionsRunInFloat16UnderAutocast) {
  GHMDET_REQUIRE_CUDA();
  torch::manual_seed(0);
  const auto x = torch::randn({2, 3, 16, 16}, kCuda);
  const auto w = torch::randn({4, 3, 3, 3}, torch::TensorOptions(kCuda).requires_grad(true));
  torch::Tensor y;
  {
    AutocastGuard autocast(at::kCUDA, at::kHalf);
    y = F::conv2d(x, w, F::Conv2dFuncOptions().padding(1));
  }
  EXPECT_EQ(y.scalar_type(), at::kHalf);
  const auto explicit_half = F::conv2d(x.to(at::kHalf), w.detach().to(at::kHalf),
                                       F::Conv2dFuncOptions().padding(1));
  EXPECT_TRUE(torch::allclose(y.detach().to(at::kFloat), explicit_half.to(at::kFloat), 1e-3, 1e-3));
  y.to(at::kFloat).sum().backward();
  EXPECT_EQ(w.grad().scalar_type(), at::kFloat);
}

// The tiny detector with its classification term multiplied by `boost` on call `boost_at_call`:
// finite in float32, but times the loss scale its float16 gradients overflow.
struct BoostedDetectorImpl : testing::TinyDetectorImpl {
  using TinyDetectorImpl::TinyDetectorImpl;
  std::map<std::string, torch::Tensor> loss(const Batch& batch) override {
    auto out = TinyDetectorImpl::loss(batch);
    if (calls == boost_at_call) out["loss_cls"] = out["loss_cls"] * boost;
    return out;
  }
  int64_t boost_at_call = -1;
  double boost = 1e6;
};
TORCH_MODULE(BoostedDetector);

TrainerOptions options(const std::string& name, torch::Device device, bool fp16) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("ghmdet_cuda_fp16_" + name);
  fs::remove_all(dir);
  auto o = TrainerOptions()
               .optimizer(SGDOptions().lr(0.05).momentum(0.9))
               .lr_schedule(LrScheduleOptions())
               .total_epochs(1)
               .log_interval(4)
               .work_dir(dir.string())
               .device(device)
               .deterministic(true)
               .progress(ProgressBar::kOff);
  if (fp16) o.fp16(MixedPrecisionOptions().loss_scale(LossScaleOptions::dynamic()));
  return o;
}

TEST(CudaFp16, TrainingFollowsFloat32AndTheScaleIsCheckpointed) {
  GHMDET_REQUIRE_CUDA();
  auto run = [](torch::Device device, bool fp16, const std::string& name) {
    testing::TinyDetector model(4);
    testing::TinySource source(12, 2, /*seed=*/5);
    std::vector<double> losses;
    TrainerHooks hooks;
    hooks.after_iter.push_back([&](Trainer& t) { losses.push_back(t.state().last_losses.at("loss")); });
    const auto result = Trainer(model.ptr(), source, options(name, device, fp16), hooks).train();
    if (fp16) {
      EXPECT_EQ(result.state.skipped_steps, 0);
      EXPECT_EQ(result.state.loss_scale, 65536.0);
      const Checkpoint ckpt = load_checkpoint(result.last_checkpoint);
      EXPECT_EQ(ckpt.meta["fp16"]["loss_scaler"]["scale"], 65536.0);
    }
    return losses;
  };
  const auto cpu = run(torch::kCPU, false, "fp32");
  const auto gpu = run(kCuda, true, "fp16");
  ASSERT_EQ(cpu.size(), gpu.size());
  // float16 keeps 11 significant bits (2^-12 relative per rounding); as the CPU bf16 test, a few
  // steps of drift stay far inside 3 %.
  for (size_t i = 0; i < cpu.size(); ++i) EXPECT_NEAR(gpu[i], cpu[i], 0.03 * std::abs(cpu[i])) << i;
}

TEST(CudaFp16, AnOverflowingStepIsSkippedAndTheScaleHalves) {
  GHMDET_REQUIRE_CUDA();
  BoostedDetector model(2);
  model->boost_at_call = 3;
  testing::TinySource source(6, 2, /*seed=*/1);
  std::vector<torch::Tensor> weights;
  std::vector<double> scales;
  TrainerHooks hooks;
  hooks.after_iter.push_back([&](Trainer& t) {
    weights.push_back(t.model().named_parameters()["conv.weight"].detach().cpu().clone());
    scales.push_back(t.state().loss_scale);
  });
  const auto result = Trainer(model.ptr(), source, options("overflow", kCuda, true), hooks).train();
  ASSERT_EQ(weights.size(), 6u);
  EXPECT_EQ(result.state.skipped_steps, 1);
  EXPECT_EQ(scales, (std::vector<double>{65536, 65536, 32768, 32768, 32768, 32768}));
  EXPECT_TRUE(torch::equal(weights[2], weights[1])) << "the overflowing step moved the weights";
  EXPECT_FALSE(torch::equal(weights[3], weights[2]));
  for (const auto& w : weights) EXPECT_TRUE(torch::isfinite(w).all().item<bool>());
}

}  // namespace
}  // namespace ghmdet
