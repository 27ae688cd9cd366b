// conv_bn: the folded inference path equals conv → BN, and follows weight updates.
#include <gtest/gtest.h>

#include "ghmdet/modeling/layers/conv_bn.h"

namespace ghmdet {
namespace {

TEST(ConvBN, FoldedEqualsUnfusedAndTracksUpdates) {
  torch::manual_seed(3);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(4, 6, 3).stride(2).padding(1).bias(false));
  torch::nn::BatchNorm2d bn(6);
  {
    torch::NoGradGuard g;
    bn->weight.uniform_(0.5, 1.5);
    bn->bias.normal_();
    bn->running_mean.normal_();
    bn->running_var.uniform_(0.5, 2.0);
  }
  bn->eval();
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

  // With autograd on, gradients must reach BN's affine parameters: no folding.
  auto y = conv_bn(conv, bn, fold, x);
  y.sum().backward();
  ASSERT_TRUE(bn->weight.grad().defined());
  EXPECT_GT(bn->weight.grad().abs().sum().item<float>(), 0.f);
}

}  // namespace
}  // namespace ghmdet
