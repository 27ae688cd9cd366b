#include "ghmdet/engine/distributed/bucket_plan.h"

#include <fmt/format.h>

#include "ghmdet/core/error.h"

namespace ghmdet {

BucketPlan plan_buckets(const std::vector<torch::Tensor>& params, int64_t bucket_bytes) {
  if (bucket_bytes <= 0) {
    throw Error(fmt::format("dist_params.bucket_size_mb: must be > 0, got {} bytes", bucket_bytes));
  }
  BucketPlan plan;
  std::vector<size_t> current;
  int64_t current_bytes = 0;
  for (size_t k = params.size(); k-- > 0;) {
    const torch::Tensor& p = params[k];
    const int64_t bytes = p.numel() * static_cast<int64_t>(p.element_size());
    const bool compatible = current.empty() || (params[current.front()].scalar_type() ==
                                                    p.scalar_type() &&
                                                params[current.front()].device() == p.device());
    if (!current.empty() && (!compatible || current_bytes + bytes > bucket_bytes)) {
      plan.buckets.push_back(std::move(current));
      current.clear();
      current_bytes = 0;
    }
    current.push_back(k);
    current_bytes += bytes;
  }
  if (!current.empty()) plan.buckets.push_back(std::move(current));
  return plan;
}

}  // namespace ghmdet
