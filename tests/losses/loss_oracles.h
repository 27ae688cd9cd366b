// Naive reference implementations for the loss tests. They share no code with
// src/ghmdet/losses: plain loops over std::vector, double precision, one bin at a time
// (the way the reference Python does it), float32 only where the reference is float32
// (edges, g, the EMA state and the bin weights).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace ghmdet::testing {

struct GhmOracleResult {
  double loss = 0.0;
  std::vector<double> grad;  // d loss / d input, per element
};

// Bins of the reference: edges fl32(k/bins), last edge given; per-bin loop; state in float32.
struct GhmOracle {
  int bins;
  double momentum;
  float last_edge;
  std::vector<float> acc;  // the EMA state

  GhmOracle(int bins_, double momentum_, float last_edge_)
      : bins(bins_), momentum(momentum_), last_edge(last_edge_), acc(bins_, 0.0f) {}

  float edge(int k) const;
  // g: float32 gradient norms; valid: weight > 0; tot: reference tot (>= 1); per-element loss
  // values and their derivatives (d l / d input). Returns loss * loss_weight / tot and grads.
  GhmOracleResult run(const std::vector<float>& g, const std::vector<bool>& valid, double tot,
                      const std::vector<double>& elem_loss, const std::vector<double>& elem_dloss,
                      double loss_weight);
};

// GHM-C on x [N*C] with dense y and element weights.
GhmOracleResult ghmc_oracle(GhmOracle& o, const std::vector<float>& x, const std::vector<float>& y,
                            const std::vector<float>& w, double loss_weight);
// GHM-R on pred/target/weight flat.
GhmOracleResult ghmr_oracle(GhmOracle& o, const std::vector<float>& pred,
                            const std::vector<float>& target, const std::vector<float>& w,
                            double mu, double loss_weight);

// sigmoid in double, rounded once to float32.
float sigmoid_f(float x);
double bce(double x, double y);

std::vector<float> to_vec(const torch::Tensor& t);  // any dtype/shape -> flat float
// One-hot of labels (0..C-1 class, else background) as flat [N*C].
std::vector<float> one_hot(const std::vector<int64_t>& labels, int64_t c);
// Row weights broadcast to [N*C].
std::vector<float> broadcast_rows(const std::vector<float>& w, int64_t c);

// Logits whose g = |sigmoid(x) - y| is at least 1e-5 away from every GHM edge k/bins, so that
// a 1-ulp difference in sigmoid cannot move an element across an edge.
torch::Tensor logits_away_from_edges(int64_t n, int64_t c, const std::vector<float>& y, int bins,
                                     double scale, uint64_t seed);

}  // namespace ghmdet::testing
