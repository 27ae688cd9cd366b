// GHM-R against the naive per-bin oracle (loss_oracles.h), hand-computed cases and finite
// differences; the fused CPU path and the tensor-op path.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <random>
#include <sstream>

#include "ghmdet/core/error.h"
#include "ghmdet/losses/ghm_r.h"
#include "ghmdet/losses/ghm_r_paths.h"
#include "thread_invariance.h"
#include "loss_oracles.h"

namespace ghmdet {
namespace {

using testing::GhmOracle;

struct Path {
  std::string name;
  std::function<torch::Tensor(const RegressionInputs&, const torch::Tensor&, const torch::Tensor&,
                              const GHMRParams&)>
      run;
};

std::vector<Path> all_paths() { return {{"fused_cpu", &ghmr_loss_cpu}, {"tensor_ops", &ghmr_loss_tensor_ops}}; }

std::vector<float> state(const GHMR& m) { return testing::to_vec(m->acc_sum); }

// [n, 4] deltas with a spread of magnitudes, from tiny to huge (|d| up to 1e4, where g rounds to
// exactly 1 and lands in the last bin [0.9, 1000)).
torch::Tensor deltas(int64_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-1, 1);
  std::uniform_int_distribution<int> scale(0, 5);
  auto d = torch::empty({n, 4});
  const double scales[] = {0.001, 0.01, 0.05, 0.5, 100.0, 1e4};
  for (int64_t j = 0; j < n * 4; ++j) d.view({-1})[j] = static_cast<float>(u(rng) * scales[scale(rng)]);
  return d;
}

torch::Tensor positive_weights(int64_t n, double fraction, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  auto w = torch::zeros({n, 4});
  for (int64_t i = 0; i < n; ++i)
    if (u(rng) < fraction) w[i].fill_(1.0f);
  return w;
}

void expect_close(const std::vector<float>& got, const std::vector<double>& want, double rtol,
                  double atol) {
  ASSERT_EQ(got.size(), want.size());
  int bad = 0;
  for (size_t j = 0; j < got.size(); ++j) {
    if (!(std::fabs(got[j] - want[j]) <= atol + rtol * std::fabs(want[j])) && ++bad <= 5) {
      ADD_FAILURE() << "grad[" << j << "]: " << got[j] << " vs " << want[j];
    }
  }
}

TEST(GHMR, EdgesAreTheReferenceOnes) {
  GHMR m(GHMROptions().bins(10).momentum(0.7));
  const auto e = testing::to_vec(m->edges);
  ASSERT_EQ(e.size(), 11u);
  for (int k = 0; k < 10; ++k) EXPECT_EQ(e[k], static_cast<float>(k) / 10.0f);
  EXPECT_EQ(e[10], 1000.0f);
}

TEST(GHMR, SharedStateAcrossLevelsAndIterationsMatchesOracle) {
  const std::vector<int64_t> level_rows = {300, 80, 20, 6, 2};
  for (const auto& path : all_paths()) {
    SCOPED_TRACE(path.name);
    GHMR m(GHMROptions().mu(0.02).bins(10).momentum(0.7).loss_weight(10.0));
    GhmOracle oracle(10, 0.7, 1000.0f);
    std::mt19937_64 rng(1);
    for (int it = 0; it < 3; ++it) {
      for (size_t lvl = 0; lvl < level_rows.size(); ++lvl) {
        const int64_t n = level_rows[lvl];
        auto pred = deltas(n, rng).requires_grad_(true);
        const auto target = deltas(n, rng);
        const auto w = positive_weights(n, 0.3, rng);
        const auto in = prepare_regression_inputs("GHMR", pred, target, w);
        const GHMRParams p{0.02, 0.7, 10.0};
        const auto loss = path.run(in, m->edges, m->acc_sum, p);
        loss.backward();
        const auto want = testing::ghmr_oracle(oracle, testing::to_vec(pred), testing::to_vec(target),
                                               testing::to_vec(w), 0.02, 10.0);
        EXPECT_NEAR(loss.item<double>(), want.loss, 2e-6 * std::fabs(want.loss) + 1e-12);
        expect_close(testing::to_vec(pred.grad()), want.grad, 2e-5, 1e-10);
        EXPECT_EQ(state(m), oracle.acc) << "level " << lvl << " iteration " << it;
      }
    }
  }
}

TEST(GHMR, HugeDeltasLandInTheLastBin) {
  for (const auto& path : all_paths()) {
    SCOPED_TRACE(path.name);
    GHMR m(GHMROptions().bins(10).momentum(0.5));
    auto pred = torch::tensor({{1e4f, -1e15f, 70.0f, 0.0f}}).requires_grad_(true);
    const auto in = prepare_regression_inputs("GHMR", pred, torch::zeros({1, 4}), torch::ones({1, 4}));
    const auto loss = path.run(in, m->edges, m->acc_sum, {0.02, 0.5, 1.0});
    loss.backward();
    // 1e4, 1e15 and 70: g rounds to 1 (or 0.99999...) -> bin 9; 0 -> bin 0.
    EXPECT_EQ(state(m), (std::vector<float>{0.5f, 0, 0, 0, 0, 0, 0, 0, 0, 1.5f}));
    EXPECT_TRUE(std::isfinite(loss.item<float>()));
    EXPECT_TRUE(torch::isfinite(pred.grad()).all().item<bool>());
  }
}

TEST(GHMR, NoPositivesGivesZeroAndKeepsState) {
  for (const auto& path : all_paths()) {
    SCOPED_TRACE(path.name);
    GHMR m(GHMROptions().momentum(0.7));
    m->acc_sum.fill_(2.0f);
    auto pred = torch::randn({12, 4}).requires_grad_(true);
    const auto in = prepare_regression_inputs("GHMR", pred, torch::randn({12, 4}), torch::zeros({12, 4}));
    const auto loss = path.run(in, m->edges, m->acc_sum, {0.02, 0.7, 10.0});
    loss.backward();
    EXPECT_EQ(loss.item<float>(), 0.0f);
    EXPECT_TRUE(torch::equal(pred.grad(), torch::zeros({12, 4})));
    EXPECT_EQ(state(m), std::vector<float>(10, 2.0f));
  }
}

// tot is a weight sum, not a count: hand-computed with one bin.
TEST(GHMR, TotIsTheWeightSum) {
  for (const auto& path : all_paths()) {
    SCOPED_TRACE(path.name);
    GHMR m(GHMROptions().mu(0.02).bins(10));
    // d = 0.01 everywhere valid: g = 0.01/sqrt(0.0005) = 0.447 -> one bin, c = 3, tot = 4.5.
    const auto pred = torch::full({1, 4}, 0.01f);
    const auto w = torch::tensor({{0.5f, 2.0f, 0.0f, 2.0f}});
    const auto in = prepare_regression_inputs("GHMR", pred, torch::zeros({1, 4}), w);
    const double l = std::sqrt(0.0001 + 0.0004) - 0.02;
    // beta = tot / c / n = 4.5 / 3; loss = sum beta * l / tot = 3 * l / 3 = l.
    EXPECT_NEAR(path.run(in, m->edges, m->acc_sum, {0.02, 0.0, 1.0}).item<double>(), l, 1e-8);
  }
}

// The analytic gradient against central differences, in double, of the oracle's loss (momentum
// 0, so beta only depends on the bins, which +-eps does not change here).
TEST(GHMR, GradientMatchesFiniteDifferences) {
  const std::vector<float> pred = {0.005f, -0.012f, 0.03f, -0.08f, 0.2f, -1.0f, 0.0f, 0.0f,
                                   3.0f,   -0.001f, 0.0f,  0.0f};
  const std::vector<float> target(12, 0.0f);
  const std::vector<float> w = {1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0};
  GHMR m(GHMROptions().mu(0.02).bins(10).loss_weight(10.0));
  auto pg = torch::tensor(pred).view({3, 4}).requires_grad_(true);
  m->forward(pg, torch::zeros({3, 4}), torch::tensor(w).view({3, 4})).backward();
  const auto grad = testing::to_vec(pg.grad());
  // The oracle's loss as a function of one element moved by h (in double).
  auto loss_at = [&](size_t j, double h) {
    GhmOracle o(10, 0.0, 1000.0f);
    std::vector<float> g(12);
    std::vector<bool> valid(12);
    std::vector<double> l(12), dl(12, 0.0);
    for (size_t i = 0; i < 12; ++i) {
      const double d = pred[i] + (i == j ? h : 0.0);
      g[i] = static_cast<float>(std::fabs(d) / std::sqrt(d * d + 0.0004));
      valid[i] = w[i] > 0;
      l[i] = std::sqrt(d * d + 0.0004) - 0.02;
    }
    return o.run(g, valid, 8.0, l, dl, 10.0).loss;
  };
  const double eps = 1e-6;
  for (size_t j = 0; j < 12; ++j) {
    const double fd = (loss_at(j, eps) - loss_at(j, -eps)) / (2 * eps);
    EXPECT_NEAR(grad[j], fd, 1e-5 * std::fabs(fd) + 1e-6) << "element " << j;
  }
}

// Loss and gradient bit for bit with 1, 2 and 3 threads (5 blocks of elements).
TEST(GHMR, ResultsDoNotDependOnTheThreadCount) {
  const auto target = torch::randn({40000, 4}) * 0.5;
  const auto w = (torch::rand({40000, 1}) > 0.5).to(torch::kFloat).expand({40000, 4}).contiguous();
  testing::expect_same_result_for_1_2_3_threads(
      [&](const torch::Tensor& pred) {
        GHMR m(GHMROptions().mu(0.02).bins(10).momentum(0.7));
        return m->forward(pred, target, w);
      },
      torch::randn({40000, 4}) * 0.5);
}

TEST(GHMR, StateSurvivesSaveAndLoad) {
  GHMR a(GHMROptions().momentum(0.7));
  std::mt19937_64 rng(3);
  const auto p = deltas(50, rng), t = deltas(50, rng), w = positive_weights(50, 0.5, rng);
  a->forward(p, t, w);
  std::stringstream buffer;
  torch::save(a, buffer);
  GHMR b(GHMROptions().momentum(0.7));
  torch::load(b, buffer);
  EXPECT_TRUE(torch::equal(a->acc_sum, b->acc_sum));
  EXPECT_EQ(a->forward(p, t, w).item<float>(), b->forward(p, t, w).item<float>());
}

TEST(GHMR, BadInputsThrowClearErrors) {
  GHMR m;
  auto expect_error = [&](const torch::Tensor& p, const torch::Tensor& t, const torch::Tensor& w,
                          const std::string& needle) {
    try {
      m->forward(p, t, w);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("GHMR"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  const auto a = torch::zeros({3, 4});
  expect_error(a, torch::zeros({3, 3}), a, "target");
  expect_error(a, a, torch::zeros({3}), "weight");
  expect_error(torch::zeros({3, 4}, torch::kLong), a, a, "pred");
  expect_error(a, torch::zeros({3, 4}, torch::kLong), a, "target");
  EXPECT_THROW(GHMR(GHMROptions().mu(0.0)), Error);
}

}  // namespace
}  // namespace ghmdet
