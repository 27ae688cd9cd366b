#include "loss_oracles.h"

#include <cmath>
#include <random>

namespace ghmdet::testing {

float GhmOracle::edge(int k) const {
  if (k == bins) return last_edge;
  return static_cast<float>(k) / static_cast<float>(bins);
}

GhmOracleResult GhmOracle::run(const std::vector<float>& g, const std::vector<bool>& valid,
                               double tot, const std::vector<double>& elem_loss,
                               const std::vector<double>& elem_dloss, double loss_weight) {
  const size_t n_el = g.size();
  std::vector<float> beta(n_el, 0.0f);
  int n = 0;
  for (int i = 0; i < bins; ++i) {
    std::vector<size_t> inds;
    for (size_t j = 0; j < n_el; ++j) {
      if (valid[j] && g[j] >= edge(i) && g[j] < edge(i + 1)) inds.push_back(j);
    }
    const int64_t num = static_cast<int64_t>(inds.size());
    if (num == 0) continue;
    float wt;
    if (momentum > 0) {
      volatile float decayed = static_cast<float>(momentum) * acc[i];
      volatile float fresh = static_cast<float>((1.0 - momentum) * static_cast<double>(num));
      acc[i] = decayed + fresh;
      volatile float inv = 1.0f / acc[i];
      wt = inv * static_cast<float>(tot);
    } else {
      wt = static_cast<float>(tot / static_cast<double>(num));
    }
    for (size_t j : inds) beta[j] = wt;
    ++n;
  }
  GhmOracleResult r;
  r.grad.assign(n_el, 0.0);
  if (n > 0) {
    for (auto& b : beta) b = b / static_cast<float>(n);
  }
  double sum = 0.0;
  for (size_t j = 0; j < n_el; ++j) {
    if (beta[j] != 0.0f) sum += beta[j] * elem_loss[j];
    r.grad[j] = loss_weight * beta[j] / tot * elem_dloss[j];
  }
  r.loss = loss_weight * sum / tot;
  return r;
}

float sigmoid_f(float x) { return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(x)))); }

double bce(double x, double y) { return std::max(x, 0.0) - x * y + std::log1p(std::exp(-std::fabs(x))); }

GhmOracleResult ghmc_oracle(GhmOracle& o, const std::vector<float>& x, const std::vector<float>& y,
                            const std::vector<float>& w, double loss_weight) {
  std::vector<float> g(x.size());
  std::vector<bool> valid(x.size());
  std::vector<double> l(x.size()), dl(x.size());
  int64_t count = 0;
  for (size_t j = 0; j < x.size(); ++j) {
    g[j] = std::fabs(sigmoid_f(x[j]) - y[j]);
    valid[j] = w[j] > 0;
    count += valid[j];
    l[j] = bce(x[j], y[j]);
    dl[j] = 1.0 / (1.0 + std::exp(-static_cast<double>(x[j]))) - y[j];
  }
  return o.run(g, valid, std::max<double>(count, 1.0), l, dl, loss_weight);
}

GhmOracleResult ghmr_oracle(GhmOracle& o, const std::vector<float>& pred,
                            const std::vector<float>& target, const std::vector<float>& w,
                            double mu, double loss_weight) {
  std::vector<float> g(pred.size());
  std::vector<bool> valid(pred.size());
  std::vector<double> l(pred.size()), dl(pred.size());
  double tot = 0.0;
  const float mu2 = static_cast<float>(mu * mu);
  for (size_t j = 0; j < pred.size(); ++j) {
    const float d = pred[j] - target[j];
    volatile float dd = d * d;
    const float s = std::sqrt(dd + mu2);
    g[j] = std::fabs(d / s);
    valid[j] = w[j] > 0;
    if (valid[j]) tot += w[j];
    const double dd64 = static_cast<double>(d);
    l[j] = std::sqrt(dd64 * dd64 + mu * mu) - mu;
    dl[j] = dd64 / std::sqrt(dd64 * dd64 + mu * mu);
  }
  return o.run(g, valid, std::max(tot, 1.0), l, dl, loss_weight);
}

std::vector<float> to_vec(const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kCPU, torch::kFloat).contiguous().reshape({-1});
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

std::vector<float> one_hot(const std::vector<int64_t>& labels, int64_t c) {
  std::vector<float> y(labels.size() * c, 0.0f);
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= 0 && labels[i] < c) y[i * c + labels[i]] = 1.0f;
  }
  return y;
}

std::vector<float> broadcast_rows(const std::vector<float>& w, int64_t c) {
  std::vector<float> out(w.size() * c);
  for (size_t i = 0; i < out.size(); ++i) out[i] = w[i / c];
  return out;
}

torch::Tensor logits_away_from_edges(int64_t n, int64_t c, const std::vector<float>& y, int bins,
                                     double scale, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, scale);
  auto x = torch::empty({n, c}, torch::kFloat);
  float* p = x.data_ptr<float>();
  for (int64_t j = 0; j < n * c; ++j) {
    for (;;) {
      const float v = static_cast<float>(normal(rng));
      const double g = std::fabs(1.0 / (1.0 + std::exp(-static_cast<double>(v))) - y[j]);
      const double nearest = std::round(g * bins) / bins;
      if (std::fabs(g - nearest) > 1e-5) {
        p[j] = v;
        break;
      }
    }
  }
  return x;
}

}  // namespace ghmdet::testing
