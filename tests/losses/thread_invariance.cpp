#include "thread_invariance.h"

#include <gtest/gtest.h>

#include <vector>

namespace ghmdet::testing {

void expect_same_result_for_1_2_3_threads(const std::function<torch::Tensor(const torch::Tensor&)>& loss_of,
                                          const torch::Tensor& input) {
  const int threads = torch::get_num_threads();
  std::vector<float> losses;
  std::vector<torch::Tensor> grads;
  for (int t : {1, 2, 3}) {
    torch::set_num_threads(t);
    auto x = input.clone().requires_grad_(true);
    const auto loss = loss_of(x);
    loss.backward();
    losses.push_back(loss.item<float>());
    grads.push_back(x.grad());
  }
  torch::set_num_threads(threads);
  EXPECT_EQ(losses[0], losses[1]);
  EXPECT_EQ(losses[0], losses[2]);
  EXPECT_TRUE(torch::equal(grads[0], grads[1]));
  EXPECT_TRUE(torch::equal(grads[0], grads[2]));
}

}  // namespace ghmdet::testing
