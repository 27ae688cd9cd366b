// ResNet against torchvision (fixture) and its training-state rules (frozen_stages, norm_eval).
#include <gtest/gtest.h>

#include "fixture_tensors.h"
#include "ghmdet/modeling/backbone/resnet.h"

namespace ghmdet {
namespace {

using testing::load_fixture;
using testing::load_into;

TEST(ResNet, BasicBlockMatchesTorchvision) {
  auto fx = load_fixture("tiny_resnet18style");
  ResNet net(ResNetOptions().depth(18).base_channels(8).stage_blocks({2, 1, 1, 1}));
  load_into(*net, fx, "backbone.");
  net->eval();
  torch::NoGradGuard no_grad;  // the inference path (BN folded into the convs)
  auto outs = net->forward(fx.at("input"));
  ASSERT_EQ(outs.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    const auto& want = fx.at("C" + std::to_string(i + 2));
    ASSERT_EQ(outs[i].sizes(), want.sizes()) << "C" << i + 2;
    EXPECT_TRUE(torch::allclose(outs[i], want, 1e-4, 1e-5)) << "C" << i + 2 << " max diff "
        << (outs[i] - want).abs().max().item<float>();
  }
}

TEST(ResNet, R50HasTorchvisionNamesAndSizes) {
  ResNet net(ResNetOptions().depth(50));
  auto params = net->named_parameters();
  int64_t n = 0;
  for (auto& p : params) n += p.value().numel();
  // torchvision resnet50: 25,557,032 parameters, of which fc holds 2048*1000 + 1000.
  EXPECT_EQ(n, 25557032 - 2049000);
  for (const char* key : {"conv1.weight", "bn1.weight", "layer1.0.conv3.weight",
                          "layer1.0.downsample.0.weight", "layer1.0.downsample.1.bias",
                          "layer3.5.bn2.weight", "layer4.2.conv2.weight"})
    EXPECT_TRUE(params.contains(key)) << key;
  EXPECT_TRUE(net->named_buffers().contains("layer2.0.downsample.1.running_var"));
  EXPECT_EQ(net->named_parameters()["layer2.0.conv2.weight"].size(1), 128);
  EXPECT_EQ(net->out_channels(), (std::vector<int64_t>{256, 512, 1024, 2048}));
  // pytorch style: the stride sits on the 3x3 conv of the first block.
  auto x = torch::zeros({1, 3, 64, 64});
  auto outs = net->forward(x);
  EXPECT_EQ(outs[3].sizes(), (std::vector<int64_t>{1, 2048, 2, 2}));
}

TEST(ResNet, FrozenStagesAndNormEval) {
  ResNet net(ResNetOptions().depth(18).base_channels(8).frozen_stages(1).norm_eval(true));
  for (auto& p : net->named_parameters()) {
    const auto& k = p.key();
    const bool frozen = k.rfind("conv1", 0) == 0 || k.rfind("bn1", 0) == 0 || k.rfind("layer1.", 0) == 0;
    EXPECT_EQ(p.value().requires_grad(), !frozen) << k;
  }
  net->train();
  EXPECT_TRUE(net->is_training());
  for (auto& m : net->named_modules("", false)) {
    if (m.value()->as<torch::nn::BatchNorm2d>()) EXPECT_FALSE(m.value()->is_training()) << m.key();
  }
  // BN statistics must not move in training mode.
  auto before = net->named_buffers()["layer3.0.bn1.running_mean"].clone();
  net->forward(torch::randn({2, 3, 64, 64}));
  EXPECT_TRUE(torch::equal(before, net->named_buffers()["layer3.0.bn1.running_mean"]));

  ResNet free(ResNetOptions().depth(18).base_channels(8).frozen_stages(1).norm_eval(false));
  free->train();
  EXPECT_FALSE(free->bn1->is_training());
  EXPECT_FALSE(free->layers[0]->is_training());
  EXPECT_TRUE(free->layers[1]->is_training());
  auto b2 = free->named_buffers()["layer3.0.bn1.running_mean"].clone();
  free->forward(torch::randn({2, 3, 64, 64}));
  EXPECT_FALSE(torch::equal(b2, free->named_buffers()["layer3.0.bn1.running_mean"]));
  free->eval();
  EXPECT_FALSE(free->layers[1]->is_training());
}

TEST(ResNet, OutIndicesSelectStages) {
  ResNet net(ResNetOptions().depth(34).base_channels(8).out_indices({1, 3}));
  auto outs = net->forward(torch::zeros({1, 3, 64, 64}));
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[0].size(1), 16);
  EXPECT_EQ(outs[1].size(1), 64);
  EXPECT_EQ(net->out_channels(), (std::vector<int64_t>{16, 64}));
}

TEST(ResNet, BadOptionsThrow) {
  EXPECT_THROW(ResNet(ResNetOptions().depth(42)), std::exception);
  EXPECT_THROW(ResNet(ResNetOptions().depth(18).out_indices({4})), std::exception);
}

}  // namespace
}  // namespace ghmdet
