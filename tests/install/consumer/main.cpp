// A user's program: only the umbrella header and the installed package.
#include <ghmdet/ghmdet.h>

#include <iostream>

int main() {
  ghmdet::GHMC ghmc(ghmdet::GHMCOptions().bins(30).momentum(0.75).loss_weight(1.0));
  auto logits = torch::zeros({4, 3});
  auto labels = torch::tensor({0, 1, 3, 2}, torch::kLong);  // 3 = background
  auto weights = torch::ones({4});
  auto loss = ghmc->forward(logits, labels, weights);
  // All g are 0.5 at logit 0: one bin, first call, momentum 0.75 -> weight 4, loss 4 * log(2).
  const double expected = 4.0 * std::log(2.0);
  if (std::abs(loss.item<double>() - expected) > 1e-5) {
    std::cerr << "unexpected GHM-C loss " << loss.item<double>() << "\n";
    return 1;
  }
  std::cout << "ghmdet consumer ok\n";
  return 0;
}
