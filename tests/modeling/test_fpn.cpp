// FPN against a naive re-implementation of mmdetection v1's (fixture), and its options.
#include <gtest/gtest.h>

#include "fixture_tensors.h"
#include "ghmdet/modeling/backbone/resnet.h"
#include "ghmdet/modeling/neck/fpn.h"

namespace ghmdet {
namespace {

using testing::load_fixture;
using testing::load_into;

TEST(FPN, LegacyExtraConvOnC5MatchesNaive) {
  auto fx = load_fixture("legacy_fpn");
  ResNet net(ResNetOptions().depth(50).base_channels(8).stage_blocks({2, 1, 1, 1}));
  load_into(*net, fx, "backbone.");
  FPN fpn(FPNOptions({32, 64, 128, 256}, 12, 5).start_level(1).extra_source(ExtraConvSource::kInput));
  load_into(*fpn, fx, "neck.");
  net->eval();
  auto outs = fpn->forward(net->forward(fx.at("input")));
  ASSERT_EQ(outs.size(), 5u);
  for (int j = 0; j < 5; ++j) {
    const auto& want = fx.at("P" + std::to_string(j + 3));
    ASSERT_EQ(outs[j].sizes(), want.sizes()) << j;
    EXPECT_TRUE(torch::allclose(outs[j], want, 1e-4, 1e-5))
        << "P" << j + 3 << " max diff " << (outs[j] - want).abs().max().item<float>();
  }
}

TEST(FPN, NamesMatchMmdetection) {
  FPN fpn(FPNOptions({256, 512, 1024, 2048}, 256, 5).start_level(1).extra_source(ExtraConvSource::kInput));
  auto p = fpn->named_parameters();
  EXPECT_EQ(p.size(), 2u * (3 + 5));
  EXPECT_TRUE(p.contains("lateral_convs.2.conv.weight"));
  EXPECT_EQ(p["fpn_convs.3.conv.weight"].size(1), 2048);  // P6 from C5
  EXPECT_EQ(p["fpn_convs.4.conv.weight"].size(1), 256);
  EXPECT_EQ(p["fpn_convs.0.conv.bias"].abs().sum().item<float>(), 0.f);
  // Xavier-uniform bound sqrt(6 / (fan_in + fan_out)).
  const double bound = std::sqrt(6.0 / (256 * 9 + 256 * 9));
  EXPECT_LE(p["fpn_convs.1.conv.weight"].abs().max().item<double>(), bound);
  EXPECT_GT(p["fpn_convs.1.conv.weight"].abs().max().item<double>(), 0.9 * bound);
}

TEST(FPN, ExtraSourcesAndMaxPool) {
  torch::manual_seed(0);
  std::vector<torch::Tensor> in = {torch::randn({1, 4, 16, 16}), torch::randn({1, 6, 8, 8}),
                                   torch::randn({1, 8, 4, 4})};
  FPN pool(FPNOptions({4, 6, 8}, 5, 5));
  auto o = pool->forward(in);
  ASSERT_EQ(o.size(), 5u);
  EXPECT_TRUE(torch::equal(o[3], o[2].index({"...", torch::indexing::Slice(0, torch::indexing::None, 2),
                                             torch::indexing::Slice(0, torch::indexing::None, 2)})));
  EXPECT_EQ(o[4].sizes(), (std::vector<int64_t>{1, 5, 1, 1}));

  FPN out(FPNOptions({4, 6, 8}, 5, 5).extra_source(ExtraConvSource::kOutput).relu_before_extra_convs(true));
  auto q = out->forward(in);
  auto p6 = out->fpn_convs[3]->conv->forward(q[2]);
  EXPECT_TRUE(torch::allclose(q[3], p6));
  EXPECT_TRUE(torch::allclose(q[4], out->fpn_convs[4]->conv->forward(torch::relu(p6))));
  // Top-down: P_l's lateral plus the upsampled coarser merge.
  auto lat2 = out->lateral_convs[2]->forward(in[2]);
  auto lat1 = out->lateral_convs[1]->forward(in[1]) + lat2.repeat_interleave(2, 2).repeat_interleave(2, 3);
  EXPECT_TRUE(torch::allclose(q[1], out->fpn_convs[1]->forward(lat1), 1e-5, 1e-6));
}

}  // namespace
}  // namespace ghmdet
