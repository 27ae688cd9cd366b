// conv2d (always oneDNN on the CPU) equals torch::conv2d — including the batch-1, small-input
// shapes that libtorch would send to its native path — in both memory formats, forward and
// backward, and keeps the input's memory format; under CPU autocast it runs in bfloat16.
#include <gtest/gtest.h>

#include <array>
#include <type_traits>
#include <vector>

#include <torch/csrc/autograd/generated/Functions.h>
#include <torch/version.h>

#include "ghmdet/core/autocast_compat.h"
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

// A recorded size: int64_t in libtorch 1.x, c10::SymInt in 2.x.
template <typename T>
int64_t as_int64(const T& v) {
  if constexpr (std::is_integral_v<T>) return v;
  else return v.expect_int();
}

// libtorch 1.x sends a single-threaded 1x1 convolution's backward to im2col + BLAS (8x slower
// with Debian's OpenBLAS); conv2d asks for dilation 2, which a 1x1 kernel ignores, to stay on
// oneDNN. The gradients still equal torch::conv2d's, and the backward node records the dilation.
TEST(Conv2d, SingleThreadedOneByOneBackwardStaysOnOneDnn) {
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  torch::manual_seed(8);
  for (const int64_t stride : {1, 2}) {
    auto x = torch::randn({2, 32, 12, 12}).contiguous(torch::MemoryFormat::ChannelsLast).requires_grad_(true);
    auto w = torch::randn({16, 32, 1, 1}).requires_grad_(true);
    auto b = torch::randn({16}).requires_grad_(true);
    auto want = torch::conv2d(x.to(torch::kDouble), w.to(torch::kDouble), b.to(torch::kDouble), stride);
    auto got = conv2d(x, w, b, {stride, stride}, {0, 0}, {1, 1}, 1);
    EXPECT_TRUE(torch::allclose(got.to(torch::kDouble), want, 1e-4, 1e-4));
    auto dy = torch::randn_like(got);
    auto gw = torch::autograd::grad({want}, {x, w, b}, {dy.to(torch::kDouble)});
    auto gg = torch::autograd::grad({got}, {x, w, b}, {dy});
    for (int i = 0; i < 3; ++i)
      EXPECT_TRUE(torch::allclose(gg[i].to(torch::kDouble), gw[i].to(torch::kDouble), 1e-4, 1e-3)) << i;
    const auto* node = dynamic_cast<torch::autograd::generated::MkldnnConvolutionBackward0*>(got.grad_fn().get());
    ASSERT_NE(node, nullptr) << got.grad_fn()->name();
    std::vector<int64_t> recorded;
    for (const auto& d : node->dilation) recorded.push_back(as_int64(d));
    const std::vector<int64_t> expected = TORCH_VERSION_MAJOR < 2 ? std::vector<int64_t>{2, 2} : std::vector<int64_t>{1, 1};
    EXPECT_EQ(recorded, expected);
  }
  {
    torch::NoGradGuard no_grad;  // inference keeps the convolution as asked
    auto y = conv2d(torch::randn({1, 32, 8, 8}), torch::randn({16, 32, 1, 1}), torch::Tensor(), {1, 1}, {0, 0}, {1, 1}, 1);
    EXPECT_EQ(y.sizes(), (std::vector<int64_t>{1, 16, 8, 8}));
  }
  at::set_num_threads(threads);
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

// fp16 training on the CPU: the convolution must be autocast's (bfloat16), not a float32 oneDNN
// call that autocast does not see.
TEST(Conv2d, RunsInBfloat16UnderCpuAutocast) {
  torch::manual_seed(3);
  const auto x = torch::randn({1, 16, 4, 4});
  const auto w = torch::randn({8, 16, 3, 3}, torch::requires_grad());
  const auto b = torch::randn({8}, torch::requires_grad());
  ASSERT_FALSE(autocast_compat::is_enabled(at::kCPU));
  const at::ScalarType before = autocast_compat::dtype(at::kCPU);
  autocast_compat::set_dtype(at::kCPU, at::kBFloat16);
  autocast_compat::set_enabled(at::kCPU, true);
  const auto got = conv2d(x, w, b, {1, 1}, {1, 1}, {1, 1}, 1);
  autocast_compat::set_enabled(at::kCPU, false);
  autocast_compat::set_dtype(at::kCPU, before);
  at::autocast::clear_cache();
  EXPECT_EQ(got.scalar_type(), at::kBFloat16);
  const auto want = torch::conv2d(x.to(at::kBFloat16), w.detach().to(at::kBFloat16),
                                  b.detach().to(at::kBFloat16), 1, 1);
  EXPECT_TRUE(torch::equal(got.detach(), want));
  // Outside autocast, float32 again.
  EXPECT_EQ(conv2d(x, w, b, {1, 1}, {1, 1}, {1, 1}, 1).scalar_type(), at::kFloat);
}

// libtorch's bfloat16 weight gradient of a convolution whose input is narrower than its stride
// is garbage (seen: 1e28 to 1e37, nan); conv2d runs those in float32 under autocast, so the
// gradient equals float32's on the same (float32) operands.
TEST(Conv2d, NarrowerThanTheStrideUnderCpuAutocastGetsTheFloat32Gradient) {
  for (const auto& [h, w, stride] : std::vector<std::array<int64_t, 3>>{{1, 1, 2}, {5, 1, 2}, {2, 2, 3}}) {
    torch::manual_seed(5);
    const auto x = torch::randn({2, 16, h, w});
    const auto weight = torch::randn({16, 16, 3, 3}, torch::requires_grad());
    const at::ScalarType before = autocast_compat::dtype(at::kCPU);
    autocast_compat::set_dtype(at::kCPU, at::kBFloat16);
    autocast_compat::set_enabled(at::kCPU, true);
    const auto got = conv2d(x, weight, torch::Tensor(), {stride, stride}, {1, 1}, {1, 1}, 1);
    autocast_compat::set_enabled(at::kCPU, false);
    autocast_compat::set_dtype(at::kCPU, before);
    at::autocast::clear_cache();
    const auto dy = torch::randn(got.sizes());
    const auto g = torch::autograd::grad({got}, {weight}, {dy.to(got.scalar_type())}).at(0);
    const auto w32 = weight.detach().clone().requires_grad_(true);
    const auto y32 = torch::conv2d(x, w32, torch::Tensor(), stride, 1);
    const auto want = torch::autograd::grad({y32}, {w32}, {dy}).at(0);
    EXPECT_TRUE(torch::allclose(g, want, 1e-4, 1e-4))
        << h << "x" << w << " stride " << stride << ": max |diff| " << (g - want).abs().max().template item<double>();
  }
}

}  // namespace
}  // namespace ghmdet
