// conv_bn: every folded path equals conv → BN — the cached inference fold (and it follows weight
// updates), the differentiable fold used in training with norm_eval (same forward and the same
// gradients for conv.weight, bn.weight, bn.bias and the input), and the constant fold of frozen
// parameters (no parameter gradients, the input's gradient still flows).
#include <gtest/gtest.h>

#include "ghmdet/modeling/layers/conv_bn.h"

namespace ghmdet {
namespace {

struct ConvBNPair {
  torch::nn::Conv2d conv{torch::nn::Conv2dOptions(4, 6, 3).stride(2).padding(1).bias(false)};
  torch::nn::BatchNorm2d bn{6};
  ConvBNPair() {
    torch::NoGradGuard g;
    bn->weight.uniform_(0.5, 1.5);
    bn->bias.normal_();
    bn->running_mean.normal_();
    bn->running_var.uniform_(0.5, 2.0);
    bn->eval();
  }
};

void expect_close(const torch::Tensor& got, const torch::Tensor& want, const char* what) {
  ASSERT_TRUE(got.defined()) << what;
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  EXPECT_TRUE(torch::allclose(got, want, 1e-4, 1e-5))
      << what << " max diff " << (got - want).abs().max().item<float>();
}

TEST(ConvBN, FoldedEqualsUnfusedAndTracksUpdates) {
  torch::manual_seed(3);
  ConvBNPair m;
  auto& [conv, bn] = m;
  ConvBNFold fold;
  auto x = torch::randn({2, 4, 9, 11});
  auto want = bn(conv(x));
  torch::Tensor got;
  {
    torch::NoGradGuard g;
    got = conv_bn(conv, bn, fold, x);
  }
  EXPECT_TRUE(fold.weight.defined());  // the folded path ran
  EXPECT_TRUE(torch::allclose(got, want, 1e-5, 1e-5));

  // A changed statistic (as a checkpoint load does) must refresh the cache.
  {
    torch::NoGradGuard g;
    bn->running_mean.add_(1.0);
    want = bn(conv(x));
    got = conv_bn(conv, bn, fold, x);
  }
  EXPECT_TRUE(torch::allclose(got, want, 1e-5, 1e-5));
}

// Training with norm_eval: BN in eval mode, its affine parameters and the conv weight train.
TEST(ConvBN, TrainingFoldGivesTheUnfoldedForwardAndGradients) {
  torch::manual_seed(4);
  for (bool channels_last : {false, true}) {
    ConvBNPair m;
    auto& [conv, bn] = m;
    auto x = torch::randn({2, 4, 9, 11});
    if (channels_last) {
      torch::NoGradGuard g;
      conv->weight.set_data(conv->weight.contiguous(torch::MemoryFormat::ChannelsLast));
      x = x.contiguous(torch::MemoryFormat::ChannelsLast);
    }
    x.requires_grad_(true);
    const auto dy = torch::randn({2, 6, 5, 6});
    auto params = std::vector<torch::Tensor>{conv->weight, bn->weight, bn->bias, x};

    auto want = bn(conv(x));
    auto want_grads = torch::autograd::grad({want}, params, {dy});
    ConvBNFold fold;
    auto got = conv_bn(conv, bn, fold, x);
    EXPECT_FALSE(fold.weight.defined());  // not the cached constant fold
    auto got_grads = torch::autograd::grad({got}, params, {dy});

    expect_close(got, want, "forward");
    const char* names[] = {"conv.weight", "bn.weight", "bn.bias", "input"};
    for (size_t i = 0; i < params.size(); ++i) expect_close(got_grads[i], want_grads[i], names[i]);
    EXPECT_TRUE(torch::equal(bn->running_mean, m.bn->running_mean));  // statistics untouched
  }
}

// Frozen stage (parameters without requires_grad) inside a training step: the cached constant
// fold; the input's gradient (if any) is unchanged.
TEST(ConvBN, FrozenParametersUseTheConstantFold) {
  torch::manual_seed(5);
  ConvBNPair m;
  auto& [conv, bn] = m;
  for (auto& p : {conv->weight, bn->weight, bn->bias}) p.requires_grad_(false);
  auto x = torch::randn({2, 4, 9, 11}).requires_grad_(true);
  const auto dy = torch::randn({2, 6, 5, 6});
  auto want = bn(conv(x));
  auto want_dx = torch::autograd::grad({want}, {x}, {dy})[0];
  ConvBNFold fold;
  auto got = conv_bn(conv, bn, fold, x);
  EXPECT_TRUE(fold.weight.defined());
  EXPECT_FALSE(fold.weight.requires_grad());
  expect_close(got, want, "forward");
  expect_close(torch::autograd::grad({got}, {x}, {dy})[0], want_dx, "input");
}

// BN in training mode (batch statistics) runs unfolded and updates its running statistics.
TEST(ConvBN, TrainingModeBatchNormIsNotFolded) {
  torch::manual_seed(6);
  ConvBNPair m;
  auto& [conv, bn] = m;
  bn->train();
  auto before = bn->running_mean.clone();
  ConvBNFold fold;
  auto y = conv_bn(conv, bn, fold, torch::randn({2, 4, 9, 11}));
  EXPECT_FALSE(fold.weight.defined());
  EXPECT_FALSE(torch::equal(before, bn->running_mean));
  y.sum().backward();
  EXPECT_GT(bn->weight.grad().abs().sum().item<float>(), 0.f);
}

}  // namespace
}  // namespace ghmdet
