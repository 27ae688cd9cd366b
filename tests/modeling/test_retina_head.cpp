// RetinaHead: torchvision parity of the per-level outputs (tiny model fixture), init, layout.
#include <gtest/gtest.h>

#include <cmath>

#include "fixture_tensors.h"
#include "ghmdet/modeling/backbone/resnet.h"
#include "ghmdet/modeling/head/retina_head.h"
#include "ghmdet/modeling/neck/fpn.h"

namespace ghmdet {
namespace {

using testing::load_fixture;
using testing::load_into;

TEST(RetinaHead, TinyTorchvisionRetinaNetLevelsMatch) {
  auto fx = load_fixture("tiny_retinanet");
  ResNet net(ResNetOptions().depth(50).base_channels(8).stage_blocks({2, 1, 1, 1}).out_indices({1, 2, 3}));
  FPN fpn(FPNOptions({64, 128, 256}, 16, 5).extra_source(ExtraConvSource::kOutput).relu_before_extra_convs(true));
  RetinaHead head(RetinaHeadOptions(5, 16).feat_channels(16).stacked_convs(4));
  load_into(*net, fx, "backbone.");
  load_into(*fpn, fx, "neck.");
  load_into(*head, fx, "bbox_head.");
  net->eval();
  auto feats = fpn->forward(net->forward(fx.at("input")));
  auto out = head->forward(feats);
  ASSERT_EQ(out.cls_scores.size(), 5u);
  for (int l = 0; l < 5; ++l) {
    const auto s = std::to_string(l);
    EXPECT_TRUE(torch::allclose(feats[l], fx.at("feature." + s), 1e-4, 1e-5)) << "feature " << l;
    EXPECT_TRUE(torch::allclose(out.cls_scores[l], fx.at("cls." + s), 1e-4, 1e-5)) << "cls " << l;
    EXPECT_TRUE(torch::allclose(out.bbox_preds[l], fx.at("reg." + s), 1e-4, 1e-5)) << "reg " << l;
  }
}

TEST(RetinaHead, InitAndNames) {
  torch::manual_seed(1);
  RetinaHead head(RetinaHeadOptions(80, 256));
  auto p = head->named_parameters();
  EXPECT_EQ(p["retina_cls.weight"].size(0), 720);
  EXPECT_EQ(p["retina_reg.weight"].size(0), 36);
  EXPECT_TRUE(p.contains("cls_convs.3.conv.weight"));
  EXPECT_TRUE(p.contains("reg_convs.0.conv.bias"));
  EXPECT_NEAR(p["retina_cls.bias"][17].item<double>(), -4.59511985, 1e-6);
  EXPECT_NEAR(p["cls_convs.0.conv.weight"].std().item<double>(), 0.01, 2e-4);
  EXPECT_EQ(p["retina_reg.bias"].abs().sum().item<float>(), 0.f);
}

TEST(RetinaHead, GroupNormTowersNormaliseEachGroup) {
  torch::manual_seed(2);
  RetinaHead head(RetinaHeadOptions(3, 16).feat_channels(16).stacked_convs(1).norm_groups(4));
  auto p = head->named_parameters();
  EXPECT_TRUE(p.contains("cls_convs.0.gn.weight"));
  EXPECT_TRUE(p.contains("reg_convs.0.gn.bias"));
  EXPECT_FALSE(p.contains("cls_convs.0.conv.bias"));  // GN makes the conv bias redundant
  // Oracle: conv, then per-sample, per-group standardisation (GN's affine starts at 1, 0), ReLU.
  auto x = torch::randn({2, 16, 5, 6});
  auto conv = torch::conv2d(x, p["cls_convs.0.conv.weight"], {}, 1, 1);
  auto g = conv.reshape({2, 4, -1});
  auto norm = ((g - g.mean(-1, true)) / (g.var(-1, false, true) + 1e-5).sqrt()).reshape(conv.sizes());
  auto expected = torch::conv2d(norm.relu(), p["retina_cls.weight"], p["retina_cls.bias"], 1, 1);
  auto out = head->forward({x});
  EXPECT_TRUE(torch::allclose(out.cls_scores[0], expected, 1e-4, 1e-5));
  EXPECT_THROW(RetinaHead(RetinaHeadOptions(3, 16).feat_channels(16).norm_groups(5)), c10::Error);
}

TEST(RetinaHead, FlattenIsAnchorMajor) {
  const int64_t N = 2, A = 3, K = 4, H = 2, W = 5;
  auto t = torch::randn({N, A * K, H, W});
  auto flat = flatten_anchor_major(t, K);
  ASSERT_EQ(flat.sizes(), (std::vector<int64_t>{N * H * W * A, K}));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x)
        for (int64_t a = 0; a < A; ++a)
          for (int64_t k = 0; k < K; ++k)
            ASSERT_EQ(flat[((n * H + y) * W + x) * A + a][k].item<float>(), t[n][a * K + k][y][x].item<float>());
  auto cl = t.contiguous(torch::MemoryFormat::ChannelsLast);
  EXPECT_TRUE(torch::equal(flatten_anchor_major(cl, K), flat));
}

}  // namespace
}  // namespace ghmdet
