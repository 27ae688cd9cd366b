// Fixed-size row blocks for the fused CPU kernels.
//
// Blocks hold about kBlockElements elements whatever the thread count, and per-block partial
// results are reduced in block order, so the fused losses are bit-identical for any number of
// threads. Blocks run on torch's intra-op pool (at::parallel_for).
#pragma once

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>

namespace ghmdet::loss_kernels {

struct RowBlocks {
  static constexpr int64_t kBlockElements = 32768;
  int64_t rows = 0, rows_per_block = 1, count = 0;

  RowBlocks(int64_t rows_, int64_t cols)
      : rows(rows_), rows_per_block(std::max<int64_t>(1, kBlockElements / std::max<int64_t>(1, cols))),
        count((rows_ + rows_per_block - 1) / rows_per_block) {}

  // fn(block, row_begin, row_end) for every block, in parallel.
  template <class Fn>
  void parallel(Fn&& fn) const {
    at::parallel_for(0, count, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        fn(b, b * rows_per_block, std::min(rows, (b + 1) * rows_per_block));
      }
    });
  }
};

}  // namespace ghmdet::loss_kernels
