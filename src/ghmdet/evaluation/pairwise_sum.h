// numpy_mean — the mean numpy's np.mean computes for a contiguous float64 or float32 vector.
//
// numpy sums with an 8-way unrolled pairwise summation (blocks of 128); pycocotools' summary
// numbers are np.mean over the defined precision/recall entries, so summing in the same order
// keeps our figures equal to theirs to the last bit or so, not only to rounding.
#pragma once

#include <cstddef>
#include <limits>
#include <vector>

namespace ghmdet::detail {

template <typename T>
T numpy_pairwise_sum(const T* a, std::size_t n) {
  if (n < 8) {
    T res = 0.;
    for (std::size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    T r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    }
    T res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return numpy_pairwise_sum(a, n2) + numpy_pairwise_sum(a + n2, n - n2);
}

// Mean of `values` in their own precision (numpy accumulates float32 in float32), or
// `empty_value` when there are none (pycocotools' -1 convention).
template <typename T>
T numpy_mean(const std::vector<T>& values, T empty_value) {
  if (values.empty()) return empty_value;
  return (T(0) + numpy_pairwise_sum(values.data(), values.size())) / static_cast<T>(values.size());
}

}  // namespace ghmdet::detail
