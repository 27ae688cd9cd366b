// clip_grad_norm against a naive double-precision oracle and libtorch's clip_grad_norm_.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ghmdet/core/error.h"
#include "ghmdet/engine/grad_clip.h"

namespace ghmdet {
namespace {

std::vector<torch::Tensor> params_with_grads(uint64_t seed, double scale) {
  torch::manual_seed(seed);
  std::vector<torch::Tensor> params;
  for (int64_t n : {3, 10, 1}) {
    auto p = torch::zeros({n}).requires_grad_(true);
    p.mutable_grad() = torch::randn({n}) * scale;
    params.push_back(p);
  }
  return params;
}

double naive_norm(const std::vector<torch::Tensor>& params, double p) {
  double acc = 0.0;
  for (const auto& t : params) {
    auto g = t.grad().to(torch::kFloat64).flatten();
    for (int64_t i = 0; i < g.numel(); ++i) {
      const double v = std::abs(g[i].item<double>());
      acc = std::isinf(p) ? std::max(acc, v) : acc + std::pow(v, p);
    }
  }
  return std::isinf(p) ? acc : std::pow(acc, 1.0 / p);
}

TEST(GradClip, ScalesToMaxNormAndMatchesLibtorch) {
  auto ours = params_with_grads(1, 10.0);
  auto theirs = params_with_grads(1, 10.0);
  const double expected_total = naive_norm(ours, 2.0);
  ASSERT_GT(expected_total, 5.0);
  const auto total = clip_grad_norm(ours, GradClipOptions().max_norm(5.0).norm_type(2.0));
  EXPECT_NEAR(total.item<double>(), expected_total, 1e-4 * expected_total);
  EXPECT_NEAR(naive_norm(ours, 2.0), 5.0 * expected_total / (expected_total + 1e-6), 1e-4);
  torch::nn::utils::clip_grad_norm_(theirs, 5.0, 2.0);
  for (size_t i = 0; i < ours.size(); ++i) {
    EXPECT_TRUE(torch::equal(ours[i].grad(), theirs[i].grad())) << i;
  }
}

TEST(GradClip, LeavesSmallGradientsUntouched) {
  auto params = params_with_grads(2, 0.01);
  std::vector<torch::Tensor> before;
  for (const auto& p : params) before.push_back(p.grad().clone());
  clip_grad_norm(params, GradClipOptions().max_norm(35.0));
  for (size_t i = 0; i < params.size(); ++i) EXPECT_TRUE(torch::equal(params[i].grad(), before[i]));
}

TEST(GradClip, InfinityNormAndGradlessParameters) {
  auto params = params_with_grads(3, 4.0);
  auto frozen = torch::ones({5}).requires_grad_(true);  // no gradient: ignored
  params.push_back(frozen);
  const double inf = std::numeric_limits<double>::infinity();
  const double expected = naive_norm({params[0], params[1], params[2]}, inf);
  const auto total = clip_grad_norm(params, GradClipOptions().max_norm(1.0).norm_type(inf));
  EXPECT_NEAR(total.item<double>(), expected, 1e-6);
  EXPECT_NEAR(naive_norm({params[0], params[1], params[2]}, inf), 1.0, 1e-5);
  EXPECT_FALSE(frozen.grad().defined());
}

TEST(GradClip, NoGradientsAndBadOptions) {
  auto p = torch::ones({2}).requires_grad_(true);
  EXPECT_FALSE(clip_grad_norm({p}, GradClipOptions()).defined());
  EXPECT_THROW(clip_grad_norm({p}, GradClipOptions().max_norm(0.0)), Error);
}

}  // namespace
}  // namespace ghmdet
