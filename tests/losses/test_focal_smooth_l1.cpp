// Focal loss against the naive formula (mmdetection's binary form and torchvision's
// sigmoid_focal_loss for soft targets) with finite-difference gradients in double; smooth L1
// against hand-computed values.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "ghmdet/core/error.h"
#include "ghmdet/losses/focal_loss.h"
#include "ghmdet/losses/focal_paths.h"
#include "ghmdet/losses/kernels/cls_kernels.h"
#include "ghmdet/losses/smooth_l1_loss.h"
#include "thread_invariance.h"
#include "loss_oracles.h"

namespace ghmdet {
namespace {

// torchvision's sigmoid_focal_loss per element, in double.
double naive_focal(double x, double y, double gamma, double alpha) {
  const double p = 1.0 / (1.0 + std::exp(-x));
  const double ce = testing::bce(x, y);
  const double p_t = p * y + (1 - p) * (1 - y);
  double l = ce * std::pow(1 - p_t, gamma);
  if (alpha >= 0) l *= alpha * y + (1 - alpha) * (1 - y);
  return l;
}

struct Path {
  std::string name;
  std::function<torch::Tensor(const ClassificationInputs&, const FocalLossParams&)> run;
};

std::vector<Path> all_paths() {
  std::vector<Path> paths;
  int count = 0;
  const auto* const* list = loss_kernels::available_cls_kernels(&count);
  for (int i = 0; i < count; ++i) {
    const auto* k = list[i];
    paths.push_back({std::string("fused_") + k->isa, [k](const ClassificationInputs& in,
                                                        const FocalLossParams& p) {
                       return focal_loss_cpu(in, p, *k);
                     }});
  }
  paths.push_back({"tensor_ops", &focal_loss_tensor_ops});
  return paths;
}

struct FocalCase {
  const char* name;
  bool labels;        // int64 labels, else soft [N, C] targets
  bool elem_weight;   // [N, C] weights, else [N]
  double gamma, alpha;
};

TEST(FocalLoss, MatchesNaiveFormulaAndFiniteDifferences) {
  const int64_t n = 23, c = 19;
  const FocalCase cases[] = {{"labels_row_weights", true, false, 2.0, 0.25},
                             {"soft_targets_elem_weights", false, true, 2.0, 0.25},
                             {"gamma_1.5_no_alpha", true, true, 1.5, -1.0},
                             {"gamma_0", false, false, 0.0, 0.25}};
  for (const auto& fc : cases) {
    for (const auto& path : all_paths()) {
      SCOPED_TRACE(std::string(fc.name) + " " + path.name);
      std::mt19937_64 rng(13);
      std::uniform_real_distribution<double> u(0, 1);
      std::vector<int64_t> labels(n);
      for (auto& l : labels) l = u(rng) < 0.3 ? static_cast<int64_t>(u(rng) * c) : c;
      std::vector<float> y = testing::one_hot(labels, c);
      if (!fc.labels)
        for (auto& v : y) v = static_cast<float>(u(rng) < 0.5 ? v : u(rng));
      std::vector<float> w(fc.elem_weight ? n * c : n);
      for (auto& v : w) v = u(rng) < 0.2 ? 0.0f : static_cast<float>(0.5 + u(rng));
      auto x = (torch::randn({n, c}, torch::TensorOptions().dtype(torch::kDouble)) * 4)
                   .to(torch::kFloat).requires_grad_(true);
      const auto target = fc.labels ? torch::tensor(labels) : torch::tensor(y).view({n, c});
      const auto weight = fc.elem_weight ? torch::tensor(w).view({n, c}) : torch::tensor(w);
      const auto in = prepare_classification_inputs("FocalLoss", x, target, weight);
      const FocalLossParams p{fc.gamma, fc.alpha, 2.0, 7.0};
      const auto loss = path.run(in, p);
      loss.backward();
      const auto xv = testing::to_vec(x);
      const auto wv = fc.elem_weight ? w : testing::broadcast_rows(w, c);
      double want = 0.0;
      for (int64_t j = 0; j < n * c; ++j) want += wv[j] * naive_focal(xv[j], y[j], fc.gamma, fc.alpha);
      want *= 2.0 / 7.0;
      EXPECT_NEAR(loss.item<double>(), want, 1e-5 * want);
      const auto grad = testing::to_vec(x.grad());
      const double eps = 1e-6;
      int bad = 0;
      for (int64_t j = 0; j < n * c; ++j) {
        const double fd = wv[j] * 2.0 / 7.0 *
                          (naive_focal(xv[j] + eps, y[j], fc.gamma, fc.alpha) -
                           naive_focal(xv[j] - eps, y[j], fc.gamma, fc.alpha)) / (2 * eps);
        if (!(std::fabs(grad[j] - fd) <= 1e-4 * std::fabs(fd) + 1e-7) && ++bad <= 5) {
          ADD_FAILURE() << "grad[" << j << "] x=" << xv[j] << " y=" << y[j] << ": " << grad[j]
                        << " vs " << fd;
        }
      }
    }
  }
}

// Very confident logits (|x| up to 100, both signs, positives and negatives) must not produce
// subnormal floats in the fused kernels' gradient: the true values there are below FLT_MIN, and
// subnormal arithmetic costs x86 cores ~100 cycles per operation (a performance regression
// guard; the values are flushed to 0, a change of less than FLT_MIN per element).
TEST(FocalLoss, FusedGradientHasNoSubnormals) {
  const int64_t n = 2001, c = 4;
  const auto x = torch::linspace(-100, 100, n).unsqueeze(1).expand({n, c}).contiguous();
  auto labels = torch::full({n}, c, torch::kLong);
  labels.index_put_({torch::indexing::Slice(0, torch::indexing::None, 2)}, 1);  // half positive
  const auto weight = torch::ones({n});
  for (const double gamma : {2.0, 1.5, 0.0}) {
    for (const double avg_factor : {1.0, 1000.0}) {
      for (const auto& path : all_paths()) {
        if (path.name == "tensor_ops") continue;  // ATen's ops: not ours to change
        SCOPED_TRACE(path.name + " gamma " + std::to_string(gamma) + " avg_factor " +
                     std::to_string(avg_factor));
        auto xg = x.clone().requires_grad_(true);
        const auto in = prepare_classification_inputs("FocalLoss", xg, labels, weight);
        const auto loss = path.run(in, FocalLossParams{gamma, 0.25, 1.0, avg_factor});
        loss.backward();
        const auto g = xg.grad().abs();
        const auto subnormal = (g > 0) & (g < std::numeric_limits<float>::min());
        EXPECT_EQ(subnormal.sum().item<int64_t>(), 0);
        EXPECT_TRUE(std::isfinite(loss.item<double>()));
      }
    }
  }
}

TEST(FocalLoss, ModuleDividesByAvgFactorOrTakesTheMean) {
  FocalLoss focal(FocalLossOptions().gamma(2.0).alpha(0.25).loss_weight(1.0));
  const auto x = torch::randn({10, 4});
  const auto labels = torch::tensor({0, 4, 4, 1, 2, 4, 3, 4, 4, 0});
  const auto w = torch::ones({10});
  const float sum = focal->forward(x, labels, w, 1.0).item<float>();
  EXPECT_NEAR(focal->forward(x, labels, w, 4.0).item<float>(), sum / 4, 1e-6 * sum);
  EXPECT_NEAR(focal->forward(x, labels, w).item<float>(), sum / 40, 1e-6 * sum);
  EXPECT_THROW(focal->forward(x, labels, w, 0.0), Error);
}

TEST(FocalLoss, HandComputedSingleElements) {
  FocalLoss focal(FocalLossOptions().gamma(2.0).alpha(0.25));
  // x = 0: p = 0.5; positive: 0.25 * 0.25 * log 2; negative: 0.75 * 0.25 * log 2.
  const auto x = torch::zeros({1, 2});
  const double l2 = std::log(2.0);
  EXPECT_NEAR(focal->forward(x, torch::tensor({0}), torch::ones({1}), 1.0).item<double>(),
              0.25 * 0.25 * l2 + 0.75 * 0.25 * l2, 1e-7);
}

// Loss and gradient bit for bit with 1, 2 and 3 threads (4 row blocks, split unevenly).
TEST(FocalLoss, ResultsDoNotDependOnTheThreadCount) {
  const auto labels = torch::randint(0, 21, {5000}, torch::kLong);
  const auto w = (torch::rand({5000}) > 0.1).to(torch::kFloat);
  testing::expect_same_result_for_1_2_3_threads(
      [&](const torch::Tensor& x) {
        FocalLoss focal(FocalLossOptions().gamma(2.0).alpha(0.25));
        return focal->forward(x, labels, w, 100.0);
      },
      torch::randn({5000, 20}) * 3);
}

TEST(FocalLoss, HalfPrecisionInputs) {
  FocalLoss focal;
  const auto x = (torch::randn({16, 5}) * 3).to(torch::kHalf).requires_grad_(true);
  const auto labels = torch::randint(0, 6, {16}, torch::kLong);
  const auto loss = focal->forward(x, labels, torch::ones({16}, torch::kHalf), 3.0);
  EXPECT_EQ(loss.scalar_type(), torch::kFloat);
  loss.backward();
  EXPECT_EQ(x.grad().scalar_type(), torch::kHalf);
  FocalLoss ref;
  EXPECT_FLOAT_EQ(loss.item<float>(),
                  ref->forward(x.detach().to(torch::kFloat), labels, torch::ones({16}), 3.0).item<float>());
}

TEST(FocalLoss, BadInputsThrow) {
  FocalLoss focal;
  EXPECT_THROW(focal->forward(torch::zeros({3, 2}), torch::zeros({2}, torch::kLong), torch::ones({3})), Error);
  EXPECT_THROW(focal->forward(torch::zeros({3, 2}), torch::zeros({3}, torch::kLong), torch::ones({3, 1})), Error);
  EXPECT_THROW(FocalLoss(FocalLossOptions().use_sigmoid(false)), Error);
}

TEST(SmoothL1Loss, HandComputedValuesAndGradients) {
  SmoothL1Loss sl1(SmoothL1LossOptions().beta(0.11).loss_weight(2.0));
  // d: 0.05 (quadratic), -0.2 (linear), 0.11 (exactly beta: linear branch), 0 (weight 0: ignored).
  auto pred = torch::tensor({{0.05f, -0.2f, 0.11f, 5.0f}}).requires_grad_(true);
  const auto target = torch::zeros({1, 4});
  const auto w = torch::tensor({{1.0f, 0.5f, 1.0f, 0.0f}});
  const auto loss = sl1->forward(pred, target, w, 2.0);
  loss.backward();
  const double l0 = 0.5 * 0.05 * 0.05 / 0.11, l1 = 0.2 - 0.055, l2 = 0.11 - 0.055;
  EXPECT_NEAR(loss.item<double>(), 2.0 * (l0 + 0.5 * l1 + l2) / 2.0, 1e-6);
  const auto g = testing::to_vec(pred.grad());
  EXPECT_NEAR(g[0], 0.05 / 0.11, 1e-5);
  EXPECT_NEAR(g[1], -0.5, 1e-6);
  EXPECT_NEAR(g[2], 1.0, 1e-6);
  EXPECT_EQ(g[3], 0.0f);
  // No avg_factor: the mean over the 4 elements.
  EXPECT_NEAR(sl1->forward(pred, target, w).item<double>(), 2.0 * (l0 + 0.5 * l1 + l2) / 4.0, 1e-6);
}

TEST(SmoothL1Loss, BadInputsThrow) {
  SmoothL1Loss sl1(SmoothL1LossOptions().beta(0.11));
  EXPECT_THROW(sl1->forward(torch::zeros({2, 4}), torch::zeros({2, 3}), torch::ones({2, 4})), Error);
  EXPECT_THROW(sl1->forward(torch::zeros({2, 4}), torch::zeros({2, 4}), torch::ones({2, 4}), -2.0), Error);
}

}  // namespace
}  // namespace ghmdet
