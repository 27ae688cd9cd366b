// GradNormCapture: the recorded histograms of g against a naive per-element recomputation on a
// small known input, the recorded GHM weights and EMA against the loss's own formula and state,
// and no effect on the loss (value and gradient) whether armed or not.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <memory>

#include "ghmdet/losses/focal_loss.h"
#include "ghmdet/losses/ghm_c.h"
#include "ghmdet/losses/ghm_r.h"
#include "ghmdet/losses/grad_norm_capture.h"
#include "ghmdet/losses/smooth_l1_loss.h"

namespace ghmdet {
namespace {

// Naive: bin of each valid g, with the recorded layout.
struct NaiveHist {
  std::vector<int64_t> linear = std::vector<int64_t>(GradNormBins::kLinear, 0);
  std::vector<int64_t> log = std::vector<int64_t>(GradNormBins::kLog, 0);
  int64_t below = 0, valid = 0;
  void add(double g) {
    ++valid;
    linear[std::min<int64_t>(GradNormBins::kLinear - 1, static_cast<int64_t>(std::floor(g * GradNormBins::kLinear)))]++;
    if (g < 1e-6) {
      ++below;
    } else {
      const double t = (std::log10(g) - GradNormBins::kLogLow) / (GradNormBins::kLogHigh - GradNormBins::kLogLow);
      log[std::min<int64_t>(GradNormBins::kLog - 1, static_cast<int64_t>(std::floor(t * GradNormBins::kLog)))]++;
    }
  }
};

void expect_hist(const GradNormHistogram& h, const NaiveHist& n) {
  EXPECT_EQ(h.valid, n.valid);
  EXPECT_EQ(h.below_log, n.below);
  EXPECT_EQ(h.linear, n.linear);
  EXPECT_EQ(h.log, n.log);
}

// 6 anchors x 3 classes; label 3 = background, anchor 4 ignored (weight 0). Logits chosen so
// that no g lies on a bin edge.
struct ClsCase {
  torch::Tensor logits = torch::tensor({{-4.1f, 0.3f, 2.2f}, {-9.7f, -1.3f, 0.77f}, {3.3f, -0.2f, -6.1f},
                                        {1.7f, 5.3f, -2.9f}, {0.13f, 0.41f, -0.58f}, {-16.9f, 7.2f, 1.13f}});
  torch::Tensor labels = torch::tensor({0, 3, 2, 1, 0, 3}, torch::kLong);
  torch::Tensor weights = torch::tensor({1.f, 1.f, 1.f, 1.f, 0.f, 1.f});

