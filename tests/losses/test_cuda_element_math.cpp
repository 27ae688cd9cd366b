// The per-element logic of the CUDA loss kernels (losses/cuda/element_math.cuh), compiled here
// as plain C++ so that it is tested in every build, GPU or not: the GHM slot against a linear
// search over the edges (a naive oracle) at and around every edge, the logit terms and BCE
// against double precision, and the reading of the four input layouts against dense_target().
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ghmdet/losses/cuda/element_math.cuh"
#include "ghmdet/losses/ghm_state.h"
#include "ghmdet/losses/loss_inputs.h"

namespace ghmdet {
namespace {

namespace k = loss_kernels::cuda;

// k with edges[k] <= g < edges[k+1], or `bins`.
int linear_slot(float g, const float* e, int bins) {
  for (int k = 0; k < bins; ++k) {
    if (g >= e[k] && g < e[k + 1]) return k;
  }
  return bins;
}

void expect_slots_match(int bins, float last_edge) {
  const auto edges_t = ghm_edges(bins, last_edge);
  const float* e = edges_t.data_ptr<float>();
  std::vector<float> gs{0.0f, -0.0f, -1e-7f, 1.0f, 1.0f + 1e-6f, 2.0f, 999.0f, 1000.0f,
                        std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()};
  for (int j = 0; j <= bins; ++j) {
    float g = e[j];
    for (int step = 0; step < 4; ++step) g = std::nextafter(g, -1.0f);
    for (int step = 0; step < 9; ++step, g = std::nextafter(g, 2000.0f)) gs.push_back(g);
  }
  for (int i = 0; i <= 100000; ++i) gs.push_back(static_cast<float>(i) / 100000.0f);
  for (const float g : gs) {
    ASSERT_EQ(k::ghm_slot(g, e, bins), linear_slot(g, e, bins)) << "g = " << g << ", bins " << bins;
  }
}

TEST(CudaElementMath, GhmSlotIsTheLinearSearchsBin) {
  for (const int bins : {1, 10, 30, 31, 64, 100}) {
    expect_slots_match(bins, 1.0f + 1e-6f);  // GHM-C's last edge
    expect_slots_match(bins, 1000.0f);       // GHM-R's
  }
}

TEST(CudaElementMath, LogitTermsAndBceMatchDoublePrecision) {
  for (int i = -4000; i <= 4000; ++i) {
    const float x = static_cast<float>(i) / 40.0f;  // -100 .. 100
    const k::LogitTerms t = k::logit_terms(x);
    const double p = 1.0 / (1.0 + std::exp(-static_cast<double>(x)));
    EXPECT_NEAR(t.p, p, 1e-7 + 1e-6 * p) << x;
    EXPECT_NEAR(t.omp, 1.0 - p, 1e-7 + 1e-6 * (1.0 - p)) << x;
    for (const float y : {0.0f, 1.0f, 0.3f}) {
      const double ref = std::max(static_cast<double>(x), 0.0) - static_cast<double>(x) * y +
                         std::log1p(std::exp(-std::fabs(static_cast<double>(x))));
      EXPECT_NEAR(k::bce(x, y, t.e), ref, 2e-6 * (1.0 + std::fabs(ref))) << x << " " << y;
    }
  }
  EXPECT_EQ(k::logit_terms(0.0f).p, 0.5f);  // sigmoid(0) exactly, as the CPU kernels
}

TEST(CudaElementMath, ElementsReadEveryLayoutAsDenseTarget) {
  torch::manual_seed(21);
  const int64_t n = 50, c = 6;
  const auto x = torch::randn({n, c});
  const auto labels = torch::randint(0, c + 1, {n}, torch::kInt64);  // c: background
  const auto soft = torch::rand({n, c});
  const auto row_w = (torch::rand({n}) > 0.3).to(torch::kFloat);
  const auto elem_w = (torch::rand({n, c}) > 0.3).to(torch::kFloat);
  for (int layout = 0; layout < 4; ++layout) {
    ClassificationInputs in;
    in.logits = x;
    (layout % 2 == 0 ? in.labels : in.target) = layout % 2 == 0 ? labels : soft;
    in.weight = layout < 2 ? row_w : elem_w;
    const auto y = dense_target(in);
    const auto w = in.weight_per_element() ? in.weight : in.weight.unsqueeze(1).expand({n, c});
    const auto view = cls_view(in, x);
    for (int64_t i = 0; i < n * c; ++i) {
      const k::ClsElement el = k::cls_element(view, i);
      const int64_t r = i / c, col = i % c;
      ASSERT_EQ(el.x, x[r][col].item<float>()) << "layout " << layout << " element " << i;
      ASSERT_EQ(el.y, y[r][col].item<float>()) << "layout " << layout << " element " << i;
      ASSERT_EQ(el.w, w[r][col].item<float>()) << "layout " << layout << " element " << i;
      ASSERT_EQ(el.valid, w[r][col].item<float>() > 0.0f) << "layout " << layout << " element " << i;
    }
  }
}

TEST(CudaElementMath, GridSizeDependsOnlyOnTheElementCount) {
  EXPECT_EQ(k::grid_for(0), 1);
  EXPECT_EQ(k::grid_for(1), 1);
  EXPECT_EQ(k::grid_for(k::kThreads + 1), 2);
  EXPECT_EQ(k::grid_for(int64_t{1} << 40), k::kMaxBlocks);
}

}  // namespace
}  // namespace ghmdet
