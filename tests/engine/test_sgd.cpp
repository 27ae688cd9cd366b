// SGD against hand-computed updates and against torch::optim::SGD (PyTorch semantics).
#include <gtest/gtest.h>

#include "ghmdet/core/error.h"
#include "ghmdet/engine/sgd.h"

namespace ghmdet {
namespace {

torch::Tensor leaf(std::vector<double> values) {
  return torch::tensor(values, torch::kFloat64).requires_grad_(true);
}

TEST(SGD, OneAndTwoStepsMatchHandComputation) {
  torch::Tensor p = leaf({1.0, 2.0});
  SGD sgd({{"w", p}}, SGDOptions().lr(0.1).momentum(0.9).weight_decay(0.01));
  p.mutable_grad() = torch::tensor({0.5, -1.0}, torch::kFloat64);
  sgd.step();
  // d = g + 0.01 p = [0.51, -0.98]; v = d (first step); p -= 0.1 v.
  EXPECT_NEAR(p[0].item<double>(), 0.949, 1e-14);
  EXPECT_NEAR(p[1].item<double>(), 2.098, 1e-14);
  p.mutable_grad() = torch::tensor({0.1, 0.2}, torch::kFloat64);
  sgd.step();
  // d = [0.10949, 0.22098]; v = 0.9 [0.51, -0.98] + d = [0.56849, -0.66102].
  EXPECT_NEAR(sgd.momentum_buffer(0)[0].item<double>(), 0.56849, 1e-14);
  EXPECT_NEAR(sgd.momentum_buffer(0)[1].item<double>(), -0.66102, 1e-14);
  EXPECT_NEAR(p[0].item<double>(), 0.892151, 1e-14);
  EXPECT_NEAR(p[1].item<double>(), 2.164102, 1e-14);
}

TEST(SGD, BitIdenticalToTorchOptimSGD) {
  torch::manual_seed(3);
  const auto init = torch::randn({7, 5});
  torch::Tensor a = init.clone().requires_grad_(true);
  torch::Tensor b = init.clone().requires_grad_(true);
  SGD ours({{"a", a}}, SGDOptions().lr(0.01).momentum(0.9).weight_decay(1e-4));
  torch::optim::SGD theirs({b}, torch::optim::SGDOptions(0.01).momentum(0.9).weight_decay(1e-4));
  for (int step = 0; step < 6; ++step) {
    const auto g = torch::randn({7, 5});
    a.mutable_grad() = g.clone();
    b.mutable_grad() = g.clone();
    const double lr = 0.01 * (step + 1) / 6.0;  // lr changes between steps, as with warm-up
    ours.set_lr(lr);
    static_cast<torch::optim::SGDOptions&>(theirs.param_groups()[0].options()).lr(lr);
    ours.step();
    theirs.step();
    ASSERT_TRUE(torch::equal(a, b)) << "step " << step;
  }
}

TEST(SGD, SkipsParametersWithoutGradient) {
  torch::Tensor p = leaf({1.0});
  torch::Tensor q = leaf({3.0});
  SGD sgd({{"p", p}, {"q", q}}, SGDOptions().lr(0.5).momentum(0.9).weight_decay(0.1));
  p.mutable_grad() = torch::tensor({1.0}, torch::kFloat64);
  sgd.step();
  EXPECT_EQ(q.item<double>(), 3.0);  // no weight decay either: PyTorch skips grad-less params
  EXPECT_FALSE(sgd.momentum_buffer(1).defined());
  EXPECT_NEAR(p.item<double>(), 1.0 - 0.5 * 1.1, 1e-15);
  sgd.zero_grad();
  EXPECT_FALSE(p.grad().defined());
}

TEST(SGD, StateRoundTripContinuesIdentically) {
  torch::manual_seed(5);
  const auto init = torch::randn({4, 3});
  std::vector<torch::Tensor> grads;
  for (int i = 0; i < 4; ++i) grads.push_back(torch::randn({4, 3}));

  torch::Tensor a = init.clone().requires_grad_(true);
  SGD straight({{"layer.weight", a}}, SGDOptions().lr(0.1).momentum(0.9).weight_decay(1e-3));
  for (const auto& g : grads) {
    a.mutable_grad() = g.clone();
    straight.step();
  }

  torch::Tensor b = init.clone().requires_grad_(true);
  SGD first({{"layer.weight", b}}, SGDOptions().lr(0.1).momentum(0.9).weight_decay(1e-3));
  for (int i = 0; i < 2; ++i) {
    b.mutable_grad() = grads[i].clone();
    first.step();
  }
  const auto state = first.state_dict();
  ASSERT_EQ(state.count("momentum_buffer.layer.weight"), 1u);
  EXPECT_EQ(state.at("lr").item<double>(), 0.1);
  torch::Tensor c = b.detach().clone().requires_grad_(true);
  SGD second({{"layer.weight", c}}, SGDOptions().lr(0.1).momentum(0.9).weight_decay(1e-3));
  second.load_state_dict(state, "mem.pth");
  for (int i = 2; i < 4; ++i) {
    c.mutable_grad() = grads[i].clone();
    second.step();
  }
  EXPECT_TRUE(torch::equal(a, c));
}

TEST(SGD, LoadRejectsUnknownNamesAndShapes) {
  torch::Tensor p = leaf({1.0, 2.0});
  SGD sgd({{"w", p}}, SGDOptions().lr(0.1).momentum(0.9));
  try {
    sgd.load_state_dict({{"momentum_buffer.v", torch::zeros({2})}}, "ckpt.pth");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ckpt.pth"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("momentum_buffer.v"), std::string::npos);
  }
  EXPECT_THROW(sgd.load_state_dict({{"momentum_buffer.w", torch::zeros({3})}}, "ckpt.pth"),
               Error);
}

TEST(SGD, TrainableParametersSkipsFrozen) {
  torch::nn::Sequential net(torch::nn::Linear(2, 3), torch::nn::Linear(3, 1));
  net[0]->parameters()[0].requires_grad_(false);
  const auto named = trainable_parameters(*net);
  ASSERT_EQ(named.size(), 3u);
  EXPECT_EQ(named[0].first, "0.bias");
  EXPECT_EQ(named[1].first, "1.weight");
}

}  // namespace
}  // namespace ghmdet
