#include "ghmdet/losses/grad_norm_capture.h"

#include <cmath>

namespace ghmdet {

namespace {

std::vector<int64_t> to_counts(const torch::Tensor& histc) {
  // histc returns float counts; they are exact integers up to 2^24 per bin, and a bin of one
  // level never holds more elements than that in a detector's batch.
  const auto h = histc.to(torch::kCPU, torch::kDouble).contiguous();
  const double* p = h.data_ptr<double>();
  std::vector<int64_t> out(static_cast<size_t>(h.numel()));
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<int64_t>(std::llround(p[i]));
  return out;
}

}  // namespace

GradNormHistogram grad_norm_histogram(const torch::Tensor& g, const torch::Tensor& valid) {
  torch::NoGradGuard no_grad;
  TORCH_CHECK(g.sizes() == valid.sizes(), "grad_norm_histogram: g ", g.sizes(), " but valid ",
              valid.sizes());
  // Double so that the bin of a value is decided exactly, not after a float32 rescale.
  const auto v = g.detach().masked_select(valid.to(torch::kBool)).to(torch::kDouble);
  const auto finite = v.masked_select(v.isfinite());
  GradNormHistogram h;
  h.valid = v.numel();
  // histc puts a value equal to max into the last bin, so g = 1 is counted in [0.99, 1].
  h.linear = to_counts(torch::histc(finite, GradNormBins::kLinear, 0.0, 1.0));
  const auto tiny = std::pow(10.0, GradNormBins::kLogLow);
  const auto above = finite.masked_select(finite >= tiny);
  h.below_log = finite.numel() - above.numel();
  h.log = to_counts(torch::histc(above.log10(), GradNormBins::kLog, GradNormBins::kLogLow,
                                 GradNormBins::kLogHigh));
  return h;
}

}  // namespace ghmdet