  NaiveHist naive() const {
    NaiveHist n;
    for (int64_t i = 0; i < 6; ++i) {
      if (weights[i].item<float>() == 0) continue;
      for (int64_t c = 0; c < 3; ++c) {
        const double p = 1.0 / (1.0 + std::exp(-static_cast<double>(logits[i][c].item<float>())));
        const double y = labels[i].item<int64_t>() == c ? 1.0 : 0.0;
        n.add(std::abs(p - y));
      }
    }
    return n;
  }
};

TEST(GradNormCapture, GhmcRecordsHistogramBinsWeightsAndState) {
  ClsCase k;
  GHMC loss(GHMCOptions().bins(10).momentum(0.75));
  GHMC plain(GHMCOptions().bins(10).momentum(0.75));
  auto capture = std::make_shared<GradNormCapture>();
  loss->grad_norm_capture = capture;

  // Disarmed: nothing recorded.
  auto x0 = k.logits.clone().requires_grad_(true);
  loss->forward(x0, k.labels, k.weights);
  plain->forward(k.logits, k.labels, k.weights);
  EXPECT_TRUE(capture->take().empty());

  capture->arm();
  auto x = k.logits.clone().requires_grad_(true);
  auto y = k.logits.clone().requires_grad_(true);
  const auto armed = loss->forward(x, k.labels, k.weights);
  const auto reference = plain->forward(y, k.labels, k.weights);
  armed.backward();
  reference.backward();
  EXPECT_EQ(armed.item<float>(), reference.item<float>());
  EXPECT_TRUE(torch::equal(x.grad(), y.grad()));
  EXPECT_TRUE(torch::equal(loss->acc_sum, plain->acc_sum));

  auto records = capture->take();
  ASSERT_EQ(records.size(), 1u);
  const auto& r = records[0];
  EXPECT_EQ(r.loss, "GHMC");
  EXPECT_EQ(r.role, "cls");
  const NaiveHist n = k.naive();
  expect_hist(r.histogram, n);

  // GHM bins: 10 equal bins of the same g; counts, tot = 15 valid, beta = tot / (A_k * n).
  ASSERT_EQ(r.ghm_counts.size(), 10u);
  std::vector<int64_t> counts(10, 0);
  for (size_t b = 0; b < n.linear.size(); ++b) counts[b / 10] += n.linear[b];
  EXPECT_EQ(r.ghm_counts, counts);
  EXPECT_EQ(r.ghm_tot, 15.0);
  int nonempty = 0;
  for (auto c : counts) nonempty += c > 0;
  ASSERT_EQ(r.ghm_acc_sum.size(), 10u);
  for (int b = 0; b < 10; ++b) {
    EXPECT_FLOAT_EQ(static_cast<float>(r.ghm_acc_sum[b]), loss->acc_sum[b].item<float>());
    const double expect = counts[b] ? 15.0 / r.ghm_acc_sum[b] / nonempty : 0.0;
    EXPECT_NEAR(r.ghm_beta[b], expect, 1e-5 * std::max(1.0, expect)) << "bin " << b;
  }
  capture->disarm();
}

TEST(GradNormCapture, GhmrRecordsItsG) {
  const auto pred = torch::tensor({{0.5f, -0.01f, 0.003f, 2.0f}, {0.1f, 0.2f, 0.3f, 0.4f}, {1.f, 1.f, 1.f, 1.f}});
  const auto target = torch::tensor({{0.f, 0.f, 0.f, 0.f}, {0.13f, -0.2f, 0.33f, 0.4001f}, {0.f, 0.f, 0.f, 0.f}});
  const auto weight = torch::tensor({{1.f, 1.f, 1.f, 1.f}, {1.f, 1.f, 1.f, 1.f}, {0.f, 0.f, 0.f, 0.f}});
  GHMR loss(GHMROptions().mu(0.02).bins(10).momentum(0.7));
  auto capture = std::make_shared<GradNormCapture>();
  loss->grad_norm_capture = capture;
  capture->arm();
  loss->forward(pred, target, weight);
  const auto records = capture->take();
  ASSERT_EQ(records.size(), 1u);
  NaiveHist n;
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 4; ++j) {
      const double d = static_cast<double>(pred[i][j].item<float>() - target[i][j].item<float>());
      n.add(std::abs(d) / std::sqrt(d * d + 0.02 * 0.02));
    }
  }
  expect_hist(records[0].histogram, n);
  EXPECT_EQ(records[0].loss, "GHMR");
  EXPECT_EQ(records[0].role, "reg");
  EXPECT_EQ(records[0].ghm_tot, 8.0);
  EXPECT_FLOAT_EQ(static_cast<float>(records[0].ghm_acc_sum[9]), loss->acc_sum[9].item<float>());
}

TEST(GradNormCapture, BaselinesRecordTheirGradientNorms) {
  ClsCase k;
  FocalLoss focal;
  SmoothL1Loss sl1(SmoothL1LossOptions().beta(0.11));
  auto capture = std::make_shared<GradNormCapture>();
  focal->grad_norm_capture = capture;
  sl1->grad_norm_capture = capture;
  capture->arm();
  focal->forward(k.logits, k.labels, k.weights, 3.0);
  const auto pred = torch::tensor({{0.05f, -0.3f}, {0.2f, 0.013f}});
  sl1->forward(pred, torch::zeros({2, 2}), torch::tensor({{1.f, 1.f}, {1.f, 0.f}}), 2.0);
  const auto records = capture->take();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].loss, "FocalLoss");
  expect_hist(records[0].histogram, k.naive());
  EXPECT_TRUE(records[0].ghm_counts.empty());
  EXPECT_EQ(records[1].loss, "SmoothL1Loss");
  NaiveHist n;
  for (double d : {0.05f, 0.3f, 0.2f}) n.add(std::min(1.0, d / 0.11));
  expect_hist(records[1].histogram, n);
}

TEST(GradNormCapture, HistogramEdgesAndInvalid) {
  const auto g = torch::tensor({0.0f, 1.0f, 1e-7f, 0.5f, NAN, 0.25f});
  const auto valid = torch::tensor({true, true, true, true, true, false});
  const auto h = grad_norm_histogram(g, valid);
  EXPECT_EQ(h.valid, 5);
  EXPECT_EQ(h.linear[0], 2);   // 0 and 1e-7
  EXPECT_EQ(h.linear[50], 1);  // 0.5
  EXPECT_EQ(h.linear[99], 1);  // 1 goes into the last bin
  EXPECT_EQ(h.below_log, 2);
  EXPECT_EQ(h.log[59], 1);  // g = 1
  int64_t total = 0;
  for (auto c : h.linear) total += c;
  EXPECT_EQ(total, 4);  // NaN is valid but binned nowhere
}

}  // namespace
}  // namespace ghmdet
