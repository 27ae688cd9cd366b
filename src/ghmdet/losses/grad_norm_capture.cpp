#include "ghmdet/losses/grad_norm_capture.h"

#include "ghmdet/losses/grad_norm_binning.h"

namespace ghmdet {

GradNormHistogram grad_norm_histogram(const torch::Tensor& g, const torch::Tensor& valid) {
  torch::NoGradGuard no_grad;
  TORCH_CHECK(g.sizes() == valid.sizes(), "grad_norm_histogram: g ", g.sizes(), " but valid ",
              valid.sizes());
  const auto gc = g.detach().to(torch::kCPU, torch::kFloat).contiguous().reshape({-1});
  const auto vc = valid.to(torch::kCPU, torch::kBool).contiguous().reshape({-1});
  const float* gp = gc.data_ptr<float>();
  const bool* vp = vc.data_ptr<bool>();
  // One "row" per element: blocks of 32768 elements.
  return bin_grad_norms(gc.numel(), 1, nullptr, 0, [&](int64_t i, auto&& add) {
           if (vp[i]) add(gp[i]);
         }).histogram;
}

}  // namespace ghmdet
