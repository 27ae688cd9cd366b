// conv2d (always oneDNN on the CPU) equals torch::conv2d — including the batch-1, small-input
// shapes that libtorch would send to its native path — in both memory formats, forward and
// backward, and keeps the input's memory format.
#include <gtest/gtest.h>

#include "ghmdet/modeling/layers/conv2d.h"

namespace ghmdet {
namespace {

TEST(Conv2d, EqualsTorchConvForwardAndBackward) {
  torch::manual_seed(7);
  struct Case { int64_t n, c, h, w, stride, k; };
  for (auto cs : {Case{1, 16, 4, 4, 1, 3}, Case{1, 16, 7, 10, 2, 3}, Case{2, 8, 9, 11, 1, 1}}) {
    for (bool channels_last : {false, true}) {
      const auto fmt = channels_last ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
      auto x = torch::randn({cs.n, cs.c, cs.h, cs.w}).contiguous(fmt).requires_grad_(true);
      auto w = torch::randn({24, cs.c, cs.k, cs.k}).contiguous(fmt).requires_grad_(true);
      auto b = torch::randn({24}).requires_grad_(true);
      const int64_t pad = cs.k / 2;
      auto want = torch::conv2d(x, w, b, cs.stride, pad);
      auto got = conv2d(x, w, b, {cs.stride, cs.stride}, {pad, pad}, {1, 1}, 1);
      ASSERT_EQ(got.sizes(), want.sizes());
      EXPECT_TRUE(torch::allclose(got, want, 1e-4, 1e-4)) << (got - want).abs().max().item<float>();
      EXPECT_TRUE(got.is_contiguous(fmt));
      auto dy = torch::randn_like(want);
      auto gw = torch::autograd::grad({want}, {x, w, b}, {dy});
      auto gg = torch::autograd::grad({got}, {x, w, b}, {dy});
      for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(torch::allclose(gg[i], gw[i], 1e-4, 1e-3)) << i << " "
            << (gg[i] - gw[i]).abs().max().item<float>();
    }
  }
}

TEST(Conv2d, ModuleOverloadUsesTheModuleGeometry) {
  torch::manual_seed(8);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(8, 12, 3).stride(2).padding(1));
  auto x = torch::randn({1, 8, 6, 6});
  torch::NoGradGuard g;
  EXPECT_TRUE(torch::allclose(conv2d(conv, x), conv->forward(x), 1e-4, 1e-5));
  torch::nn::Conv2d no_bias(torch::nn::Conv2dOptions(8, 12, 1).bias(false));
  EXPECT_TRUE(torch::allclose(conv2d(no_bias, x), no_bias->forward(x), 1e-4, 1e-5));
}

}  // namespace
}  // namespace ghmdet
