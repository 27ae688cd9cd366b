// GHM-C against the naive per-bin oracle (loss_oracles.h), hand-computed cases and finite
// differences; both the fused CPU kernels (every ISA variant this CPU runs) and the tensor-op
// path that CUDA uses.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <sstream>

#include "ghmdet/core/error.h"
#include "ghmdet/losses/ghm_c.h"
#include "ghmdet/losses/ghm_c_paths.h"
#include "ghmdet/losses/kernels/cls_kernels.h"
#include "ghmdet/losses/kernels/row_blocks.h"
#include "thread_invariance.h"
#include "loss_oracles.h"

namespace ghmdet {
namespace {

using testing::GhmOracle;

// One way of computing GHM-C: a fused kernel variant or the tensor-op path.
struct Path {
  std::string name;
  std::function<torch::Tensor(const ClassificationInputs&, const torch::Tensor&,
                              const torch::Tensor&, double, double)>
      run;
};

std::vector<Path> all_paths() {
  std::vector<Path> paths;
  int count = 0;
  const auto* const* list = loss_kernels::available_cls_kernels(&count);
  for (int i = 0; i < count; ++i) {
    const auto* k = list[i];
    paths.push_back({std::string("fused_") + k->isa,
                     [k](const ClassificationInputs& in, const torch::Tensor& e,
                         const torch::Tensor& a, double m, double lw) {
                       return ghmc_loss_cpu(in, e, a, m, lw, *k);
                     }});
  }
  paths.push_back({"tensor_ops", &ghmc_loss_tensor_ops});
  return paths;
}

std::vector<int64_t> random_labels(int64_t n, int64_t c, double pos_fraction, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<int64_t> labels(n);
  for (auto& l : labels) l = u(rng) < pos_fraction ? static_cast<int64_t>(u(rng) * c) : c;
  return labels;
}

std::vector<float> random_row_weights(int64_t n, double ignored_fraction, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<float> w(n);
  for (auto& v : w) v = u(rng) < ignored_fraction ? 0.0f : 1.0f;
  return w;
}

torch::Tensor tensor_of(const std::vector<int64_t>& v) {
  return torch::tensor(v, torch::kLong);
}
torch::Tensor tensor_of(const std::vector<float>& v) { return torch::tensor(v, torch::kFloat); }

void expect_close(const std::vector<float>& got, const std::vector<double>& want, double rtol,
                  double atol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int bad = 0;
  for (size_t j = 0; j < got.size(); ++j) {
    if (!(std::fabs(got[j] - want[j]) <= atol + rtol * std::fabs(want[j]))) {
      if (++bad <= 5) ADD_FAILURE() << what << "[" << j << "]: " << got[j] << " vs " << want[j];
    }
  }
  EXPECT_EQ(bad, 0) << what;
}

// The module state as a vector.
std::vector<float> state(const GHMC& m) { return testing::to_vec(m->acc_sum); }

TEST(GHMC, BuffersAndEdgesAreTheReferenceOnes) {
  GHMC m(GHMCOptions().bins(30).momentum(0.75));
  const auto e = testing::to_vec(m->edges);
  ASSERT_EQ(e.size(), 31u);
  for (int k = 0; k < 30; ++k) EXPECT_EQ(e[k], static_cast<float>(k) / 30.0f);
  EXPECT_EQ(e[30], 1.00000095367431640625f);
  EXPECT_EQ(testing::to_vec(m->acc_sum), std::vector<float>(30, 0.0f));
  std::vector<std::string> names;
  for (const auto& b : m->named_buffers()) names.push_back(b.key());
  EXPECT_EQ(names, (std::vector<std::string>{"edges", "acc_sum"}));
  GHMC no_momentum(GHMCOptions().bins(30));
  EXPECT_EQ(no_momentum->named_buffers().size(), 1u);  // mmdetection v2: no acc_sum at m = 0
}

// 5 FPN levels x 3 iterations through one object: losses, gradients and the EMA state against
// the oracle, for int64 labels with [N] weights (the head's call).
TEST(GHMC, SharedStateAcrossLevelsAndIterationsMatchesOracle) {
  const int64_t c = 7;
  const std::vector<int64_t> level_rows = {400, 100, 30, 9, 3};
  for (const auto& path : all_paths()) {
    SCOPED_TRACE(path.name);
    GHMC m(GHMCOptions().bins(30).momentum(0.75).loss_weight(1.5));
    GhmOracle oracle(30, 0.75, 1.0f + 1e-6f);
    std::mt19937_64 rng(7);
    for (int it = 0; it < 3; ++it) {
      for (size_t lvl = 0; lvl < level_rows.size(); ++lvl) {
        const int64_t n = level_rows[lvl];
        const auto labels = random_labels(n, c, 0.2, rng);
        const auto w = random_row_weights(n, 0.1, rng);
        const auto y = testing::one_hot(labels, c);
        auto x = testing::logits_away_from_edges(n, c, y, 30, 3.0, rng()).requires_grad_(true);
        const auto in = prepare_classification_inputs("GHMC", x, tensor_of(labels), tensor_of(w));
        const auto loss = path.run(in, m->edges, m->acc_sum, 0.75, 1.5);
        loss.backward();
        const auto want = testing::ghmc_oracle(oracle, testing::to_vec(x), y,
                                               testing::broadcast_rows(w, c), 1.5);
        EXPECT_EQ(loss.scalar_type(), torch::kFloat);
        EXPECT_NEAR(loss.item<double>(), want.loss, 2e-6 * std::fabs(want.loss));
        expect_close(testing::to_vec(x.grad()), want.grad, 2e-5, 1e-9, "grad");
        EXPECT_EQ(state(m), oracle.acc) << "level " << lvl << " iteration " << it;
      }
    }
  }
}

TEST(GHMC, BinaryTargetsAndElementWeightsMatchOracle) {
  const int64_t n = 60, c = 5;
  for (const auto& path : all_paths()) {
    SCOPED_TRACE(path.name);
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<float> y(n * c), w(n * c);
    for (auto& v : y) v = u(rng) < 0.3 ? 1.0f : 0.0f;
    for (auto& v : w) v = u(rng) < 0.2 ? 0.0f : static_cast<float>(0.5 + u(rng));
    GHMC m(GHMCOptions().bins(10).momentum(0.6));
    GhmOracle oracle(10, 0.6, 1.0f + 1e-6f);
    for (int it = 0; it < 2; ++it) {
      auto x = testing::logits_away_from_edges(n, c, y, 10, 2.0, rng()).requires_grad_(true);
      const auto in = prepare_classification_inputs("GHMC", x, tensor_of(y).view({n, c}),
                                                    tensor_of(w).view({n, c}));
      const auto loss = path.run(in, m->edges, m->acc_sum, 0.6, 1.0);
      loss.backward();
      const auto want = testing::ghmc_oracle(oracle, testing::to_vec(x), y, w, 1.0);
      EXPECT_NEAR(loss.item<double>(), want.loss, 2e-6 * want.loss);
      expect_close(testing::to_vec(x.grad()), want.grad, 2e-5, 1e-9, "grad");
      EXPECT_EQ(state(m), oracle.acc);
    }
  }
}

TEST(GHMC, LabelsAndOneHotTargetsAgree) {
  const int64_t n = 50, c = 20;  // C not a multiple of the vector width
  std::mt19937_64 rng(11);
  const auto labels = random_labels(n, c, 0.5, rng);
  const auto x = torch::randn({n, c}) * 3;
  const auto w = torch::tensor(random_row_weights(n, 0.2, rng));
  GHMC a(GHMCOptions().bins(30).momentum(0.75)), b(GHMCOptions().bins(30).momentum(0.75));
  const auto la = a->forward(x, tensor_of(labels), w);
  const auto lb = b->forward(x, tensor_of(testing::one_hot(labels, c)).view({n, c}),
                             w.unsqueeze(1).expand({n, c}));
  EXPECT_FLOAT_EQ(la.item<float>(), lb.item<float>());
  EXPECT_EQ(state(a), state(b));
}

TEST(GHMC, NoPositivesOnePositiveMatchOracle) {
  const int64_t n = 40, c = 6;
  for (int positives : {0, 1}) {
    for (const auto& path : all_paths()) {
      SCOPED_TRACE(path.name + " positives " + std::to_string(positives));
      std::vector<int64_t> labels(n, c);
      if (positives) labels[17] = 2;
      const std::vector<float> w(n, 1.0f);
      const auto y = testing::one_hot(labels, c);
      GHMC m(GHMCOptions().bins(30).momentum(0.75));
      GhmOracle oracle(30, 0.75, 1.0f + 1e-6f);
      auto x = testing::logits_away_from_edges(n, c, y, 30, 2.0, 5).requires_grad_(true);
      const auto in = prepare_classification_inputs("GHMC", x, tensor_of(labels), tensor_of(w));
      const auto loss = path.run(in, m->edges, m->acc_sum, 0.75, 1.0);
      loss.backward();
      const auto want = testing::ghmc_oracle(oracle, testing::to_vec(x), y,
                                             testing::broadcast_rows(w, c), 1.0);
      EXPECT_NEAR(loss.item<double>(), want.loss, 2e-6 * want.loss);
      expect_close(testing::to_vec(x.grad()), want.grad, 2e-5, 1e-9, "grad");
      EXPECT_EQ(state(m), oracle.acc);
    }
  }
}

TEST(GHMC, EverythingIgnoredGivesZeroLossZeroGradAndKeepsState) {
  for (const auto& path : all_paths()) {
    SCOPED_TRACE(path.name);
    GHMC m(GHMCOptions().bins(30).momentum(0.75));
    m->acc_sum.fill_(3.0f);
    auto x = torch::randn({9, 4}).requires_grad_(true);
    const auto in = prepare_classification_inputs("GHMC", x, torch::full({9}, 1, torch::kLong),
                                                  torch::zeros({9}));
    const auto loss = path.run(in, m->edges, m->acc_sum, 0.75, 1.0);
    loss.backward();
    EXPECT_EQ(loss.item<float>(), 0.0f);
    EXPECT_TRUE(torch::equal(x.grad(), torch::zeros({9, 4})));
    EXPECT_EQ(state(m), std::vector<float>(30, 3.0f));
  }
}

// g placed exactly on edges (and one float below them) through soft targets at x = 0, where
// sigmoid is exactly 0.5; saturated logits give g = 0 and g = 1. With momentum 0.5 the state
// after one call is count/2 per bin, which exposes the histogram.
TEST(GHMC, ElementsOnBinEdgesAndSaturatedLogits) {
  const int bins = 30;
  std::vector<float> xs, ys;
  std::vector<int> expected(bins, 0);
  for (int k = 1; k < bins; ++k) {
    const float e = static_cast<float>(k) / static_cast<float>(bins);
    for (float g : {e, std::nextafter(e, 0.0f)}) {
      // y = 0.5 + g or 0.5 - g; keep the candidate whose float32 |0.5 - y| is exactly g.
      for (float y : {0.5f + g, 0.5f - g}) {
        if (y >= 0.0f && y <= 1.0f && std::fabs(0.5f - y) == g) {
          xs.push_back(0.0f);
          ys.push_back(y);
          expected[g == e ? k : k - 1] += 1;
          break;
        }
      }
    }
  }
  // x = +-100: sigmoid is exactly 1 or 0 in float32.
  for (auto [x, y, bin] : {std::tuple{100.0f, 0.0f, bins - 1}, std::tuple{-100.0f, 1.0f, bins - 1},
                           std::tuple{100.0f, 1.0f, 0}, std::tuple{-100.0f, 0.0f, 0},
                           std::tuple{1e4f, 0.0f, bins - 1}, std::tuple{-1e4f, 0.0f, 0}}) {
    xs.push_back(x);
    ys.push_back(y);
    expected[bin] += 1;
  }
  const int64_t n = static_cast<int64_t>(xs.size());
  ASSERT_GT(n, 20);  // edge values reachable exactly as |0.5 - y|, plus the saturated ones
  for (const auto& path : all_paths()) {
    SCOPED_TRACE(path.name);
    GHMC m(GHMCOptions().bins(bins).momentum(0.5));
    auto x = tensor_of(xs).view({n, 1}).requires_grad_(true);
    const auto in = prepare_classification_inputs("GHMC", x, tensor_of(ys).view({n, 1}),
                                                  torch::ones({n}));
    const auto loss = path.run(in, m->edges, m->acc_sum, 0.5, 1.0);
    loss.backward();
    const auto acc = state(m);
    for (int k = 0; k < bins; ++k) EXPECT_EQ(acc[k], 0.5f * expected[k]) << "bin " << k;
    EXPECT_TRUE(std::isfinite(loss.item<float>()));
    EXPECT_TRUE(torch::isfinite(x.grad()).all().item<bool>());
    GhmOracle oracle(bins, 0.5, 1.0f + 1e-6f);
    const auto want = testing::ghmc_oracle(oracle, xs, ys, std::vector<float>(n, 1.0f), 1.0);
    EXPECT_NEAR(loss.item<double>(), want.loss, 1e-6 * want.loss);
    expect_close(testing::to_vec(x.grad()), want.grad, 1e-5, 1e-12, "grad");
  }
}

TEST(GHMC, DerivativeAtLogitZeroIsExactlySigmoidZeroMinusY) {
  // 2x2 logits at 0, one positive: every g is 0.5 (one bin), momentum 0 -> beta = 1,
  // coefficient 1/tot = 1/4, so the gradient is exactly (0.5 - y) / 4.
  for (const auto& path : all_paths()) {
    SCOPED_TRACE(path.name);
    GHMC m(GHMCOptions().bins(30));
    auto x = torch::zeros({2, 2}).requires_grad_(true);
    const auto in = prepare_classification_inputs("GHMC", x, torch::tensor({0, 2}, torch::kLong),
                                                  torch::ones({2}));
    path.run(in, m->edges, m->acc_sum, 0.0, 1.0).backward();
    const auto g = testing::to_vec(x.grad());
    EXPECT_EQ(g, (std::vector<float>{-0.125f, 0.125f, 0.125f, 0.125f}));
  }
}

TEST(GHMC, MomentumZeroMatchesOracleAndHasNoState) {
  const int64_t n = 80, c = 9;
  for (const auto& path : all_paths()) {
    SCOPED_TRACE(path.name);
    std::mt19937_64 rng(5);
    GHMC m(GHMCOptions().bins(30));
    GhmOracle oracle(30, 0.0, 1.0f + 1e-6f);
    const auto labels = random_labels(n, c, 0.3, rng);
    const auto w = random_row_weights(n, 0.3, rng);
    const auto y = testing::one_hot(labels, c);
    auto x = testing::logits_away_from_edges(n, c, y, 30, 2.5, 9).requires_grad_(true);
    const auto in = prepare_classification_inputs("GHMC", x, tensor_of(labels), tensor_of(w));
    const auto loss = path.run(in, m->edges, m->acc_sum, 0.0, 1.0);
    loss.backward();
    const auto want = testing::ghmc_oracle(oracle, testing::to_vec(x), y,
                                           testing::broadcast_rows(w, c), 1.0);
    EXPECT_NEAR(loss.item<double>(), want.loss, 2e-6 * want.loss);
    expect_close(testing::to_vec(x.grad()), want.grad, 2e-5, 1e-9, "grad");
  }
}

// The gradient formula, independently of any oracle: central differences of the loss in double
// with the bins (hence beta) fixed — momentum 0 and logits far from the edges.
TEST(GHMC, GradientMatchesFiniteDifferences) {
  const int64_t n = 6, c = 3;
  std::vector<int64_t> labels = {0, 3, 2, 3, 1, 3};
  const auto y = testing::one_hot(labels, c);
  // Every g in the middle of a bin (0.05 away from the edges), so +-eps never changes bins.
  std::mt19937_64 rng(21);
  auto x = torch::empty({n, c}, torch::kDouble);
  for (int64_t j = 0; j < n * c; ++j) {
    const double g = (static_cast<double>(rng() % 10) + 0.5) / 10.0;
    const double logit = std::log(g / (1 - g));
    x.view({-1})[j] = y[j] > 0 ? -logit : logit;
  }
  const auto w = torch::tensor({1.0, 1.0, 0.0, 1.0, 1.0, 1.0}, torch::kDouble);
  GHMC m(GHMCOptions().bins(10).loss_weight(2.0));
  auto xg = x.clone().requires_grad_(true);
  m->forward(xg, tensor_of(labels), w).backward();
  EXPECT_EQ(xg.grad().scalar_type(), torch::kDouble);
  const auto grad = testing::to_vec(xg.grad());
  const double eps = 5e-3;
  for (int64_t j = 0; j < n * c; ++j) {
    auto xp = x.clone(), xm = x.clone();
    xp.view({-1})[j] += eps;
    xm.view({-1})[j] -= eps;
    const double fd = (m->forward(xp, tensor_of(labels), w).item<double>() -
                       m->forward(xm, tensor_of(labels), w).item<double>()) / (2 * eps);
    EXPECT_NEAR(grad[j], fd, 1e-4) << "element " << j;
  }
}

TEST(GHMC, HalfAndBFloat16InputsAreComputedInFloat32) {
  const int64_t n = 64, c = 8;
  std::mt19937_64 rng(2);
  const auto labels = random_labels(n, c, 0.3, rng);
  const auto y = testing::one_hot(labels, c);
  for (auto dtype : {torch::kHalf, torch::kBFloat16}) {
    SCOPED_TRACE(c10::toString(dtype));
    // Logits representable in the low-precision type, away from edges after rounding.
    auto x32 = testing::logits_away_from_edges(n, c, y, 30, 2.0, 4).to(dtype).to(torch::kFloat);
    const auto xv = testing::to_vec(x32);
    GhmOracle oracle(30, 0.75, 1.0f + 1e-6f);
    const auto want = testing::ghmc_oracle(oracle, xv, y, std::vector<float>(n * c, 1.0f), 1.0);
    GHMC m(GHMCOptions().bins(30).momentum(0.75));
    auto x = x32.to(dtype).requires_grad_(true);
    const auto loss = m->forward(x, tensor_of(labels), torch::ones({n}, dtype));
    EXPECT_EQ(loss.scalar_type(), torch::kFloat);
    loss.backward();
    EXPECT_EQ(x.grad().scalar_type(), dtype);
    bool edge_risk = false;
    for (size_t j = 0; j < xv.size(); ++j) {
      const double g = std::fabs(1 / (1 + std::exp(-double(xv[j]))) - y[j]);
      edge_risk |= std::fabs(g * 30 - std::round(g * 30)) < 1e-4;
    }
    if (edge_risk) continue;  // rounding to the small type moved a logit next to an edge
    EXPECT_NEAR(loss.item<double>(), want.loss, 2e-6 * want.loss);
    EXPECT_EQ(state(m), oracle.acc);
  }
}

// More than 2^24 valid elements: the count is exact (float32 would round it) and the result is
// the reference one. All logits 0 except one element, so two bins are filled.
TEST(GHMC, CountIsExactBeyondTwoToThe24) {
  const int64_t n = (int64_t{1} << 24) / 16 + 1, c = 17;  // 17,825,809 elements
  auto x = torch::zeros({n, c});
  x[5][3] = 2.0f;  // background label -> g = sigmoid(2) ~ 0.88, bin 26 of 30
  const auto labels = torch::full({n}, c, torch::kLong);
  const auto w = torch::ones({n});
  ClassificationInputs in{x, labels, {}, w};
  const auto e = GHMC(GHMCOptions().bins(30))->edges;
  int count = 0;
  const auto* const* list = loss_kernels::available_cls_kernels(&count);
  for (int i = 0; i < count; ++i) {
    SCOPED_TRACE(list[i]->isa);
    const auto view = cls_view(in, x);
    const loss_kernels::RowBlocks blocks(n, c);
    std::vector<int64_t> counts(blocks.count * 31);
    blocks.parallel([&](int64_t b, int64_t r0, int64_t r1) {
      list[i]->ghmc_histogram(view, r0, r1, e.data_ptr<float>(), 30, &counts[b * 31]);
    });
    std::vector<int64_t> total(31, 0);
    for (int64_t b = 0; b < blocks.count; ++b)
      for (int k = 0; k < 31; ++k) total[k] += counts[b * 31 + k];
    EXPECT_EQ(total[15], n * c - 1);  // g = 0.5 exactly
    EXPECT_EQ(total[26], 1);
  }
  // Momentum 0: loss = (mean BCE of bin 15 + BCE of the other) / 2.
  GHMC m(GHMCOptions().bins(30));
  const double want = 0.5 * (std::log(2.0) + testing::bce(2.0, 0.0));
  EXPECT_NEAR(m->forward(x, labels, w).item<double>(), want, 1e-6 * want);
}

// The histogram kernel of every variant against counts made here, for bin counts on both sides
// of the 32-slot limit of the bit-sliced counter (bins + 1 <= 32) and of the two-register edge
// table, with ragged rows (cols not a multiple of 16), ignored rows and elements, NaN logits
// (slot `bins`) and a block long enough to carry out of the counter's top level many times.
// Logits are drawn so that the float64 g is not within 1e-4 of an edge: the expected bin does
// not depend on the kernels' rounding.
TEST(GHMC, HistogramKernelCountsEveryBinExactly) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> normal(-3.0, 3.0);
  for (int bins : {1, 7, 30, 31, 32, 40}) {
    for (bool labels_layout : {true, false}) {
      for (bool element_weight : {false, true}) {
        SCOPED_TRACE("bins " + std::to_string(bins) + (labels_layout ? " labels" : " target") +
                     (element_weight ? " element weights" : " row weights"));
        const int64_t rows = 700, cols = 37;
        std::vector<float> x(rows * cols), y(rows * cols, 0.0f);
        std::vector<float> w(element_weight ? rows * cols : rows);
        for (auto& v : w) v = u(rng) < 0.05 ? 0.0f : 1.0f;
        std::vector<int64_t> labels = random_labels(rows, cols, 0.3, rng);
        std::vector<int64_t> expected(bins + 1, 0);
        for (int64_t r = 0; r < rows; ++r) {
          for (int64_t c = 0; c < cols; ++c) {
            const int64_t j = r * cols + c;
            y[j] = labels_layout ? (labels[r] == c ? 1.0f : 0.0f) : (u(rng) < 0.2 ? 1.0f : 0.0f);
            const bool valid = w[element_weight ? j : r] > 0.0f;
            if (u(rng) < 0.002) {
              x[j] = std::numeric_limits<float>::quiet_NaN();
              if (valid) ++expected[bins];
              continue;
            }
            int bin = 0;
            for (;;) {
              x[j] = static_cast<float>(normal(rng));
              const double g = std::fabs(1.0 / (1.0 + std::exp(-static_cast<double>(x[j]))) - y[j]);
              const double scaled = g * bins;
              const double nearest = std::round(scaled);
              if (std::fabs(scaled - nearest) < 1e-4 * bins && nearest > 0 && nearest < bins) continue;
              bin = std::min(bins - 1, static_cast<int>(scaled));
              break;
            }
            if (valid) ++expected[bin];
          }
        }
        const auto xt = tensor_of(x).view({rows, cols});
        const auto wt = element_weight ? tensor_of(w).view({rows, cols}) : tensor_of(w);
        const auto in = labels_layout
                            ? prepare_classification_inputs("GHMC", xt, tensor_of(labels), wt)
                            : prepare_classification_inputs("GHMC", xt, tensor_of(y).view({rows, cols}), wt);
        const auto e = GHMC(GHMCOptions().bins(bins))->edges;
        int count = 0;
        const auto* const* list = loss_kernels::available_cls_kernels(&count);
        for (int i = 0; i < count; ++i) {
          SCOPED_TRACE(list[i]->isa);
          std::vector<int64_t> got(bins + 1, -1);
          list[i]->ghmc_histogram(cls_view(in, in.logits), 0, rows, e.data_ptr<float>(), bins,
                                  got.data());
          EXPECT_EQ(got, expected);
        }
      }
    }
  }
}

TEST(GHMC, StateSurvivesSaveAndLoad) {
  GHMC a(GHMCOptions().bins(30).momentum(0.75));
  const auto x = torch::randn({30, 5}) * 2;
  const auto labels = torch::randint(0, 6, {30}, torch::kLong);
  const auto w = torch::ones({30});
  a->forward(x, labels, w);
  a->forward(x * 0.5, labels, w);
  std::stringstream buffer;
  torch::save(a, buffer);
  GHMC b(GHMCOptions().bins(30).momentum(0.75));
  torch::load(b, buffer);
  EXPECT_TRUE(torch::equal(a->acc_sum, b->acc_sum));
  EXPECT_GT(a->acc_sum.sum().item<float>(), 0.0f);
  EXPECT_EQ(a->forward(x, labels, w).item<float>(), b->forward(x, labels, w).item<float>());
  EXPECT_TRUE(torch::equal(a->acc_sum, b->acc_sum));
}

// Loss and gradient bit for bit with 1, 2 and 3 threads (4 row blocks, split unevenly).
TEST(GHMC, ResultsDoNotDependOnTheThreadCount) {
  const auto labels = torch::randint(0, 21, {5000}, torch::kLong);
  const auto w = (torch::rand({5000}) > 0.1).to(torch::kFloat);
  testing::expect_same_result_for_1_2_3_threads(
      [&](const torch::Tensor& x) {
        GHMC m(GHMCOptions().bins(30).momentum(0.75));
        return m->forward(x, labels, w);
      },
      torch::randn({5000, 20}) * 3);
}

TEST(GHMC, NaNLogitMakesTheLossNaN) {
  GHMC m(GHMCOptions().bins(30).momentum(0.75));
  auto x = torch::randn({4, 3});
  x[1][2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::isnan(m->forward(x, torch::tensor({0, 3, 1, 3}), torch::ones({4})).item<float>()));
}

TEST(GHMC, BadInputsThrowClearErrors) {
  GHMC m(GHMCOptions().bins(30).momentum(0.75));
  const auto x = torch::randn({4, 3});
  auto expect_error = [&](const torch::Tensor& l, const torch::Tensor& t, const torch::Tensor& w,
                          const std::string& needle) {
    try {
      m->forward(l, t, w);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("GHMC"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  const auto labels = torch::tensor({0, 1, 2, 3});
  expect_error(torch::randn({4}), labels, torch::ones({4}), "logits");
  expect_error(torch::ones({4, 3}, torch::kLong), labels, torch::ones({4}), "logits");
  expect_error(x, torch::tensor({0, 1, 2}), torch::ones({4}), "target");
  expect_error(x, torch::ones({4}), torch::ones({4}), "integer labels");
  expect_error(x, torch::ones({4, 2}), torch::ones({4}), "target");
  expect_error(x, labels, torch::ones({3}), "label_weight");
  expect_error(x, labels, torch::ones({4, 2}), "label_weight");
  expect_error(x, labels, torch::Tensor(), "label_weight");
  EXPECT_THROW(GHMC(GHMCOptions().bins(0)), Error);
  EXPECT_THROW(GHMC(GHMCOptions().momentum(1.0)), Error);
  EXPECT_EQ(state(m), std::vector<float>(30, 0.0f));  // failed calls leave the state alone
}

}  // namespace
}  // namespace ghmdet
